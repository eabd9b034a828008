"""The look of the stage, measured (issue 20): how much of each camera's frame people and the
product fill, whether product titles are whole on screen, and a contact sheet of every camera.

Run: .venv/bin/python benchmarks/stage.py [--seconds 60] [--size 720x1280] [--out out/stage]
                                          [--every 25] [--label after]
Per camera: renders ``--seconds`` of the default host and assistant (idle motion from the driver
and, where the stage supports it, body motion), segments every ``--every``-th composited frame
with mediapipe's selfie segmentation (a model that knows nothing of our stage: it sees people
where a viewer would) and reports the mean share of the frame covered by people (not counting
pixels that are certainly the set: the table and the product picture, into which the segmenter
tends to grow; the raw share is printed beside it), the share
covered by the product picture (from the stage's geometry) and render+compose speed. Writes
``contact_<size>.png`` with one frame of every camera and ``stage_<size>.json``.

Why segmentation rather than the stage's own mattes: the target is what a viewer sees (a body
hidden behind a counter or cut by the frame edge does not count), and the same measure works
on the stage before and after a change.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np


def _segmenter():
    from mediapipe.python.solutions import selfie_segmentation

    return selfie_segmentation.SelfieSegmentation(model_selection=0)


def _product_share(stage, camera, w: int, h: int) -> float:
    rect = stage.product_rect(camera) if hasattr(stage, "product_rect") else (
        (int(w * 0.05), int(h * 0.1), int(w * 0.9), int(h * 0.38)) if camera.value == "product" else None)
    if rect is None:
        return 0.0
    x, y, rw, rh = rect
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + rw, w), min(y + rh, h)
    return max(0, x1 - x0) * max(0, y1 - y0) / (w * h)


def _set_mask(stage, camera, w: int, h: int) -> np.ndarray:
    """Pixels that are certainly the set, not people: the table (the old stage's counter) and
    the product picture. The segmenter tends to grow bodies down into the table and to take a
    product standing in front of a person for part of them; those pixels must not count."""
    mask = np.zeros((h, w), bool)
    top = stage.table_top(camera) if hasattr(stage, "table_top") else stage.desk_top(camera)
    if top is not None:
        mask[top:] = True
    rect = stage.product_rect(camera) if hasattr(stage, "product_rect") else (
        (int(w * 0.05), int(h * 0.1), int(w * 0.9), int(h * 0.38)) if camera.value == "product" else None)
    if rect is not None:
        x, y, rw, rh = rect
        mask[max(y, 0):y + rh, max(x, 0):x + rw] = True
    return mask


def measure(seconds: float, size: tuple[int, int], every: int, out: Path, label: str) -> dict:
    import cv2

    from twincast.avatar.defaults import default_assistant_path, default_avatar_path
    from twincast.avatar.model import AvatarModel
    from twincast.driving.drive import DriveConfig, controls_for
    from twincast.render.factory import renderer_for
    from twincast.render.stage import Camera, Stage
    from twincast.show.catalog_io import load_catalog
    from twincast.show.runner import product_view

    try:
        from twincast.driving.body import body_track
    except ImportError:
        body_track = None
    cv2.setNumThreads(1)
    actors = {"host": AvatarModel.load(default_avatar_path()), "assistant": AvatarModel.load(default_assistant_path())}
    renderers = {n: renderer_for(m) for n, m in actors.items()}
    cat = load_catalog()
    p = max(cat.products, key=lambda q: len(q.name.en))  # the longest English title of the sample shop
    view = product_view(cat, p, "en")
    frames = round(seconds * 25)
    config = DriveConfig()
    tracks, bodies = {}, {}
    for i, (name, r) in enumerate(renderers.items()):
        c = config.for_actor(i)
        tracks[name] = controls_for(None, frames, c, c.idle(), 0).reorder(r.controls)
        bodies[name] = body_track(None, frames, 0, seed=i) if body_track else None
    w, h = size
    stage = Stage(actors, w, h)
    seg = _segmenter()
    report: dict = {"label": label, "size": f"{w}x{h}", "seconds": seconds, "cameras": {},
                    "load_avg": round(os.getloadavg()[0], 2)}
    sheet = []
    for cam in Camera:
        shares, raw, spent, shot = [], [], 0.0, None
        setmask = _set_mask(stage, cam, w, h)
        for i in range(frames):
            t = time.process_time()
            faces = {}
            for name in stage.visible(cam):
                r = renderers[name]
                faces[name] = (r.render(tracks[name][i], with_mask=True, cutout=not stage.windowed(cam, name)), r.mask)
            subtitle = "家人们，这款耳机今天只要¥259！ Only 259 today!"
            if body_track:
                body = {n: (float(bodies[n][i, 0]), float(bodies[n][i, 1])) for n in faces}
                frame = stage.compose(cam, faces, view, subtitle, None, body)
            else:  # the stage before issue 20: no body motion
                frame = stage.compose(cam, faces, view, subtitle)
            spent += time.process_time() - t
            if i % every == 0:
                m = seg.process(frame).segmentation_mask > 0.5
                raw.append(float(m.mean()))
                shares.append(float((m & ~setmask).mean()))
            if i == frames // 2:
                shot = frame.copy()
        people = float(np.mean(shares))
        product = _product_share(stage, cam, w, h)
        report["cameras"][cam.value] = {"people": round(people, 3), "people_raw": round(float(np.mean(raw)), 3),
                                        "product": round(product, 3),
                                        "people_plus_product": round(people + product, 3),
                                        "ms_cpu_per_frame": round(1000 * spent / frames, 2)}
        print(f"{w}x{h} {cam.value:8s} people {100 * people:5.1f} % (raw segmentation {100 * np.mean(raw):5.1f} %)  "
              f"product {100 * product:5.1f} %  "
              f"render+compose {1000 * spent / frames:5.1f} ms CPU/frame")
        sheet.append(shot)
    out.mkdir(parents=True, exist_ok=True)
    thumbs = [cv2.resize(f, (w // 2, h // 2), interpolation=cv2.INTER_AREA) for f in sheet]
    contact = np.concatenate(thumbs, axis=1)
    cv2.imwrite(str(out / f"contact_{w}x{h}.png"), cv2.cvtColor(contact, cv2.COLOR_RGB2BGR))
    (out / f"stage_{w}x{h}.json").write_text(json.dumps(report, indent=1))
    print(f"load avg {os.getloadavg()[0]:.2f}; contact sheet {out / f'contact_{w}x{h}.png'}")
    return report


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--size", action="append", help="WxH (repeatable); default 720x1280, 1080x1920, 1280x720")
    ap.add_argument("--every", type=int, default=25, help="segment every N-th frame")
    ap.add_argument("--out", type=Path, default=Path("out/stage"))
    ap.add_argument("--label", default="after")
    a = ap.parse_args()
    sizes = [tuple(int(v) for v in s.split("x")) for s in (a.size or ["720x1280", "1080x1920", "1280x720"])]
    for size in sizes:
        measure(a.seconds, size, a.every, a.out, a.label)


if __name__ == "__main__":
    main()
