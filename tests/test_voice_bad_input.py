"""Bad text into the voices: empty, 10,000 characters, unsupported languages and scripts,
symbols and emoji. Each must give a clear TwincastError (exit code 2 from the CLI, no
traceback) or correct speech, through the router and through ``twincast say``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from twincast.errors import TwincastError
from twincast.text.segment import MAX_SENTENCE_UNITS, bound_sentence, split_sentences
from twincast.voice.router import VoiceRouter

EN_RUN_ON = ("these earbuds cancel noise on the train and the battery lasts thirty hours "
             "and the case charges over usb and the price today is low ")
ZH_RUN_ON = "这款蓝牙耳机降噪效果非常好续航长达三十个小时今天只要一百九十九元还送保温杯"


def _long(base: str, n: int = 10_000) -> str:
    return (base * (n // len(base) + 1))[:n]


@pytest.fixture(scope="module")
def router():
    from twincast.voice.defaults import router_for

    return router_for("female")


@pytest.fixture(scope="module")
def fast_router():
    """espeak-ng for both languages: RTF ~0.005, so 10,000 characters can be spoken fully."""
    from twincast.voice.espeak_engine import EspeakEngine

    router = VoiceRouter({"en": EspeakEngine("en"), "zh": EspeakEngine("cmn")}, sample_rate=48000)
    list(router.synthesize("Hello. 你好。", "auto"))  # one-off loads (jieba's dictionary: ~60 MB)
    return router


# ---- empty / unsupported language / symbols -------------------------------------------------
@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text(router, text):
    from twincast.voice.defaults import speak, validate_text

    assert list(router.synthesize(text, "auto")) == []  # nothing to stream ...
    with pytest.raises(TwincastError, match="nothing to say"):
        router.speak(text)  # ... and asking for the whole speech is an error
    with pytest.raises(TwincastError, match="no text to say") as info:
        validate_text(text)
    assert info.value.fix
    with pytest.raises(TwincastError):
        speak(text)


def test_unsupported_language_code(router):
    with pytest.raises(TwincastError, match="unsupported language 'fr'") as info:
        list(router.synthesize("Bonjour tout le monde.", "fr"))
    assert "auto" in info.value.fix
    only_en = VoiceRouter({"en": router.engines["en"]})
    with pytest.raises(TwincastError, match="no engine speaks 'zh'"):
        list(only_en.synthesize("你好。", "zh"))


@pytest.mark.parametrize("text, script", [("Привет, как дела?", "cyrillic"),
                                          ("こんにちは、ありがとう。", "hiragana"),
                                          ("مرحبا بكم", "arabic")])
def test_unsupported_script(router, text, script):
    from twincast.voice.defaults import validate_text

    assert list(router.synthesize(text, "auto")) == []  # nothing readable: no noise either
    with pytest.raises(TwincastError, match=f"{script} script") as info:
        validate_text(text)
    assert "Chinese or English" in info.value.fix


@pytest.mark.parametrize("text", ["🎉🎉🎉", "👍🏽❤️✨", "!!! ??? ...", "★★★ ☆☆ ♥", "¥$%&*#@"])
def test_only_symbols_or_emoji(router, text):
    from twincast.voice.defaults import validate_text

    assert list(router.synthesize(text, "auto")) == []
    with pytest.raises(TwincastError, match="nothing to say"):
        router.speak(text)
    with pytest.raises(TwincastError, match="only symbols or emoji"):
        validate_text(text)


def test_emoji_between_words_are_not_read_out(router):
    """espeak-ng would read 🎉 as "party popper": the words are said, the emoji are not."""
    en = list(router.synthesize("Hello 🎉 everyone! 👍👍", "auto"))
    assert len(en) == 1
    assert [w.text for w in en[0].words] == ["Hello", "everyone"]
    # Piper samples durations (noise_w), so one take of the plain line varies by +-30 %: compare
    # with the longest of three. Read-out emoji ("party popper", "thumbs up") would add ~100 %.
    plain = max(list(router.synthesize("Hello everyone!", "auto"))[0].duration for _ in range(3))
    assert en[0].duration < 1.35 * plain
    zh = list(router.synthesize("大家好🎉！今天有优惠👍", "auto"))
    assert [s.lang for s in zh] == ["zh", "zh"]
    assert "".join(w.text for s in zh for w in s.words) == "大家好今天有优惠"


# ---- 10,000 characters ----------------------------------------------------------------------
def test_bound_sentence_pieces():
    en = split_sentences(_long(EN_RUN_ON))
    zh = split_sentences(_long(ZH_RUN_ON))
    for pieces, source in ((en, _long(EN_RUN_ON)), (zh, _long(ZH_RUN_ON))):
        assert len(pieces) > 10
        units = [len(p) + 2 * sum("\u4e00" <= c <= "\u9fff" for c in p) for p in pieces]
        assert max(units) <= MAX_SENTENCE_UNITS
        assert "".join(pieces).replace(" ", "") == source.replace(" ", "").strip()
    # English cuts fall on spaces, never inside a word
    words = set(EN_RUN_ON.split())
    assert all(set(p.split()) <= words for p in en[:-1])
    # clause marks are preferred to spaces
    text = "one two three four, " * 30
    assert all(p.endswith(",") for p in bound_sentence(text)[:-1])
    assert bound_sentence("short one.") == ["short one."]


@pytest.mark.parametrize("base, lang", [(EN_RUN_ON, "en"), (ZH_RUN_ON, "zh")], ids=["en", "zh"])
def test_10k_characters_stream_from_the_real_voices(router, base, lang):
    """No punctuation at all: the first pieces come quickly and are each short."""
    text = _long(base)
    t0 = time.perf_counter()
    stream = router.synthesize(text, "auto")
    first = next(stream)
    first_s = time.perf_counter() - t0
    second = next(stream)
    stream.close()
    assert first.lang == lang and second.lang == lang
    assert 3.0 < first.duration < 20.0 and second.duration < 20.0
    assert first_s < 30.0
    assert first.phones[-1].end == pytest.approx(first.duration, abs=0.01)


@pytest.mark.parametrize("text", [_long(EN_RUN_ON), _long(ZH_RUN_ON),
                                  _long("Order now. 现在下单！ Free shipping today, 包邮。 ")],
                         ids=["en-run-on", "zh-run-on", "mixed-sentences"])
def test_10k_characters_spoken_in_bounded_memory(fast_router, text):
    """All 10,000 characters through the router, one bounded Speech at a time."""
    n, total, longest = 0, 0.0, 0.0
    tracemalloc.start()
    try:
        for speech in fast_router.synthesize(text, "auto"):
            n += 1
            total += speech.duration
            longest = max(longest, speech.duration)
            assert np.isfinite(speech.audio).all()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    whole_audio_mb = total * 48000 * 4 / 1e6
    assert n >= 20 and total > 200  # minutes of speech
    assert longest < 25.0
    assert peak / 1e6 < 40, f"peak {peak / 1e6:.0f} MB"  # measured 1.5-14 MB
    assert peak / 1e6 < whole_audio_mb / 3  # streamed: never the whole text at once


# ---- the say CLI ------------------------------------------------------------------------
def _cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("TWINCAST_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "twincast.cli", *args], capture_output=True,
                          text=True, timeout=timeout, env=env)


@pytest.mark.parametrize("args, message", [
    (["--text", ""], "no text to say"),
    (["--text", "   "], "no text to say"),
    (["--text", "🎉🎉👍"], "only symbols or emoji"),
    (["--text", "!!! ¥$% ..."], "only symbols or emoji"),
    (["--text", "Привет мир"], "cyrillic script"),
    (["--text", "Hello.", "--lang", "fr"], "unknown language 'fr'"),
    (["--text", "Hello.", "--precision", "int3"], "unknown precision 'int3'"),
])
def test_say_cli_user_errors(tmp_path, args, message):
    out = tmp_path / "x.mp4"
    r = _cli("say", *args, "-o", str(out))
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    assert message in " ".join(r.stderr.split())
    assert "fix:" in r.stderr
    assert not out.exists()


@pytest.mark.slow
def test_say_cli_emoji_text_renders(tmp_path):
    out = tmp_path / "emoji.mp4"
    r = _cli("say", "--text", "Hello 🎉 everyone! 大家好👍", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    assert out.stat().st_size > 10_000


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@pytest.mark.slow
def test_say_cli_10k_characters_runs_in_bounded_memory(tmp_path):
    """A 10,000-character run-on script: the CLI starts rendering and its memory stays flat
    (unchunked, Piper alone needed 3.6 GB for 3,000 characters). Stopped after 30 s."""
    out = tmp_path / "long.mp4"
    proc = subprocess.Popen([sys.executable, "-m", "twincast.cli", "say", "--text",
                             _long(EN_RUN_ON), "-o", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak, deadline = 0.0, time.monotonic() + 30
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                peak = max(peak, _rss_mb(proc.pid))
            except (FileNotFoundError, ProcessLookupError):
                break
            time.sleep(0.25)
        assert proc.poll() is None, proc.communicate()[1][-2000:]  # still rendering, no crash
    finally:
        if proc.poll() is None:
            proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert "Traceback" not in err
    assert 0 < peak < 1500, f"peak RSS {peak:.0f} MB"
