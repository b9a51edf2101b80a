"""Fixtures for the garbage collector's tests (defined in gc_support.py).

``root`` and ``store`` come from tests/conftest.py.
"""

from gc_support import helper, sx

__all__ = ["helper", "sx"]
