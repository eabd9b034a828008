"""``say``: text -> speech -> controls -> frames -> MP4, the whole photo-avatar path.

Rendering and encoding overlap in two threads (numpy, OpenCV and libx264 release the GIL),
which is how the path stays well under real time on two cores.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from .avatar.model import AvatarModel
from .clock import MediaClock
from .driving.drive import DriveConfig, drive
from .output.labels import ai_metadata
from .output.mp4 import Mp4Writer
from .render.compose import Compositor, Layout
from .render.face import FaceRenderer
from .voice.base import Speech, concatenate

Progress = Callable[[int, int], None]


@dataclass
class SayResult:
    path: Path
    duration: float
    frames: int
    lang: str
    synth_seconds: float
    render_seconds: float

    @property
    def rtf(self) -> float:
        return (self.synth_seconds + self.render_seconds) / max(self.duration, 1e-6)


def subtitle_spans(sentences: list[Speech], tail: float = 0.0) -> list[tuple[float, float, str]]:
    spans, t = [], 0.0
    for s in sentences:
        spans.append((t, t + s.duration, s.text.strip()))
        t += s.duration
    return spans


def render_video(model: AvatarModel, speech: Speech, out: Path, subtitles: list[tuple[float, float, str]],
                 layout: Layout = Layout(), config: DriveConfig = DriveConfig(), clock: MediaClock = MediaClock(),
                 progress: Progress | None = None, metadata: dict[str, str] | None = None) -> int:
    """Render ``speech`` (at the clock's sample rate) spoken by ``model`` into ``out``."""
    lead_in = tail = int(0.3 * clock.sample_rate)
    audio = np.concatenate([np.zeros(lead_in, np.float32), speech.audio, np.zeros(tail, np.float32)])
    shift = lead_in / clock.sample_rate
    padded = Speech(audio, clock.sample_rate, speech.shifted(shift), speech.text, speech.lang)
    n_frames = clock.frames_for_samples(len(audio))
    track = drive(padded, n_frames, config)
    renderer = FaceRenderer(model)
    controls = track.reorder(renderer.controls)
    compositor = Compositor(model, layout)
    subs = [(a + shift, b + shift, text) for a, b, text in subtitles]

    frames: queue.Queue = queue.Queue(maxsize=8)
    failure: list[BaseException] = []

    def encode(writer: Mp4Writer) -> None:
        try:
            while (item := frames.get()) is not None:
                writer.write_frame(item)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
            failure.append(exc)
            while frames.get() is not None:
                pass

    with Mp4Writer(out, layout.width, layout.height, clock, metadata or ai_metadata()) as writer:
        writer.write_audio(audio)
        worker = threading.Thread(target=encode, args=(writer,), daemon=True)
        worker.start()
        try:
            for i in range(n_frames):
                t = clock.frame_time(i)
                text = next((s for a, b, s in subs if a <= t < b), None)
                frames.put(compositor.compose(renderer.render(controls[i]), text))
                if progress:
                    progress(i + 1, n_frames)
        finally:
            frames.put(None)
            worker.join()
        if failure:
            raise failure[0]
    return n_frames


def say(model: AvatarModel, text: str, out: str | Path, lang: str = "auto", layout: Layout = Layout(),
        config: DriveConfig = DriveConfig(), progress: Progress | None = None) -> SayResult:
    from .voice.defaults import speak

    out = Path(out)
    started = time.perf_counter()
    preset = model.meta.get("voice_preset", "female")
    sentences = speak(text, lang, preset)
    speech = concatenate(sentences, sentences[0].sample_rate)
    synth = time.perf_counter() - started
    clock = MediaClock(sample_rate=speech.sample_rate, fps=config.fps)
    started = time.perf_counter()
    n = render_video(model, speech, out, subtitle_spans(sentences), layout, config, clock, progress,
                     ai_metadata(title=text[:80]))
    render = time.perf_counter() - started
    langs = sorted({p.lang for p in speech.phones if p.symbol != "sil"})
    return SayResult(out, n / clock.fps, n, "+".join(langs) or lang, synth, render)
