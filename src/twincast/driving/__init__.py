"""driving stage."""
