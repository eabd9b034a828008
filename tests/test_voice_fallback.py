"""The remote voice chosen by twincast.yaml, and the local voice that takes over when it dies
or is late. Which voice spoke is read from the audio itself: the fake server's voice carries a
4 kHz pilot tone (tests/support/fake_tts.py), the local voices do not."""

from __future__ import annotations

import time

import numpy as np
import pytest

from support.fake_tts import fake_tts, pilot_share
from twincast.config.load import parse_config

ZH = "这款耳机今天只要一百九十九元。"
EN = "These earbuds are only one hundred ninety nine yuan today."


# generous: on a loaded 2-core machine the first line includes loading the local reference
# voice; the late-line test sets its own short deadline
DEADLINE_S = 90.0


def _config(url: str, deadline: float = DEADLINE_S, retry: float = 30.0):
    return parse_config(f"""
voices:
  zh: {{engine: http, kind: cosyvoice, base_url: "{url}", voice: 中文男, deadline_s: {deadline}, timeout_s: 90,
        retry_s: {retry}}}
  en: {{engine: http, kind: openai, base_url: "{url}", model: tts-1-hd, voice: nova, api_key_env: FAKE_TTS_KEY,
        deadline_s: {deadline}, timeout_s: 90}}
""")


def _said(router, text: str, lang: str) -> tuple[np.ndarray, int]:
    parts = list(router.synthesize(text, lang))
    return np.concatenate([p.audio for p in parts]), parts[0].sample_rate


@pytest.fixture(scope="module")
def host():
    from twincast.avatar.defaults import default_avatar_path
    from twincast.avatar.model import AvatarModel

    return AvatarModel.load(default_avatar_path())


def test_http_voices_from_config_then_fallback_when_the_server_dies(host, monkeypatch):
    from twincast.assembly import listen_to_voices, voice_for

    monkeypatch.setenv("FAKE_TTS_KEY", "k-123")
    with fake_tts() as server:
        router = voice_for(host, _config(server.url))
        heard = []
        assert listen_to_voices({"host": router}, heard.append) == 2
        zh, sr = _said(router, ZH, "zh")
        en, _ = _said(router, EN, "en")
        # the configured server was asked, with the configured voice, model and key
        cosy = [r for r in server.requests if r["path"] == "/inference_sft"]
        oai = [r for r in server.requests if r["path"] == "/v1/audio/speech"]
        assert cosy and cosy[0]["spk_id"] == "中文男" and cosy[0]["tts_text"] == ZH
        assert oai and (oai[0]["model"], oai[0]["voice"], oai[0]["auth"]) == ("tts-1-hd", "nova", "Bearer k-123")
        assert heard == [], heard  # no line missed its deadline
        assert pilot_share(zh, sr) > 0.5 and pilot_share(en, sr) > 0.5  # the server's voice, untouched
        server.kill()
        asked = len(server.requests)
        after, sr2 = _said(router, ZH, "zh")
        again, _ = _said(router, "欢迎来到直播间。", "zh")
    assert sr2 == 48_000 and len(after) > sr2 * 1.0  # the line was said, by the local voice
    assert pilot_share(after, sr2) < 0.1 and pilot_share(again, sr2) < 0.1
    assert len(server.requests) == asked  # nothing reached the dead server
    # told once when it failed, not again for every line it stays down
    assert [(h.state, h.lang) for h in heard] == [("fallback", "zh")] and "connection refused" in heard[0].reason
    assert heard[0].engine == "http-cosyvoice" and heard[0].backup == "zh_fastspeech2"


def test_a_line_late_for_its_deadline_is_said_by_the_local_voice(host, monkeypatch):
    from twincast.assembly import voice_for
    from twincast.voice.configured import fallback_voices

    monkeypatch.setenv("FAKE_TTS_KEY", "k-123")
    with fake_tts() as server:
        router = voice_for(host, _config(server.url, deadline=1.5, retry=0.0))  # ask again on the next line
        voice = fallback_voices(router)[0]
        assert voice.retry_after_s == 0.0 and voice.deadline_s == 1.5  # the file's settings
        voice.deadline_s = DEADLINE_S  # the lines around the late one must not be late on a loaded machine
        _said(router, "你好。", "zh")  # warm the local reference voice (first load is slow)
        voice.deadline_s, server.delay = 1.5, 15.0
        started = time.monotonic()
        late, sr = _said(router, ZH, "zh")
        waited = time.monotonic() - started
        voice.deadline_s, server.delay = DEADLINE_S, 0.0
        back, _ = _said(router, ZH, "zh")
    assert pilot_share(late, sr) < 0.1 and waited < 15.0  # did not wait for the slow server
    assert voice.fallbacks == 1 and pilot_share(back, sr) > 0.5  # and the server speaks again after


def _next(events, pred, seen: list, timeout: float):
    """Events (into ``seen``) until one matches ``pred``; bounded in time."""
    import queue

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            ev = events.get(timeout=0.25)
        except queue.Empty:
            continue
        if ev is None:
            break
        seen.append(ev)
        if pred(ev):
            return ev
    raise AssertionError(f"no matching event in {timeout} s; kinds {[e.kind for e in seen[-20:]]}")


@pytest.mark.slow
def test_live_show_goes_on_when_its_voice_server_dies(tmp_path, host):
    """Live, with the Mandarin voice on a (fake) CosyVoice server that dies mid-show: the show
    keeps talking in the local voice, the operator console is told, and the recording proves
    which voice said which line."""
    import json

    from support.live_harness import TOKEN, live_server, until, ws
    from twincast.avatar.defaults import default_assistant_path
    from twincast.avatar.model import AvatarModel
    from twincast.evaluation.probe import read_audio
    from twincast.live.engine import LiveShow
    from twincast.live.events import SayEvent, VoiceEvent
    from twincast.show.catalog_io import load_catalog

    with fake_tts() as server:
        cfg = parse_config(f'voices: {{zh: {{engine: http, kind: cosyvoice, base_url: "{server.url}", '
                           f'deadline_s: {DEADLINE_S}, timeout_s: {DEADLINE_S}}}}}')
        show = LiveShow(load_catalog(), host, AvatarModel.load(default_assistant_path()), size="360x640",
                        record_dir=tmp_path / "rec", realtime=False, config=cfg)
        events = show.subscribe_events()
        seen: list = []
        with live_server(tmp_path, show=show) as (web, _, _):
            with ws(web, "/ws/op/events") as console:
                console.send(json.dumps({"token": TOKEN}))
                show.start()
                for _ in range(3):  # three lines in the server's voice
                    _next(events, lambda e: isinstance(e, SayEvent), seen, 240)
                assert len(server.requests) >= 3
                server.kill()
                fell = _next(events, lambda e: isinstance(e, VoiceEvent), seen, 120)
                after = len(seen)
                for _ in range(6):  # the show goes on
                    _next(events, lambda e: isinstance(e, SayEvent), seen, 240)
                msg, _ = until(console, lambda m: m.get("type") == "event" and m["event"]["kind"] == "voice", 30)
            show.stop()
    assert fell.state == "fallback" and fell.engine == "http-cosyvoice"
    # a server killed mid-request resets the connection; one killed between requests refuses it
    assert server.url.split("//")[1] in fell.reason and any(w in fell.reason for w in ("refused", "broke", "reset"))
    assert msg["event"]["data"]["backup"] == "zh_fastspeech2" and msg["event"]["data"]["state"] == "fallback"
    # the recording: lines before the kill carry the server's pilot tone; lines made after it
    # (past the two clauses synthesised ahead) do not, and they are real speech, not silence
    audio, sr = read_audio(show.recording)[:2]
    says = [e for e in seen if isinstance(e, SayEvent)]
    spans = [(a.t, b.t) for a, b in zip(says, says[1:])]
    share = [pilot_share(audio[int(t0 * sr):int(t1 * sr)], sr) for t0, t1 in spans]
    loud = [float(np.sqrt(np.mean(audio[int(t0 * sr):int(t1 * sr)] ** 2))) for t0, t1 in spans]
    before = share[:2]
    late = [s for e, s in zip(says, share) if seen.index(e) > after][3:]
    assert max(before) > 0.3, share
    assert late and max(late) < 0.1, share
    assert min(loud[-3:]) > 0.01, loud
