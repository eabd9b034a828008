"""Large head poses: per-frame cost, and before/after renders for `twincast check` (issue 6).

Run (from the repo, TWINCAST_HOME=.cache):
  .venv/bin/python benchmarks/pose.py speed                 # renderer fps on one core, 512 px
  .venv/bin/python benchmarks/pose.py track out/pose/track.npz [--seconds 60]
  .venv/bin/python benchmarks/pose.py render out/pose/track.npz out/pose/new.mp4 [--relight soft]
  PYTHONPATH=/tmp/before/src .venv/bin/python benchmarks/pose.py render out/pose/track.npz out/pose/old.mp4
  .venv/bin/python -m twincast.cli check out/pose/new.mp4 --reference PHOTO --json out/pose/new.json
  .venv/bin/python benchmarks/pose.py quality [--sheet /tmp/sheet.png]   # both default avatars
  PYTHONPATH=/tmp/before/src TWINCAST_HOME=/tmp/before/home .venv/bin/python benchmarks/pose.py quality

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


def _stretch(mx: np.ndarray, my: np.ndarray) -> np.ndarray:
    """Local magnification of a backward map: 1 / the smallest singular value of its Jacobian
    (over how many output pixels one photo pixel is spread, in the worst direction). A copy
    of ``pose3d.local_stretch``, so that ``quality`` also runs on the older renderer."""
    a, b = np.gradient(mx, axis=1), np.gradient(mx, axis=0)
    c, d = np.gradient(my, axis=1), np.gradient(my, axis=0)
    s1, det = a * a + b * b + c * c + d * d, np.abs(a * d - b * c)
    return 1 / np.sqrt(np.maximum((s1 - np.sqrt(np.maximum(s1 * s1 - 4 * det * det, 0))) / 2, 1e-12))


def _side(renderer, matte: np.ndarray, c: np.ndarray, sign: int) -> np.ndarray:
    from twincast.avatar import topology as T

    return T.side_of_head(renderer.landmarks_for(c), matte, sign)


def _lapvar(img: np.ndarray, region: np.ndarray) -> float:
    g = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return float(cv2.Laplacian(g, cv2.CV_32F, ksize=3)[region].var())


def _across(img: np.ndarray, region: np.ndarray) -> float:
    """Detail across the turn over detail along it: variance of the horizontal over the
    vertical derivative. A sideways smear (streaks) wipes out the first and keeps the second."""
    g = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return float(cv2.Sobel(g, cv2.CV_32F, 1, 0)[region].var() / cv2.Sobel(g, cv2.CV_32F, 0, 1)[region].var())


def _trace(source_matte: np.ndarray, out: np.ndarray, matte: np.ndarray) -> float:
    from twincast.evaluation.outline import outline_trace

    return outline_trace(source_matte, out, matte)[0]


def _neck_shift(renderer, before: np.ndarray, after: np.ndarray) -> float:
    """Mean sideways move (px) of the neck's two outlines from 0.08 to 0.25 face heights
    below the chin: 0 when the neck twists in place."""
    from twincast.avatar import topology as T

    lm = renderer.model.landmarks[:, :2]
    fh = float(np.linalg.norm(lm[T.CHIN] - lm[T.FOREHEAD]))
    cx, shifts = int(lm[T.CHIN, 0]), []
    for y in range(int(lm[T.CHIN, 1] + 0.08 * fh), int(lm[T.CHIN, 1] + 0.25 * fh)):
        rows = [m[y] > 128 for m in (before, after)]
        if all(r[cx] and not r.all() for r in rows):
            edges = [(cx - np.argmin(r[cx::-1]), cx + np.argmin(r[cx:])) for r in rows]
            shifts.append(abs(edges[0][0] - edges[1][0]) + abs(edges[0][1] - edges[1][1]))
    return float(np.mean(shifts)) / 2 if shifts else float("nan")


def quality(sheet: Path | None = None) -> dict[str, dict[str, float]]:
    """The side a 30 deg turn brings into view, on both default avatars: local magnification
    of the pose map there, sharpness against the frontal render, the trace of the old outline
    on the background, how far the neck outline moves. Only APIs the older renderer has too."""
    from twincast.avatar.defaults import default_assistant_path, default_avatar_path
    from twincast.avatar.model import AvatarModel
    from twincast.render.face import FaceRenderer

    def ctl(r, **values):
        c = np.zeros(len(r.controls), np.float32)
        for k, v in values.items():
            c[r.controls.index(k)] = v
        return c

    result, rows = {}, []
    for name, path in (("grace", default_avatar_path()), ("assistant", default_assistant_path())):
        r = FaceRenderer(AvatarModel.load(path))
        front = r.render(ctl(r), with_mask=True)
        m0, row = r.mask.copy(), []
        for yaw in (-30.0, 30.0):
            c = ctl(r, yaw=yaw, jaw=0.3)
            out = r.render(c, with_mask=True)
            mx, my = r._pose.full_map(yaw, 0.0, 0.0)
            st = _stretch(mx.astype(np.float64), my.astype(np.float64))
            sign = 1 if yaw < 0 else -1  # nose to image left: the image-right side shows
            side, side0 = _side(r, r.mask, c, sign), _side(r, m0, ctl(r), sign)
            result[f"{name} yaw {yaw:+.0f}"] = {
                "side stretch median": float(np.median(st[side])),
                "side stretch p95": float(np.percentile(st[side], 95)),
                "person stretch p99": float(np.percentile(st[r.mask > 128], 99)),
                "side sharpness / frontal": _lapvar(out, side) / _lapvar(front, side0),
                "side across/along detail / frontal": _across(out, side) / _across(front, side0),
                "old outline trace": _trace(r.source_mask, out, cv2.remap(
                    getattr(r, "layer_alpha", r.source_mask), mx, my, cv2.INTER_LINEAR)),
                "neck outline shift px": _neck_shift(r, m0, r.mask),
            }
            row.append(out)
        row += [r.render(ctl(r, pitch=-15.0, jaw=0.3)), r.render(ctl(r, pitch=15.0, roll=10.0, jaw=0.3))]
        rows.append(np.hstack(row))
    for label, vals in result.items():
        print(f"{label:20s} " + "  ".join(f"{k} {v:.2f}" for k, v in vals.items()))
    if sheet is not None:
        cv2.imwrite(str(sheet), cv2.cvtColor(np.vstack(rows), cv2.COLOR_RGB2BGR))
        print(f"sheet (yaw -30, +30, pitch -15, pitch +15 roll 10) -> {sheet}")
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("speed")
    p = sub.add_parser("quality")
    p.add_argument("--sheet", type=Path, default=None)
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
    elif args.cmd == "quality":
        quality(args.sheet)
    elif args.cmd == "track":
        make_track(args.out, args.seconds)
    else:
        render(args.track, args.out, args.relight)


if __name__ == "__main__":
    main()
