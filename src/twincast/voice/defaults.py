"""The default voices: which engine speaks which language for an avatar.

Piper's joe (en, male) and the converted FastSpeech2 voice (zh, female) are the best neural
voices that install offline. An avatar records a voice preset; ``female`` lifts joe's pitch
and formants so one avatar does not switch sex between languages.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata

from ..errors import TwincastError
from .base import Speech

log = logging.getLogger(__name__)
PRESETS = ("female", "male")
PRECISION_CHOICES = ("auto", "fp32", "int8", "int4")
# Chosen by benchmarks/voice.py (table in docs/voice-engines.md): a quantised model becomes the
# default only where it is faster AND loses at most one point of WER/CER. Piper int8 needs 2.4x
# the CPU time of fp32 (onnxruntime's ConvInteger is slower than its float Conv on AVX2), so
# English stays fp32; the Mandarin int8 model needs ~9 % less CPU time with no CER loss and
# phone timings within two frames. int4 was no faster than int8 for Mandarin.
DEFAULT_PRECISION = {"en": "fp32", "zh": "int8"}


def precision_for(lang: str, precision: str | None = None) -> str:
    """The model precision for ``lang``: the argument (``--precision`` or the config file's
    ``voices.LANG.precision``), else the measured default ("auto"). No environment variable:
    settings travel as arguments, only secrets live in the environment."""
    chosen = precision or "auto"
    if chosen not in PRECISION_CHOICES:
        raise TwincastError(f"unknown precision {chosen!r}",
                            f"use one of: {', '.join(PRECISION_CHOICES)}")
    return DEFAULT_PRECISION.get(lang, "fp32") if chosen == "auto" else chosen


@functools.lru_cache(maxsize=3)
def _english(precision: str = "fp32", stream_first_clause: bool = True):
    from .piper_engine import PiperEngine

    return PiperEngine(precision=precision, stream_first_clause=stream_first_clause)


@functools.lru_cache(maxsize=3)
def _mandarin(precision: str = "fp32"):
    try:
        from .zh_engine import MandarinEngine

        try:
            engine = MandarinEngine(precision=precision)
        except TwincastError as exc:
            if precision == "fp32":
                raise
            log.warning("Mandarin %s model unavailable (%s); using fp32", precision, exc.problem)
            engine = MandarinEngine()
        engine.warm_up()
        return engine
    except TwincastError as exc:
        log.warning("Mandarin neural voice unavailable (%s); using espeak-ng", exc.problem)
        from .espeak_engine import EspeakEngine

        return EspeakEngine("cmn")


class LazyEngine:
    """Creates its engine on first use, so an English-only script never loads the Mandarin
    model (and vice versa): each costs one to two seconds at start-up."""

    def __init__(self, factory, name: str, languages: tuple[str, ...]) -> None:
        self._factory = factory
        self.name = name
        self.languages = languages

    def synthesize(self, text: str, lang: str):
        return self._factory().synthesize(text, lang)


def router_for(preset: str = "female", precision: str | None = None, profile=None):
    """A :class:`VoiceRouter` (48 kHz) whose voices match the avatar's preset; ``precision``
    (fp32/int8/int4/auto, default auto) picks the model files.

    With a :class:`~twincast.voice.profile.VoiceProfile` every language's output is converted
    to the person's voice instead of the preset's pitch/formant shift."""
    from .router import VoiceRouter
    from .transform import FEMALE_FROM_MALE, MALE_FROM_FEMALE, change_voice

    if preset not in PRESETS:
        raise TwincastError(f"unknown voice preset {preset!r}", f"use one of: {', '.join(PRESETS)}")

    def shift(settings):
        return lambda speech: change_voice(speech, **settings)

    transforms = {"en": shift(FEMALE_FROM_MALE)} if preset == "female" else {"zh": shift(MALE_FROM_FEMALE)}
    en, zh = precision_for("en", precision), precision_for("zh", precision)
    engines = {"en": LazyEngine(functools.partial(_english, en), "piper", ("en",)),
               "zh": LazyEngine(functools.partial(_mandarin, zh), "zh_fastspeech2", ("zh",))}
    if profile is not None:
        from .profile import profile_transforms

        transforms = profile_transforms(profile, engines)
    return VoiceRouter(engines, sample_rate=48_000, transforms=transforms)


def router_for_avatar(model, precision: str | None = None):
    """The router an avatar speaks with: its voice profile if it carries one, else its preset."""
    return router_for(model.meta.get("voice_preset", "female"), precision,
                      getattr(model, "voice_profile", None))


_SPEAKABLE = re.compile(r"[A-Za-z0-9\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def validate_text(text: str) -> None:
    """Reject text no voice can say, before any engine or renderer starts."""
    if not text or not text.strip():
        raise TwincastError("there is no text to say", 'pass the words with --text "..."')
    if not _SPEAKABLE.search(text):
        letters = [c for c in text if unicodedata.category(c).startswith("L")]
        if letters:
            script = unicodedata.name(letters[0], "UNKNOWN").split()[0].lower()
            raise TwincastError(f"the text has no Chinese or English words (it is in {script} "
                                "script), and the voices speak only Chinese and English",
                                "translate the text into Chinese or English")
        raise TwincastError("the text has no words to say, only symbols or emoji",
                            "add some Chinese or English words (emoji and symbols are not read out)")


def speak(text: str, lang: str = "auto", preset: str = "female") -> list[Speech]:
    """Synthesise ``text`` sentence by sentence (each at 48 kHz)."""
    validate_text(text)
    return list(router_for(preset).synthesize(text, lang))
