"""Voice: text -> speech audio with phoneme timings, behind one engine interface."""
