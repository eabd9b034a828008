"""Fleet capacity: rooms per node before repeated frames exceed 0.1 %, and what Ray costs.

Run: .venv/bin/python benchmarks/fleet.py [--rooms 1,2,3] [--seconds 120] [--size 720x1280]
                                          [--modes plain,ray] [--encoder PRESET] [--no-web]
                                          [--cv-threads N] [--render-ahead N]
(``--cv-threads 1`` is what a fleet room does with ``cpus: 1``: fleet/room.py.)
For each room count N and each mode, N real rooms (LiveShow, host + assistant, both avatars
rendered, real-time encode and recording, the viewer page in its own process as `twincast live`
serves it (``--no-web``: without); no viewers) run side by side for ``--seconds`` after
their warm-up:
- plain: each room in its own Python process (multiprocessing, spawn);
- ray:   each room a Ray actor with 1 CPU reserved, on a Ray head this script starts on
         127.0.0.1 (its own temp folder and marker; stopped by its processes' ids at the end).
Per run it prints the repeated-frame share (frames the engine repeated to keep real time, over
the frames encoded after warm-up), the rooms' CPU (cores) and resident memory, and in ray mode the
CPU and memory of Ray's own processes (GCS, raylet, agents) - Ray's cost against plain processes.
A count passes when every room stays at or under 0.1 % repeated frames. Run it on a quiet
machine and print ``uptime`` beside the numbers: other work on the cores shows up as repeats.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WARM_S = 10.0  # the first seconds after start (first lines, caches) are not counted
LIMIT = 0.001
MARKER = "TWINCAST_BENCH_RAY"


def run_room(size: str, seconds: float, record_dir: str, encoder: str | None = None, web: bool = True,
             render_ahead: int | None = None, cv_threads: int | None = None) -> dict:
    """One room on air for WARM_S + seconds; its numbers over the last ``seconds``. ``web``: with
    its viewer page in a process of its own, as `twincast live` and fleet rooms serve it (no
    viewers connect; its CPU is counted in the room's cores). ``render_ahead``: frames the render
    loop may run ahead of the stream (default: live/engine.py's RENDER_AHEAD), for measuring;
    ``cv_threads``: OpenCV's thread count in the room (default: OpenCV's, one per core)."""
    import resource

    from twincast.avatar.defaults import default_assistant_path, default_avatar_path
    from twincast.avatar.model import AvatarModel
    from twincast.config.models import Outputs, TwincastConfig
    from twincast.live.engine import LiveShow
    from twincast.show.catalog_io import load_catalog

    config = TwincastConfig(outputs=Outputs(encoder=encoder)) if encoder else None
    if cv_threads is not None:
        import cv2

        cv2.setNumThreads(cv_threads)
    if render_ahead is not None:
        import twincast.live.engine as live_engine

        live_engine.RENDER_AHEAD = render_ahead  # read when the show builds its encoder
    show = LiveShow(load_catalog(), AvatarModel.load(default_avatar_path()),
                    AvatarModel.load(default_assistant_path()), size=size, record_dir=record_dir, config=config)
    show.start()
    server = None
    if web:
        from twincast.live.web.process import serve_process

        server = serve_process(show, "127.0.0.1", 0, analytics_path=Path(record_dir) / "analytics.db")
    time.sleep(WARM_S)
    web_pids = [server.pid] if server else []
    a = show.on_air()
    cpu0, web0 = resource.getrusage(resource.RUSAGE_SELF), _cpu_rss(web_pids)[0]
    time.sleep(seconds)
    b = show.on_air()
    cpu1, (web1, web_rss) = resource.getrusage(resource.RUSAGE_SELF), _cpu_rss(web_pids)
    if server:
        server.stop()
    show.stop()
    frames, dropped = b["frames"] - a["frames"], b["dropped_frames"] - a["dropped_frames"]
    cpu = (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime) + (web1 - web0)
    return {"frames": frames, "repeated": dropped, "share": dropped / max(frames, 1), "cores": cpu / seconds,
            "web_cores": (web1 - web0) / seconds, "rss_mb": cpu1.ru_maxrss / 1024 + web_rss, "pid": os.getpid()}


def _plain(n: int, size: str, seconds: float, rec: str, encoder: str | None = None, web: bool = True,
           render_ahead: int | None = None, cv_threads: int | None = None) -> list[dict]:
    ctx = mp.get_context("spawn")
    with ctx.Pool(n) as pool:
        return pool.starmap(run_room, [(size, seconds, f"{rec}/p{i}", encoder, web, render_ahead, cv_threads)
                                       for i in range(n)])


def _pids(marker: str) -> list[int]:
    from twincast.fleet.cluster import marked_pids

    return marked_pids(marker, MARKER)


def _cpu_rss(pids: list[int]) -> tuple[float, float]:
    """(CPU seconds so far, resident MB now) summed over ``pids``."""
    tick = os.sysconf("SC_CLK_TCK")
    cpu = rss = 0.0
    for pid in pids:
        try:
            f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            cpu += (int(f[11]) + int(f[12])) / tick
            rss += int(f[21]) * os.sysconf("SC_PAGE_SIZE") / 2**20
        except (OSError, IndexError, ValueError):
            pass
    return cpu, rss


def _ray(n: int, size: str, seconds: float, rec: str, cpus: int, encoder: str | None = None,
         web: bool = True) -> tuple[list[dict], dict]:
    import ray

    temp = tempfile.mkdtemp(prefix="tcbench", dir="/tmp")
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", MARKER: temp}
    with __import__("socket").socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    subprocess.run([str(Path(sys.executable).parent / "ray"), "start", "--head", "--node-ip-address=127.0.0.1",
                    f"--port={port}", f"--num-cpus={cpus}", "--include-dashboard=false", f"--temp-dir={temp}",
                    "--disable-usage-stats"], env=env, check=True, capture_output=True, timeout=300)
    try:
        started = time.monotonic()
        ray.init(address=f"127.0.0.1:{port}", log_to_driver=False, logging_level="error")
        task = ray.remote(num_cpus=1, max_retries=0)(run_room)
        res = ray.get([task.remote(size, seconds, f"{rec}/r{i}", encoder, web) for i in range(n)],
                      timeout=seconds * 3 + 900)
        rooms = {r["pid"] for r in res}  # (their web processes have ended by now)
        system = [p for p in _pids(temp) if p not in rooms]  # GCS, raylet, agents, idle workers
        sys_cpu, sys_rss = _cpu_rss(system)
        ray.shutdown()
        return res, {"ray_cores": sys_cpu / (time.monotonic() - started), "ray_rss_mb": sys_rss,
                     "ray_processes": len(system)}
    finally:
        from twincast.fleet.cluster import stop_marked

        stop_marked(temp, MARKER)
        shutil.rmtree(temp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rooms", default="1,2,3")
    ap.add_argument("--seconds", type=float, default=120.0)
    ap.add_argument("--size", default="720x1280")
    ap.add_argument("--modes", default="plain,ray")
    ap.add_argument("--encoder", choices=("ultrafast", "superfast", "veryfast"),
                    help="x264 preset of every room (outputs.encoder); default: the size's own")
    ap.add_argument("--render-ahead", type=int, help="frames each room may render ahead (plain mode; for measuring)")
    ap.add_argument("--cv-threads", type=int, help="OpenCV threads in each room (plain mode; for measuring)")
    ap.add_argument("--no-web", action="store_true", help="rooms without their viewer-page process (before session 11)")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()
    print("load before:", os.getloadavg(), "cores:", os.cpu_count(), flush=True)
    rec = tempfile.mkdtemp(prefix="tcfleetbench")
    results = []
    try:
        for n in [int(x) for x in args.rooms.split(",")]:
            for mode in args.modes.split(","):
                t0 = time.monotonic()
                if mode == "plain":
                    rooms, overhead = _plain(n, args.size, args.seconds, rec, args.encoder, not args.no_web,
                                             args.render_ahead, args.cv_threads), {}
                else:
                    rooms, overhead = _ray(n, args.size, args.seconds, rec, max(n, os.cpu_count() or 1), args.encoder,
                                           not args.no_web)
                worst = max(r["share"] for r in rooms)
                row = {"rooms": n, "mode": mode, "size": args.size, "encoder": args.encoder or "default",
                       "web": not args.no_web, "render_ahead": args.render_ahead,
                       "cv_threads": args.cv_threads, "seconds": args.seconds,
                       "worst_repeated_share": worst, "pass": worst <= LIMIT,
                       "room_cores": sum(r["cores"] for r in rooms), "web_cores": sum(r["web_cores"] for r in rooms),
                       "room_rss_mb": sum(r["rss_mb"] for r in rooms),
                       "per_room": rooms, **overhead, "load_after": os.getloadavg(),
                       "wall_s": round(time.monotonic() - t0, 1)}
                results.append(row)
                print(json.dumps({k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()
                                  if k != "per_room"}), flush=True)
    finally:
        shutil.rmtree(rec, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
