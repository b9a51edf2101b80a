"""sx: build."""
