"""sx: toolchain."""
