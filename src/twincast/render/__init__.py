"""Rendering: per-frame controls -> face canvas -> composited broadcast frame."""
