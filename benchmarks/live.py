"""Live engine: comment-to-answer latency and a soak test.

Run: .venv/bin/python benchmarks/live.py [--comments 20] [--soak-minutes 30]
- latency: a viewer comment is posted; we time until the first frame of the host's answer is
  performed (the engine's ``say`` event, emitted as that frame is rendered). Targets here:
  p50 <= 1.5 s, p95 <= 3 s.
- soak: the show runs in real time for N minutes; prints resident-memory growth (after the
  first 2 minutes of warm-up), repeated (dropped) frames, and A/V drift measured by decoding
  the local recording. Targets: growth <= 50 MB, dropped <= 0.1 %, drift <= 20 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

QUESTIONS = ["这个耳机多少钱", "新疆包邮吗", "怎么买", "羽绒服有黑色吗", "保温杯能装多少毫升", "可以退货吗",
             "有现货吗", "耳机防水吗"]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def make_show(record_dir: Path):
    from twincast.avatar.defaults import default_assistant_path, default_avatar_path
    from twincast.avatar.model import AvatarModel
    from twincast.live.engine import LiveShow
    from twincast.show.catalog_io import load_catalog

    return LiveShow(load_catalog(), AvatarModel.load(default_avatar_path()),
                    AvatarModel.load(default_assistant_path()), record_dir=record_dir)


def latency(n: int, record_dir: Path) -> list[float]:
    show = make_show(record_dir)
    events = show.subscribe_events()
    show.start()
    rng = random.Random(1)
    out: list[float] = []
    try:
        time.sleep(5)
        for i in range(n):
            posted = time.time()
            d = show.post_comment(f"viewer{i}", QUESTIONS[i % len(QUESTIONS)] + "？" * (i // len(QUESTIONS)))
            deadline = time.time() + 15
            got = None
            while time.time() < deadline and got is None and d["action"] != "silent":
                try:
                    ev = events.get(timeout=0.2)
                except Exception:  # noqa: BLE001 - queue.Empty
                    continue
                if ev is not None and ev.kind == "say" and d["id"] in ev.data.get("answers", []):
                    got = ev.wall - posted
            if got is not None:
                out.append(got)
            time.sleep(rng.uniform(8, 12))  # one question at a time: latency, not queueing
    finally:
        show.stop()
    print(f"dropped frames during the latency run: {show.dropped_frames} of {show.encoder.frames}; "
          f"at media seconds {show.drop_times[:12]}{' ...' if len(show.drop_times) > 12 else ''}")
    print("latencies:", " ".join(f"{x:.2f}" for x in out))
    return out


def soak(minutes: float, record_dir: Path) -> None:
    from twincast.evaluation.probe import probe

    show = make_show(record_dir)
    show.start()
    start = time.monotonic()
    samples = []
    try:
        while time.monotonic() - start < minutes * 60:
            time.sleep(10)
            samples.append((time.monotonic() - start, rss_mb()))
            if len(samples) % 6 == 0:
                print(f"  {samples[-1][0] / 60:5.1f} min  RSS {samples[-1][1]:7.1f} MB  "
                      f"dropped {show.dropped_frames}/{show.encoder.frames}")
    finally:
        show.stop()
    base = next((m for t, m in samples if t >= 120), samples[0][1])
    growth = max(m for _, m in samples) - base
    info = probe(show.recording)
    drift_ms = abs(info.audio_duration - info.video_duration) * 1000
    dropped = 100.0 * show.dropped_frames / max(show.encoder.frames, 1)
    print(f"soak {minutes:.0f} min: RSS growth after warm-up {growth:.1f} MB (target <= 50), "
          f"dropped {dropped:.3f}% (target <= 0.1), A/V drift {drift_ms:.1f} ms (target <= 20; "
          f"decoded {info.video_duration:.2f} s video, {info.audio_duration:.2f} s audio)")
    print(f"frames handed over late and caught up (not repeated): {show.late_frames}")
    if show.drop_times:
        print(f"repeated frames at media seconds {show.drop_times[:40]}{' ...' if len(show.drop_times) > 40 else ''}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--comments", type=int, default=20)
    ap.add_argument("--soak-minutes", type=float, default=0.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.comments:
            lat = latency(args.comments, Path(tmp) / "lat")
            if lat:
                q = statistics.quantiles(lat, n=20)
                print(f"comment -> answer's first frame over {len(lat)} answers: p50 {statistics.median(lat):.2f} s, "
                      f"p95 {q[18]:.2f} s, max {max(lat):.2f} s (targets 1.5 / 3.0)")
        if args.soak_minutes:
            soak(args.soak_minutes, Path(tmp) / "soak")


if __name__ == "__main__":
    main()
