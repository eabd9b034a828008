"""Voices from the configuration: one engine per language, chosen by name.

Why: the engines existed (Piper, the FastSpeech2 Mandarin voice, espeak-ng, the HTTP client
for OpenAI-compatible / CosyVoice / GPT-SoVITS servers) but only the first two were reachable;
a cloned Mandarin voice needs ``http``. Here a :class:`~twincast.config.models.Voices` section
becomes a :class:`~twincast.voice.router.VoiceRouter`: local engines get the avatar's preset
shift (or voice-profile conversion) as before; a remote voice is left as the server made it,
wrapped in a :class:`~twincast.voice.fallback.FallbackVoice` whose backup (the local engine for
that language, with the shift) says any line the server fails or is late for.
"""

from __future__ import annotations

import functools
from typing import Callable, Optional

from ..errors import TwincastError
from .base import Speech
from .defaults import PRESETS, LazyEngine, _english, _mandarin, precision_for

Transform = Callable[[Speech], Speech]
ASSISTANT_PITCH = {"zh": 265.0, "en": 235.0}  # a brighter voice than the host's, same engines
SPEAKS = {"piper": ("en",), "zh-fastspeech": ("zh",), "espeak": ("en", "zh")}


def _espeak(lang: str):
    from .espeak_engine import EspeakEngine

    return EspeakEngine("cmn" if lang == "zh" else "en-us")


def local_engine(engine: str, lang: str, precision: str = "auto", key: str = ""):
    """The local engine ``engine`` for ``lang`` (created lazily, shared per process)."""
    if engine not in SPEAKS:
        raise TwincastError(f"{key or 'voice'}: unknown local engine {engine!r}", "use piper, zh-fastspeech or espeak")
    if lang not in SPEAKS[engine]:
        other = "zh-fastspeech, espeak or http" if lang == "zh" else "piper, espeak or http"
        raise TwincastError(f"{key or 'voice'}: engine {engine} does not speak {lang!r}", f"use {other}")
    if engine == "piper":
        return LazyEngine(functools.partial(_english, precision_for("en", precision)), "piper", ("en",))
    if engine == "zh-fastspeech":
        return LazyEngine(functools.partial(_mandarin, precision_for("zh", precision)), "zh_fastspeech2", ("zh",))
    return LazyEngine(functools.partial(_espeak, lang), "espeak", (lang,))


def http_engine(spec, lang: str, key: str = ""):
    """An :class:`~twincast.voice.http_engine.HttpVoiceEngine` from a ``VoiceSpec``."""
    from ..config.load import secret
    from .http_engine import HttpVoiceEngine, default_reference

    options: dict = {}
    if spec.sample_rate:
        options["sample_rate"] = spec.sample_rate
    if spec.kind == "openai":
        options.update(model=spec.model or "tts-1", voice=spec.voice or "alloy",
                       api_key=secret(spec.api_key_env, f"{key}.api_key_env"))
    elif spec.kind == "cosyvoice":
        mode = spec.mode or ("zero_shot" if spec.reference_audio and spec.reference_text else
                             "cross_lingual" if spec.reference_audio else "sft")
        options.update(mode=mode, prompt_text=spec.reference_text or "",
                       prompt_wav=str(spec.reference_audio) if spec.reference_audio else None)
        if spec.voice:
            options["spk_id"] = spec.voice
    else:  # gpt-sovits: the reference recording is a path on the server
        options.update(ref_audio_path=str(spec.reference_audio or ""), prompt_text=spec.reference_text or "",
                       prompt_lang=lang)
    try:
        return HttpVoiceEngine(spec.base_url, spec.kind, languages=(lang,), timeout=spec.timeout_s, retries=0,
                               reference=default_reference(spec.precision), **options)
    except TwincastError as exc:
        raise TwincastError(f"{key}: {exc.problem}", exc.fix) from None


def _preset_transforms(preset: str) -> dict[str, Transform]:
    from .transform import FEMALE_FROM_MALE, MALE_FROM_FEMALE, change_voice

    def shift(settings):
        return lambda speech: change_voice(speech, **settings)

    return {"en": shift(FEMALE_FROM_MALE)} if preset == "female" else {"zh": shift(MALE_FROM_FEMALE)}


def _lifted(base: Optional[Transform], pitch: float) -> Transform:
    from .transform import change_voice

    return lambda speech: change_voice(base(speech) if base else speech, pitch_median_hz=pitch, formant_ratio=1.06)


def router_from_voices(voices, preset: str = "female", profile=None, role: str = "host", key: str = "voices"):
    """A 48 kHz :class:`VoiceRouter` for ``voices`` (a ``Voices`` section). ``role``
    "assistant" lifts the pitch of the local voices (not of a cloned remote one, nor of a voice
    profile) so viewers can tell the two hosts apart."""
    from .fallback import FallbackVoice
    from .router import VoiceRouter

    preset = voices.preset or preset
    if preset not in PRESETS:
        raise TwincastError(f"unknown voice preset {preset!r}", f"use one of: {', '.join(PRESETS)}")
    specs = {"zh": voices.zh, "en": voices.en}
    local = {lang: local_engine(spec.engine if spec.engine != "http" else ("piper" if lang == "en" else "zh-fastspeech"),
                                lang, spec.precision, f"{key}.{lang}.engine") for lang, spec in specs.items()}
    if profile is not None:
        from .profile import profile_transforms

        transforms: dict[str, Transform] = profile_transforms(profile, local)
    else:
        transforms = _preset_transforms(preset)
        if role == "assistant":
            transforms = {lang: _lifted(transforms.get(lang), pitch) for lang, pitch in ASSISTANT_PITCH.items()}
    engines: dict = {}
    for lang, spec in specs.items():
        if spec.engine != "http":
            engines[lang] = local[lang]
            continue
        remote = http_engine(spec, lang, f"{key}.{lang}")
        backup_transform = transforms.pop(lang, None)  # the cloned voice is spoken as the server made it
        engines[lang] = FallbackVoice(remote, local[lang], deadline_s=spec.deadline_s, retry_after_s=spec.retry_s,
                                      backup_transform=backup_transform) if spec.fallback else remote
    return VoiceRouter(engines, sample_rate=48_000, transforms=transforms)


def fallback_voices(router) -> list:
    """The FallbackVoice engines inside ``router`` (to listen to their switches)."""
    from .fallback import FallbackVoice

    return [e for e in router.engines.values() if isinstance(e, FallbackVoice)]
