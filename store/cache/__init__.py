"""sx: cache."""
