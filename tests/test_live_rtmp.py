"""Going live against a real nginx-rtmp server: what it records is decoded and checked, and a
server restart mid-stream is survived without losing anything in the local recording."""

from __future__ import annotations

import time


import pytest

from support.rtmp_server import RtmpServer, available

pytestmark = [pytest.mark.slow, pytest.mark.skipif(available() is not None, reason=str(available()))]


@pytest.fixture(scope="module")
def cast():
    from twincast.avatar.defaults import default_assistant_path, default_avatar_path
    from twincast.avatar.model import AvatarModel

    return AvatarModel.load(default_avatar_path()), AvatarModel.load(default_assistant_path())


def make_show(cast, tmp_path, url):
    from twincast.live.engine import LiveShow
    from twincast.show.catalog_io import load_catalog

    return LiveShow(load_catalog(), *cast, rtmp_url=url, record_dir=tmp_path / "rec")


def av_offset(path) -> tuple[float, float, float]:
    """(video seconds, audio seconds, start offset audio-video) by decoding every packet."""
    import av

    with av.open(str(path)) as c:
        v, a = c.streams.video[0], c.streams.audio[0]
        vt = [float(f.pts * v.time_base) for f in c.decode(v)]
    with av.open(str(path)) as c:
        a = c.streams.audio[0]
        at, n, rate = [], 0, a.rate
        for f in c.decode(a):
            at.append(float(f.pts * a.time_base))
            n += f.samples
    return len(vt) / 25.0, n / rate, at[0] - vt[0]


def test_rtmp_push_is_recorded_by_the_server(cast, tmp_path):
    server = RtmpServer(tmp_path / "nginx").start()
    try:
        show = make_show(cast, tmp_path, server.url)
        show.start()
        time.sleep(12)
        show.stop()
        time.sleep(1.0)
    finally:
        server.stop()
    from twincast.evaluation.probe import probe

    recs = server.recordings()
    assert recs, "nginx recorded nothing"
    info = probe(recs[0])
    assert info.video_codec == "h264" and info.audio_codec == "aac"
    assert (info.width, info.height) == (720, 1280) and info.sample_rate == 48000
    assert info.video_duration > 6
    vdur, adur, start = av_offset(recs[0])
    assert abs(start) <= 0.040 and abs(vdur - adur) <= 0.1
    local = probe(show.recording)  # the local recording has everything, from frame 0
    assert local.frame_count == show.encoder.frames and local.video_duration >= info.video_duration - 0.5
    assert local.metadata.get("ai_generated") == "true"


def test_server_restart_reconnects_and_recording_loses_nothing(cast, tmp_path):
    server = RtmpServer(tmp_path / "nginx").start()
    events = []
    show = make_show(cast, tmp_path, server.url)
    q = show.subscribe_events()
    show.start()
    try:
        time.sleep(5)
        server.stop()  # the platform drops us
        down_at = time.time()
        time.sleep(2)
        server = RtmpServer(tmp_path / "nginx", port=server.port).start()
        up_again = None
        deadline = time.time() + 10
        while time.time() < deadline and up_again is None:
            while not q.empty():
                ev = q.get()
                if ev is not None:
                    events.append(ev)
                    if ev.kind == "stream" and ev.data.get("state") == "up" and ev.wall > down_at:
                        up_again = ev.wall
            time.sleep(0.1)
        assert up_again is not None, "RTMP output never reconnected"
        restarted_for = up_again - down_at - 2.0
        assert restarted_for <= 5.0  # back within 5 s of the server being reachable again
        time.sleep(4)
    finally:
        show.stop()
        server.stop()
    assert any(e.kind == "stream" and e.data.get("state") == "down" for e in events)  # the gap is logged
    assert show.rtmp.gaps and show.rtmp.gaps[0][1] > show.rtmp.gaps[0][0]
    from twincast.evaluation.probe import probe

    local = probe(show.recording)
    assert local.frame_count == show.encoder.frames  # every frame rendered is in the recording
    assert abs(local.audio_duration - local.video_duration) <= 0.05
    assert len(server.recordings()) >= 1  # the second connection was recorded too
