"""sx: stage0."""
