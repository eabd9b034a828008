"""The live show engine: renders the show in real time and encodes it once for every output.

Threads: synthesis (``SpeechLine``: a script worker below the render loop's priority and an
answer worker), the paced render loop here, and the encoder inside ``LiveEncoder`` calls. The
render loop never waits for speech: when no clause is ready it renders a short idle moment, so
the stream keeps its frame rate whatever the voices do.
Operator commands and viewer comments only touch small locked state; the loop picks them up
at the next frame or clause.
"""

from __future__ import annotations

import ctypes
import itertools
import logging
import queue
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as np

from ..avatar.model import AvatarModel
from ..clock import MediaClock
from ..driving.drive import DriveConfig
from ..output.labels import ai_metadata
from ..render.stage import Camera
from ..show.answers.moderation import Moderator
from ..show.answers.types import Comment
from ..show.catalog import Catalog
from ..show.director import Beat
from ..show.rundown import Rundown, Slot
from ..show.runner import product_view
from ..text.clauses import answer_clauses
from .api import EventHub, ProductInfo
from .clip import ClipPlayer
from .events import (
    CommentEvent,
    OperatorEvent,
    ProductEvent,
    SayEvent,
    StreamEvent,
    VoiceEvent,
)
from .outputs import FlvBroadcast, LiveEncoder, RtmpOutput, stream_preset
from .speechline import SpeechLine, Utterance

log = logging.getLogger("twincast.live")
IDLE_S = 0.2
TRIM_EVERY_S = 30.0
FIRST_LINE_WAIT_S = 5.0
# How long a Python thread may hold the GIL before it must offer it, set for the process while
# a live show is on air; None keeps CPython's 5 ms. The render loop needs the GIL back after each
# of dozens of OpenCV calls a frame, so a busy Python thread beside it (the web server refusing
# a flood) slows it (a synthetic loop: 25 ms frames took 45-75 ms at 5 ms, 32-45 ms at 1 ms).
# But the hostile-flood benchmark did not improve at 1 ms (docs/performance.md, session 10),
# so the default stays CPython's; the knob is kept for measuring.
SWITCH_INTERVAL_S: float | None = None
# How late the render loop may run before it repeats a frame. A clause start (new controls,
# a subtitle, a camera cross-fade) costs 2-3 frames' time while the next clause synthesises;
# a frame rendered in 26 ms (p50 at 720x1280) catches up 14 ms a frame afterwards. Players and
# RTMP ingest buffer far more than this, and the recording's timestamps never move.
LATE_LIMIT_S = 0.2
# How many frames the render loop may run ahead of the stream (160 ms at 25 fps). Rendered
# frames wait in the encoder's queue and go out at their due time (LiveEncoder paces them), so
# what viewers get and the media clock are unchanged; but a moment when the render loop cannot
# get a core (another room's burst, a clause start, a camera cross-fade: 30-60 ms frames) is
# absorbed by frames already rendered instead of making the stream late. Repeats start only
# after RENDER_AHEAD / fps + LATE_LIMIT_S of lateness. Costs that much extra delay from a
# viewer's comment or an operator's command to the screen, at most.
RENDER_AHEAD = 4


def release_freed_memory() -> None:
    """Hand freed heap pages back to the OS. A 24/7 show frees audio and frame buffers of
    every size from several threads; glibc keeps them in per-thread arenas, so without this
    the resident size creeps up by megabytes a minute although nothing is leaked."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to do
        pass


class _EncoderSink:
    """Adapts the encoder to the performer's sink; audio is written per frame to keep the
    streams finely interleaved (players and RTMP servers dislike seconds of audio ahead)."""

    def __init__(self, engine: "LiveShow") -> None:
        self.engine = engine
        self._audio = np.zeros(0, np.float32)

    def write_audio(self, mono: np.ndarray) -> None:
        self._audio = np.concatenate([self._audio, mono.astype(np.float32)])

    def write_frame(self, rgb: np.ndarray) -> None:
        e = self.engine
        chunk, self._audio = e.clock.frame_audio(self._audio), self._audio[e.clock.samples_per_frame:]
        e.emit_frame(rgb, np.zeros_like(chunk) if e.muted else chunk)


class LiveShow(EventHub):
    def __init__(self, catalog: Catalog, host: AvatarModel, assistant: AvatarModel, *, lang: str = "zh",
                 rundown: Rundown | None = None, size: str = "720x1280", rtmp_url: str | None = None,
                 record_dir: str | Path = "out/live", minutes_each: float = 3.0, realtime: bool = True,
                 drive: DriveConfig = DriveConfig(), config=None) -> None:
        """``config``: a ``TwincastConfig`` (voices, LLM, cameras, layout); the parts are built
        by the composition root (twincast.assembly), like every other command's."""
        from ..assembly import listen_to_voices, show_parts

        self.catalog, self.lang = catalog, lang
        self.clock = MediaClock(sample_rate=48_000)
        self.preset = stream_preset(size, config.outputs.encoder if config is not None else None)
        self.parts = show_parts(catalog, host, assistant, lang=lang, size=(self.preset.width, self.preset.height),
                                config=config, rundown=rundown, minutes_each=minutes_each)
        self.rundown, self.answers = self.parts.rundown, self.parts.queue
        self.answer_engine, self.director = self.parts.answers, self.parts.director
        self.routers, self.stage = self.parts.routers, self.parts.stage
        listen_to_voices(self.routers, self._voice_switch)  # a remote voice fell back: tell the console
        self.flv = FlvBroadcast()
        self.rtmp = RtmpOutput(rtmp_url, self._rtmp_event) if rtmp_url else None
        stamp = time.strftime("%Y%m%d-%H%M%S")
        self.recording = Path(record_dir) / f"live-{stamp}.mp4"
        extra = [self.flv] + ([self.rtmp] if self.rtmp else [])
        self.encoder = LiveEncoder(self.recording, self.preset, self.clock, ai_metadata(title="twincast live"), extra,
                                   ahead=RENDER_AHEAD)
        self.performer = self.parts.performer(_EncoderSink(self), drive, self.clock)  # docs/expression.md
        self.performer.skip = self.behind
        self.speech = SpeechLine(self._synthesize, self._next_beats, self.media_time, self._next_answer)
        self.realtime = realtime
        self.render_ahead = RENDER_AHEAD  # frames; 0 renders each frame just in time (as before)
        self.switch_interval: float | None = SWITCH_INTERVAL_S  # None: leave the process as it is
        self.muted = False
        self.forced_camera: Camera | None = None
        self.banner: str | None = None
        self._clip: ClipPlayer | None = None
        self.comments = None  # the platform comment sources (live/comments/manager.py), when any run
        EventHub.__init__(self)
        self._comment_ids = itertools.count(1)
        self._comment_of: dict[int, int] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._t0 = 0.0
        self.dropped_frames = 0
        self.late_frames = 0  # handed to the encoder over a frame late, then caught up
        self.drop_times: list[float] = []  # media times of repeated frames, for diagnosis
        self.state: dict[str, Any] = {"product": None, "camera": Camera.WIDE.value, "speaker": None,
                                      "subtitle": None, "status": "ready"}

    # ---- clock and events -------------------------------------------------------------
    def media_time(self) -> float:
        return self.encoder.frames / self.clock.fps

    def _voice_switch(self, switch) -> None:
        self.emit(VoiceEvent(state=switch.state, engine=switch.engine, backup=switch.backup, lang=switch.lang,
                             reason=switch.reason, text=switch.text))

    def _rtmp_event(self, what: str, data: dict) -> None:
        self.emit(StreamEvent(state=what, url=data.get("url"), error=data.get("error")))

    # ---- synthesis callbacks ------------------------------------------------------------
    def _synthesize(self, speaker: str, text: str, lang: str):
        return list(self.routers[speaker].synthesize(text, lang))

    def _next_beats(self, now: float) -> list[Beat]:
        with self._lock:
            return [b for b in self.parts.next_beats(now) if b.kind not in ("question", "answer")]

    def _next_answer(self, now: float):
        item = self.answers.pop(now)
        if item is None:
            return None
        ids = [self._comment_of.get(id(d.comment), 0) for d in item.decisions]
        return Beat("host", item.text, item.lang, self.parts.camera(Camera.HOST), item.product_id, "answer"), ids

    # ---- the render loop ------------------------------------------------------------------
    def behind(self) -> bool:
        """True when the next frame is more than ``LATE_LIMIT_S`` late: the performer then
        repeats the last frame instead of rendering (counted as dropped), so the stream stays
        in real time. Shorter lateness is caught up by the frames that follow."""
        if not self.realtime:
            return False
        late = time.monotonic() - (self._t0 + self.encoder.frames / self.clock.fps) > LATE_LIMIT_S
        if late:
            self.dropped_frames += 1
            self.drop_times.append(round(self.media_time(), 2))
        return late

    def emit_frame(self, rgb: np.ndarray, audio: np.ndarray) -> None:
        """Hand a frame and its audio to the encoder. In real time the render loop waits only
        while it is more than ``render_ahead`` frames ahead of the frame's due time; the
        encoder sends it out at that due time (see :data:`RENDER_AHEAD`)."""
        due = None
        if self.realtime:
            due = self._t0 + self.encoder.frames / self.clock.fps
            lag = time.monotonic() - (due - self.render_ahead / self.clock.fps)
            if lag < 0:
                time.sleep(-lag)
            elif lag - self.render_ahead / self.clock.fps > 1.0 / self.clock.fps:
                self.late_frames += 1
        self.encoder.audio_chunk(audio, due)
        self.encoder.frame(rgb, due)

    def _perform(self, u: Utterance | None) -> None:
        if self._clip is not None:
            clip, self._clip = self._clip, None
            self.emit(OperatorEvent(action="clip_start", path=str(clip.path)))
            clip.play(self)
            self.emit(OperatorEvent(action="clip_end", path=str(clip.path)))
            return
        if u is None:
            cam = self.forced_camera or Camera(self.state["camera"])
            self.performer.perform("host", None, cam, self._view(self.state["product"]), None, seconds=IDLE_S)
            return
        beat = u.beat
        cam = self.forced_camera or beat.camera
        was = self.state["product"]
        self.state.update(product=beat.product_id or self.state["product"], camera=cam.value,
                          speaker=beat.speaker, subtitle=u.speech.text.strip())
        if self.state["product"] != was:
            self.emit(ProductEvent(product=self.state["product"]))
        if u.first:
            self.emit(SayEvent(speaker=beat.speaker, text=beat.text, line=beat.kind, product=beat.product_id,
                               camera=cam.value, answers=tuple(u.answers or ())))
        self.performer.perform(beat.speaker, u.speech, cam, self._view(self.state["product"]),
                               u.speech.text.strip())

    def _view(self, pid: str | None):
        return product_view(self.catalog, self.catalog.get(pid), self.lang) if pid else None

    def _run(self) -> None:
        self._t0 = time.monotonic()
        self.state["status"] = "on_air"
        self.emit(StreamEvent(state="on_air", recording=str(self.recording)))
        try:
            next_trim = time.monotonic() + TRIM_EVERY_S
            while not self._stop.is_set():
                if time.monotonic() > next_trim:
                    release_freed_memory()
                    next_trim = time.monotonic() + TRIM_EVERY_S
                u = self.speech.pop()
                if u is None and self.speech.exhausted():
                    break
                self._perform(u)
        except Exception:  # noqa: BLE001 - the recording must still be closed cleanly
            log.exception("live render loop failed")
            self.state["status"] = "error"
        finally:
            self.speech.stop()
            self.encoder.close()
            if self.state["status"] != "error":
                self.state["status"] = "stopped"
            self.emit(StreamEvent(state=self.state["status"], recording=str(self.recording)))
            self.close_events()

    # ---- ShowControl --------------------------------------------------------------------
    def warm_up(self) -> None:
        """Load every voice and the comment models before the clock starts: the first viewer
        question must not wait for a model to load."""
        self.state["status"] = "warming_up"
        for speaker, router in self.routers.items():
            # both engines: Latin product names inside Chinese lines go to the English voice
            router.speak("好的，Pro版本。" if self.lang == "zh" else "Okay, 好的。", "auto")
        for text in ("这个多少钱", "尺码怎么选", "how much is it"):
            self.answer_engine.handle(Comment("warmup", text, 0.0))
        # the clause splitter's first word segmentation loads jieba's dictionary (~1 s of
        # GIL-holding work): do it now rather than in the middle of the first answer
        answer_clauses("@warmup 声澜Pro主动降噪蓝牙耳机今天直播间到手价¥259，日常价¥399，拍1号链接。", "zh")
        self.answer_engine.moderator = Moderator()  # forget the warm-up "viewer"
        first = self.rundown.slots[0].product_id if self.rundown.slots else None
        self.performer.warm_up(self._view(first))

    def start(self, warm: bool = True, first_line_wait: float = FIRST_LINE_WAIT_S) -> None:
        """``warm=False``: the caller ran :meth:`warm_up` already (a fleet's warm spare taking
        over a room); ``first_line_wait``: how long to wait for the first line before the
        clock starts (a room taking over goes on air at once, idle until its line is ready)."""
        if self._thread is not None:
            return
        if self.switch_interval:
            sys.setswitchinterval(self.switch_interval)
        if warm:
            self.warm_up()
        self.speech.start()
        # the clock starts once the first line is ready: synthesising it while the first frames
        # render would make those frames late (repeated) on two cores
        deadline = time.monotonic() + first_line_wait
        while not self.speech.ready() and time.monotonic() < deadline and not self.speech.exhausted():
            time.sleep(0.02)
        self._thread = threading.Thread(target=self._run, name="live-render", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop and close the recording; also when Ctrl-C came before the show went on air
        (then the synthesis threads stop and the empty recording is removed)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            return
        self.speech.stop()
        try:
            self.encoder.close()
        except Exception:  # noqa: BLE001 - nothing was on air; do not mask the interrupt
            log.exception("closing the unused recording failed")
        if self.encoder.frames == 0:
            self.recording.unlink(missing_ok=True)

    def wait(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def post_comment(self, user: str, text: str) -> dict[str, Any]:
        cid = next(self._comment_ids)
        comment = Comment(user, text, self.media_time())
        decision = self.answer_engine.handle(comment, on_screen=self.state.get("product"))
        self._comment_of[id(comment)] = cid
        self.answers.push(decision)
        self.emit(CommentEvent(id=cid, user=user, text=text, action=decision.action, reason=decision.reason,
                               intent=decision.intent, product=decision.product_id))
        return {"id": cid, "action": decision.action, "reason": decision.reason, "intent": decision.intent,
                "product_id": decision.product_id, "reply": decision.reply if decision.speaks else None}

    def products(self) -> list[ProductInfo]:
        return [ProductInfo(p.id, p.link, p.name.get(self.lang), p.price, p.promo_price, p.currency,
                            self.director.stock(p), f"/products/{p.id}/image" if p.images else None)
                for p in self.catalog.products]

    def use_stock(self, remaining: Callable[[str], Optional[int]]) -> None:
        """The shop's live stock (``Shop.remaining_stock``): the shelf, the assistant's reminders,
        the host's stock lines and the answers to "还有货吗" follow the orders."""
        self.director.stock_of = remaining
        self.answer_engine.stock_of = remaining

    def comment_sources(self) -> list[dict[str, Any]]:
        """Status of each comment source (issue 22: platform, connected, messages/min, last
        error) for the operator console and /metrics; empty when no platform feeds the show."""
        return self.comments.status_json() if self.comments is not None else []

    def catalog_dir(self) -> Optional[Path]:
        """The folder catalog image paths are confined to (the web layer serves nothing outside)."""
        return self.catalog.source.parent if self.catalog.source else None

    def product_image(self, product_id: str) -> Path | None:
        """The shelf picture of a product (first catalog image), for the viewer page."""
        try:
            images = self.catalog.image_paths(self.catalog.get(product_id))
        except KeyError:
            return None
        return images[0] if images and images[0].is_file() else None

    def on_air(self) -> dict[str, Any]:
        return {**self.state, "t": round(self.media_time(), 3), "frames": self.encoder.frames,
                "dropped_frames": self.dropped_frames, "late_frames": self.late_frames,
                "rtmp_up": bool(self.rtmp and self.rtmp.up),
                "muted": self.muted, "forced_camera": self.forced_camera.value if self.forced_camera else None,
                "banner": self.banner, "recording": str(self.recording)}

    def skip_product(self) -> None:
        with self._lock:
            current = self.rundown.product_at(self.media_time())
            ids = [s.product_id for s in self.rundown.slots]
            if current in ids:
                i = ids.index(current)
                self.reorder(ids[i + 1:] + ids[:i + 1], _locked=True)
        self.emit(OperatorEvent(action="skip"))

    def reorder(self, product_ids: list[str], _locked: bool = False) -> None:
        known = {p.id for p in self.catalog.products}
        ids = [i for i in product_ids if i in known]
        if not ids:
            return
        minutes = {s.product_id: s.minutes for s in self.rundown.slots}
        elapsed = self.media_time() / 60.0
        # the new order starts now: shift it so the first product is on air at this minute
        slots = [Slot(i, minutes.get(i, 3.0)) for i in ids]
        offset = elapsed % sum(s.minutes for s in slots)
        slots[0] = Slot(ids[0], offset + slots[0].minutes)  # on air from this very minute
        self.rundown.slots[:] = slots
        self.speech.drop_script()
        if not _locked:
            self.emit(OperatorEvent(action="reorder", products=tuple(ids)))

    def pin_comment(self, text: str) -> None:
        self.banner = text.strip()[:60] or None
        self.performer.banner = self.banner
        self.emit(OperatorEvent(action="pin", text=self.banner))

    def say_next(self, text: str, speaker: str = "host") -> None:
        verdict = self.director.checker.check(text, self.lang)
        if not verdict.ok:
            self.emit(OperatorEvent(action="say_blocked", text=text, terms=tuple(verdict.terms)))
            return
        self.speech.urgent(Beat(speaker, verdict.text, self.lang, self.parts.camera(Camera.HOST),
                                self.state.get("product"), "operator"))
        self.emit(OperatorEvent(action="say", text=verdict.text))

    def switch_camera(self, camera: str | None) -> None:
        self.forced_camera = Camera(camera) if camera else None
        self.emit(OperatorEvent(action="camera", camera=camera))

    def mute(self, muted: bool) -> None:
        self.muted = bool(muted)
        self.emit(OperatorEvent(action="mute", muted=self.muted))

    def play_clip(self, path: str) -> None:
        self._clip = ClipPlayer(Path(path), self.preset, self.clock)
        self.emit(OperatorEvent(action="clip_queued", path=path))

    def subscribe_flv(self) -> queue.Queue:
        return self.flv.subscribe()

    def unsubscribe_flv(self, q: queue.Queue) -> None:
        self.flv.unsubscribe(q)
