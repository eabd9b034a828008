"""twincast: a CPU-first digital-human studio (talking avatars, live commerce, zh + en)."""

__version__ = "0.1.0"

import os as _os

# mediapipe and TFLite log start-up chatter to stderr through glog/absl; users should only
# see twincast's own messages. Set before any of them is imported.
_os.environ.setdefault("GLOG_minloglevel", "2")
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
