"""courses package."""
