"""A video avatar on stage (issue 20): never a pasted rectangle. Footage that cuts the head at
its top (the SyncNet clip: a tight head crop) is shown as the set itself, the host in their own
room, full width, with the assistant matted into it; set into the studio instead, the same
footage shows the straight cut across the head that the edge check exists to catch."""

from __future__ import annotations

import numpy as np
import pytest
from support.video_clips import syncnet_twice

from twincast.avatar.model import AvatarModel
from twincast.evaluation.stage_edges import hard_edges
from twincast.render.factory import renderer_for
from twincast.render.stage import Camera, Stage

pytestmark = pytest.mark.slow  # builds a video avatar from 25 s of footage (a few minutes)


@pytest.fixture(scope="module")
def video_host(tmp_path_factory):
    from twincast.avatar.video.build import VideoBuildOptions, build_from_video

    d = tmp_path_factory.mktemp("stage_video")
    out = d / "talk.twin"
    build_from_video(syncnet_twice(d / "talk.mp4"), out, VideoBuildOptions())
    return AvatarModel.load(out)


@pytest.fixture(scope="module")
def assistant():
    from twincast.avatar.defaults import default_assistant_path

    return AvatarModel.load(default_assistant_path())


def _faces(stage, camera, actors):
    out = {}
    for name in stage.visible(camera):
        r = renderer_for(actors[name])
        c = np.zeros(len(r.controls), np.float32)
        out[name] = (r.render(c, with_mask=True, cutout=not stage.windowed(camera, name)).copy(), r.mask.copy())
    return out


def test_tight_footage_is_its_own_room_with_no_hard_edge(video_host, assistant):
    actors = {"host": video_host, "assistant": assistant}
    stage = Stage(actors, 720, 1280)
    assert stage.own_room == {"host"}  # chosen from the footage: the head touches its top
    for cam in Camera:
        assert stage.windowed(cam, "host")  # the renderer draws the whole canvas: it is the set
        faces = _faces(stage, cam, actors)
        frame = stage.compose(cam, faces, None, None)
        assert hard_edges(frame, stage.actor_boxes(cam), stage.set_plate(cam)) == {}, cam
    # the footage is the set: the host's face fills the top of the close-up, live
    frame = stage.compose(Camera.HOST, _faces(stage, Camera.HOST, actors), None, None)
    top = frame[:720].astype(int)
    assert np.abs(top - stage.set_plate(Camera.HOST)[:720]).mean() > 40  # not the studio wall
    # in the two-shot the assistant is matted into the host's room (her cut-out, not her photo's flag)
    assert "assistant" in stage.actor_boxes(Camera.WIDE) and "host" not in stage.actor_boxes(Camera.WIDE)


def test_the_same_footage_in_the_studio_shows_the_cut_the_check_catches(video_host, assistant):
    actors = {"host": video_host, "assistant": assistant}
    stage = Stage(actors, 720, 1280, rooms={"host": "studio"})
    assert stage.own_room == set() and not stage.windowed(Camera.HOST, "host")
    frame = stage.compose(Camera.HOST, _faces(stage, Camera.HOST, actors), None, None)
    bad = hard_edges(frame, stage.actor_boxes(Camera.HOST), stage.set_plate(Camera.HOST))
    assert "top" in bad.get("host", {})  # the hair cut straight by the footage's frame


def test_a_video_host_keeps_playing_when_its_controls_stand_still(video_host, assistant):
    """Its renderer plays the footage on at every call, so the performer never reuses one of
    its drawings (a photo avatar's drawing is reused while its controls stand still)."""
    from twincast.show.performance import StagePerformer

    actors = {"host": video_host, "assistant": assistant}
    performer = StagePerformer(actors, Stage(actors, 720, 1280), sink=None)
    r = performer.renderer("host", Camera.HOST)
    assert r.pure is False and performer.renderer("assistant", Camera.WIDE).pure is True
    c = np.zeros(len(r.controls), np.float32)
    frames = [performer.face("host", r, c, False)[0].copy() for _ in range(12)]
    assert performer.faces_reused == 0
    assert np.abs(frames[0].astype(int) - frames[-1].astype(int)).mean() > 0.5  # the footage moved
