"""Renderer speed on ONE core at 512x512, plus avatar build time.

Run: ./run twincast-bench render   (or .venv/bin/python benchmarks/render.py)
Prints frames/s of the face renderer alone, of renderer + 720x1280 compositing, and the
avatar build time; the target is >= 50 fps for the renderer on one core.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import time  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402


def syllable_track(frames: int):
    """A realistic control track without a voice: syllables at 5/s, blinks, head motion."""
    from twincast.driving.drive import drive
    from twincast.voice.base import PhoneSpan, Speech

    cycle = [("b", .06), ("a1", .14), ("sil", .02), ("x", .05), ("iao3", .13)]
    phones, t0 = [], 0.0
    while t0 < frames / 25:
        for sym, d in cycle:
            phones.append(PhoneSpan(sym, t0, t0 + d, "zh"))
            t0 += d
    return drive(Speech(np.zeros(int(t0 * 48000), np.float32), 48000, phones), frames)


def main(frames: int = 500) -> dict[str, float]:
    cv2.setNumThreads(1)
    from twincast.avatar.build import build_from_photo
    from twincast.avatar.defaults import default_photo
    from twincast.render.compose import Compositor, Layout
    from twincast.render.face import FaceRenderer

    t = time.perf_counter()
    model = build_from_photo(default_photo(), render_size=512)
    build_s = time.perf_counter() - t
    t = time.perf_counter()
    renderer = FaceRenderer(model)
    load_s = time.perf_counter() - t
    track = syllable_track(frames).reorder(renderer.controls)
    for i in range(20):
        renderer.render(track[i])
    t = time.perf_counter()
    for i in range(frames):
        renderer.render(track[i])
    face_fps = frames / (time.perf_counter() - t)
    comp = Compositor(model, Layout())
    t = time.perf_counter()
    for i in range(frames):
        comp.compose(renderer.render(track[i]), "字幕 subtitle")
    full_fps = frames / (time.perf_counter() - t)
    result = {"build_s": build_s, "renderer_load_s": load_s, "face_512_fps_1core": face_fps,
              "face_plus_compose_720x1280_fps_1core": full_fps}
    for k, v in result.items():
        print(f"{k:40s} {v:8.2f}")
    print(f"{'target face fps >= 50':40s} {'PASS' if face_fps >= 50 else 'FAIL'}")
    return result


if __name__ == "__main__":
    main()
