"""The live synthesis worker: it yields the CPU to the render loop and serves urgent lines
first. Scheduling is what is under test, so the engine here is a tone generator."""

from __future__ import annotations

import os
import sys
import threading
import time

import numpy as np
import pytest

from twincast.live.speechline import SYNTH_NICENESS, SpeechLine
from twincast.render.stage import Camera
from twincast.show.director import Beat
from twincast.voice.base import Speech


def _tone(text: str) -> Speech:
    t = np.arange(int(0.3 * 16000)) / 16000
    return Speech((0.2 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), 16000, [], text, "zh")


class _Recorder:
    def __init__(self) -> None:
        self.niceness: dict[str, int] = {}
        self.spoken: list[str] = []

    def synthesize(self, speaker: str, text: str, lang: str) -> list[Speech]:
        self.niceness[text] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        self.spoken.append(text)
        return [_tone(text)]


def _wait(cond, seconds: float = 10.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.02)
    return False


def _started(rec: _Recorder, script_text: str) -> SpeechLine:
    """A running line whose director has one script beat, then nothing."""
    beats = [[Beat("host", script_text, "zh", Camera.WIDE, None, "hook")], []]
    line = SpeechLine(rec.synthesize, lambda now: beats.pop(0) if beats else [], lambda: 0.0)
    line.start()
    return line


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread niceness is Linux's")
def test_script_synthesis_yields_to_rendering_but_answers_do_not():
    rec = _Recorder()
    line = _started(rec, "第一句。")
    try:
        assert _wait(line.ready)
        u = line.pop()
        assert u is not None and u.speech.text == "第一句。"
        line.urgent(Beat("host", "回答。", "zh", Camera.HOST, None, "answer"))
        assert _wait(lambda: "回答。" in rec.niceness)
    finally:
        line.stop()
    caller = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert rec.niceness["第一句。"] == min(19, caller + SYNTH_NICENESS), (rec.niceness, caller)
    assert rec.niceness["回答。"] == caller  # a viewer is waiting for this one


def test_urgent_line_is_performed_before_waiting_script():
    rec = _Recorder()
    line = _started(rec, "脚本一。脚本二。")
    try:
        assert _wait(lambda: len(rec.spoken) >= 2)
        line.urgent(Beat("host", "回答观众。", "zh", Camera.HOST, None, "answer"), [7])
        assert _wait(lambda: "回答观众。" in rec.spoken)
        assert _wait(line.ready)
        first = line.pop()
        assert first is not None and first.speech.text == "回答观众。" and first.answers == [7]
        rest = [line.pop(), line.pop()]
        assert [u.speech.text for u in rest if u] == ["脚本一。", "脚本二。"]
    finally:
        line.stop()


def test_frame_audio_pads_the_last_frame_with_silence():
    """The one per-frame audio rule of the live sinks: every chunk is exactly one frame long."""
    import numpy as np

    from twincast.clock import MediaClock

    clock = MediaClock(sample_rate=48_000)
    spf = clock.samples_per_frame
    audio = np.ones(spf * 2 + 7, np.float32)
    chunks = [clock.frame_audio(audio, n) for n in range(4)]
    assert all(len(c) == spf for c in chunks)
    assert chunks[1].sum() == spf and chunks[2][:7].sum() == 7 and chunks[2][7:].sum() == 0 and chunks[3].sum() == 0
