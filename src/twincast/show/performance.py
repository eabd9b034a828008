"""Performing beats on the stage: both avatars rendered, the speaker lip-synced, the other
listening, camera cuts cross-faded, everything on the one media clock."""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..avatar.model import AvatarModel
from ..clock import MediaClock
from ..driving.body import body_track
from ..driving.drive import DriveConfig, controls_for
from ..output.threaded import Sink
from ..render.factory import AvatarRenderer, renderer_for
from ..render.pose3d import POSE_CONTROLS
from ..render.scaled import at_size, size_for
from ..render.stage import Camera, ProductView, Stage, crossfade
from ..voice.base import Speech

FADE_FRAMES = 6  # a 240 ms cross-fade between cameras; cuts on the beat look abrupt on a phone
# A face is drawn again only when its controls moved by more than this since it was last drawn
# (head angles in degrees, everything else in control units): 0.1 degree moves a 250 px face's
# features by ~0.2 px, 0.01 of a smile or blink by ~0.1 px, steps no viewer can see. A listener's
# idle sway then needs a new drawing on ~45 % of frames, a speaker's pauses on few; speech
# (the jaw) and blinks change every frame and are drawn every frame.
POSE_STEP_DEG = 0.1
EXPRESSION_STEP = 0.01


class StagePerformer:
    def __init__(self, actors: dict[str, AvatarModel], stage: Stage, sink: Sink,
                 config: DriveConfig = DriveConfig(), clock: MediaClock = MediaClock()) -> None:
        self.models = dict(actors)
        self.renderers = {name: renderer_for(model) for name, model in actors.items()}
        self._sized: dict[tuple[str, int], AvatarRenderer] = {}
        self._held: dict[str, tuple] = {}  # actor -> (renderer, cutout, controls drawn, (canvas, matte))
        self._step_sizes: dict[tuple[str, ...], np.ndarray] = {}
        self.faces_drawn = self.faces_reused = 0
        self.stage = stage
        self.sink = sink
        self.config = config
        self.clock = clock
        self.configs = {name: config.for_actor(i) for i, name in enumerate(actors)}
        self.idle = {name: c.idle() for name, c in self.configs.items()}
        # photo avatars breathe and lean (driving/body.py); video avatars keep their footage's motion
        self.breathes = {name: model.meta.get("kind") != "video" for name, model in actors.items()}
        self.frame = 0
        self.camera: Camera | None = None
        self.banner: str | None = None  # an operator-pinned comment shown on every camera
        self.skip: Callable[[], bool] = lambda: False  # live: repeat the last frame when late
        self._last: np.ndarray | None = None
        self.on_frame: Callable[[int], None] | None = None

    def _controls(self, name: str, speech: Speech | None, n: int) -> np.ndarray:
        track = controls_for(speech, n, self.configs[name], self.idle[name], self.frame)
        return track.reorder(self.renderers[name].controls)

    def renderer(self, name: str, *cameras: Camera | None) -> AvatarRenderer:
        """The actor's renderer at the size these cameras show its face (the largest of them):
        a face shown small is drawn small (render/scaled.py), which is most of what a
        two-shot, a product shot and a picture-in-picture tile used to cost."""
        model = self.models[name]
        shown = max((self.stage.face_px(c, name) for c in cameras if c is not None and name in self.stage.visible(c)),
                    default=model.render_size)  # on no camera given: the full canvas
        size = size_for(shown, model.render_size)
        key = (name, size)
        if key not in self._sized:
            small = at_size(model, size)
            self._sized[key] = self.renderers[name] if small is model else renderer_for(small)
        return self._sized[key]

    def face(self, name: str, r: AvatarRenderer, controls: np.ndarray, cutout: bool) -> tuple[np.ndarray, np.ndarray]:
        """(canvas, matte) of the actor for these controls: the last drawing when no control
        moved by a visible step since (see :data:`POSE_STEP_DEG`) and the renderer is pure (a
        video avatar's footage plays on every call), else a new one."""
        held = self._held.get(name)
        if held is not None and held[0] is r and held[1] == cutout and getattr(r, "pure", False):
            if not (np.abs(controls - held[2]) > self._steps(r)).any():
                self.faces_reused += 1
                return held[3]
        face = (r.render(controls, with_mask=True, cutout=cutout), r.mask)
        self._held[name] = (r, cutout, np.array(controls, np.float32), face)
        self.faces_drawn += 1
        return face

    def _steps(self, r: AvatarRenderer) -> np.ndarray:
        if r.controls not in self._step_sizes:
            self._step_sizes[r.controls] = np.array([POSE_STEP_DEG if n in POSE_CONTROLS else EXPRESSION_STEP
                                                     for n in r.controls], np.float32)
        return self._step_sizes[r.controls]

    def warm_up(self, product: ProductView | None) -> None:
        """Render every actor and compose every camera once, writing nothing: the first frames
        of a live show otherwise pay for plate building and first-call allocations (~0.5 s)
        after the clock has started, and the viewer sees a dozen repeated frames."""
        for view in (None, product):  # the opening lines come before the first product
            for camera in Camera:
                faces = {}
                for n in self.stage.visible(camera):
                    r = self.renderer(n, camera)
                    c = self._controls(n, None, 1)[0]
                    faces[n] = (r.render(c, with_mask=True, cutout=not self.stage.windowed(camera, n)).copy(), r.mask)
                self.stage.compose(camera, faces, view, "", self.banner)

    def perform(self, speaker: str, speech: Speech | None, camera: Camera, product: ProductView | None = None,
                subtitle: str | None = None, seconds: float = 0.0) -> int:
        n, audio = self.clock.whole_frames(speech.audio if speech is not None else None, seconds)
        if n == 0:
            return 0
        controls = {name: self._controls(name, speech if name == speaker else None, n) for name in self.renderers}
        bodies = {name: body_track(speech if name == speaker else None, n, self.frame, seed=i)
                  for i, name in enumerate(self.renderers) if self.breathes[name]}
        previous = self.camera if self.camera not in (None, camera) else None
        self.camera = camera
        self.sink.write_audio(audio)
        for i in range(n):
            if self._last is not None and self.skip():
                self.sink.write_frame(self._last)
                self.frame += 1
                continue
            needed = set(self.stage.visible(camera)) | (set(self.stage.visible(previous)) if previous and i < FADE_FRAMES else set())
            # a PIP window shows the whole canvas in either camera of a cross-fade
            cutout = {name: not any(self.stage.windowed(c, name) for c in (camera, previous)
                                    if c is not None and name in self.stage.visible(c)) for name in needed}
            faces = {}
            for name in needed:
                r = self.renderer(name, camera, previous if i < FADE_FRAMES else None)
                faces[name] = self.face(name, r, controls[name][i], cutout[name])
            body = {name: (float(b[i, 0]), float(b[i, 1])) for name, b in bodies.items()}
            frame = self.stage.compose(camera, faces, product, subtitle, self.banner, body)
            if previous is not None and i < FADE_FRAMES:
                old = self.stage.compose(previous, faces, product, subtitle, self.banner, body)
                frame = crossfade(old, frame, (i + 1) / (FADE_FRAMES + 1))
            self.sink.write_frame(frame)
            self._last = frame
            self.frame += 1
            if self.on_frame:
                self.on_frame(self.frame)
        return n
