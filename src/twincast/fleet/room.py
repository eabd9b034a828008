"""One live room as a Ray actor: a ``LiveShow``, its viewer page and console, its outputs, and a
reporter that ships the room's analytics journal and checkpoint to the supervisor.

Why the room reports (push) instead of the supervisor asking (pull): one call every
``REPORT_S`` carries the journal, the checkpoint and the heartbeat together, and a room whose
node vanished simply stops calling, which the supervisor notices by the clock alone, without
waiting for Ray's own node failure detection (tens of seconds by default).
Why ``prepare`` and ``begin`` are separate: loading avatars and voices is most of a start; a
warm spare (``standby: true``) does it in advance and only ``begin``s when a room fails.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any, Optional

from .journal import JournalAnalytics, Op
from .resume import Checkpoint, rundown_fields, shift_rundown
from .spec import RoomSpec

log = logging.getLogger("twincast.fleet.room")
REPORT_S = 0.25
REPORT_TIMEOUT_S = 2.0
OPERATOR_ACTIONS = ("skip", "reorder", "pin", "say", "camera", "mute", "comment")


def node_dir(*parts: str) -> Path:
    """Scratch space on the node running this instance (lost with the node, by design)."""
    from ..paths import home

    p = home().joinpath("fleet", *parts)
    p.mkdir(parents=True, exist_ok=True)
    return p


class Room:
    """The actor's body (``cluster.py`` wraps it with ``ray.remote``)."""

    def __init__(self, spec: dict, session: str, instance: str, token: str, supervisor: Any = None) -> None:
        logging.basicConfig(level=logging.WARNING)
        self.spec = RoomSpec.model_validate(spec)
        self.session, self.instance, self.token, self.supervisor = session, instance, token, supervisor
        self.show = None
        self.server = None
        self.analytics: Optional[JournalAnalytics] = None
        self.base_t = 0.0
        self.started_wall: Optional[float] = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.fenced = False
        self.comment_conf = None  # platform comment sources (live/comments), when the room has any
        self.timings: dict[str, float] = {}  # seconds per start step, reported to the console

    # ---- start ------------------------------------------------------------------------------
    def node(self) -> str:
        import ray

        return ray.get_runtime_context().get_node_id()

    def prepare(self) -> float:
        """Load the catalog, avatars and voices, build the show (not on air) and warm it up.
        Returns the seconds it took. Files are read here, on the node that runs the room."""
        from ..assembly import drive_config, load_avatar
        from ..config.flags import with_flags
        from ..config.load import expand_env
        from ..live.engine import LiveShow
        from ..live.outputs import RtmpOutput
        from ..show.catalog_io import load_catalog
        from ..show.rundown import Rundown

        t0 = time.monotonic()
        s = self.spec
        import cv2

        # OpenCV's pool is one thread per core of the node; a room reserves ``cpus`` of them, and
        # its threads beside other rooms' cost more than they save (two rooms on a 2-core node:
        # 1.41-1.45 cores with one OpenCV thread each against 1.53, docs/performance.md session 11)
        cv2.setNumThreads(max(1, int(s.cpus)))
        cfg = with_flags(s.config, {"catalog": ("catalog", s.catalog), "lang": ("stage.lang", s.lang),
                                    "host_avatar": ("avatars.host.path", s.host_avatar),
                                    "assistant": ("avatars.assistant.path", s.assistant_avatar),
                                    "rtmp": ("outputs.rtmp", list(s.rtmp) or None)})
        urls = [expand_env(u, f"outputs.rtmp[{i}]") for i, u in enumerate(cfg.outputs.rtmp)]  # keys from the environment
        if s.platform_comments():
            from ..live.comments.cli import comments_setup

            self.comment_conf = comments_setup(s.platform_comments())  # a missing key fails the start, named
        elif s.config is not None and cfg.comments.sources:
            self.comment_conf = cfg.comments
        cat = load_catalog(cfg.catalog)
        host, assistant = load_avatar(cfg, "host"), load_avatar(cfg, "assistant")
        if s.voices.host:
            host.meta["voice_preset"] = s.voices.host
        if s.voices.assistant:
            assistant.meta["voice_preset"] = s.voices.assistant
        plan = Rundown.load(s.rundown, cat) if s.rundown else None
        record_dir = s.record_dir or node_dir("recordings", s.name)
        self.show = LiveShow(cat, host, assistant, lang=cfg.stage.lang, rundown=plan, size=s.size or cfg.stage.size,
                             rtmp_url=urls[0] if urls else None, record_dir=record_dir, drive=drive_config(cfg),
                             config=cfg)
        for url in urls[1:]:  # more platforms: the same encode, copied (LiveEncoder opens extras later)
            self.show.encoder.extra.append(RtmpOutput(url, self._rtmp_event))
        self.show.warm_up()
        self.timings["prepare"] = round(time.monotonic() - t0, 2)
        return self.timings["prepare"]

    def _rtmp_event(self, what: str, data: dict) -> None:
        from ..live.events import StreamEvent

        self.show.emit(StreamEvent(state=what, url=data.get("url"), error=data.get("error")))

    def begin(self, resume: dict) -> dict:
        """Go on air where the session was: ``resume`` holds the checkpoint (or None for a new
        session), the ledger's operations to replay, and the journal's next sequence number."""
        from ..live.web.process import serve_process

        t0 = time.monotonic()
        warm = self.show is not None  # a spare: loaded and warmed up in advance
        if not warm:
            self.prepare()
        show = self.show
        cp = resume.get("checkpoint")
        if cp:
            cp = Checkpoint(**cp)
            self.base_t = cp.media_t
            plan = shift_rundown(cp.rundown(), cp.media_t - cp.base_t)
            show.rundown.slots[:] = plan.slots
            show.rundown.hero[:] = plan.hero
            show.rundown.loop = plan.loop
        path = node_dir("rooms", self.spec.name) / f"{self.instance}.db"
        journal = partial(JournalAnalytics, path, self.instance, resume.get("last_seq", 0), self.base_t,
                          resume.get("base_cid", 0))
        self.analytics = journal()  # here: the replay, then the reporter's reader of the outbox
        ops = [Op(*op) for op in resume.get("ops", [])]
        self.analytics.replay(self.session, ops, show.products())
        t1 = time.monotonic()
        # the page in a process of its own, as under `twincast live` (docs/live.md): it writes the journal
        self.server = serve_process(show, port=self.spec.port, token=self.token, analytics_path=path,
                                    analytics_factory=journal, session_id=self.session,
                                    title=f"twincast fleet: {self.spec.name}")
        t2 = time.monotonic()
        # taking over (a checkpoint exists): on air at once, idle until the first line is ready
        show.start(warm=False, **({"first_line_wait": 0.0} if cp else {}))  # prepare() warmed it up
        if cp:  # the operator's choices survive the move
            if cp.banner:
                show.pin_comment(cp.banner)
            if cp.camera:
                show.switch_camera(cp.camera)
            if cp.muted:
                show.mute(True)
        if self.comment_conf is not None:
            from ..live.comments.manager import CommentManager

            show.comments = CommentManager(show, self.comment_conf, say=log.warning).start()
        self.started_wall = time.time()
        self._spawn(self._report_loop, "fleet-report")
        for path in self.spec.comment_files():
            self._spawn(lambda p=path: self._feed_comments(p), "fleet-comments")
        self.timings.update(replay=round(t1 - t0, 2), serve=round(t2 - t1, 2), start=round(time.monotonic() - t2, 2),
                            ops=len(ops), spare=warm)
        return {"node": self.node(), "url": self.server.url, "recording": str(show.recording), **self.timings}

    def _spawn(self, fn, name: str) -> None:
        t = threading.Thread(target=fn, name=name, daemon=True)
        self._threads.append(t)
        t.start()

    # ---- while on air -----------------------------------------------------------------------
    def checkpoint(self) -> Checkpoint:
        show = self.show
        st = show.on_air()
        return Checkpoint(self.spec.name, self.session, self.instance, round(self.base_t + show.media_time(), 3),
                          int(st["frames"]), base_t=self.base_t, status=str(st.get("status")),
                          dropped_frames=int(st.get("dropped_frames", 0)), product=st.get("product"),
                          banner=st.get("banner"), camera=st.get("forced_camera"), muted=bool(st.get("muted")),
                          node=self.node(), extra={"url": self.server.url if self.server else None,
                                                   "recording": st.get("recording"), "speaker": st.get("speaker"),
                                                   "subtitle": st.get("subtitle"), "rtmp_up": st.get("rtmp_up"),
                                                   "timings": self.timings, "pid": os.getpid()},
                          **rundown_fields(show.rundown))

    def _report_loop(self) -> None:
        import ray

        while not self._stop.wait(REPORT_S):
            try:
                ops = self.analytics.pending()
                ref = self.supervisor.report.remote(self.spec.name, self.instance,
                                                    [op.row() for op in ops], asdict(self.checkpoint()))
                res = ray.get(ref, timeout=REPORT_TIMEOUT_S)
            except Exception as exc:  # noqa: BLE001 - the supervisor is busy or restarting: retry
                log.warning("room %s: report failed: %s", self.spec.name, type(exc).__name__)
                continue
            if res.get("fenced"):  # another instance owns the session now: leave the air
                self.fenced = True
                self._stop.set()
                threading.Thread(target=self.stop, daemon=True).start()
                return
            self.analytics.acked(res.get("acked", -1))

    def _feed_comments(self, path: Path) -> None:
        """Replays timed comments on the session's clock; those before ``base_t`` were already
        posted by an earlier instance."""
        from ..show.runner import load_comments

        for c in load_comments(path):
            if c.t < self.base_t:
                continue
            while not self._stop.is_set() and self.base_t + self.show.media_time() < c.t:
                self._stop.wait(0.1)
            if self._stop.is_set():
                return
            self.show.post_comment(c.user, c.text)

    # ---- actor methods -----------------------------------------------------------------------
    def status(self) -> dict:
        return asdict(self.checkpoint()) if self.show is not None and self.server is not None else {"status": "preparing"}

    def operate(self, action: str, args: dict) -> dict:
        """An operator action routed here by the fleet console."""
        show = self.show
        if action == "skip":
            show.skip_product()
        elif action == "reorder":
            show.reorder(list(args["product_ids"]))
        elif action == "pin":
            show.pin_comment(str(args.get("text", "")))
        elif action == "say":
            show.say_next(str(args["text"]), str(args.get("speaker", "host")))
        elif action == "camera":
            show.switch_camera(args.get("camera"))
        elif action == "mute":
            show.mute(bool(args["muted"]))
        elif action == "comment":
            return show.post_comment(str(args.get("user", "viewer")), str(args["text"]))
        else:
            raise ValueError(f"unknown action {action!r}; use one of {', '.join(OPERATOR_ACTIONS)}")
        return {"ok": True}

    def flush(self) -> int:
        """Ship the journal now (before a planned stop); returns operations still unshipped."""
        import ray

        if self.analytics is None:
            return 0
        ops = self.analytics.pending()
        if ops:
            res = ray.get(self.supervisor.report.remote(self.spec.name, self.instance, [op.row() for op in ops],
                                                         asdict(self.checkpoint())), timeout=REPORT_TIMEOUT_S)
            self.analytics.acked(res.get("acked", -1))
        return len(self.analytics.pending())

    def stop(self) -> dict:
        """Leave the air: stop the show, close the page (which ends the session's visits), ship
        the rest of the journal."""
        self._stop.set()
        if self.show is not None and self.show.comments is not None:
            self.show.comments.stop()
        if self.show is not None:
            self.show.stop()
        if self.server is not None:
            self.server.stop()
        left = 0
        if not self.fenced:
            try:
                left = self.flush()
            except Exception:  # noqa: BLE001 - the supervisor may be gone already (fleet down)
                left = len(self.analytics.pending()) if self.analytics else 0
        return {"unshipped": left}
