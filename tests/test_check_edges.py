"""The "hard edges" row of ``twincast check`` (issue 20): a video of the stage's composited
cameras passes; the same video with the host's photo pasted as a rectangle at her place fails.
Both are real MP4 files through the check's own frame sampling and person segmenter."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from twincast.evaluation.check_edges import edges_metric, segmenter_available
from twincast.evaluation.check_metrics import FAIL, PASS

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(segmenter_available() is not None, reason=str(segmenter_available()))]


def _write(frames: list[np.ndarray], path: Path, fps: int = 5) -> Path:
    import av

    h, w = frames[0].shape[:2]
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=fps)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        s.options = {"preset": "ultrafast", "crf": "23"}
        for f in frames:
            for _ in range(fps):  # one second per camera
                for pkt in s.encode(av.VideoFrame.from_ndarray(f, format="rgb24")):
                    c.mux(pkt)
        for pkt in s.encode():
            c.mux(pkt)
    return path


@pytest.fixture(scope="module")
def stage_videos(tmp_path_factory):
    from twincast.avatar.defaults import default_assistant_path, default_avatar_path
    from twincast.avatar.model import AvatarModel
    from twincast.render.factory import renderer_for
    from twincast.render.stage import Camera, ProductView, Stage

    cast = {"host": AvatarModel.load(default_avatar_path()), "assistant": AvatarModel.load(default_assistant_path())}
    faces = {}
    for name, m in cast.items():
        r = renderer_for(m)
        faces[name] = (r.render(np.zeros(len(r.controls), np.float32), with_mask=True, cutout=True).copy(), r.mask.copy())
    product = ProductView("x", "SoundWave Pro 主动降噪蓝牙耳机", "¥299", "¥259", "库存 88 件", None)
    out = {}
    for size in ((720, 1280), (1280, 720)):
        stage = Stage(cast, *size)
        clean, pasted = [], []
        for cam in Camera:  # as a show shows them: card and subtitle on screen
            frame = stage.compose(cam, faces, product, "家人们，这款耳机今天到手价只要¥259！")
            clean.append(frame)
            (x0, y0, x1, y1), _ = stage.actor_boxes(cam)["host"]
            bad = frame.copy()
            bad[y0:y1, x0:x1] = cv2.resize(cast["host"].image, (x1 - x0, y1 - y0), interpolation=cv2.INTER_AREA)
            pasted.append(bad)
        d = tmp_path_factory.mktemp(f"edges{size[0]}")
        out[size] = (_write(clean, d / "stage.mp4"), _write(pasted, d / "pasted.mp4"))
    return out


@pytest.mark.parametrize("size", [(720, 1280), (1280, 720)])
def test_composited_stage_passes_and_a_pasted_rectangle_fails(stage_videos, size):
    clean, pasted = stage_videos[size]
    good = edges_metric(clean, 10.0)
    bad = edges_metric(pasted, 10.0)
    print(size, good.display, "|", bad.display)
    assert good.status == PASS, good.display
    assert bad.status == FAIL, bad.display
    assert bad.value > good.value
    assert good.detail["judged"] >= 4  # every camera was sampled and had a person on it
