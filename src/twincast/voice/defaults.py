"""The default voices: which engine speaks which language for an avatar.

Piper's joe (en, male) and the converted FastSpeech2 voice (zh, female) are the best neural
voices that install offline. An avatar records a voice preset; ``female`` lifts joe's pitch
and formants so one avatar does not switch sex between languages.
"""

from __future__ import annotations

import functools
import logging

from ..errors import TwincastError
from .base import Speech

log = logging.getLogger(__name__)
PRESETS = ("female", "male")


@functools.lru_cache(maxsize=2)
def _english():
    from .piper_engine import PiperEngine

    return PiperEngine()


@functools.lru_cache(maxsize=2)
def _mandarin():
    try:
        from .zh_engine import MandarinEngine

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


def router_for(preset: str = "female"):
    """A :class:`VoiceRouter` (48 kHz) whose voices match the avatar's preset."""
    from .router import VoiceRouter
    from .transform import FEMALE_FROM_MALE, MALE_FROM_FEMALE, change_voice

    if preset not in PRESETS:
        raise TwincastError(f"unknown voice preset {preset!r}", f"use one of: {', '.join(PRESETS)}")

    def shift(settings):
        return lambda speech: change_voice(speech, **settings)

    transforms = {"en": shift(FEMALE_FROM_MALE)} if preset == "female" else {"zh": shift(MALE_FROM_FEMALE)}
    engines = {"en": LazyEngine(_english, "piper", ("en",)), "zh": LazyEngine(_mandarin, "zh_fastspeech2", ("zh",))}
    return VoiceRouter(engines, sample_rate=48_000, transforms=transforms)


def validate_text(text: str) -> None:
    if not text or not text.strip():
        raise TwincastError("there is no text to say", 'pass the words with --text "..."')


def speak(text: str, lang: str = "auto", preset: str = "female") -> list[Speech]:
    """Synthesise ``text`` sentence by sentence (each at 48 kHz)."""
    validate_text(text)
    return list(router_for(preset).synthesize(text, lang))
