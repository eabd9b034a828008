"""Video avatar: build cost on long 1080p footage, and photo vs video avatar under `twincast check`.

Run:
  .venv/bin/python benchmarks/video_avatar.py build [--minutes 5]   # build time / duration, peak RSS
  .venv/bin/python benchmarks/video_avatar.py compare               # markdown table for docs/performance.md
  .venv/bin/python benchmarks/video_avatar.py visemes               # viseme labels: coverage, match rate

``build`` needs footage of several minutes at 1080p that no package ships, so it makes it: the
default photo avatar talking at 1080x1920 (``twincast say``), cached in
``$TWINCAST_HOME/bench/``. The build runs in a child process (``twincast avatar build``) so its
peak RSS is measured alone; targets: build wall time <= 2x the video's duration, peak RSS <= 4 GB.

``compare`` renders the same English script with the photo avatar (the default) and with a
video avatar built from the real SyncNet talking head (played twice, 25 s), and runs
``twincast check`` on both.

``visemes`` builds the SyncNet video avatar (with viseme labels), drives it with SCRIPT spoken by
the English TTS, and counts how often the chosen mouth's label is the viseme wanted at that frame
(the TTS's own phone timeline, and the viseme read back from the controls), with the viseme term
(after) and without it (before: shape only, as avatars built before labels select).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

PARAGRAPH = ("Hello everyone and welcome back to the live room. Today I have three things for you: noise-cancelling "
             "earbuds with thirty hours of battery, a stainless steel thermos that keeps tea hot for twelve hours, "
             "and a light down jacket in four colours. Stay with me, the prices are the best of the season. ")
SCRIPT = ("Hello everyone, welcome to the show! These noise-cancelling earbuds cost only 199 yuan, and the battery "
          "lasts 30 hours. They fit comfortably, they block the noise of the train, and the case charges in under "
          "an hour. If you have questions, type them in the chat and I will answer right away.")


def bench_dir() -> Path:
    from twincast import paths

    d = paths.home() / "bench"
    d.mkdir(parents=True, exist_ok=True)
    return d


def long_footage(minutes: float) -> Path:
    """The photo avatar talking for ``minutes`` at 1080x1920 (made once, then cached)."""
    from twincast.avatar.defaults import default_avatar_path
    from twincast.avatar.model import AvatarModel
    from twincast.pipeline import say
    from twincast.render.compose import Layout

    out = bench_dir() / f"talking_1080p_{minutes:g}min.mp4"
    if out.exists():
        return out
    words_per_min = 187  # the English voice reads PARAGRAPH at ~187 words a minute (14 x = 238 s)
    n = max(1, -(-int(minutes * words_per_min) // len(PARAGRAPH.split())))  # at least ``minutes``
    t = time.perf_counter()
    result = say(AvatarModel.load(default_avatar_path()), PARAGRAPH * n, out.with_suffix(".part.mp4"), lang="en",
                 layout=Layout(1080, 1920, subtitles=False))
    result.path.replace(out)
    print(f"footage: {result.duration:.0f} s at 1080x1920 rendered in {time.perf_counter() - t:.0f} s")
    return out


def build(minutes: float) -> dict:
    from twincast.avatar.video.probe import probe_video

    clip = long_footage(minutes)
    info = probe_video(clip)
    out = bench_dir() / "long.twin"
    out.unlink(missing_ok=True)
    env = {**os.environ, "TWINCAST_HOME": os.environ.get("TWINCAST_HOME", str(ROOT / ".cache"))}
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "twincast.cli", "avatar", "build", str(clip), "-o", str(out)],
                          capture_output=True, text=True, env=env, timeout=7200)
    wall = time.perf_counter() - t
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        print(proc.stderr[-2000:])
        raise SystemExit("build failed")
    print(" ".join(proc.stderr.split())[-600:])
    res = {"duration_s": info.duration, "width": info.width, "height": info.height, "build_wall_s": wall,
           "ratio": wall / info.duration, "cpu_s": usage.ru_utime + usage.ru_stime,
           "peak_rss_mb": usage.ru_maxrss / 1024, "twin_mb": out.stat().st_size / 2 ** 20,
           "load": os.getloadavg()[0]}
    print(f"video {res['duration_s']:.0f} s {info.width}x{info.height}: build {wall:.0f} s wall "
          f"({res['ratio']:.2f}x duration; target <= 2x: {'PASS' if res['ratio'] <= 2 else 'FAIL'}), "
          f"CPU {res['cpu_s']:.0f} s, peak RSS {res['peak_rss_mb']:.0f} MB (target <= 4096: "
          f"{'PASS' if res['peak_rss_mb'] <= 4096 else 'FAIL'}), .twin {res['twin_mb']:.0f} MB, "
          f"load avg {res['load']:.1f}")
    return res


def compare() -> None:
    from support.video_clips import syncnet_twice

    from twincast.avatar.defaults import default_avatar_path
    from twincast.avatar.model import AvatarModel
    from twincast.avatar.video.build import build_from_video
    from twincast.evaluation.check import run_check
    from twincast.pipeline import say

    d = bench_dir()
    twin = d / "syncnet_video.twin"
    if not twin.exists():
        build_from_video(syncnet_twice(d / "syncnet_twice.mp4"), twin)
    reports = {}
    for name, path in (("photo avatar", default_avatar_path()), ("video avatar", twin)):
        t = time.perf_counter()
        r = say(AvatarModel.load(path), SCRIPT, d / f"compare_{name.split()[0]}.mp4", lang="en")
        rendered = time.perf_counter() - t
        reports[name] = run_check(r.path, None, SCRIPT)
        print(f"{name}: {r.duration:.1f} s rendered in {rendered:.1f} s (RTF {rendered / r.duration:.2f}), "
              f"check {reports[name].runtime_s:.0f} s")
    names = list(reports)
    print("\n| metric | band | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    by_key = {n: {m.key: m for m in rep.metrics} for n, rep in reports.items()}
    for m in reports[names[0]].metrics:
        cells = [f"{by_key[n][m.key].display} ({by_key[n][m.key].status})" for n in names]
        print(f"| {m.name} | {m.band} | " + " | ".join(cells) + " |")


def visemes() -> None:
    from support.video_clips import syncnet_twice

    from twincast.avatar.model import AvatarModel
    from twincast.avatar.video.build import build_from_video
    from twincast.avatar.video.labels import NAMES
    from twincast.driving.drive import perform_track
    from twincast.driving.timeline import viseme_keys
    from twincast.render.video_face import VideoFaceRenderer
    from twincast.render.video_mouth import MouthSelector
    from twincast.voice.defaults import speak

    d = bench_dir()
    twin = d / "syncnet_video.twin"
    model = AvatarModel.load(twin) if twin.exists() else None
    if model is None or "viseme_labels" not in model.meta["video"]:
        model = build_from_video(syncnet_twice(d / "syncnet_twice.mp4"), twin).model
    info = model.meta["video"]["viseme_labels"]
    print(f"labels: {info['labelled_frames']}/{info['frames']} frames labelled, {info['speech_frames']} inside "
          f"words, {info['words']} words, {info['seconds']} s; library entries labelled: "
          f"{info.get('library_labelled')}/{model.meta['video']['library_entries']}")
    speeches = speak(SCRIPT, "en", "male")
    track = perform_track(speeches)
    truth = np.full(track.n_frames, NAMES.index("rest"))
    frame = 0
    for sp in speeches:
        for k in viseme_keys(sp.phones):
            truth[frame + int(round(k.start * 25)):frame + int(round(k.end * 25))] = NAMES.index(k.viseme)
        frame += -(-len(sp.audio) // (sp.sample_rate // 25))
    for label, weight in (("before (shape only)", 0.0), ("after (shape + viseme)", None)):
        r = VideoFaceRenderer(model)
        if weight == 0.0:
            r.selector = MouthSelector(r.library["feat"], r.library["pose"], r.library["succ"], r.calibration)
        controls = track.reorder(r.controls)
        lab = r.library["vis"]
        want_c, chosen, open_err, switches = [], [], [], 0
        for i in range(track.n_frames):
            a, b, w = r.loop.frame(i)
            pose = r._base_pose[a] + (r._base_pose[b] - r._base_pose[a]) * w
            target, wanted = r.target(controls[i])
            entry, continuous = r.selector.choose(target, pose, wanted)
            want_c.append(wanted)
            chosen.append(lab[entry])
            open_err.append(abs(r.library["feat"][entry, 0] - target[0]) / r.calibration.scale[0])
            switches += not continuous
        chosen, want_c = np.array(chosen), np.array(want_c)
        speech = truth != NAMES.index("rest")
        print(f"{label}: chosen label == phone viseme on {np.mean(chosen[speech] == truth[speech]):.1%} of "
              f"{speech.sum()} speech frames (== rest on {np.mean(chosen[~speech] == truth[~speech]):.1%} of "
              f"{(~speech).sum()} pause frames); == viseme read from the controls on "
              f"{np.mean(chosen == want_c):.1%} of all {len(chosen)} frames; bilabial frames shown with an "
              f"MBP-labelled mouth {np.mean(chosen[truth == NAMES.index('MBP')] == NAMES.index('MBP')):.1%}; "
              f"opening error {np.mean(open_err):.3f} spreads, {switches / (len(chosen) / 25):.1f} switches/s")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=("build", "compare", "visemes"))
    ap.add_argument("--minutes", type=float, default=5.0)
    args = ap.parse_args()
    if args.what == "build":
        build(args.minutes)
    elif args.what == "visemes":
        visemes()
    else:
        compare()


if __name__ == "__main__":
    main()
