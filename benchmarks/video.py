"""Short videos: speed of one 60 s 720x1280 video, and batch throughput (1 and 2 local workers,
and a local Ray head node with 2 CPUs).

Run: .venv/bin/python benchmarks/video.py [--skip-batch] [--skip-ray]
Target: a 60 s 720x1280 video in <= 30 s wall on this 2-core machine (warm: voices loaded).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def single(tmp: Path) -> None:
    from twincast.avatar.defaults import default_avatar_path
    from twincast.avatar.model import AvatarModel
    from twincast.video.render import SceneDrawer, render_video
    from twincast.video.spec import VideoOptions
    from twincast.video.templates import storyboard
    from twincast.voice.defaults import router_for_avatar

    model = AvatarModel.load(default_avatar_path())
    router = router_for_avatar(model)
    for preset in ("ultrafast", "veryfast"):  # ultrafast is the default preset of short videos
        for run in ("cold", "warm") if preset == "ultrafast" else ("warm",):
            options = VideoOptions(aspect="9:16", lang="zh", preset=preset)
            board = storyboard("property-tour", None, options)
            t, c = time.perf_counter(), _cpu()
            r = render_video(board, tmp / f"tour_{preset}_{run}.mp4", options, model, router)
            wall, cpu = time.perf_counter() - t, _cpu() - c
            print(f"property tour zh 720x1280 {preset:9s} {run}: video {r.duration:5.1f}s  wall {wall:5.1f}s  "
                  f"RTF {wall / r.duration:.3f}  => 60 s of video in {60 * wall / r.duration:4.1f}s  "
                  f"CPU-time RTF {cpu / r.duration:.2f}  size {r.path.stat().st_size / 1e6:.1f} MB "
                  f"(load avg {os.getloadavg()[0]:.1f})")
    # where the time goes per frame (one core, no encoding): pip over moving B-roll vs full-frame
    from twincast.video.render import take_scene
    from twincast.clock import MediaClock

    board = storyboard("property-tour", None, VideoOptions(lang="zh"))
    drawer = SceneDrawer(model, 720, 1280)
    for scene in (board.scenes[0], board.scenes[1]):
        speeches = list(router.synthesize(scene.lines[0], "zh"))
        take = take_scene(scene, speeches, MediaClock(), "zh", 45)
        controls = np.zeros((take.frames, len(drawer.renderer.controls)), np.float32)
        t = time.perf_counter()
        n = sum(1 for _ in drawer.frames(take, controls))
        print(f"  draw {scene.avatar:4s} scene: {1000 * (time.perf_counter() - t) / n:5.1f} ms/frame "
              f"(render face + B-roll + overlays, one thread)")


def _jobs(tmp: Path, n: int) -> Path:
    jobs = []
    for i in range(n):
        if i % 2 == 0:
            jobs.append({"id": f"tour{i}", "template": "property-tour", "output": f"out/tour{i}.mp4",
                         "options": {"max_scenes": 3, "lang": "zh"}})
        else:
            jobs.append({"id": f"promo{i}", "template": "product-promo", "output": f"out/promo{i}.mp4",
                         "options": {"max_scenes": 3, "lang": "en", "aspect": "16:9"}})
    path = tmp / "jobs.yaml"
    path.write_text(yaml.safe_dump({"defaults": {"music": "auto"}, "jobs": jobs}), encoding="utf-8")
    return path


def _batch(jobs_path: Path, workers: int, ray_address: str | None = None) -> tuple[float, float, int]:
    from twincast.video.batch import load_jobs, run_batch

    jobs = load_jobs(jobs_path)
    t = time.perf_counter()
    results = run_batch(jobs, workers, ray_address, force=True)
    wall = time.perf_counter() - t
    failed = [r for r in results if r.status != "done"]
    if failed:
        print("  failed:", [(r.id, r.reason) for r in failed])
    return wall, sum(r.duration for r in results), len(results) - len(failed)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def batch(tmp: Path, n: int, with_ray: bool) -> None:
    jobs_path = _jobs(tmp, n)
    for workers in (1, 2):
        wall, video, ok = _batch(jobs_path, workers)
        print(f"batch of {n} ({ok} ok), {workers} local worker(s): wall {wall:5.1f}s for {video:5.1f}s of video  "
              f"=> {60 * ok / wall:4.1f} videos/min, {video / wall:4.2f} s of video per second")
    if not with_ray:
        return
    try:
        import ray  # noqa: F401
    except ImportError:
        print("ray not installed: skipping the Ray numbers")
        return
    temp = tempfile.mkdtemp(prefix="tcbray", dir="/tmp")
    port = _free_port()
    ray_bin = str(Path(sys.executable).parent / "ray")
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "TWINCAST_RAY_INSTANCE": temp}
    t = time.perf_counter()
    subprocess.run([ray_bin, "start", "--head", "--node-ip-address=127.0.0.1", f"--port={port}", "--num-cpus=2",
                    "--include-dashboard=false", f"--temp-dir={temp}", "--disable-usage-stats"], env=env,
                   check=True, capture_output=True, timeout=300)
    print(f"ray start --head (2 CPUs): {time.perf_counter() - t:.1f}s")
    try:
        for rep in ("first", "again"):
            wall, video, ok = _batch(jobs_path, 2, f"127.0.0.1:{port}")
            print(f"batch of {n} ({ok} ok) on Ray ({rep} run: workers {'start' if rep == 'first' else 'start again'}): "
                  f"wall {wall:5.1f}s => {60 * ok / wall:4.1f} videos/min")
    finally:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for entry in Path("/proc").iterdir():
                if entry.name.isdigit():
                    try:  # every process of this instance inherited the marker (agents rename themselves)
                        if f"TWINCAST_RAY_INSTANCE={temp}".encode() in (entry / "environ").read_bytes().split(b"\0"):
                            os.kill(int(entry.name), sig)
                    except (OSError, ProcessLookupError):
                        pass
            time.sleep(1.0)
        shutil.rmtree(temp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-single", action="store_true")
    ap.add_argument("--skip-batch", action="store_true")
    ap.add_argument("--skip-ray", action="store_true")
    ap.add_argument("--jobs", type=int, default=4)
    args = ap.parse_args()
    os.environ.setdefault("TWINCAST_HOME", str(ROOT / ".cache"))
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_single:
            single(Path(tmp))
        if not args.skip_batch:
            batch(Path(tmp), args.jobs, not args.skip_ray)


if __name__ == "__main__":
    main()
