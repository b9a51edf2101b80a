"""sx: bootstrap."""
