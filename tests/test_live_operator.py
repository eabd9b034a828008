"""Operator controls on the real live engine (not real time, so the test runs fast): each
command changes what goes on air, checked in the engine's events and in the recording."""

from __future__ import annotations

import time

import numpy as np
import pytest

pytestmark = pytest.mark.slow


def wait_for(events, pred, timeout=60.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            ev = events.get(timeout=0.5)
        except Exception:  # noqa: BLE001 - queue.Empty
            continue
        if ev is not None and pred(ev):
            return ev
    raise AssertionError("event did not arrive in time")


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    from twincast.avatar.defaults import default_assistant_path, default_avatar_path
    from twincast.avatar.model import AvatarModel
    from twincast.live.engine import LiveShow
    from twincast.show.catalog_io import load_catalog

    show = LiveShow(load_catalog(), AvatarModel.load(default_avatar_path()), AvatarModel.load(default_assistant_path()),
                    record_dir=tmp_path_factory.mktemp("rec"), realtime=False)
    events = show.subscribe_events()
    show.start()
    yield show, events
    show.stop()


def test_operator_line_is_said_and_blocked_terms_are_not(live):
    show, events = live
    show.say_next("家人们，点赞过万就抽奖送耳机！")
    ev = wait_for(events, lambda e: e.kind == "say" and e.data.get("kind") == "operator")
    assert "抽奖" in ev.data["text"]
    show.say_next("全网销量第一的耳机")  # an unprovable absolute claim: compliance stops it
    ev = wait_for(events, lambda e: e.kind == "operator" and e.data.get("action") in ("say_blocked", "say"))
    assert ev.data["action"] == "say_blocked"
    show.say_next("这是最好的耳机")  # a rewritable absolute term goes out softened
    ev = wait_for(events, lambda e: e.kind == "operator" and e.data.get("action") in ("say_blocked", "say"))
    assert ev.data["action"] == "say" and "最好" not in ev.data["text"]


def test_camera_pin_mute_skip(live):
    show, events = live
    show.switch_camera("product")
    wait_for(events, lambda e: e.kind == "say")
    assert show.on_air()["camera"] == "product" and show.on_air()["forced_camera"] == "product"
    show.switch_camera(None)
    show.pin_comment("今晚8点抽奖")
    assert show.on_air()["banner"] == "今晚8点抽奖"
    show.mute(True)
    muted_from = show.encoder.samples
    time.sleep(3)
    show.mute(False)
    muted_to = show.encoder.samples
    assert muted_to > muted_from
    before = show.rundown.product_at(show.media_time())
    show.skip_product()
    after = show.rundown.product_at(show.media_time())
    assert after != before
    ev = wait_for(events, lambda e: e.kind == "say" and e.data.get("product") == after)
    assert ev.data["product"] == after
    show.stop()
    from twincast.evaluation.probe import read_audio

    audio, sr = read_audio(show.recording)[:2]
    scale = sr / show.clock.sample_rate
    quiet = audio[int(muted_from * scale) + sr // 5:int(muted_to * scale) - sr // 5]
    assert len(quiet) > sr and np.abs(quiet).max() < 0.01  # muted stretch is silent
    assert np.abs(audio).max() > 0.1  # the rest is not


def test_clip_plays_on_air(tmp_path):
    import av

    from twincast.avatar.defaults import default_assistant_path, default_avatar_path
    from twincast.avatar.model import AvatarModel
    from twincast.errors import TwincastError
    from twincast.evaluation.probe import iter_video_frames
    from twincast.live.engine import LiveShow
    from twincast.show.catalog_io import load_catalog

    clip = tmp_path / "ad.mp4"
    with av.open(str(clip), "w") as c:
        s = c.add_stream("libx264", rate=25)
        s.width, s.height, s.pix_fmt = 320, 240, "yuv420p"
        for i in range(50):
            f = av.VideoFrame.from_ndarray(np.full((240, 320, 3), (0, 200, 0), np.uint8), format="rgb24")
            f.pts = i
            for p in s.encode(f):
                c.mux(p)
        for p in s.encode(None):
            c.mux(p)
    show = LiveShow(load_catalog(), AvatarModel.load(default_avatar_path()), AvatarModel.load(default_assistant_path()),
                    record_dir=tmp_path / "rec", realtime=False)
    with pytest.raises(TwincastError, match="clip not found"):
        show.play_clip(str(tmp_path / "missing.mp4"))
    show.start()
    show.play_clip(str(clip))
    deadline = time.time() + 60
    while time.time() < deadline and show.encoder.frames < 400:
        time.sleep(0.2)
    show.stop()
    green = sum(1 for f in iter_video_frames(show.recording)
                if f[640, 360, 1] > 150 and f[640, 360, 0] < 80 and f[640, 360, 2] < 80)
    assert 45 <= green <= 55  # the 2 s clip went out, letterboxed into the vertical frame
