"""Intelligibility on mixed Mandarin/English scripts (evaluation/asr_chunks.py).

Fast tests pin the pieces (pause cutting, loop removal, joining); the slow ones run Whisper base
on real speech twincast's own voices synthesise from a bilingual selling script: it must be
scored with a low MER and no loop, while the audio of another script, or noise, must fail.
"""

from __future__ import annotations

import numpy as np
import pytest

from twincast.evaluation.asr import asr_unavailable_reason, error_rate
from twincast.evaluation.asr_chunks import (CHUNK_MAX_S, drop_loops, join_tokens,
                                            split_at_pauses)
from twincast.evaluation.check_metrics import ASR_MAX


def _bursts(spec: list[tuple[float, bool]], sr: int = 16000) -> np.ndarray:
    """Concatenated (seconds, loud?) pieces: noise bursts for speech, near-silence for pauses."""
    rng = np.random.default_rng(0)
    parts = [rng.normal(0, 0.2 if loud else 0.0005, int(s * sr)) for s, loud in spec]
    return np.concatenate(parts).astype(np.float32)


def test_chunks_are_cut_in_the_longest_pauses():
    # speech 3 s, short pause, speech 2 s, long pause (a sentence end), speech 6 s, pause, 2 s
    x = _bursts([(3, True), (0.25, False), (2, True), (0.8, False), (6, True), (0.4, False),
                 (2, True)])
    chunks = split_at_pauses(x)
    cuts = [b for _, b, _ in chunks[:-1]]
    assert cuts[0] == pytest.approx(5.65, abs=0.05)  # in the 0.8 s pause, not the 0.25 s one
    assert all(s for _, _, s in chunks)
    assert chunks[0][0] == 0.0 and chunks[-1][1] == pytest.approx(len(x) / 16000)


def test_speech_without_pauses_is_cut_at_the_maximum_length():
    x = _bursts([(25, True)])
    chunks = split_at_pauses(x)
    assert len(chunks) >= 3
    assert all(b - a <= CHUNK_MAX_S + 1e-6 for a, b, _ in chunks)


def test_silent_chunks_are_marked():
    x = _bursts([(3, True), (12, False), (3, True)])
    assert [s for _, _, s in split_at_pauses(x)].count(False) >= 1


def test_loops_collapse_but_real_repeats_stay():
    looped = list("只要199元") + list("那是你") * 7 + "the price is low".split()
    cleaned, dropped = drop_loops(looped)
    assert dropped == 18
    assert cleaned == list("只要199元") + list("那是你") + "the price is low".split()
    twice = "buy it now buy it now".split()
    assert drop_loops(twice) == (twice, 0)  # two copies can be speech; three are a loop
    assert join_tokens(["大", "家", "hello", "world", "好"]) == "大家 hello world 好"


# --- real speech -----------------------------------------------------------------------------
SCRIPT = [
    ("zh", "大家好，欢迎来到直播间！今天给大家带来一款蓝牙耳机，续航三十个小时，充电十分钟就能用两个小时。"),
    ("en", "Friends, these earbuds weigh only four grams, so you barely feel them."),
    ("zh", "防水等级是IPX4，跑步出汗完全没问题，但是不能戴着游泳。"),
    ("en", "The case charges over USB-C, and the battery lasts all day. Tap link two to order."),
    ("zh", "库存只有八百件，喜欢的朋友抓紧时间下单吧。"),
]
OTHER = [
    ("en", "The thermos keeps water hot for twelve hours and cold for a whole day."),
    ("zh", "这款保温杯一键弹盖，单手就能打开，容量五百毫升，送给家人朋友都很合适。"),
]


def _speak(lines, sr_out: int = 16000) -> np.ndarray:
    import soxr

    from twincast.voice.defaults import router_for

    router = router_for("female")
    parts = []
    for lang, text in lines:
        for speech in router.synthesize(text, lang):
            parts.append(soxr.resample(speech.audio, speech.sample_rate, sr_out))
            parts.append(np.zeros(int(0.3 * sr_out), np.float32))
    return np.concatenate(parts).astype(np.float32)


@pytest.fixture(scope="module")
def speech():
    if asr_unavailable_reason("zh"):
        pytest.skip(asr_unavailable_reason("zh"))
    return {"script": " ".join(t for _, t in SCRIPT), "mixed": _speak(SCRIPT),
            "other": _speak(OTHER)}


@pytest.mark.slow
def test_mixed_script_is_scored_low_without_loops(speech):
    from twincast.evaluation.asr_chunks import transcribe_chunked

    tr = transcribe_chunked(speech["mixed"], 16000)
    rate, edits, n = error_rate(speech["script"], tr.text)
    print(f"\nMER {rate:.1%} ({edits}/{n}), {tr.seconds:.1f} s, chunks " +
          " | ".join(f"{c.lang} {c.text}" for c in tr.chunks))
    assert not tr.capped and tr.loop_tokens == 0
    assert {c.lang for c in tr.chunks if c.lang} == {"zh", "en"}  # both languages found
    assert rate <= 0.15 < ASR_MAX["mixed"] + 0.01
    # syllables forgive homophones only: never more errors than characters
    assert error_rate(speech["script"], tr.text, units="syllables")[1] <= edits


@pytest.mark.slow
@pytest.mark.parametrize("broken", ["another script", "noise"])
def test_wrong_or_missing_speech_fails(speech, broken):
    from twincast.evaluation.asr_chunks import transcribe_chunked

    if broken == "another script":
        audio = speech["other"]
    else:
        audio = np.random.default_rng(1).normal(0, 0.1, 8 * 16000).astype(np.float32)
    tr = transcribe_chunked(audio, 16000)
    rate = error_rate(speech["script"], tr.text)[0]
    by_syllables = error_rate(speech["script"], tr.text, units="syllables")[0]
    print(f"\n{broken}: MER {rate:.0%} (syllables {by_syllables:.0%}): {tr.text[:120]}")
    assert rate > ASR_MAX["mixed"] and by_syllables > ASR_MAX["mixed"]  # as the check scores it
