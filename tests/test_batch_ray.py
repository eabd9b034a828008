"""``twincast batch --ray``: a 2-job batch on a Ray head node this test starts on loopback
(its own port and temp dir), outputs decoded; only that instance's processes are stopped."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import yaml

from test_batch import ROOT, duration, run_cli

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pids_using(marker: str) -> list[int]:
    """Processes of this Ray instance: every process `ray start` spawns inherits its environment,
    and ours carries a marker (command lines do not work: Ray's agents rename themselves)."""
    tag = f"TWINCAST_RAY_INSTANCE={marker}".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if tag in (entry / "environ").read_bytes().split(b"\0"):
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


@pytest.fixture(scope="module")
def ray_head():
    temp = tempfile.mkdtemp(prefix="tcray", dir="/tmp")  # short: Ray's unix sockets live under it
    port = _free_port()
    env = {**os.environ, "TWINCAST_HOME": str(ROOT / ".cache"), "RAY_USAGE_STATS_ENABLED": "0",
           "PYTHONPATH": str(ROOT / "src"), "TWINCAST_RAY_INSTANCE": temp}
    ray_bin = str(Path(sys.executable).parent / "ray")
    start = subprocess.run([ray_bin, "start", "--head", "--node-ip-address=127.0.0.1", f"--port={port}",
                            "--num-cpus=2", "--include-dashboard=false", f"--temp-dir={temp}",
                            "--disable-usage-stats"], env=env, capture_output=True, text=True, timeout=180)
    assert start.returncode == 0, start.stderr[-2000:]
    try:
        yield f"127.0.0.1:{port}"
    finally:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in _pids_using(temp):
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            deadline = time.monotonic() + 5
            while _pids_using(temp) and time.monotonic() < deadline:
                time.sleep(0.2)
        shutil.rmtree(temp, ignore_errors=True)


def test_two_jobs_render_on_a_local_ray_cluster(ray_head, tmp_path):
    from twincast.video.listing import sample_listing_path

    rooms = sample_listing_path("en").parent / "rooms"
    listing = {"lang": "en", "title": "Flat 3", "price": 700000, "area_m2": 40, "layout": "1 bedroom",
               "neighbourhood": "Near a park.", "rooms": [{"name": "Balcony", "photo": str(rooms / "balcony.jpg")}]}
    (tmp_path / "flat.yaml").write_text(yaml.safe_dump(listing), encoding="utf-8")
    jobs = {"defaults": {"music": "auto", "max_scenes": 1, "preset": "ultrafast"}, "jobs": [
        {"id": "r-tour", "template": "property-tour", "data": "flat.yaml", "output": "out/r_tour.mp4"},
        {"id": "r-promo", "template": "product-promo", "output": "out/r_promo.mp4",
         "options": {"aspect": "16:9", "lang": "en"}}]}
    (tmp_path / "jobs.yaml").write_text(yaml.safe_dump(jobs), encoding="utf-8")
    res = run_cli("batch", str(tmp_path / "jobs.yaml"), "--ray", ray_head, cwd=tmp_path, timeout=600)
    text = res.stdout + res.stderr
    assert res.returncode == 0 and "2 done, 0 skipped, 0 failed" in text, text
    for name in ("r_tour", "r_promo"):
        manifest = json.loads((tmp_path / "out" / f"{name}.mp4.json").read_text(encoding="utf-8"))
        assert duration(tmp_path / "out" / f"{name}.mp4") == pytest.approx(manifest["duration"], abs=0.05)
