"""``twincast batch`` end to end on local worker processes: good jobs render, bad ones are
reported with their reason without stopping the others, finished outputs are skipped, partial
ones are redone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import av
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
TWINCAST = [sys.executable, "-c", "import sys; from twincast.cli import main; sys.argv[0] = 'twincast'; main()"]


def run_cli(*args: str, cwd: Path, timeout: float = 400) -> subprocess.CompletedProcess:
    env = {**os.environ, "TWINCAST_HOME": str(ROOT / ".cache"), "COLUMNS": "240", "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([*TWINCAST, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def duration(path: Path) -> float:
    with av.open(str(path)) as c:
        assert c.streams.video and c.streams.audio
        frames = sum(1 for _ in c.decode(video=0))
        return frames / 25


def write_jobs(tmp: Path) -> Path:
    from twincast.video.listing import sample_listing_path

    rooms = sample_listing_path("en").parent / "rooms"
    good = {"lang": "en", "title": "Flat 2", "price": 900000, "area_m2": 50, "layout": "1 bedroom",
            "neighbourhood": "A calm street.", "rooms": [{"name": "Bedroom", "photo": str(rooms / "bedroom.jpg")}]}
    (tmp / "good.yaml").write_text(yaml.safe_dump(good), encoding="utf-8")
    no_photo = {**good, "rooms": [{"name": "Study", "photo": "photos/study.jpg"}]}
    (tmp / "no_photo.yaml").write_text(yaml.safe_dump(no_photo), encoding="utf-8")
    no_price = {k: v for k, v in good.items() if k != "price"}
    (tmp / "no_price.yaml").write_text(yaml.safe_dump(no_price), encoding="utf-8")
    jobs = {"defaults": {"music": "none", "max_scenes": 2, "preset": "ultrafast"}, "jobs": [
        {"id": "tour", "template": "property-tour", "data": "good.yaml", "output": "out/tour.mp4"},
        {"id": "promo", "template": "product-promo", "output": "out/promo.mp4",
         "options": {"aspect": "16:9", "lang": "en", "max_scenes": 1, "music": "auto"}},
        {"id": "no-photo", "template": "property-tour", "data": "no_photo.yaml", "output": "out/no_photo.mp4"},
        {"id": "no-price", "template": "property-tour", "data": "no_price.yaml", "output": "out/no_price.mp4"},
        {"id": "typo", "template": "property-tours", "data": "good.yaml", "output": "out/typo.mp4"},
    ]}
    path = tmp / "jobs.yaml"
    path.write_text(yaml.safe_dump(jobs, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.slow
def test_batch_isolates_failures_skips_finished_and_redoes_partial(tmp_path):
    jobs = write_jobs(tmp_path)
    first = run_cli("batch", str(jobs), "--workers", "2", cwd=tmp_path)
    text = first.stdout + first.stderr
    assert first.returncode == 1, text
    assert "2 done, 0 skipped, 3 failed" in text
    assert "photos/study.jpg does not exist" in text and "missing field 'price'" in text
    assert "unknown template 'property-tours'" in text
    out = tmp_path / "out"
    for name, (w, h) in (("tour", (720, 1280)), ("promo", (1280, 720))):
        mp4 = out / f"{name}.mp4"
        manifest = json.loads((out / f"{name}.mp4.json").read_text(encoding="utf-8"))
        assert (manifest["width"], manifest["height"]) == (w, h)
        assert duration(mp4) == pytest.approx(manifest["duration"], abs=0.05)
        assert (out / f"{name}.srt").read_text(encoding="utf-8").startswith("1\n")
    assert not list(out.glob("*.part")) and not (out / "no_photo.mp4").exists()

    tour_mtime = (out / "tour.mp4").stat().st_mtime_ns
    promo_duration = json.loads((out / "promo.mp4.json").read_text())["duration"]
    data = (out / "promo.mp4").read_bytes()  # a crash mid-write: half a file, no manifest, a .part
    (out / "promo.mp4").write_bytes(data[: len(data) // 2])
    (out / "promo.mp4.json").unlink()
    (out / "promo.mp4.part").write_bytes(data[: len(data) // 3])
    second = run_cli("batch", str(jobs), "--workers", "1", cwd=tmp_path)
    text = second.stdout + second.stderr
    assert second.returncode == 1 and "1 done, 1 skipped, 3 failed" in text, text
    assert (out / "tour.mp4").stat().st_mtime_ns == tour_mtime, "the finished video was not rendered again"
    redone = json.loads((out / "promo.mp4.json").read_text())["duration"]  # Piper samples durations: close, not equal
    assert duration(out / "promo.mp4") == pytest.approx(redone, abs=0.05) and redone == pytest.approx(promo_duration, rel=0.2)
    assert not (out / "promo.mp4.part").exists()

    good = yaml.safe_load((tmp_path / "good.yaml").read_text())
    good["title"] = "Flat 2, renovated"  # the data changed: its video is out of date
    (tmp_path / "good.yaml").write_text(yaml.safe_dump(good), encoding="utf-8")
    from twincast.video.batch import finished, load_jobs

    assert not finished(load_jobs(jobs)[0]) and finished(load_jobs(jobs)[1])


def test_batch_with_an_unreachable_ray_address_says_so(tmp_path):
    jobs = write_jobs(tmp_path)
    res = run_cli("batch", str(jobs), "--ray", "127.0.0.1:9", cwd=tmp_path, timeout=120)
    assert res.returncode == 2
    try:
        import ray  # noqa: F401

        assert "no Ray cluster answers at 127.0.0.1:9" in res.stderr
    except ImportError:
        assert "Ray is not installed" in res.stderr


def test_batch_rejects_a_missing_jobs_file(tmp_path):
    res = run_cli("batch", str(tmp_path / "nope.yaml"), cwd=tmp_path, timeout=120)
    assert res.returncode == 2 and "jobs file not found" in res.stderr
