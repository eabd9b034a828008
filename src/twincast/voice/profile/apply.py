"""Wiring a profile into the voice router: one converter per language engine.

The mapping needs to know how each TTS voice sounds *before* conversion (its frame
distribution and pitch): :func:`calibration` synthesises a fixed set of sentences with the raw
engine once (about 30 s of speech, ~10 s of CPU for Piper) and caches the statistics under
``<twincast home>/voice/``, keyed by engine, language and the calibration text, so later runs
start at once. ``twincast voice build`` warms this cache for the default English voice.
"""

from __future__ import annotations

import hashlib
import logging
import threading

import numpy as np

from twincast import paths

from ...paths import temp_sibling
from .convert import ProfileConverter, SourceStats
from .profile import VoiceProfile

log = logging.getLogger(__name__)
CALIBRATION_VERSION = 3
CALIBRATION_TEXT = {
    "en": ["Good evening and welcome to our little studio, where we talk about everyday things.",
           "The weather this morning was cold and grey, but by noon the sun had come out over "
           "the hills.",
           "Please remember to switch off your phone, take a seat, and enjoy the rest of the "
           "programme.",
           "My brother bought a bicycle last summer and rode it all the way to the sea and back.",
           "Numbers like seven, forty two and one thousand are read out slowly and clearly.",
           "She asked whether the museum would open early on Sunday, and nobody knew the answer.",
           "Fresh bread, cheese, apples and a bottle of water were all we needed for the trip."],
    "zh": ["大家晚上好，欢迎来到我们的小演播室，今天聊一聊生活里的小事情。",
           "今天早上天气又冷又阴，到了中午太阳才从山那边出来。",
           "请把手机调成静音，找个位置坐下，好好享受接下来的节目。",
           "我弟弟去年夏天买了一辆自行车，一路骑到海边又骑了回来。",
           "七、四十二和一千这样的数字，我们会读得又慢又清楚。",
           "她问博物馆星期天会不会早一点开门，可是没有人知道答案。",
           "新鲜的面包、奶酪、苹果和一瓶水，就是这次旅行需要的全部东西。"],
}
#: Per-language converter settings, chosen on the dev split (docs/voice.md). Mandarin keeps the
#: voice's own pitch range (tones carry meaning) and first scales the envelope's frequency axis
#: by the formant ratio person / voice ("auto": ~0.92-0.95 from the female zh voice to the
#: male profiles we can test), so the map has less to bend and can keep the English floor;
#: the map may shrink but never amplify a direction of spectral variation (ceiling 1.0: see
#: convert.gaussian_ot).
LANGUAGE_SETTINGS: dict[str, dict] = {"zh": {"pitch_range": 1.0, "floor": 0.6, "warp": "auto",
                                             "ceiling": 1.0}}
_lock = threading.Lock()
_memory: dict[str, SourceStats] = {}


def _real(engine):
    """The engine behind a lazy wrapper (its name says which voice really speaks)."""
    factory = getattr(engine, "_factory", None)
    return factory() if factory is not None else engine


def calibration(engine, lang: str) -> SourceStats:
    """Statistics of ``engine``'s own voice in ``lang`` (cached in memory and on disk)."""
    real = _real(engine)
    texts = CALIBRATION_TEXT.get(lang, CALIBRATION_TEXT["en"])
    digest = hashlib.sha1(("\n".join(texts) + f"|v{CALIBRATION_VERSION}").encode()).hexdigest()
    key = f"{getattr(real, 'name', type(real).__name__)}-{lang}-{digest[:12]}"
    with _lock:
        if key in _memory:
            return _memory[key]
        folder = paths.home() / "voice"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"calibration-{key}.npz"
        stats = None
        if path.exists():
            try:
                with np.load(path) as data:
                    stats = SourceStats.from_arrays(data)
            except (OSError, ValueError, KeyError):
                log.warning("calibration cache %s unreadable; recomputing", path)
        if stats is None:
            speeches = [s for t in texts for s in real.synthesize(t, lang)]
            stats = SourceStats.from_speech(speeches)
            tmp = temp_sibling(path, ".npz")
            np.savez_compressed(tmp, **stats.to_arrays())
            tmp.replace(path)
        _memory[key] = stats
        return stats


class ProfileTransform:
    """A router transform for one language: converts each engine output to the profile's
    voice. The converter (and the engine calibration) is made on first use."""

    def __init__(self, profile: VoiceProfile, engine, lang: str, method: str = "ot") -> None:
        self.profile, self.engine, self.lang, self.method = profile, engine, lang, method
        self._converter: ProfileConverter | None = None
        self._lock = threading.Lock()

    @property
    def converter(self) -> ProfileConverter:
        with self._lock:
            if self._converter is None:
                self._converter = ProfileConverter(self.profile, calibration(self.engine, self.lang),
                                                   method=self.method,
                                                   **LANGUAGE_SETTINGS.get(self.lang, {}))
            return self._converter

    def __call__(self, speech):
        return self.converter.convert(speech)


def profile_transforms(profile: VoiceProfile, engines: dict, method: str = "ot") -> dict:
    """``{lang: ProfileTransform}`` for every engine of a router."""
    return {lang: ProfileTransform(profile, engine, lang, method) for lang, engine in engines.items()}
