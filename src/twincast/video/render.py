"""Storyboard -> MP4 (+ SRT): synthesis, rendering and encoding overlapped like ``say``.

A synthesis thread speaks scene k+1 while scene k is drawn and the encoder thread compresses
scene k-1 (``pipeline.prefetch`` + ``ThreadedSink``). A whole scene is synthesised before it is
drawn because its pan/zoom move must span the scene's length. Audio and video share one
:class:`MediaClock`; each scene is padded to whole frames, so they cannot drift.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Optional

import cv2
import numpy as np

from ..avatar.model import AvatarModel
from ..clock import MediaClock
from ..driving.drive import DriveConfig, add_idle, speech_controls
from ..output.labels import ai_metadata
from ..output.mp4 import mp4_sink
from ..pipeline import prefetch
from ..render.compose import AI_LABEL
from ..render.factory import renderer_for
from ..render.text_overlay import Patch, blend, fit_text_patch, lines_patch, text_patch
from ..voice.base import PhoneSpan, Speech
from .captions import cues_for, voiced_span, write_srt
from .layers import ZOOM, KenBurns, Presenter, card_place, load_rgb, lower_third, lower_third_base_height, presenter_spot, product_slide
from .music import Ducker, music_bed
from .spec import Cue, Scene, Storyboard, VideoOptions, VideoResult

LEAD_S, GAP_S, TAIL_S = 0.3, 0.25, 0.45  # silence before, between and after a scene's sentences
FADE_FRAMES = 6  # cross-fade between scenes (240 ms)
SLIDE_IN_FRAMES = 10  # lower third slides in from the left
MUSIC_FADE_S = (1.0, 1.5)  # in at the start, out at the end
Progress = Callable[[float], None]
CAPTION_Y = {True: 0.82, False: 0.86}  # caption centre, fraction of the height (portrait, landscape)
CAPTION_LINES = 2  # a caption chunk wraps to two lines at most (shrinking if it must)
LOWER_THIRD_Y = {True: 0.64, False: 0.60}  # top of a one-line-title lower third (portrait, landscape)


@dataclass
class SceneTake:
    """One scene's sound, controls and captions, ready to draw."""

    scene: Scene
    audio: np.ndarray  # speech only, exactly frames * samples_per_frame long
    speech: Speech  # the scene's sentences on one time axis (for the mouth)
    frames: int
    cues: list[Cue]  # relative to the scene start
    spans: list[tuple[float, float]]  # voiced spans, relative


def take_scene(scene: Scene, speeches: list[Speech], clock: MediaClock, lang: str, caption_units: float) -> SceneTake:
    sr = clock.sample_rate
    offsets, t = [], LEAD_S
    for sp in speeches:
        offsets.append(t)
        t += sp.duration + GAP_S
    total = (t - GAP_S if speeches else t) + TAIL_S
    n = clock.frames_for_samples(int(round(total * sr)))
    audio = np.zeros(n * clock.samples_per_frame, np.float32)
    phones: list[PhoneSpan] = []
    cues: list[Cue] = []
    spans = []
    for sp, off in zip(speeches, offsets):
        i = int(round(off * sr))
        audio[i:i + len(sp.audio)] += sp.audio[: len(audio) - i]
        phones += sp.shifted(i / sr)
        cues += cues_for(sp, i / sr, caption_units)
        a, b = voiced_span(sp)
        spans.append((i / sr + a, i / sr + b))
    return SceneTake(scene, audio, Speech(audio, sr, phones, " ".join(scene.lines), lang), n, cues, spans)


class SceneDrawer:
    """Draws frames for scenes; caches what is static within a scene."""

    def __init__(self, model: AvatarModel | None, width: int, height: int, ai_label: bool = True) -> None:
        self.w, self.h = width, height
        self.scale = min(width, height) / 720
        self.portrait = height > width
        self.model = model
        self.renderer = renderer_for(model) if model is not None else None
        self._presenters: dict[str, Presenter] = {}
        self.label = text_patch(AI_LABEL, int(26 * self.scale), width) if ai_label else None
        self.caption_px = int((38 if self.portrait else 36) * self.scale)
        self.caption_width = int(width * (0.88 if self.portrait else 0.62))

    def caption(self, text: str) -> tuple[Patch, int, int]:
        """A caption's patch and where it goes: centred, wrapped to :data:`CAPTION_LINES`
        lines and shrunk if it must be (the stage's ``fit_text``), never wider than its band."""
        patch = fit_text_patch(text, self.caption_px, self.caption_width, CAPTION_LINES)
        return patch, (self.w - patch.size[0]) // 2, int(self.h * CAPTION_Y[self.portrait]) - patch.size[1] // 2

    def caption_top(self) -> int:
        """Where the tallest caption (:data:`CAPTION_LINES` lines at full size) begins: other
        text keeps above it."""
        tallest = lines_patch(("X",) * CAPTION_LINES, self.caption_px)
        return int(self.h * CAPTION_Y[self.portrait]) - tallest.size[1] // 2

    def card(self, scene: Scene) -> tuple[Patch, int, int] | None:
        """The price scene's product card and its place (still, above the captions)."""
        if not scene.backdrop.card:
            return None
        return card_place(scene.backdrop.card, self.w, self.h, self.caption_top() - int(12 * self.scale))

    def lower_third(self, scene: Scene) -> tuple[Patch, int, int] | None:
        """The scene's lower third and its resting place: left, its bottom where a one-line
        title and subtitle would end, so a two-line title grows upward, clear of the captions."""
        if not scene.title:
            return None
        patch = lower_third(scene.title, scene.subtitle, int(self.w * (0.78 if self.portrait else 0.5)), self.scale)
        bottom = min(int(self.h * LOWER_THIRD_Y[self.portrait]) + lower_third_base_height(self.scale),
                     self.caption_top() - int(12 * self.scale))
        return patch, int(self.w * 0.04), bottom - patch.size[1]

    def presenter(self, mode: str) -> Presenter:
        if mode not in self._presenters:
            self._presenters[mode] = Presenter(self.model, presenter_spot(mode, self.w, self.h), self.w, self.h)
        return self._presenters[mode]

    def backdrop(self, scene: Scene) -> np.ndarray:
        b = scene.backdrop
        if b.kind == "photo":
            return load_rgb(b.photo)
        return product_slide(b.photo, int(self.w * ZOOM), int(self.h * ZOOM), b.card, b.tint, b.name)

    def frames(self, take: SceneTake, controls: np.ndarray | None) -> Iterator[np.ndarray]:
        scene = take.scene
        mode = scene.avatar if self.renderer is not None else "none"
        picture = self.backdrop(scene)
        moving = KenBurns(picture, self.w, self.h, scene.motion)
        plate = under = None
        presenter = self.presenter(mode) if mode != "none" else None
        if mode == "full":  # a still, softened backdrop: the presenter is the subject
            bg = moving.frame(0.5)
            bg = (cv2.GaussianBlur(bg, (0, 0), 10 * self.scale).astype(np.float32) * 0.72).astype(np.uint8)
            plate = bg.copy()
            presenter.draw(plate, None, None)
            box = presenter.frame_rect()
            under = bg[box[1]:box[3], box[0]:box[2]].copy() if box else None
        lt, lt_x, lt_y = self.lower_third(scene) or (None, 0, 0)
        card = self.card(scene)
        cue_i = 0
        for i in range(take.frames):
            if plate is not None:
                frame = plate.copy()
                if controls is not None and under is not None:
                    canvas = self.renderer.render(controls[i], with_mask=True)
                    presenter.paint_face(frame, under, canvas, self.renderer.mask)
            else:
                frame = moving.frame(i / max(take.frames - 1, 1))
                if presenter is not None and controls is not None:
                    canvas = self.renderer.render(controls[i], with_mask=True)
                    presenter.draw(frame, canvas, self.renderer.mask)
            if card is not None:
                blend(frame, *card)
            if lt is not None:
                slide = 1.0 - min(i / SLIDE_IN_FRAMES, 1.0)
                blend(frame, lt, lt_x - int(slide * slide * (lt.size[0] + lt_x)), lt_y)
            t = (i + 0.5) / 25.0
            while cue_i < len(take.cues) and take.cues[cue_i].end <= t:
                cue_i += 1
            if cue_i < len(take.cues) and take.cues[cue_i].start <= t:
                patch, x, y = self.caption(take.cues[cue_i].text)
                blend(frame, patch, x, y)
            if self.label is not None:
                blend(frame, self.label, self.w - self.label.size[0] - int(16 * self.scale), int(16 * self.scale))
            yield frame


def render_video(board: Storyboard, out: str | Path, options: VideoOptions = VideoOptions(),
                 model: AvatarModel | None = None, router=None, progress: Optional[Progress] = None) -> VideoResult:
    """Render ``board`` to ``out`` (MP4 via NAME.part, renamed on success) and its SRT."""
    from ..assembly import voice_for

    started = time.perf_counter()
    out = Path(out)
    options = options.validated()
    width, height = options.size()
    if model is None:
        from ..avatar.defaults import default_avatar_path

        model = AvatarModel.load(options.avatar or default_avatar_path())
    router = router or voice_for(model)  # the CLI passes the configured voices (assembly.voice_for)
    clock = MediaClock(sample_rate=router.sample_rate, fps=25)
    config = DriveConfig(fps=clock.fps)
    idle = config.idle()
    uses_avatar = any(s.avatar != "none" for s in board.scenes)
    drawer = SceneDrawer(model if uses_avatar else None, width, height, options.ai_label)
    caption_units = 45.0 if height > width else 66.0
    bed = music_bed(options.music, clock.sample_rate, options.seed)
    ducker = Ducker(clock.sample_rate, options.duck_db)
    level = 10 ** (options.music_db / 20)

    def spoken() -> Iterator[tuple[Scene, list[Speech]]]:
        for scene in board.scenes:
            yield scene, [sp for line in scene.lines for sp in router.synthesize(line, board.lang)]

    meta = ai_metadata(title=board.title[:80])
    meta["description"] = f"twincast {board.template} video; AI-generated presenter and voice"
    frame0, cues, spans = 0, [], []
    last: np.ndarray | None = None
    with mp4_sink(out, width, height, clock, meta, preset=options.preset) as sink:
        for k, ((scene, speeches), _) in enumerate(prefetch(spoken())):
            take = take_scene(scene, speeches, clock, board.lang, caption_units)
            t0 = frame0 / clock.fps
            cues += [type(c)(round(c.start + t0, 3), round(c.end + t0, 3), c.text) for c in take.cues]
            spans += [(a + t0, b + t0) for a, b in take.spans]
            mix = take.audio.copy()
            if bed is not None:
                start = clock.sample_of_frame(frame0)
                music = bed.samples(start, len(mix)) * level * ducker.gains(take.audio)
                s = (start + np.arange(len(mix))) / clock.sample_rate
                music *= np.clip(s / MUSIC_FADE_S[0], 0, 1)
                if k == len(board.scenes) - 1:
                    music *= np.clip((s[-1] - s) / MUSIC_FADE_S[1], 0, 1)
                mix += music
            sink.write_audio(mix)
            controls = None
            if drawer.renderer is not None and scene.avatar != "none":
                track = add_idle(speech_controls(take.speech, take.frames, config), idle, frame0)
                controls = track.reorder(drawer.renderer.controls)
            for i, frame in enumerate(drawer.frames(take, controls)):
                if last is not None and i < FADE_FRAMES:
                    frame = cv2.addWeighted(last, 1 - (i + 1) / (FADE_FRAMES + 1), frame, (i + 1) / (FADE_FRAMES + 1), 0)
                sink.write_frame(frame)
                if progress and (frame0 + i) % 25 == 0:
                    progress((frame0 + i) / clock.fps)
                if i == take.frames - 1:
                    last = frame
            frame0 += take.frames
    srt = write_srt(cues, out.with_suffix(".srt")) if options.srt else None
    return VideoResult(out, srt, frame0 / clock.fps, frame0, width, height, time.perf_counter() - started, cues,
                       len(board.scenes), list(board.warnings), spans)
