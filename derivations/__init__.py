"""sx: derivations."""
