"""Voice profiles: make the avatar sound like a person, from 1-5 minutes of their recordings.

``build_profile`` checks and analyses the recordings into a :class:`VoiceProfile` (``.voice``
file); ``profile_transforms`` turns it into per-language router transforms that convert every
engine's output (see :mod:`.convert` for the method, docs/voice.md for the measurements).
"""

from .apply import ProfileTransform, calibration, profile_transforms
from .audio import MIN_SPEECH_S, load_recording, load_recordings
from .convert import ProfileConverter, SourceStats
from .profile import VoiceProfile, build_profile

__all__ = ["VoiceProfile", "build_profile", "ProfileConverter", "SourceStats", "ProfileTransform",
           "profile_transforms", "calibration", "load_recording", "load_recordings", "MIN_SPEECH_S"]
