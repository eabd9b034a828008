"""Short videos from templates (product promos, property tours), one at a time or in batch."""
