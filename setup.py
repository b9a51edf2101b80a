"""Build hook for the one C extension; everything else is in pyproject.toml.

``sx.store._narfill`` fills archive segments without the GIL (store/_narfill.c).
It is optional: without a C compiler sx installs and runs on the pure-Python
loop, which gives the same bytes, more slowly (tests/store/test_narfill.py
requires it where the test suite runs, so CI cannot lose it unnoticed).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "sx.store._narfill",
            ["store/_narfill.c"],
            extra_compile_args=["-O2", "-Wall", "-Wextra", "-Werror=implicit-function-declaration"],
            optional=True,
        ),
    ],
)
