"""Comment-source benchmark (issue 22): platform comment -> spoken answer, and a comment flood.

Run: .venv/bin/python benchmarks/comments.py [--show real|fake] [--questions 12] [--gap 6]
                                             [--rate 50] [--seconds 60]

Three protocol-faithful fake platforms run on loopback (tests/support/fake_platforms.py: Twitch
IRC over WebSocket, the YouTube Data API's liveChatMessages.list polled at its
pollingIntervalMillis, the Bilibili open platform's binary long connection), each read by its
real source through the real CommentManager into the show, as under ``twincast live --comments``.

1. Latency: ``--questions`` catalog questions, one every ``--gap`` seconds, rotating over the
   three platforms, each from a new viewer. Measured: the adapter's arrival time of the comment
   -> the wall time of the first frame of the spoken answer (the ``say`` event naming the
   comment's id, emitted as its first frame is rendered). Targets: p50 <= 1.5 s, p95 <= 3 s.
2. Flood: ``--rate`` comments/s spread evenly over the three platforms for ``--seconds`` (bounded),
   2 % of them resent with the same message id (as after a reconnect). Checked: every unique
   comment reaches the show's decision (nothing lost: none rate-limited, expired or missing),
   no duplicate does, no comment id is answered twice, and the share of repeated frames
   (target <= 0.1 %), with the default rates, intake and expiry (the defaults are sized to pass
   this flood whole; a bigger one is cut by the per-source rates, counted).
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import sys
import threading
import time
import zlib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the fake platforms live with the tests' support code

QUESTIONS_ZH = ["这个耳机多少钱", "耳机续航多久", "有白色的吗", "包邮吗", "保温杯多大容量", "怎么买",
                "能退货吗", "发什么快递", "耳机防水吗", "有优惠吗", "降噪效果怎么样", "几天能到"]


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))] if xs else float("nan")


class Platforms:
    """The three fakes and a way to post one comment on any of them."""

    def __init__(self) -> None:
        from support.fake_platforms import FakeBilibili, FakeTwitch, FakeYouTube

        self.twitch, self.youtube, self.bili = FakeTwitch(), FakeYouTube(interval_ms=200), FakeBilibili()
        self.names = ["twitch", "youtube", "bilibili"]

    def configs(self):
        from twincast.live.comments.config import BilibiliSource, TwitchSource, YouTubeSource

        return [TwitchSource(channel="shopchan", url=self.twitch.url),
                YouTubeSource(video_id="vid123", api_key="good-key", api_base=self.youtube.api_base, min_poll_s=0.2),
                BilibiliSource(code="ANCHORCODE", app_id=1700, access_key_id="ak-id", access_key_secret="ak-secret",
                               api_base=self.bili.base)]

    def post(self, platform: str, batch: list[tuple[str, str, str]]) -> None:
        """``batch``: (message id, user, text) on one platform, sent as that platform sends them."""
        from support.fake_platforms import FakeBilibili, FakeTwitch

        if platform == "twitch":
            self.twitch.push(*[FakeTwitch.privmsg(m, f"u{u}", t, user_id=u, display=u) for m, u, t in batch])
        elif platform == "youtube":
            for m, u, t in batch:
                self.youtube.say(m, f"UC{u}", u, t)
        else:
            body = b"".join(FakeBilibili.pack(5, json.dumps(FakeBilibili.dm(m, f"o{u}", u, t), ensure_ascii=False)
                                              .encode()) for m, u, t in batch)
            self.bili.push(FakeBilibili.pack(5, zlib.compress(body), 2) if len(batch) > 1 else body)

    def stop(self) -> None:
        for f in (self.twitch, self.youtube, self.bili):
            f.stop()


def make_show(kind: str, out: Path):
    if kind == "fake":
        from twincast.live.fake_show import FakeShow

        return FakeShow(answer_delay=0.5)
    from twincast.avatar.defaults import default_assistant_path, default_avatar_path
    from twincast.avatar.model import AvatarModel
    from twincast.live.engine import LiveShow
    from twincast.show.catalog_io import load_catalog

    return LiveShow(load_catalog(), AvatarModel.load(default_avatar_path()), AvatarModel.load(default_assistant_path()),
                    record_dir=out)


def collect(events: "queue.Queue", says: list) -> None:
    while True:
        ev = events.get()
        if ev is None:
            return
        if ev.kind == "say" and ev.data.get("answers"):
            says.append(ev)


def frames(show) -> tuple[int, int]:
    s = show.on_air()
    return int(s.get("frames") or 0), int(s.get("dropped_frames") or 0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--show", choices=("real", "fake"), default="real")
    ap.add_argument("--questions", type=int, default=12)
    ap.add_argument("--gap", type=float, default=10.0)  # answers take 4-8 s to say: closer ones queue
    ap.add_argument("--rate", type=float, default=50.0)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--out", type=Path, default=Path("out/bench-comments"))
    args = ap.parse_args()
    args.seconds = min(args.seconds, 300.0)  # bounded whatever is asked

    from support.fake_platforms import wait_for
    from twincast.live.comments.config import CommentsConfig
    from twincast.live.comments.manager import CommentManager

    load_before = os.getloadavg()
    plat = Platforms()
    show = make_show(args.show, args.out)
    events = show.subscribe_events()
    says: list = []
    threading.Thread(target=collect, args=(events, says), daemon=True).start()
    conf = CommentsConfig(sources=plat.configs(), dedupe=20_000)  # the default rates, intake and expiry
    manager = None
    result: dict = {"show": args.show, "load_before": [round(x, 2) for x in load_before]}
    try:
        show.start()
        manager = CommentManager(show, conf, say=lambda line: print("  ", line, flush=True)).start()
        show.comments = manager
        wait_for(lambda: sum(s.connected for s in manager.status()) >= 4, timeout=20, what="three platforms up")

        # 1. latency, one question at a time (its repeated frames: the baseline without a flood)
        lf0, ld0 = frames(show)
        lcpu0, lwall0 = sum(os.times()[:2]), time.monotonic()
        lat, missing = [], 0
        for i in range(args.questions):
            platform = plat.names[i % 3]
            n0 = len(manager.posted)
            plat.post(platform, [(f"lat-{i}", f"q{i}", QUESTIONS_ZH[i % len(QUESTIONS_ZH)])])
            try:
                cid = wait_for(lambda: len(manager.posted) > n0 and manager.posted[n0][1], timeout=10,
                               what="the comment")
                arrived = manager.posted[n0][0].arrived
                say = wait_for(lambda: next((s for s in says if cid in s.data["answers"]), None), timeout=30,
                               what="the answer")
                lat.append(say.wall - arrived)
                print(f"  {platform:8s} {QUESTIONS_ZH[i % len(QUESTIONS_ZH)]:10s} -> first frame {lat[-1]:.2f} s",
                      flush=True)
            except AssertionError:
                missing += 1
            time.sleep(max(0.0, args.gap - (lat[-1] if lat else 0)))
        lf1, ld1 = frames(show)
        result["latency"] = {"n": len(lat), "unanswered": missing, "p50_s": round(pct(lat, 0.5), 3),
                             "p95_s": round(pct(lat, 0.95), 3), "max_s": round(max(lat), 3) if lat else None,
                             "frames": lf1 - lf0, "repeated_share_pct": round(100.0 * (ld1 - ld0) / max(1, lf1 - lf0), 3),
                             "process_cores": round((sum(os.times()[:2]) - lcpu0) / (time.monotonic() - lwall0), 2)}
        print("latency:", result["latency"], flush=True)

        # 2. flood
        cpu0, wall0 = sum(os.times()[:2]), time.monotonic()
        f0, d0 = frames(show)
        posted0, says0 = len(manager.posted), len(says)
        sent_unique, resent, n = 0, 0, 0
        t0 = time.monotonic()
        tick = 0.1
        per_tick = args.rate * tick
        carry = 0.0
        while time.monotonic() - t0 < args.seconds:
            carry += per_tick
            k, carry = int(carry), carry - int(carry)
            batches: dict[str, list] = {p: [] for p in plat.names}
            for _ in range(k):
                p = plat.names[n % 3]
                if n % 50 == 49 and n > 0:  # 2 %: a message sent again with the id it already had
                    batches[p].append((f"flood-{n - 3}", f"v{(n - 3) % 1500}", "再问一次多少钱"))
                    resent += 1
                else:
                    batches[p].append((f"flood-{n}", f"v{n % 1500}", QUESTIONS_ZH[n % len(QUESTIONS_ZH)]))
                    sent_unique += 1
                n += 1
            for p, b in batches.items():
                if b:
                    plat.post(p, b)
            time.sleep(max(0.0, t0 + (n / args.rate) - time.monotonic()))
        flood_s = time.monotonic() - t0
        wait_for(lambda: len(manager.posted) - posted0 >= sent_unique or manager._queue.qsize() == 0, timeout=60,
                 what="the intake to drain")
        time.sleep(3.0)
        f1, d1 = frames(show)
        cores = (sum(os.times()[:2]) - cpu0) / (time.monotonic() - wall0)  # this process (show + fakes)
        st = {s.source: s for s in manager.status()}
        answered = Counter(c for s in says[says0:] for c in s.data["answers"])
        flood_ids = {cid for c, cid, _ in manager.posted[posted0:]}
        result["flood"] = {
            "seconds": round(flood_s, 1), "sent_unique": sent_unique, "resent_duplicates": resent,
            "reached_show": len(manager.posted) - posted0,
            "duplicates_dropped": sum(s.duplicates for s in st.values()),
            "rate_limited": sum(s.rate_limited for s in st.values()), "expired": sum(s.expired for s in st.values()),
            "answered_comments": len([c for c in answered if c in flood_ids]),
            "answered_twice": sum(1 for c, k in answered.items() if k > 1),
            "frames": f1 - f0, "repeated_frames": d1 - d0,
            "repeated_share_pct": round(100.0 * (d1 - d0) / max(1, f1 - f0), 3),
            "process_cores": round(cores, 2)}
        print("flood:", result["flood"], flush=True)
    finally:
        if manager is not None:
            manager.stop()
        show.stop()
        plat.stop()
    result["load_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
