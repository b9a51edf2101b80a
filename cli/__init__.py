"""sx: cli."""
