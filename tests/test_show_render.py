"""The stage and a short complete show, decoded and checked."""

from __future__ import annotations

import json

import numpy as np
import pytest

from twincast.render.stage import Camera, Stage


@pytest.fixture(scope="module")
def cast():
    from twincast.avatar.defaults import default_assistant_path, default_avatar_path
    from twincast.avatar.model import AvatarModel

    return AvatarModel.load(default_avatar_path()), AvatarModel.load(default_assistant_path())


def test_person_matte_and_resting_mouth(cast):
    host, assistant = cast
    for m in cast:
        assert m.mask is not None and m.mask.shape == m.image.shape[:2]
        # the matte separates a person from the backdrop: centre of the face is person, corners are not
        x0, y0, side = m.canvas_box
        assert m.mask[y0 + side // 2, x0 + side // 2] > 200 and m.mask[2, 2] < 60
    assert "neutral" not in host.meta  # photographed with the mouth closed: left as it is
    assert "neutral" in assistant.meta  # photographed smiling with teeth: closed at build for the resting face


def test_cameras_place_the_right_people(cast):
    from twincast.render.face import FaceRenderer
    from twincast.render.stage import ProductView

    host, assistant = cast
    stage = Stage({"host": host, "assistant": assistant})
    faces = {}
    for name, m in (("host", host), ("assistant", assistant)):
        r = FaceRenderer(m)
        faces[name] = (r.render(np.zeros(len(r.controls), np.float32), with_mask=True), r.mask.copy())
    view = ProductView("x", "测试产品", "¥399", "¥259", "库存 800 件", None)
    frames = {cam: stage.compose(cam, faces, view, "字幕") for cam in Camera}
    assert stage.visible(Camera.WIDE) == ["assistant", "host"] and stage.visible(Camera.HOST) == ["host"]
    for cam, f in frames.items():
        assert f.shape == (1280, 720, 3)
    # the host is big in the close-up, small in the product shot
    def person_area(cam):
        p = stage._place(cam, "host")
        return p.rect[2]
    assert person_area(Camera.HOST) > 2 * person_area(Camera.PRODUCT)
    # cameras differ for real
    assert np.abs(frames[Camera.WIDE].astype(int) - frames[Camera.HOST].astype(int)).mean() > 20


def test_warm_up_prepares_every_camera_and_writes_nothing(cast):
    """A live show warms the stage before its clock starts: afterwards the first product's plate
    exists for every camera (no 25 ms plate build in the first frames), and no frame or audio has
    reached the output."""
    from twincast.render.stage import ProductView
    from twincast.show.performance import StagePerformer

    class Recorder:
        def __init__(self) -> None:
            self.frames, self.audio = 0, 0

        def write_frame(self, rgb) -> None:
            self.frames += 1

        def write_audio(self, mono) -> None:
            self.audio += len(mono)

    host, assistant = cast
    stage = Stage({"host": host, "assistant": assistant})
    sink = Recorder()
    performer = StagePerformer({"host": host, "assistant": assistant}, stage, sink)
    view = ProductView("x", "测试产品", "¥399", "¥259", "库存 800 件", None)
    performer.warm_up(view)
    assert {(cam, "x") for cam in Camera} <= set(stage._plates)
    assert sink.frames == 0 and sink.audio == 0 and performer.frame == 0


@pytest.mark.slow
def test_short_show_end_to_end(cast, tmp_path):
    from twincast.evaluation.probe import probe, read_av
    from twincast.show.answers.types import Comment
    from twincast.show.catalog_io import load_catalog
    from twincast.show.runner import run_show

    host, assistant = cast
    comments = [Comment("小王", "这个耳机多少钱", 3.0), Comment("Amy", "耳机多钱呀", 3.5)]
    result = run_show(load_catalog(), host, assistant, tmp_path / "show.mp4", minutes=0.5, lang="zh",
                      comments=comments)
    info = probe(result.path)
    assert info.video_codec == "h264" and info.audio_codec == "aac" and (info.width, info.height) == (720, 1280)
    assert 30 <= info.video_duration <= 60 and abs(info.audio_duration - info.video_duration) <= 0.04
    assert '"Label":"1"' in info.metadata["AIGC"]
    beats = json.loads(result.path.with_suffix(".beats.json").read_text(encoding="utf-8"))
    speakers = {b["speaker"] for b in beats}
    assert speakers == {"host", "assistant"}
    answer = next(b for b in beats if b["kind"] == "answer")
    assert "@小王" in answer["text"] and "@Amy" in answer["text"]
    # the video really changes camera: frames 8 apart (longer than a cross-fade) differ a lot
    assert len({b["camera"] for b in beats}) >= 2
    frames, audio, sr, fps = read_av(result.path)
    diffs = [np.abs(frames[i + 8][::8, ::8].astype(int) - frames[i][::8, ::8].astype(int)).mean()
             for i in range(0, len(frames) - 8, 4)]
    assert sum(d > 12 for d in diffs) >= 2
    assert np.sqrt(np.mean(audio ** 2)) > 0.01  # someone is speaking
