"""datasets_synthetic package."""
