"""Fake remote voice servers on loopback: OpenAI-compatible ``/v1/audio/speech`` (WAV reply) and
CosyVoice's ``/inference_*`` (raw int16 PCM, no content type), as the real servers define them.

The "cloned voice" is espeak-ng's reading of the text with a quiet 4 kHz pilot tone mixed in,
so a test can tell from the decoded audio alone whether the server's voice or the local
fallback voice said a line (:func:`pilot_share`). ``kill()`` stops the server mid-show: later
connections are refused, like a crashed GPU box. Every request is logged.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import numpy as np
import soundfile as sf
import soxr

PILOT_HZ = 4000.0
PILOT_LEVEL = 0.03


def pilot_share(audio: np.ndarray, rate: int) -> float:
    """Energy in a narrow band around the pilot over the energy of 3.5-4.5 kHz: near 1 when the
    server's voice speaks, small for any other voice."""
    if len(audio) < rate // 10:
        return 0.0
    spec = np.abs(np.fft.rfft(audio * np.hanning(len(audio)))) ** 2
    freqs = np.fft.rfftfreq(len(audio), 1.0 / rate)
    band = spec[(freqs > 3500) & (freqs < 4500)].sum() + 1e-12
    return float(spec[np.abs(freqs - PILOT_HZ) < 15].sum() / band)


def server_voice(text: str, lang: str, rate: int) -> np.ndarray:
    """What the fake server says: espeak-ng's reading plus the pilot tone, at ``rate``."""
    from twincast.voice.espeak_engine import EspeakEngine

    parts = list(EspeakEngine("cmn" if lang == "zh" else "en-us").synthesize(text, lang))
    if not parts:
        return np.zeros(rate // 2, np.float32)
    sr = parts[0].sample_rate
    audio = np.concatenate([p.audio for p in parts]).astype(np.float32)
    audio = soxr.resample(audio, sr, rate).astype(np.float32)
    t = np.arange(len(audio)) / rate
    return (0.8 * audio + PILOT_LEVEL * np.sin(2 * np.pi * PILOT_HZ * t)).astype(np.float32)


@dataclass
class FakeTts:
    url: str
    httpd: ThreadingHTTPServer
    requests: list[dict] = field(default_factory=list)
    alive: bool = True
    delay: float = 0.0  # seconds each reply waits (a server too slow for the line's deadline)

    def kill(self) -> None:
        """Stop serving and close the socket: the next request is refused."""
        if self.alive:
            self.alive = False
            self.httpd.shutdown()
            self.httpd.server_close()


def _handler(state: "list[FakeTts]"):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep pytest output clean
            pass

        def _send(self, code: int, body: bytes, ctype: str | None) -> None:
            self.send_response(code)
            if ctype:
                self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if state[0].delay:
                time.sleep(state[0].delay)
            ctype = self.headers.get("Content-Type", "")
            if self.path == "/v1/audio/speech":
                req = json.loads(body)
                text, lang = req["input"], "zh" if re.search(r"[\u4e00-\u9fff]", req["input"]) else "en"
                state[0].requests.append({"path": self.path, **req, "auth": self.headers.get("Authorization")})
                buf = io.BytesIO()
                sf.write(buf, server_voice(text, lang, 24000), 24000, format="WAV", subtype="PCM_16")
                return self._send(200, buf.getvalue(), "audio/wav")
            if self.path.startswith("/inference_"):
                if ctype.startswith("multipart/"):
                    m = re.search(rb'name="tts_text"\r\n\r\n(.*?)\r\n--', body, re.S)
                    form = {"tts_text": [m.group(1).decode()], "prompt_wav": [str(b"prompt_wav" in body)]}
                else:
                    form = urllib.parse.parse_qs(body.decode())
                text = form["tts_text"][0]
                state[0].requests.append({"path": self.path, **{k: v[0] for k, v in form.items()}})
                pcm = server_voice(text, "zh" if re.search(r"[\u4e00-\u9fff]", text) else "en", 22050)
                return self._send(200, (np.clip(pcm, -1, 1) * 32767).astype("<i2").tobytes(), None)
            return self._send(404, b'{"detail":"Not Found"}', "application/json")

    return Handler


@contextlib.contextmanager
def _serving(handler, state: "list[FakeTts]", path: str = "") -> Iterator[FakeTts]:
    """``handler`` on 127.0.0.1 (a free port) in a thread, killed on exit."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    fake = FakeTts(f"http://127.0.0.1:{httpd.server_address[1]}{path}", httpd)
    state.append(fake)
    thread = threading.Thread(target=httpd.serve_forever, name="fake-server", daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.kill()
        thread.join(5)


@contextlib.contextmanager
def fake_tts() -> Iterator[FakeTts]:
    """A fake voice server on 127.0.0.1 (a free port), both APIs at once."""
    state: list[FakeTts] = []
    with _serving(_handler(state), state) as fake:
        yield fake


@contextlib.contextmanager
def fake_llm() -> Iterator[FakeTts]:
    """A fake OpenAI-compatible chat server (``POST /v1/chat/completions``) on 127.0.0.1: it
    rephrases a script line as "家人们，" + the line, and answers with the facts it was given,
    so what it returns passes the catalog checks; every request is logged."""
    state: list[FakeTts] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self) -> None:
            req = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            state[0].requests.append({"path": self.path, **req, "auth": self.headers.get("Authorization")})
            user = req["messages"][-1]["content"]
            if "Sentence: " in user:
                reply = "家人们，" + user.split("Sentence: ", 1)[1].strip()
            else:
                reply = user.split("Facts: ", 1)[-1].split("\nViewer comment:", 1)[0].strip()
            body = json.dumps({"choices": [{"message": {"role": "assistant", "content": reply}}]}).encode()
            self.send_response(200 if self.path == "/v1/chat/completions" else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with _serving(Handler, state, "/v1") as fake:
        yield fake
