"""Large head poses: per-frame cost, and before/after renders for `twincast check` (issue 6).

Run (from the repo, TWINCAST_HOME=.cache):
  .venv/bin/python benchmarks/pose.py speed                 # renderer fps on one core, 512 px
  .venv/bin/python benchmarks/pose.py track out/pose/track.npz [--seconds 60]
  .venv/bin/python benchmarks/pose.py render out/pose/track.npz out/pose/new.mp4 [--relight soft]
  PYTHONPATH=/tmp/before/src .venv/bin/python benchmarks/pose.py render out/pose/track.npz out/pose/old.mp4
  .venv/bin/python -m twincast.cli check out/pose/new.mp4 --reference PHOTO --json out/pose/new.json

Why a saved track: the 'before' renderer is older code run from a git worktree; rendering one
identical control track and audio with both isolates the renderer from changes in driving.
``render`` therefore uses only APIs the old code also has (build_from_photo, FaceRenderer,
Compositor, Mp4Writer). The sweep takes the head to yaw +-30, pitch +-15 and roll +-10 degrees
on incommensurate periods, so every combination of the limits comes up.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

LIMITS = {"yaw": 30.0, "pitch": 15.0, "roll": 10.0}
PERIODS = {"yaw": 16.0, "pitch": 11.0, "roll": 9.0}  # seconds
TEXT = ("Hello everyone, and welcome back to the show. Today I have something special for you: "
        "wireless earbuds with active noise cancelling, thirty hours of battery and a charging case "
        "that fits in any pocket. They are only one hundred and ninety nine yuan today, and every "
        "order ships tomorrow morning. Look at the finish, feel how light they are, and listen to "
        "how quiet the train becomes. If you have a question, type it in the chat and I will answer "
        "right away. Remember, the price is only for today, so add them to your cart now. Thank you "
        "for watching, and I will see you tomorrow with another great deal.")


def sweep(n: int, fps: int = 25) -> dict[str, np.ndarray]:
    t = np.arange(n) / fps
    phase = {"yaw": 0.0, "pitch": 1.0, "roll": 2.0}
    return {k: (LIMITS[k] * np.sin(2 * np.pi * t / PERIODS[k] + phase[k])).astype(np.float32) for k in LIMITS}


def make_track(out: Path, seconds: float) -> None:
    from twincast.avatar.build import build_from_photo
    from twincast.avatar.defaults import default_photo
    from twincast.driving.drive import DriveConfig, drive
    from twincast.voice.base import Speech
    from twincast.voice.defaults import router_for_avatar

    model = build_from_photo(default_photo())
    model.meta["voice_preset"] = "female"
    router = router_for_avatar(model)
    parts, phones, t0 = [], [], 0.0
    while t0 < seconds:
        for s in router.synthesize(TEXT, "en"):
            parts.append(s.audio)
            phones += [type(p)(p.symbol, p.start + t0, p.end + t0, p.lang) for p in s.phones]
            t0 += len(s.audio) / s.sample_rate
            if t0 >= seconds:
                break
    sr = router.sample_rate
    audio = np.concatenate(parts)[: int(seconds * sr)]
    n = int(seconds * 25)
    track = drive(Speech(audio, sr, [p for p in phones if p.start < seconds]), n, DriveConfig())
    for name, values in sweep(n).items():
        col = track.column(name)
        track.set(name, np.clip(values + col, -LIMITS[name], LIMITS[name]))
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(out, values=track.values, names=np.array(track.names), audio=audio.astype(np.float32),
             sample_rate=sr)
    print(f"track: {n} frames, {len(audio) / sr:.1f} s audio -> {out}")


def render(track_path: Path, out: Path, relight: str | None) -> dict[str, float]:
    import twincast
    from twincast.avatar.build import build_from_photo
    from twincast.avatar.defaults import default_photo
    from twincast.clock import MediaClock
    from twincast.output.labels import ai_metadata
    from twincast.output.mp4 import Mp4Writer
    from twincast.render.compose import Compositor, Layout
    from twincast.render.face import FaceRenderer

    z = np.load(track_path)
    names, values = [str(s) for s in z["names"]], z["values"]
    audio, sr = z["audio"], int(z["sample_rate"])
    model = build_from_photo(default_photo())
    kwargs = {"relight": relight} if relight else {}
    renderer = FaceRenderer(model, **kwargs)
    controls = np.zeros((len(values), len(renderer.controls)), np.float32)
    for i, name in enumerate(renderer.controls):
        if name in names:
            controls[:, i] = values[:, names.index(name)]
    comp = Compositor(model, Layout())
    clock = MediaClock(sample_rate=sr, fps=25)
    writer = Mp4Writer(out, 720, 1280, clock, ai_metadata(title="pose sweep"))
    spent = 0.0
    for i in range(len(controls)):
        t = time.perf_counter()
        face = renderer.render(controls[i])
        spent += time.perf_counter() - t
        writer.write_frame(comp.compose(face))
    writer.write_audio(np.concatenate([audio, np.zeros(len(controls) * clock.samples_per_frame - len(audio),
                                                       np.float32)]))
    writer.close()
    fps = len(controls) / spent
    print(f"rendered {len(controls)} frames with {Path(twincast.__file__).parent} -> {out}; "
          f"face renderer {fps:.1f} fps")
    return {"face_fps": fps}


def speed(frames: int = 400) -> dict[str, float]:
    """Renderer fps on one core for a frontal idle track and for the full pose sweep."""
    cv2.setNumThreads(1)
    from twincast.avatar.build import build_from_photo
    from twincast.avatar.defaults import default_photo
    from twincast.render.face import FaceRenderer

    model = build_from_photo(default_photo())
    t = time.perf_counter()
    renderer = FaceRenderer(model)
    load_s = time.perf_counter() - t
    try:  # run as `python -m benchmarks.pose` or as `python benchmarks/pose.py`
        from benchmarks.render import syllable_track
    except ImportError:
        from render import syllable_track

    track = syllable_track(frames)
    idle = track.reorder(renderer.controls)
    swept = idle.copy()
    for name, values in sweep(frames).items():
        swept[:, renderer.controls.index(name)] = values
    result = {"renderer_load_s": load_s}
    for label, ctl in (("idle", idle), ("sweep", swept)):
        for i in range(10):
            renderer.render(ctl[i])
        for suffix, mask in (("", False), ("_with_mask", True)):
            t, cpu = time.perf_counter(), time.process_time()
            for i in range(frames):
                renderer.render(ctl[i], with_mask=mask)
            result[f"face_512_fps_{label}{suffix}"] = frames / (time.perf_counter() - t)
            # CPU time of this process: comparable on a machine busy with other jobs
            result[f"face_512_cpu_fps_{label}{suffix}"] = frames / (time.process_time() - cpu)
    for k, v in result.items():
        print(f"{k:36s} {v:8.2f}")
    ok = min(v for k, v in result.items() if k.startswith("face_512_cpu")) >= 50
    print(f"{'target face CPU fps >= 50':36s} {'PASS' if ok else 'FAIL'}")
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("speed")
    p = sub.add_parser("track")
    p.add_argument("out", type=Path)
    p.add_argument("--seconds", type=float, default=60.0)
    p = sub.add_parser("render")
    p.add_argument("track", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--relight", default=None)
    args = ap.parse_args()
    if args.cmd == "speed":
        speed()
    elif args.cmd == "track":
        make_track(args.out, args.seconds)
    else:
        render(args.track, args.out, args.relight)


if __name__ == "__main__":
    main()
