"""progress_api package."""
