"""Fast checks of the quality-check metrics on synthetic series (no media, no models).

Each test builds the smallest input that shows one rule: where a frame lands on the timeline,
what counts as a blink, a repeat, a gap, a flicker or a shake, how WER/CER are counted, and that
bad input exits with code 2 and a fix.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from twincast.evaluation import check_metrics as cm
from twincast.evaluation.asr import error_rate, script_language, syllables, tokens
from twincast.evaluation.check import CheckReport
from twincast.evaluation.tracking import Track


def _track(n: int = 250, fps: float = 25.0, times=None, points=None, luma=None, diff_max=None):
    times = np.arange(n) / fps if times is None else np.asarray(times, float)
    n = len(times)
    if points is None:
        rng = np.random.default_rng(0)
        points = np.tile(rng.uniform(80, 160, (1, 478, 3)), (n, 1, 1)).astype(np.float32)
        points[:, 33, :2], points[:, 263, :2] = (100, 100), (150, 100)  # eye distance 50 px
    luma = np.full(n, 100.0) if luma is None else np.asarray(luma, float)
    diff_max = np.full(n, 20.0) if diff_max is None else np.asarray(diff_max, float)
    return Track("synthetic", fps, 320, 240, times, points, luma, np.full(n, 1.0), diff_max,
                 np.zeros(n))


def test_timeline_keeps_gaps_as_empty_slots():
    times = [0.0, 0.04, 0.08, 0.20, 0.24]  # two frames missing after 0.08
    track = _track(times=times)
    tl = cm.Timeline.of(track)
    assert tl.fps == pytest.approx(25.0) and tl.n == 7
    assert list(tl.slots) == [0, 1, 2, 5, 6]
    placed = tl.place(np.arange(5.0))
    assert np.isnan(placed[3]) and np.isnan(placed[4]) and placed[5] == 3


def test_frame_metrics_count_repeats_gaps_freeze_and_flicker():
    n = 250
    diff_max = np.full(n, 20.0)
    diff_max[[50, 100, 150]] = 0.0  # three single repeats
    diff_max[200:215] = 1.0  # a 0.6 s freeze (a run: not counted as drops)
    luma = np.full(n, 100.0)
    luma[[30, 60, 90]] = 112.0  # three one-frame flashes (+12 %)
    luma[120:] = 120.0  # a cut / exposure step: not flicker
    times = np.delete(np.arange(n + 2) / 25.0, [20, 21])  # two frames lost in the PTS
    track = _track(times=times, luma=luma, diff_max=diff_max)
    series: dict = {}
    drop, freeze, flicker = cm.frame_metrics(track, cm.Timeline.of(track), series)
    assert drop.detail == {"repeated": 3, "missing": 2, "fps": pytest.approx(25.0)}
    assert drop.status == cm.FAIL
    assert freeze.value == pytest.approx(16 / 25) and freeze.status == cm.FAIL
    assert flicker.display.startswith("0.30/s (3 jumps > 3%, max 12.0%")  # 3 in 10.08 s
    assert flicker.status == cm.FAIL  # 3 in 10 s > 0.1/s


def test_clean_frames_pass():
    track = _track()
    drop, freeze, flicker = cm.frame_metrics(track, cm.Timeline.of(track), {})
    assert (drop.status, freeze.status, flicker.status) == (cm.PASS, cm.PASS, cm.PASS)


def _eyes_with_blinks(n: int, starts: list[int], length: int) -> np.ndarray:
    ear = np.full(n, 0.30) + np.random.default_rng(1).normal(0, 0.005, n)
    for s in starts:
        ear[s:s + length] = 0.08
        ear[s - 1] = ear[s + length] = 0.22  # lid on its way: under 85 %, over 70 %
    return ear


def test_blinks_are_counted_with_their_whole_span():
    ear = _eyes_with_blinks(1500, [100, 400, 700, 1000, 1300], 3)
    events, base = cm.blinks(ear, 25.0)
    assert base == pytest.approx(0.30, abs=0.01)
    assert [(a, b) for a, b in events] == [(s - 1, s + 3) for s in (100, 400, 700, 1000, 1300)]


def test_long_closures_and_shallow_dips_are_not_blinks():
    ear = np.full(1000, 0.30)
    ear[100:150] = 0.05  # 2 s with eyes shut
    ear[500:503] = 0.20  # a squint: under 70 % but never under 55 %
    assert cm.blinks(ear, 25.0)[0] == []


def test_jitter_reads_the_shake_amplitude():
    n, rng = 300, np.random.default_rng(2)
    for amp_px in (0.0, 0.3, 1.0):
        track = _track(n)
        shake = rng.normal(0, amp_px, (n, 1, 2)).astype(np.float32)  # per axis, eye dist 50 px
        track.points[:, :, :2] += shake
        m = cm.jitter_metric(track, cm.Timeline.of(track), {})
        expected = amp_px * np.sqrt(2) / 50 * 0.83  # median of |2D normal| ~ 0.83 x its RMS
        assert m.value == pytest.approx(expected, abs=0.0015), (amp_px, m.display)
        assert m.status == (cm.PASS if expected <= cm.JITTER_MAX else cm.FAIL)


def test_error_rates_count_words_and_characters():
    assert error_rate("Hello there, world!", "hello world") == (pytest.approx(1 / 3), 1, 3)
    assert error_rate("It costs 199 yuan.", "It costs one hundred ninety-nine yuan")[0] == 0.0
    rate, edits, n = error_rate("大家好，欢迎来到直播间", "大家好,歡迎來到直播")
    assert (edits, n) == (1, 10)  # traditional -> simplified; one character missing
    assert error_rate("只要199元", "只要一百九十九元")[0] == 0.0
    assert script_language("这款iPhone 15") == "zh" and script_language("hello") == "en"
    assert tokens("这款iPhone") == ["这", "款", "iphone"]


@pytest.mark.parametrize("script, heard", [
    ("到手价¥259，比日常价¥399少了¥140。", "到手价259元比日常价399元少了140元"),  # ¥ is read 元
    ("Only 3.9 g per earbud.", "only three point nine grams per earbud"),  # units spoken
    ("Active noise cancelling, grey case.", "active noise canceling gray case"),  # US spelling
    ("Here's the price: normally ¥129.", "here's the price normally 129 yuan"),
    ("这款是IPX4防汗防溅。", "这款是 ipx4 防汗防溅"),  # IPX4 is said in English
])
def test_script_and_transcript_are_read_by_each_languages_front_end(script, heard):
    """The same spoken words written two ways cost nothing: each language run of either text
    goes through its own TTS front end (the old scoring left ¥ unread and digits of an English
    sentence as Chinese numerals)."""
    assert error_rate(script, heard)[1] == 0, (tokens(script), tokens(heard))


def test_syllable_scoring_forgives_homophones_but_not_wrong_sounds_or_tones():
    # 防汉 for 防汗: the same syllable han4, a character choice the audio cannot decide
    assert error_rate("防汗防溅", "防汉防溅")[1] == 1
    assert error_rate("防汗防溅", "防汉防溅", units="syllables")[1] == 0
    # 房间 for 防溅: fang2 jian1 vs fang2 jian4, the tone differs and still costs an edit
    assert error_rate("防汗防溅", "防汗房间", units="syllables")[1] == 1
    assert error_rate("跑步出汗", "跑得出来", units="syllables")[1] == 2  # other sounds
    assert error_rate("hello world", "hello word", units="syllables")[1] == 1
    assert syllables(["这", "款", "iphone", "很", "好"]) == ["zhe4", "kuan3", "iphone", "hen3", "hao3"]
    with pytest.raises(ValueError):
        error_rate("a", "a", units="pinyin")


def test_prefix_scoring_ignores_the_unspoken_rest_of_the_script():
    script = "one two three four five six seven eight nine ten"
    assert error_rate(script, "one two three four")[0] == pytest.approx(0.6)
    assert error_rate(script, "one two three four", prefix=True) == (0.0, 0, 4)


def test_report_json_is_clean_and_exit_codes_follow_failures():
    ok = cm.Metric("a", "a", 1.0, "1", "<= 2", cm.PASS, "test")
    na = cm.Metric("b", "b", None, "n/a", "<= 2", cm.NA, "test")
    bad = cm.Metric("c", "c", float("nan"), "3", "<= 2", cm.FAIL, "test")
    report = CheckReport("x.mp4", 1.0, 25.0, 10, 10, [ok, na], {"t": np.array([0.0, np.nan])})
    assert report.exit_code == 0
    text = json.dumps(report.to_dict())  # NaN would make invalid JSON
    assert json.loads(text)["series"]["t"] == [0.0, None] and json.loads(text)["passed"]
    report.metrics.append(bad)
    assert report.exit_code == 1 and report.to_dict()["metrics"][2]["value"] is None


@pytest.mark.parametrize("make, needles", [
    (lambda d: d / "missing.mp4", ("not found",)),
    (lambda d: (d / "notes.txt").write_text("hello") and d / "notes.txt",
     ("no video stream", "cannot open")),  # FFmpeg reads some text files as "tty" video
])
def test_cli_bad_input_exits_2_with_a_fix(tmp_path, make, needles):
    path = make(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "twincast.cli", "check", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert any(n in proc.stderr for n in needles), proc.stderr
    assert "fix:" in proc.stderr and "Traceback" not in proc.stderr


def test_cli_script_file_that_is_missing_exits_2_with_a_fix(tmp_path):
    """--text takes the script or a .txt file holding it; a mistyped file name is not scored
    as the script "lines.txt" (which would read as a 3500 % error rate)."""
    proc = subprocess.run([sys.executable, "-m", "twincast.cli", "check", str(tmp_path / "v.mp4"),
                           "--text", str(tmp_path / "lines.txt")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    err = " ".join(proc.stderr.split())  # the console wraps long lines
    assert "lines.txt not found" in err and "fix:" in err and "Traceback" not in err
