"""``twincast.yaml``: the one configuration file (models.py), loading with clear errors
(load.py), the commented template (template.py) and the engine probe (check.py)."""

from .load import load_config
from .models import TwincastConfig, VoiceSpec

__all__ = ["TwincastConfig", "VoiceSpec", "load_config"]
