"""sx: stage1, from M0 to C compilers (cc0 in M0, cc1 in cc0's C subset) and mes."""
