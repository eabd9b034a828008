"""Typed hand-offs of the short-video path: options -> storyboard (scenes) -> rendered video.

A template only *plans* (which lines are said over which picture, with which lower third); the
renderer only *draws*. Keeping the storyboard a plain dataclass lets tests check a plan without
rendering, and lets a batch worker receive a job as a small picklable object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Optional

from ..errors import TwincastError

Aspect = Literal["9:16", "16:9"]
AvatarMode = Literal["full", "pip", "none"]
ASPECTS: dict[str, tuple[int, int]] = {"9:16": (720, 1280), "16:9": (1280, 720)}
AVATAR_MODES = ("full", "pip", "none")


@dataclass(frozen=True)
class VideoOptions:
    """Everything a user (or a batch job's ``options``) may set for one video."""

    aspect: str = "9:16"
    lang: Optional[str] = None  # None: the data's own language (listing) or zh (catalog)
    avatar: Optional[str] = None  # .twin path; None: the embedded demo avatar
    avatar_mode: str = "pip"  # presenter on B-roll scenes: pip, full or none
    music: Optional[str] = "auto"  # "auto" (procedural bed), "none", or an audio file path
    music_db: float = -6.0  # bed level relative to its -20 dBFS reference, in pauses
    duck_db: float = -15.0  # extra attenuation under speech
    product: Optional[str] = None  # product-promo: which catalog product (default: the first in stock)
    srt: bool = True
    ai_label: bool = True
    preset: str = "ultrafast"  # libx264 preset: 2.3x cheaper than veryfast, files ~3x larger (docs/performance.md)
    seed: int = 0
    max_scenes: Optional[int] = None  # keep only the first N scenes (quick previews, tests)

    def size(self) -> tuple[int, int]:
        return ASPECTS[self.aspect]

    def validated(self) -> "VideoOptions":
        if self.aspect not in ASPECTS:
            raise TwincastError(f"unknown aspect ratio {self.aspect!r}", "use 9:16 (vertical) or 16:9 (landscape)")
        if self.avatar_mode not in AVATAR_MODES:
            raise TwincastError(f"unknown avatar mode {self.avatar_mode!r}", f"use one of: {', '.join(AVATAR_MODES)}")
        if self.lang not in (None, "zh", "en"):
            raise TwincastError(f"unknown language {self.lang!r}", "use zh or en")
        if self.preset not in ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium"):
            raise TwincastError(f"unknown encoder preset {self.preset!r}", "use ultrafast, veryfast, fast or medium")
        if self.music not in (None, "auto", "none") and not Path(self.music).is_file():
            raise TwincastError(f"music file not found: {self.music}",
                                "pass an existing audio file (wav, mp3, m4a...), 'auto' for the built-in bed, or 'none'")
        if self.max_scenes is not None and self.max_scenes < 1:
            raise TwincastError(f"max_scenes {self.max_scenes} is below 1", "leave it out, or give 1 or more")
        return self


@dataclass(frozen=True)
class Backdrop:
    """What fills the frame behind the presenter: a photo (pan and zoom) or a product slide."""

    kind: Literal["photo", "product"]
    photo: Optional[str] = None  # photo path (kind photo) or product picture (kind product)
    card: Optional[tuple[str, str, Optional[str], str]] = None  # product card: name, price, promo, stock line
    tint: tuple[int, int, int] = (236, 232, 226)
    name: Optional[str] = None  # product: set large on the slide when there is no picture


@dataclass(frozen=True)
class Scene:
    lines: tuple[str, ...]  # what the presenter says, each already compliance-checked
    backdrop: Backdrop
    avatar: str = "pip"  # full, pip or none
    title: Optional[str] = None  # lower third, first line
    subtitle: Optional[str] = None  # lower third, second line
    motion: int = 0  # which pan/zoom move (varied per scene so cuts do not repeat the move)


@dataclass
class Storyboard:
    template: str
    lang: str
    title: str
    scenes: list[Scene]
    warnings: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(line for s in self.scenes for line in s.lines)


@dataclass(frozen=True)
class Cue:
    """One caption on screen, in seconds of the output video."""

    start: float
    end: float
    text: str


@dataclass
class VideoResult:
    path: Path
    srt: Optional[Path]
    duration: float
    frames: int
    width: int
    height: int
    wall_seconds: float
    cues: list[Cue]
    scenes: int
    warnings: list[str] = field(default_factory=list)
    speech_spans: list[tuple[float, float]] = field(default_factory=list)  # where speech is, seconds

    @property
    def rtf(self) -> float:
        return self.wall_seconds / max(self.duration, 1e-6)
