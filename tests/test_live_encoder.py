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
