"""HTTP voice engine against a real (fake) server on 127.0.0.1 that returns real speech.

The server's audio is our own voices made slower (Piper with length_scale 1.15, the Mandarin
voice at speed 0.87) behind 0.25 s of silence, so its true phone timings are known exactly
and differ from what the engine's local reference predicts: the DTW alignment has real work
to do. Error paths (refused, timeout, HTTP errors, HTML/empty replies) must be TwincastErrors.
"""

from __future__ import annotations

import io
import json
import re
import socket
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
import soundfile as sf
import soxr

from twincast.errors import TwincastError
from twincast.text.segment import split_sentences
from twincast.voice.base import Speech, VoiceEngine
from twincast.voice.http_engine import CosyVoiceAPI, HttpVoiceEngine, decode_audio, parse_wav

LEAD = 0.25
EN_TEXT = ("Hello everyone, welcome back to the show! These earbuds cancel noise and last "
           "thirty hours on one charge. Order now for free shipping.")
ZH_TEXT = "大家好，欢迎来到直播间！这款蓝牙耳机续航长达三十个小时。"


def _truth(speech: Speech) -> Speech:
    pad = np.zeros(int(LEAD * speech.sample_rate), np.float32)
    phones = [type(p)(p.symbol, p.start + LEAD, p.end + LEAD, p.lang) for p in speech.phones]
    return Speech(np.concatenate([pad, speech.audio]), speech.sample_rate, phones, speech.text,
                  speech.lang, list(speech.words))


@pytest.fixture(scope="module")
def truths():
    """sentence -> the slower speech the server returns (with its exact timings)."""
    from twincast.voice.piper_engine import PiperEngine
    from twincast.voice.zh_engine import MandarinEngine

    slow_en, slow_zh = PiperEngine(length_scale=1.15, stream_first_clause=False), MandarinEngine(speed=0.87)
    out = {}
    for s in split_sentences(EN_TEXT):
        out[s] = _truth(next(iter(slow_en.synthesize(s, "en"))))
    for s in split_sentences(ZH_TEXT):
        out[s] = _truth(next(iter(slow_zh.synthesize(s, "zh"))))
    return out


class Fake:
    mode = "ok"  # ok | html | empty | 401 | 500-once | slow | json200
    delay = 0.0


def _wav_bytes(audio: np.ndarray, rate: int, subtype: str = "PCM_16", channels: int = 1) -> bytes:
    buf = io.BytesIO()
    data = np.stack([audio] * channels, axis=1) if channels > 1 else audio
    sf.write(buf, data, rate, format="WAV", subtype=subtype)
    return buf.getvalue()


@pytest.fixture(scope="module")
def server(truths):
    state = Fake()
    log: list[tuple[str, float, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep pytest output clean
            pass

        def _send(self, code: int, body: bytes, ctype: str | None, extra=None):
            self.send_response(code)
            if ctype:
                self.send_header("Content-Type", ctype)
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            ctype = self.headers.get("Content-Type", "")
            if self.path == "/v1/audio/speech":
                req = json.loads(body)
                text, fmt = req["input"], req["response_format"]
            elif self.path.startswith("/inference_"):
                if ctype.startswith("multipart/"):
                    m = re.search(rb'name="tts_text"\r\n\r\n(.*?)\r\n--', body, re.S)
                    assert b'name="prompt_wav"; filename=' in body
                    text, fmt = m.group(1).decode(), "raw"
                else:
                    form = urllib.parse.parse_qs(body.decode())
                    assert form["spk_id"] == ["中文女"]
                    text, fmt = form["tts_text"][0], "raw"
            elif self.path == "/tts":
                req = json.loads(body)
                assert req["media_type"] == "wav" and req["ref_audio_path"]
                text, fmt = req["text"], "wav32-stereo"
            else:
                return self._send(404, b'{"detail":"Not Found"}', "application/json")
            log.append((self.path, time.perf_counter(), text))
            mode = state.mode
            if mode == "500-once":
                state.mode = "ok"
                return self._send(500, b"Internal Server Error", "text/plain")
            if mode == "401":
                return self._send(401, b'{"error": {"message": "Invalid API key"}}',
                                  "application/json")
            if mode == "html":
                return self._send(200, b"<html><body>Please log in</body></html>", "text/html")
            if mode == "json200":
                return self._send(200, b'{"message": "ref_audio_path not found"}', None)
            if mode == "empty":
                return self._send(200, b"", "audio/wav")
            if mode == "slow":
                time.sleep(2.0)
            if state.delay:
                time.sleep(state.delay)
            speech = truths[text]
            if fmt == "wav":
                x = soxr.resample(speech.audio, speech.sample_rate, 24000)
                return self._send(200, _wav_bytes(x, 24000), "audio/wav")
            if fmt == "pcm":
                x = soxr.resample(speech.audio, speech.sample_rate, 24000)
                return self._send(200, (np.clip(x, -1, 1) * 32767).astype("<i2").tobytes(),
                                  "audio/pcm")
            if fmt == "raw":  # CosyVoice: bare int16 at 22050 Hz, no content type
                x = soxr.resample(speech.audio, speech.sample_rate, 22050)
                return self._send(200, (np.clip(x, -1, 1) * 32767).astype("<i2").tobytes(), None)
            x = soxr.resample(speech.audio, speech.sample_rate, 32000)
            return self._send(200, _wav_bytes(x, 32000, "FLOAT", channels=2), "audio/wav")

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield url, state, log
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def _reset(server):
    _, state, log = server
    state.mode, state.delay = "ok", 0.0
    log.clear()


def _boundary_errors(speech: Speech, truth: Speech) -> np.ndarray:
    assert [p.symbol for p in speech.phones] == [p.symbol for p in truth.phones]
    return np.array([abs(a.start - b.start) for a, b in zip(speech.phones[1:], truth.phones[1:])])


def _check_timings(speeches, truths):
    errors = []
    for sp in speeches:
        truth = truths[sp.text]
        assert sp.duration == pytest.approx(truth.duration, abs=0.01)
        assert sp.phones[0].start == 0.0 and sp.phones[-1].end == pytest.approx(sp.duration)
        assert all(a.end == b.start for a, b in zip(sp.phones, sp.phones[1:]))
        err = _boundary_errors(sp, truth)
        # the lead-in silence is found, not smeared over the first phones
        first_voiced = next(p for p in sp.phones if p.symbol != "sil")
        assert first_voiced.start >= LEAD - 0.04
        errors.append(err)
    err = np.concatenate(errors)
    assert np.median(err) < 0.020, f"median boundary error {np.median(err) * 1000:.0f} ms"
    assert np.mean(err <= 0.040) >= 0.9, f"only {np.mean(err <= 0.040):.0%} within 40 ms"
    assert err.max() < 0.100


def test_openai_wav_timings_streamed_per_sentence(server, truths):
    url, _, log = server
    engine = HttpVoiceEngine(url, "openai", voice="alloy", timeout=20)
    assert isinstance(engine, VoiceEngine)
    t0 = time.perf_counter()
    stream = engine.synthesize(EN_TEXT, "en")
    first = next(stream)
    asked_before_first = len(log)
    speeches = [first, *stream]
    assert time.perf_counter() - t0 < 60
    assert len(speeches) == len(split_sentences(EN_TEXT)) == 3
    assert asked_before_first <= 2  # sentence 3 is requested only after sentence 1 is out
    assert [p for p, _, _ in log] == ["/v1/audio/speech"] * 3
    assert all(sp.sample_rate == 24000 and sp.lang == "en" for sp in speeches)
    assert all(sp.words for sp in speeches)
    _check_timings(speeches, truths)


def test_openai_pcm(server, truths):
    url, _, _ = server
    engine = HttpVoiceEngine(url, "openai", response_format="pcm")
    speeches = list(engine.synthesize("Order now for free shipping.", "en"))
    assert len(speeches) == 1 and speeches[0].sample_rate == 24000
    _check_timings(speeches, truths)


def test_cosyvoice_sft_mandarin(server, truths):
    url, _, log = server
    engine = HttpVoiceEngine(url, "cosyvoice", spk_id="中文女", sample_rate=22050)
    speeches = list(engine.synthesize(ZH_TEXT, "zh"))
    assert [p for p, _, _ in log] == ["/inference_sft"] * 2
    assert all(sp.sample_rate == 22050 and sp.lang == "zh" for sp in speeches)
    assert {p.symbol for sp in speeches for p in sp.phones} >= {"h", "ao3", "sil"}
    _check_timings(speeches, truths)


def test_cosyvoice_zero_shot_sends_the_prompt_recording(server, truths, tmp_path):
    url, _, log = server
    prompt = tmp_path / "prompt.wav"
    sf.write(prompt, np.zeros(16000, np.float32), 16000)
    api = CosyVoiceAPI(mode="zero_shot", prompt_text="希望你以后能够做的比我还好呦。", prompt_wav=prompt)
    engine = HttpVoiceEngine(url, api)
    speeches = list(engine.synthesize("大家好，欢迎来到直播间！", "zh"))
    assert log[0][0] == "/inference_zero_shot" and len(speeches) == 1
    _check_timings(speeches, truths)


def test_gpt_sovits_stereo_float_wav(server, truths):
    url, _, log = server
    engine = HttpVoiceEngine(url, "gpt-sovits", ref_audio_path="ref/host.wav",
                             prompt_text="大家好", prompt_lang="zh")
    speeches = list(engine.synthesize("Hello everyone, welcome back to the show!", "en"))
    assert log[0][0] == "/tts" and speeches[0].sample_rate == 32000
    _check_timings(speeches, truths)


def test_retries_a_500_then_succeeds(server):
    url, state, log = server
    state.mode = "500-once"
    engine = HttpVoiceEngine(url, "openai", retries=2, backoff=0.01)
    speeches = list(engine.synthesize("Order now for free shipping.", "en"))
    assert len(speeches) == 1 and len(log) == 2


@pytest.mark.parametrize("mode, expected", [
    ("401", "HTTP 401: Invalid API key"),
    ("html", "not audio"),
    ("json200", "ref_audio_path not found"),
    ("empty", "empty reply"),
])
def test_bad_replies_are_clear_errors(server, mode, expected):
    url, state, log = server
    state.mode = mode
    engine = HttpVoiceEngine(url, "openai", retries=2, backoff=0.01)
    with pytest.raises(TwincastError) as info:
        list(engine.synthesize("Order now for free shipping.", "en"))
    assert expected in info.value.problem and info.value.fix
    assert len(log) == 1  # a client error or a bad 200 is not retried


def test_wrong_protocol_path_is_a_404_error(server):
    url, _, _ = server
    engine = HttpVoiceEngine(url + "/api", "openai", retries=0)
    with pytest.raises(TwincastError, match="HTTP 404") as info:
        list(engine.synthesize("Hello.", "en"))
    assert "protocol" in info.value.fix


def test_timeout_is_retried_then_reported(server):
    url, state, log = server
    state.mode = "slow"
    engine = HttpVoiceEngine(url, "openai", timeout=0.4, retries=1, backoff=0.01)
    t0 = time.perf_counter()
    with pytest.raises(TwincastError, match="did not answer within 0.4 s"):
        list(engine.synthesize("Order now for free shipping.", "en"))
    assert time.perf_counter() - t0 < 3.0
    assert len(log) == 2


def test_connection_refused():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    engine = HttpVoiceEngine(f"http://127.0.0.1:{port}", "openai", retries=1, backoff=0.01,
                             reference=lambda s, lang: None)
    t0 = time.perf_counter()
    with pytest.raises(TwincastError, match="connection refused") as info:
        list(engine.synthesize("Hello there.", "en"))
    assert "start the server" in info.value.fix
    assert time.perf_counter() - t0 < 5


def test_input_and_option_errors(server):
    url, _, _ = server
    engine = HttpVoiceEngine(url, "openai")
    for text in ("", "   ", "!!! ... ???"):
        with pytest.raises(TwincastError):
            engine.synthesize(text, "en")
    with pytest.raises(TwincastError, match="not 'fr'"):
        engine.synthesize("Bonjour.", "fr")
    with pytest.raises(TwincastError, match="unknown voice server protocol"):
        HttpVoiceEngine(url, "elevenlabs")
    with pytest.raises(TwincastError, match="not an http"):
        HttpVoiceEngine("127.0.0.1:9880", "openai")
    with pytest.raises(TwincastError, match="prompt recording"):
        HttpVoiceEngine(url, "cosyvoice", mode="zero_shot", prompt_text="x")
    with pytest.raises(TwincastError, match="bad option"):
        HttpVoiceEngine(url, "openai", spk_id="x")
    with pytest.raises(TwincastError, match="reference recording"):
        HttpVoiceEngine(url, "gpt-sovits")


def test_wav_parser_edge_cases():
    x = (np.sin(np.arange(2400) / 5) * 0.5).astype(np.float32)
    for subtype in ("PCM_16", "PCM_24", "PCM_32", "FLOAT", "PCM_U8"):
        y, rate = parse_wav(_wav_bytes(x, 24000, subtype))
        assert rate == 24000 and len(y) == len(x)
        assert np.abs(y - x).max() < 0.01
    # a streaming server's header: data size 0xFFFFFFFF
    wav = bytearray(_wav_bytes(x, 24000))
    pos = wav.find(b"data")
    wav[pos + 4:pos + 8] = b"\xff\xff\xff\xff"
    y, _ = parse_wav(bytes(wav))
    assert len(y) == len(x)
    with pytest.raises(TwincastError, match="broken WAV"):
        decode_audio(b"RIFF\x00\x00\x00\x00WAVEjunk", "audio/wav", None, "x")
    with pytest.raises(TwincastError, match="not a WAV"):
        decode_audio(bytes(range(256)) * 4, "application/octet-stream", None, "x")
