"""Driving: speech timings -> per-frame face controls (visemes, blinks, head motion)."""
