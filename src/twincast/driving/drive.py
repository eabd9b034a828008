"""Speech -> per-frame controls: the mouth from the phones, expression and head motion from the
speech's accents, phrases and words (:mod:`prosody` -> :mod:`gestures`), and the life between
the words (blinks, sway, gaze, optional pose sweep) as functions of the absolute frame.

Performers call :func:`controls_for` once per utterance with the utterance's absolute start
frame; everything random is hashed from the seed and that frame, so a live show rendered
clause by clause gives the same frames as the same show rendered offline.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ..voice.base import Speech
from . import visemes as V
from .emotion import DEFAULT_EMOTION, Emotion, emotion_named
from .gaze import GazeMotion
from .gestures import Gesture, curves, gestures_for, shifted
from .idle import IdleMotion, speech_energy
from .noise import EventSeries, uniform
from .pose import PoseLimits, PoseSweep
from .prosody import speech_cues
from .timeline import mouth_track
from .track import ControlTrack

HEAD = ("yaw", "pitch", "roll")


@dataclass(frozen=True)
class DriveConfig:
    fps: int = 25
    seed: int = 7
    emotion: Emotion = field(default=DEFAULT_EMOTION)  # a preset name is accepted and resolved
    pose_sweep: bool = False  # take the head through the pose limits (renderer proof, item 6)
    partner_side: float = 1.0  # +1: product/partner at the image right of the face
    limits: PoseLimits = PoseLimits()

    def __post_init__(self) -> None:
        object.__setattr__(self, "emotion", emotion_named(self.emotion))

    # the knobs of the first driver, now read from the emotion preset
    @property
    def smile(self) -> float:
        return self.emotion.smile_base

    @property
    def nod_deg(self) -> float:
        return self.emotion.nod_deg

    @property
    def brow(self) -> float:
        return self.emotion.brow

    def idle(self) -> "Motion":
        return Motion(self)

    def for_actor(self, index: int) -> "DriveConfig":
        """Same mood, own random stream: two avatars never move in step."""
        return replace(self, seed=self.seed + 11 * index)


class Motion:
    """Everything one performer does as a function of the absolute frame: blinks, head sway,
    gaze fixations, listener nods and the optional pose sweep (memoised, chunk-invariant),
    plus the speech gestures still under way when the last utterance ended. Those make a
    performer's frames depend on the utterances it performed before, in order, which live and
    offline rendering share."""

    def __init__(self, config: DriveConfig) -> None:
        e = config.emotion
        self.config = config
        self.idle = IdleMotion(config.fps, config.seed, *e.head_deg, blink_interval=e.blink_interval,
                               spacing_s=e.head_spacing_s)
        self.gaze = GazeMotion(config.fps, config.seed + 3, e)
        self.sweep = PoseSweep(config.fps, config.seed + 5, config.limits) if config.pose_sweep else None
        self._listen = EventSeries(config.seed + 9, "listen/nod", 2.5, 9.0, shape=1.3)
        self.pending: list[Gesture] = []  # speech gestures (absolute time) still under way

    def blinks(self, start: int, n: int) -> np.ndarray:
        return self.idle.blinks(start, n)

    def head(self, name: str, start: int, n: int) -> np.ndarray:
        return self.idle.head(name, start, n)

    def listener_nods(self, start: int, n: int) -> np.ndarray:
        """Small acknowledging nods while the other person talks (pitch, degrees)."""
        fps = self.config.fps
        t = (start + np.arange(n) + 0.5) / fps
        out = np.zeros(n, np.float32)
        for i, at in self._listen.between(start / fps - 1.0, (start + n) / fps):
            size = 0.8 + 1.0 * float(uniform(self.config.seed, "listen/size", i))
            x = np.clip((t - at) / 0.7, 0, 1)
            out += (size * np.sin(np.pi * x) ** 2).astype(np.float32)
        return out


def _speech_part(speech: Speech | None, n: int, config: DriveConfig, start_frame: int):
    """(track with the mouth; this utterance's gestures in absolute time; loudness 0..1)."""
    fps = config.fps
    track = ControlTrack.zeros(n, fps)
    energy = np.zeros(n, np.float32)
    gestures: list[Gesture] = []
    if speech is not None and speech.phones:
        mouth = mouth_track(speech.phones, n, fps)
        for i, name in enumerate(V.MOUTH):
            track.set(name, mouth[:, i])
        energy = speech_energy(speech.audio, speech.sample_rate, n, fps)
        cues = speech_cues(speech)
        gestures = shifted(gestures_for(cues, config.emotion, config.seed, start_frame, config.partner_side),
                           start_frame / fps)
    return track, gestures, energy


def _apply(track: ControlTrack, gestures: list[Gesture], config: DriveConfig, start_frame: int,
           energy: np.ndarray, taper: bool) -> np.ndarray:
    """Gesture curves into the track (brows, smile over its base, head, gaze); returns attend."""
    emo = config.emotion
    c = curves(gestures, track.n_frames, config.fps, start_frame / config.fps, taper)
    track.set("brow", np.clip(c["brow"], 0, 1))
    track.set("smile", np.clip(emo.smile_base + c["smile"] + 0.04 * energy, 0, 0.8))
    for name in HEAD + ("gaze_x", "gaze_y"):
        track.add(name, c[name])
    return c["attend"]


def speech_controls(speech: Speech | None, n_frames: int, config: DriveConfig = DriveConfig(),
                    start_frame: int = 0) -> ControlTrack:
    """Mouth, expression and speech gestures for one utterance alone (no idle motion; gestures
    fade out at its edges because nothing carries them on)."""
    track, gestures, energy = _speech_part(speech, n_frames, config, start_frame)
    _apply(track, gestures, config, start_frame, energy, taper=True)
    return track


def add_idle(track: ControlTrack, idle: IdleMotion | Motion, start_frame: int,
             attend: np.ndarray | None = None, energy: np.ndarray | None = None) -> ControlTrack:
    """Add blinks, head sway and (with a :class:`Motion`) gaze for absolute frames
    [start, start + n) in place. ``attend`` (0..1) pulls the idle gaze back to the camera,
    ``energy`` (0..1 loudness) makes the sway livelier while speaking."""
    n = track.n_frames
    blinks = idle.blinks(start_frame, n)
    track.set("blink_r", blinks)
    track.set("blink_l", blinks)
    lively = 1.0 if energy is None or not isinstance(idle, Motion) else 1.0 + idle.config.emotion.speech_motion * energy
    for name in HEAD:
        track.add(name, idle.head(name, start_frame, n) * lively)
    if isinstance(idle, Motion):
        keep = 1.0 - (attend if attend is not None else np.zeros(n, np.float32))
        gx, gy = idle.gaze.gaze(start_frame, n)
        track.add("gaze_x", gx * keep)
        track.add("gaze_y", gy * keep)
        fy, fp = idle.gaze.head_follow(start_frame, n)
        track.add("yaw", fy * keep)
        track.add("pitch", fp * keep)
        if idle.sweep is not None:
            for name, values in idle.sweep.pose(start_frame, n).items():
                track.add(name, values)
        for name in HEAD:
            track.set(name, idle.config.limits.clip(name, track.column(name)))
        for name in ("gaze_x", "gaze_y"):
            track.set(name, np.clip(track.column(name), -1, 1))
    return track


def controls_for(speech: Speech | None, n_frames: int, config: DriveConfig, motion: Motion,
                 start_frame: int) -> ControlTrack:
    """All controls for one utterance (or ``n_frames`` of listening when ``speech`` is None)
    starting at absolute frame ``start_frame``. A gesture that outlasts its utterance (the nod
    and smile after the last word) carries on into the next call on the same ``motion``."""
    track, gestures, energy = _speech_part(speech, n_frames, config, start_frame)
    t0, t1 = start_frame / config.fps, (start_frame + n_frames) / config.fps
    motion.pending = [g for g in motion.pending if g.end > t0] + gestures
    attend = _apply(track, motion.pending, config, start_frame, energy, taper=False)
    motion.pending = [g for g in motion.pending if g.end > t1]
    if speech is None:
        track.add("pitch", motion.listener_nods(start_frame, n_frames))
    return add_idle(track, motion, start_frame, attend, energy)


def drive(speech: Speech | None, n_frames: int, config: DriveConfig = DriveConfig()) -> ControlTrack:
    """Controls for a whole clip; ``speech`` may be None for an idle (listening) clip."""
    return controls_for(speech, n_frames, config, config.idle(), 0)


def perform_track(utterances: list[Speech | float], config: DriveConfig = DriveConfig()) -> ControlTrack:
    """Controls for a sequence of utterances (a float is that many seconds of listening),
    utterance by utterance exactly as the performers do it: for tests and benchmarks."""
    motion, frame, parts = config.idle(), 0, []
    for item in utterances:
        if isinstance(item, Speech):
            spf = item.sample_rate // config.fps
            n = -(-len(item.audio) // spf)  # as MediaClock.frames_for_samples
            parts.append(controls_for(item, n, config, motion, frame))
        else:
            n = int(round(item * config.fps))
            parts.append(controls_for(None, n, config, motion, frame))
        frame += n
    values = np.concatenate([p.values for p in parts]) if parts else np.zeros((0, len(ControlTrack.zeros(0).names)))
    return ControlTrack(values.astype(np.float32), parts[0].names if parts else ControlTrack.zeros(0).names, config.fps)
