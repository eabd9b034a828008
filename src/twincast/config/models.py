"""``twincast.yaml``: what a show is made of, one pydantic model per part.

Why one file: parts the product contains (the HTTP voice for a cloned Mandarin voice, the LLM
that rewrites scripts) were unreachable from every command, and settings such as precision
travelled through environment variables. Every command now takes ``--config FILE``; a flag
given on the command line wins over the file, and the file wins over these defaults.
Environment variables hold secrets only: a field ending in ``_env`` names the variable (an API
key), and ``${NAME}`` inside an RTMP URL is replaced from the environment (the stream key).

Every model forbids unknown keys, so a typo (``engnie:``) is an error naming the key, not a
setting silently ignored. Paths are relative to the config file's folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..live.comments.config import CommentsConfig  # the comments: section (issue 22's model)

Engine = Literal["piper", "zh-fastspeech", "espeak", "http"]
HttpKind = Literal["openai", "cosyvoice", "gpt-sovits"]
Precision = Literal["auto", "fp32", "int8", "int4"]
CameraName = Literal["wide", "host", "product", "pip"]
SIZES = ("720x1280", "1080x1920")


class Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class VoiceSpec(Part):
    """One language's voice. Local engines: ``piper`` (English, male joe), ``zh-fastspeech``
    (Mandarin, female), ``espeak`` (any language, robotic). ``http``: a voice server elsewhere
    (kind openai / cosyvoice / gpt-sovits); the lips' timings still come from the local engine
    for that language, and with ``fallback`` on, the local engine says any line the server
    fails or is too slow for."""

    engine: Engine = "piper"
    precision: Precision = Field("auto", description="local model precision (docs/voice-engines.md)")
    kind: Optional[HttpKind] = Field(None, description="http only: the server's API")
    base_url: Optional[str] = Field(None, description="http only: e.g. http://127.0.0.1:50000")
    model: Optional[str] = Field(None, description="http openai: model name (default tts-1)")
    voice: Optional[str] = Field(None, description="http openai: voice name; cosyvoice sft: speaker id")
    reference_audio: Optional[Path] = Field(None, description="cosyvoice zero_shot/cross_lingual: a local WAV; "
                                            "gpt-sovits: the WAV's path on the server")
    reference_text: Optional[str] = Field(None, description="the words of reference_audio")
    mode: Optional[str] = Field(None, description="cosyvoice: sft, zero_shot, cross_lingual, instruct, instruct2")
    sample_rate: Optional[int] = Field(None, ge=8000, le=96000, description="raw PCM replies: their rate")
    api_key_env: Optional[str] = Field(None, description="name of the environment variable holding the API key")
    timeout_s: float = Field(20.0, gt=0, le=600, description="http: one request's time limit")
    deadline_s: float = Field(8.0, gt=0, le=600, description="http: a line not back by then is said by the "
                              "fallback voice")
    fallback: bool = Field(True, description="http: the local engine says lines the server fails")
    retry_s: float = Field(30.0, ge=0, le=3600, description="http: after a failure, lines go to the local voice "
                           "this long before the server is asked again")

    @model_validator(mode="after")
    def _http_needs_url(self) -> "VoiceSpec":
        if self.engine == "http":
            if not self.base_url:
                raise ValueError("engine http needs base_url (e.g. base_url: http://127.0.0.1:50000)")
            if not self.base_url.startswith(("http://", "https://")):
                raise ValueError(f"base_url {self.base_url!r} is not an http(s) URL")
            if self.kind is None:
                raise ValueError("engine http needs kind: openai, cosyvoice or gpt-sovits")
        elif self.kind or self.base_url:
            raise ValueError(f"kind/base_url are for engine http, not {self.engine!r}")
        return self


class Voices(Part):
    """Voices per language; the preset (female/male) shifts the local voices so one avatar
    does not change sex between languages (a remote cloned voice is left as it is)."""

    zh: VoiceSpec = VoiceSpec(engine="zh-fastspeech")
    en: VoiceSpec = VoiceSpec(engine="piper")
    preset: Optional[Literal["female", "male"]] = Field(None, description="default: the avatar's own preset")


class AvatarSpec(Part):
    """One avatar. ``path`` None: the embedded demo avatar for that role."""

    path: Optional[Path] = Field(None, description="a .twin file (`twincast avatar build`)")
    voices: Optional[Voices] = Field(None, description="this avatar's own voices (default: the `voices:` section)")


class Avatars(Part):
    host: AvatarSpec = AvatarSpec()
    assistant: AvatarSpec = AvatarSpec()


class LlmSpec(Part):
    """An OpenAI-compatible chat endpoint (llama.cpp server, Ollama, vLLM). Off when base_url is
    empty. Its output is used only when every claim is traceable to the catalog."""

    base_url: Optional[str] = Field(None, description="e.g. http://127.0.0.1:8080/v1")
    model: str = "local"
    api_key_env: Optional[str] = Field(None, description="environment variable holding the API key")
    timeout_s: float = Field(8.0, gt=0, le=120)
    answers: bool = Field(True, description="rephrase viewer answers")
    scripts: bool = Field(True, description="rephrase script lines")

    @field_validator("base_url")
    @classmethod
    def _url(cls, v: Optional[str]) -> Optional[str]:
        if v and not v.startswith(("http://", "https://")):
            raise ValueError(f"{v!r} is not an http(s) URL")
        return v


class StageLayout(Part):
    """What is drawn over the picture."""

    subtitles: bool = True
    ai_label: bool = Field(True, description="the visible AI label (legally required; keep it on)")
    dir: Optional[Path] = Field(None, description="a folder of per-camera layout YAMLs (9x16/, 16x9/) replacing "
                                "the bundled ones (render/layout.py)")


class StageSpec(Part):
    lang: Literal["zh", "en"] = "zh"
    size: Literal["720x1280", "1080x1920"] = "720x1280"
    cameras: tuple[CameraName, ...] = Field(("wide", "host", "product", "pip"),
                                            description="the cameras the director may cut to")
    layout: StageLayout = StageLayout()
    relight: Optional[Literal["none", "soft", "warm", "studio"]] = Field(None, description="default: the avatar's")
    emotion: Literal["neutral", "warm", "excited"] = "warm"
    rooms: dict[Literal["host", "assistant"], Literal["studio", "own"]] = Field(
        default_factory=dict, description="per avatar: studio (cut out along the person matte) or own (its own "
        "footage or photo is the set, full frame); unset: a video avatar whose footage cuts the head at the top "
        "gets its own room, everyone else the studio")

    @field_validator("cameras")
    @classmethod
    def _some_camera(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v:
            raise ValueError("list at least one camera (wide, host, product, pip)")
        return v

    @property
    def wh(self) -> tuple[int, int]:
        w, h = self.size.split("x")
        return int(w), int(h)


class Outputs(Part):
    rtmp: tuple[str, ...] = Field((), description="RTMP push URLs; write the key as ${ENV_VAR}")
    recording_dir: Path = Path("out/live")
    encoder: Optional[Literal["ultrafast", "superfast", "veryfast"]] = Field(
        None, description="x264 speed preset of the live encode (default superfast); ultrafast saves ~0.1 core "
        "a room at 720x1280 for ~2 dB less picture quality at the same bitrate (docs/performance.md)")
    viewer_bind: str = Field("127.0.0.1", description="address of the viewer page and console")
    viewer_port: int = Field(8800, ge=0, le=65535)

    @field_validator("rtmp")
    @classmethod
    def _rtmp(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for url in v:
            if not url.startswith(("rtmp://", "rtmps://")):
                raise ValueError(f"{url!r} is not an RTMP URL (rtmp://HOST/APP/KEY)")
        return v


class TwincastConfig(Part):
    """The whole file. Every section is optional; an empty file is the built-in show."""

    catalog: Optional[Path] = Field(None, description="default: the sample shop")
    avatars: Avatars = Avatars()
    voices: Voices = Voices()
    llm: LlmSpec = LlmSpec()
    stage: StageSpec = StageSpec()
    outputs: Outputs = Outputs()
    comments: CommentsConfig = Field(CommentsConfig(), description="platform comment sources (docs/comments.md)")
    source: Optional[Path] = Field(None, exclude=True, description="the file this came from (set by load)")

