"""sx: oci."""
