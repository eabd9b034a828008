"""``say``: text -> speech -> controls -> frames -> MP4, the whole photo-avatar path.

Three stages overlap on two cores: sentence k+1 is synthesised while sentence k is rendered,
while the encoder thread compresses what was rendered before. numpy, OpenCV, onnxruntime and
libx264 release the GIL, so the threads really run in parallel.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from .avatar.model import AvatarModel
from .clock import MediaClock
from .driving.prosody import speech_cues
from .driving.drive import DriveConfig
from .output.labels import ai_metadata
from .output.mp4 import mp4_sink
from .render.compose import Layout
from .render.performer import Performer
from .voice.base import Speech

Progress = Callable[[float], None]  # seconds of video rendered so far
LEAD_IN = TAIL = 0.3  # seconds of idle face before and after the words


@dataclass
class SayResult:
    path: Path
    duration: float
    frames: int
    lang: str
    synth_seconds: float  # time spent inside the voice engines (overlaps rendering)
    wall_seconds: float

    @property
    def rtf(self) -> float:
        return self.wall_seconds / max(self.duration, 1e-6)


def _prepare(item: object) -> None:
    """Run the per-utterance expression analysis on every Speech inside ``item`` (a Speech,
    or tuples/lists holding them, as the show and video runners yield)."""
    if isinstance(item, Speech):
        speech_cues(item)
    elif isinstance(item, (tuple, list)):
        for part in item:
            _prepare(part)


def prefetch(items: Iterator[Speech], depth: int = 2) -> Iterator[tuple[Speech, float]]:
    """Run a sentence generator in a background thread; yields (speech, synth seconds)."""
    q: queue.Queue = queue.Queue(maxsize=depth)

    def work() -> None:
        try:
            it = iter(items)
            while True:
                t = time.perf_counter()
                try:
                    item = next(it)
                except StopIteration:
                    break
                _prepare(item)  # expression analysis in this thread, overlapping the render
                q.put(("ok", (item, time.perf_counter() - t)))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the consumer
            q.put(("err", exc))
        q.put(("end", None))

    threading.Thread(target=work, name="synth", daemon=True).start()
    while True:
        kind, value = q.get()
        if kind == "end":
            return
        if kind == "err":
            raise value
        yield value


def perform(model: AvatarModel, sentences: Iterator[Speech], out: str | Path, layout: Layout = Layout(),
            config: DriveConfig = DriveConfig(), clock: MediaClock = MediaClock(),
            progress: Progress | None = None, metadata: dict[str, str] | None = None,
            subtitles: bool = True) -> tuple[int, set[str], float]:
    """Render an utterance stream to ``out``; returns (frames, languages, synth seconds)."""
    langs: set[str] = set()
    synth = 0.0
    with mp4_sink(out, layout.width, layout.height, clock, metadata or ai_metadata()) as sink:
        performer = Performer(model, sink, layout, config, clock)
        if progress:
            performer.on_frame = lambda n: progress(n / clock.fps)
        performer.speak(None, seconds=LEAD_IN)
        for speech, spent in prefetch(sentences):
            synth += spent
            langs |= {p.lang for p in speech.phones if p.symbol != "sil"}
            performer.speak(speech, speech.text.strip() if subtitles else None)
        performer.speak(None, seconds=TAIL)
    return performer.frame, langs, synth


def say(model: AvatarModel, text: str, out: str | Path, lang: str = "auto", layout: Layout = Layout(),
        config: DriveConfig = DriveConfig(), progress: Progress | None = None, router=None) -> SayResult:
    """``router``: the voices (``assembly.voice_for``: from the configuration); default: the
    avatar's own voice profile or preset with the default engines."""
    from .assembly import voice_for
    from .voice.defaults import validate_text

    validate_text(text)
    out = Path(out)
    started = time.perf_counter()
    router = router or voice_for(model)  # the avatar's voice profile, else its preset
    clock = MediaClock(sample_rate=router.sample_rate, fps=config.fps)
    frames, langs, synth = perform(model, router.synthesize(text, lang), out, layout, config, clock,
                                   progress, ai_metadata(title=text[:80]))
    wall = time.perf_counter() - started
    return SayResult(out, frames / clock.fps, frames, "+".join(sorted(langs)) or lang, synth, wall)
