"""The performer: utterances in, frames and audio out, on one media clock.

It owns the avatar's renderer, the compositor and the idle motion, and keeps the frame
counter, so a caller can feed it one sentence at a time (offline ``say`` and, later, a live
show) and the output stays continuous: each utterance is padded to whole frames, so the
audio sample count is always exactly ``frames * samples_per_frame``.
"""

from __future__ import annotations

from typing import Callable


from ..avatar.model import AvatarModel
from ..clock import MediaClock
from ..driving.drive import DriveConfig, controls_for
from ..output.threaded import Sink
from ..voice.base import Speech
from .compose import Compositor, Layout
from .factory import renderer_for


class Performer:
    def __init__(self, model: AvatarModel, sink: Sink, layout: Layout = Layout(),
                 config: DriveConfig = DriveConfig(), clock: MediaClock = MediaClock()) -> None:
        self.renderer = renderer_for(model)
        self.compositor = Compositor(model, layout)
        self.sink = sink
        self.config = config
        self.clock = clock
        self.idle_motion = config.idle()
        self.frame = 0
        self.on_frame: Callable[[int], None] | None = None

    def speak(self, speech: Speech | None, subtitle: str | None = None, seconds: float | None = None) -> int:
        """Perform one utterance (or ``seconds`` of silence when ``speech`` is None)."""
        if speech is not None and speech.sample_rate != self.clock.sample_rate:
            raise ValueError(f"speech at {speech.sample_rate} Hz, clock at {self.clock.sample_rate} Hz")
        n, audio = self.clock.whole_frames(speech.audio if speech is not None else None, seconds or 0.0)
        if n == 0:
            return 0
        track = controls_for(speech, n, self.config, self.idle_motion, self.frame)
        controls = track.reorder(self.renderer.controls)
        self.sink.write_audio(audio)
        for i in range(n):
            self.sink.write_frame(self.compositor.compose(self.renderer.render(controls[i]), subtitle))
            self.frame += 1
            if self.on_frame:
                self.on_frame(self.frame)
        return n
