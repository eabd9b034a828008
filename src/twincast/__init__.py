"""twincast: a CPU-first digital-human studio (talking avatars, live commerce, zh + en)."""

__version__ = "0.1.0"
