"""The live encode's x264 speed preset comes from the config file (outputs.encoder) and
really reaches x264: the encoder writes its settings into the stream (an SEI message), and
ultrafast is the preset without CABAC."""

from __future__ import annotations

import re

import av
import numpy as np

from twincast.clock import MediaClock
from twincast.live.outputs import PRESETS, LiveEncoder, stream_preset


def _x264_settings(path) -> str:
    data = path.read_bytes()
    m = re.search(rb"x264 - core \d+.*?options: ([^\x00]*)", data, re.S)
    assert m, "no x264 settings in the stream"
    return m.group(1).decode("ascii", "replace")


def _encode(path, preset) -> None:
    enc = LiveEncoder(path, preset, MediaClock(sample_rate=48_000), {"comment": "test"})
    rng = np.random.default_rng(3)
    base = rng.integers(0, 255, (preset.height, preset.width, 3), dtype=np.uint8)
    for i in range(30):
        enc.audio_chunk(np.zeros(1920, np.float32))
        enc.frame(np.roll(base, i * 4, axis=1))
    enc.close()


def test_the_config_file_chooses_the_x264_preset(tmp_path):
    assert stream_preset("720x1280") == PRESETS["720x1280"]
    fast = stream_preset("360x640", "ultrafast")
    slow = stream_preset("360x640", "superfast")
    assert (fast.width, fast.height, fast.video_kbps) == (slow.width, slow.height, slow.video_kbps)
    _encode(tmp_path / "fast.mp4", fast)
    _encode(tmp_path / "slow.mp4", slow)
    assert "cabac=0" in _x264_settings(tmp_path / "fast.mp4")
    assert "cabac=1" in _x264_settings(tmp_path / "slow.mp4")
    for name in ("fast.mp4", "slow.mp4"):  # both decode to the frames sent
        with av.open(str(tmp_path / name)) as c:
            assert sum(1 for _ in c.decode(video=0)) == 30


def test_one_x264_thread_for_the_sizes_packed_two_rooms_to_a_node(tmp_path):
    assert PRESETS["720x1280"].x264_threads == 1
    _encode(tmp_path / "one.mp4", PRESETS["360x640"])
    assert re.search(r"\bthreads=1\b", _x264_settings(tmp_path / "one.mp4"))
    assert "sliced_threads=0" in _x264_settings(tmp_path / "one.mp4")


def test_frames_rendered_ahead_go_out_at_their_due_time(tmp_path):
    """The live engine hands frames over up to RENDER_AHEAD frames early; the encoder must not
    encode (nor send) them before their due time, so the stream keeps real time."""
    import time

    preset = PRESETS["360x640"]
    enc = LiveEncoder(tmp_path / "paced.mp4", preset, MediaClock(sample_rate=48_000), {"comment": "test"}, ahead=4)
    sent: list[float] = []
    deliver = enc._deliver
    enc._deliver = lambda packets: (sent.extend(time.monotonic() for p in packets if p.stream.type == "video"),
                                    deliver(packets))
    rng = np.random.default_rng(5)
    base = rng.integers(0, 255, (preset.height, preset.width, 3), dtype=np.uint8)
    start = time.monotonic() + 0.3
    dues = [start + i * 0.04 for i in range(8)]
    for i, due in enumerate(dues):
        enc.audio_chunk(np.zeros(1920, np.float32), due)
        enc.frame(np.roll(base, i * 4, axis=1), due)
        if i == 3:  # as many as the encoder was told may come ahead
            assert time.monotonic() < start, "handing frames over early must not wait for them to go out"
    enc.close()
    assert len(sent) == 8
    assert all(t >= due for t, due in zip(sent, dues)), "a frame went out before its due time"
    with av.open(str(tmp_path / "paced.mp4")) as c:
        assert sum(1 for _ in c.decode(video=0)) == 8


def test_the_render_loop_runs_ahead_by_a_bounded_number_of_frames():
    """LiveShow.emit_frame: the first RENDER_AHEAD frames past due - ahead go straight to the
    encoder with their due times; the next one waits until it is that far ahead again."""
    import time
    from types import SimpleNamespace

    from twincast.live.engine import RENDER_AHEAD, LiveShow

    handed: list[tuple[float, float]] = []

    class Encoder:
        frames = 0

        def audio_chunk(self, audio, due=None):
            pass

        def frame(self, rgb, due=None):
            handed.append((time.monotonic(), due))
            self.frames += 1

    clock = MediaClock(sample_rate=48_000)
    show = SimpleNamespace(realtime=True, _t0=time.monotonic(), encoder=Encoder(), clock=clock,
                           render_ahead=RENDER_AHEAD, late_frames=0)
    frame, audio = np.zeros((4, 4, 3), np.uint8), np.zeros(1920, np.float32)
    for _ in range(RENDER_AHEAD + 3):
        LiveShow.emit_frame(show, frame, audio)
    t0 = show._t0
    assert [due for _, due in handed] == [t0 + n / clock.fps for n in range(RENDER_AHEAD + 3)]
    for n, (at, due) in enumerate(handed):
        assert at >= due - RENDER_AHEAD / clock.fps - 0.002, f"frame {n} handed over more than the bound early"
    assert handed[RENDER_AHEAD][0] - t0 < 0.02, "the first frames ahead must not wait"
    assert show.late_frames == 0
