"""The comment manager's own rules, with scripted in-process sources (the protocols are tested
against fake platforms in the other test_comments_* files): reconnect backoff with jitter,
bounded de-duplication, per-source rates, expiry, and a show that never sees a source's crash."""

from __future__ import annotations

import asyncio
import itertools
import random
import time

from support.fake_platforms import RecordingShow, wait_for
from twincast.live.comments.config import Backoff, CommentsConfig, TwitchSource
from twincast.live.comments.manager import CommentManager
from twincast.live.comments.source import CommentSource, SeenIds, backoff_delays
from twincast.live.comments.types import Comment, SourceProblem


class Scripted(CommentSource):
    """Delivers ``batch`` comments once connected, then fails the way it is told."""

    platform = "twitch"

    def __init__(self, name: str, batch: int = 0, fail: Exception | None = None, rate: str = "10/second") -> None:
        super().__init__(TwitchSource(channel=name, rate=rate))
        self.batch, self.fail, self.runs, self.results = batch, fail, 0, []

    async def run(self) -> None:
        self.runs += 1
        if self.fail is not None:
            raise self.fail
        self.connected()
        if self.runs == 1:
            for i in range(self.batch):
                self.results.append(self.deliver(Comment("twitch", self.id, f"{self.id}-{i}", f"u{i}", f"u{i}",
                                                         f"question {i}", time.time())))
        await asyncio.sleep(3600)


def test_backoff_grows_caps_and_jitters():
    b = Backoff(initial_s=1.0, factor=2.0, max_s=10.0, jitter=0.5)
    delays = list(itertools.islice(backoff_delays(b, random.Random(7)), 8))
    bases = [1, 2, 4, 8, 10, 10, 10, 10]
    assert all(0.5 * base <= d <= base for d, base in zip(delays, bases)), delays
    assert len({round(d / base, 6) for d, base in zip(delays, bases)}) > 4  # really jittered


def test_seen_ids_are_bounded_and_refreshed():
    seen = SeenIds(3)
    assert [seen.seen(k) for k in "abca"] == [False, False, False, True]
    seen.seen("d")  # evicts b (a was refreshed)
    assert len(seen) == 3 and seen.seen("a") and not seen.seen("b")


def test_per_source_rate_and_expiry():
    show, lines = RecordingShow(), []
    loud, quiet = Scripted("loud", batch=20, rate="5/second"), Scripted("quiet", batch=3)
    m = CommentManager(show, CommentsConfig(intake="50/second"), [loud, quiet], say=lines.append).start()
    try:
        wait_for(lambda: len(show.posted) == 8, what="5 + 3 comments")
        time.sleep(0.2)
    finally:
        m.stop()
    assert loud.results.count("queued") == 5 and loud.results.count("rate_limited") == 15
    assert quiet.results == ["queued"] * 3 and len(show.posted) == 8  # the loud one did not starve it
    assert len([x for x in lines if "over its rate" in x]) == 1
    show2 = RecordingShow()
    slow = Scripted("slow", batch=6)
    m = CommentManager(show2, CommentsConfig(intake="1/second", max_wait_s=0.5), [slow], say=lines.append).start()
    try:
        wait_for(lambda: m.status()[0].expired + len(show2.posted) == 6, timeout=5, what="expiry")
    finally:
        m.stop()
    # at most the first gets in; the rest waited longer than max_wait_s: dropped and counted, not posted late
    assert len(show2.posted) <= 1 and m.status()[0].expired >= 5


def test_failing_sources_never_reach_the_show():
    show, lines = RecordingShow(), []
    down = Scripted("down", fail=ConnectionResetError("peer reset"))
    buggy = Scripted("buggy", fail=KeyError("data"))
    closed = Scripted("closed", fail=SourceProblem("closed", "room closed by the anchor", retry=False))
    fast = Backoff(initial_s=0.02, max_s=0.05)
    m = CommentManager(show, CommentsConfig(backoff=fast), [down, buggy, closed], say=lines.append).start()
    try:
        wait_for(lambda: down.runs >= 4 and buggy.runs >= 4, what="several reconnects")
    finally:
        m.stop()
    st = {s.source: s for s in m.status()}
    assert st["twitch:down"].last_error_kind == "protocol" and "ConnectionResetError" in st["twitch:down"].last_error
    assert st["twitch:buggy"].reconnects >= 3 and st["twitch:closed"].state == "failed" and closed.runs == 1
    assert show.posted == []
    assert any("room closed by the anchor" in x and "stopped" in x for x in lines)


def test_the_show_keeps_going_with_every_platform_down(monkeypatch):
    """Real adapters against closed loopback ports: they fail, retry with backoff, report, and the
    show (FakeShow encoding real frames) never notices."""
    from twincast.live.comments.config import BilibiliSource, WebhookSource, YouTubeSource
    from twincast.live.fake_show import FakeShow

    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    with socket.socket() as busy:  # the webhook's port is taken: it cannot listen
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        sources = [TwitchSource(channel="c", url=f"ws://127.0.0.1:{dead}"),
                   YouTubeSource(video_id="v", api_key="k-123456", api_base=f"http://127.0.0.1:{dead}"),
                   BilibiliSource(code="C", app_id=1, access_key_id="i", access_key_secret="s-123456",
                                  api_base=f"http://127.0.0.1:{dead}"),
                   WebhookSource(port=taken, secret="w-123456789")]
        show, lines = FakeShow(autostart=True), []
        m = CommentManager(show, CommentsConfig(sources=sources, backoff=Backoff(initial_s=0.05, max_s=0.2)),
                           say=lines.append).start()
        try:
            wait_for(lambda: all(s.reconnects >= 1 for s in m.status() if s.source != "page"), what="retries")
            f0 = show.frames
            time.sleep(1.0)
            frames = show.frames - f0
        finally:
            m.stop()
            show.stop()
    st = {s.source: s for s in m.status()}
    assert frames >= 15  # the stream went on at about 25 frames a second (fewer only on a starved machine)
    assert {st[k].last_error_kind for k in st if k != "page"} <= {"network", "config"}
    assert "cannot listen" in st["webhook"].last_error
    assert all(st[k].state in ("reconnecting", "stopped") for k in st if k != "page")


class Replying(Scripted):
    can_reply = True

    def __init__(self, *a, **k) -> None:
        super().__init__(*a, **k)
        self.config = self.config.model_copy(update={"reply": True})
        self.sent: list[tuple[str, str]] = []

    async def reply(self, text: str, to) -> None:
        self.sent.append((text, to.message_id))


def test_replies_are_labelled_cut_and_rate_limited():
    from twincast.live.comments.config import Replies

    show = RecordingShow(answer=True)
    q = show.subscribe_events()
    src = Replying("chat", batch=3)
    conf = CommentsConfig(replies=Replies(enabled=True, prefix="[AI 数字人] ", rate="1/minute", max_chars=24))
    m = CommentManager(show, conf, [src], say=lambda line: None).start()
    try:
        wait_for(lambda: src.sent and len(show.posted) == 3, what="one reply")
        time.sleep(0.3)
    finally:
        m.stop()
    assert src.sent == [("[AI 数字人] @u0 收到：question 0"[:23] + "…", "twitch:chat-0")]
    events = []
    while not q.empty():
        ev = q.get_nowait()
        if ev is not None and ev.kind == "reply":
            events.append(ev.data)
    assert sorted(e["ok"] for e in events) == [False, False, True]  # the post is async: any order
    assert all("reply rate" in e["error"] for e in events if not e["ok"])
