"""Fixtures for the garbage collector's tests (defined in gc_support.py)."""

from gc_support import helper, root, store, sx

__all__ = ["helper", "root", "store", "sx"]
