"""Build hook for the C extensions; everything else is in pyproject.toml.

``sx.store._narfill`` fills archive segments without the GIL (store/_narfill.c).
It is optional: without a C compiler sx installs and runs on the pure-Python
loop, which gives the same bytes, more slowly (tests/store/test_narfill.py
requires it where the test suite runs, so CI cannot lose it unnoticed).

``sx.derivations.build._spawn`` starts a build's processes (the namespace
holder, bwrap with its limits and parent-death signal) without a helper
program for each step (derivations/build/_spawn.c). It is required: Python
has no other way to make these system calls between fork and exec.
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
        Extension(
            "sx.derivations.build._spawn",
            ["derivations/build/_spawn.c"],
            extra_compile_args=["-O2", "-Wall", "-Wextra", "-Werror=implicit-function-declaration"],
            # Every symbol bound at load: the holder shares sx's memory, and must
            # not run the dynamic linker's lazy binding next to sx's threads.
            extra_link_args=["-Wl,-z,now"],
        ),
    ],
)
