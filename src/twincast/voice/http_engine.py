"""A voice that lives on another machine: any of three common TTS HTTP APIs, with lip timings.

Why: the best voices (cloned with CosyVoice or GPT-SoVITS, or any OpenAI-compatible server)
need a GPU, and a user may run one elsewhere while twincast stays on the CPU. Those servers
return audio only, and the lips need phone timings, so every sentence is also synthesised
locally by an engine that knows its timings (Piper for English, the FastSpeech2 voice for
Mandarin, espeak-ng if neither is installed) and the local timings are carried onto the remote
audio by DTW of MFCC features (:mod:`twincast.voice.align`). The local synthesis runs while the
server is working on the same sentence, and the next sentence is requested while the current
one is aligned, so the added latency is about one local synthesis per sentence.

Protocols (request shapes as the servers define them; see docs/voice-engines.md):

- ``openai``: ``POST {url}/v1/audio/speech`` JSON ``{model, input, voice, response_format,
  speed}``; ``wav`` replies are parsed from their header, ``pcm`` is 16-bit little-endian mono
  at 24 kHz (the OpenAI definition; override with ``sample_rate``). ``api_key`` goes in an
  ``Authorization: Bearer`` header. llama.cpp/vLLM/openedai-speech/Kokoro-FastAPI style servers
  speak this.
- ``cosyvoice``: CosyVoice's ``runtime/python/fastapi/server.py``: ``POST {url}/inference_sft``
  form ``tts_text, spk_id``; ``/inference_zero_shot`` multipart ``tts_text, prompt_text,
  prompt_wav`` (file); ``/inference_cross_lingual`` ``tts_text, prompt_wav``;
  ``/inference_instruct`` ``tts_text, spk_id, instruct_text``; ``/inference_instruct2``
  ``tts_text, instruct_text, prompt_wav``. The reply is raw 16-bit PCM at the model's rate:
  22050 Hz for CosyVoice 1, 24000 Hz for CosyVoice 2 (``sample_rate``); a
  ``X-Custom-Header-sampleRate`` header, which some forks send, wins.
- ``gpt-sovits``: GPT-SoVITS ``api_v2.py``: ``POST {url}/tts`` JSON ``{text, text_lang,
  ref_audio_path, prompt_text, prompt_lang, media_type: "wav", streaming_mode: false,
  speed_factor, text_split_method, batch_size}``; errors come back as HTTP 400 JSON.

Failures are :class:`~twincast.errors.TwincastError` with a fix: connection refused, DNS
failure, timeouts (after ``retries`` retries with backoff), HTTP 4xx (no retry, the server's
message is shown), HTTP 5xx/429/408 (retried), and 200 replies that are not audio (an HTML
login page, a JSON error) or are empty.
"""

from __future__ import annotations

import io
import json
import logging
import mimetypes
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from twincast.errors import TwincastError
from twincast.text.segment import detect_language, drop_symbols, split_sentences
from twincast.voice.align import transfer_timings
from twincast.voice.http_audio import decode_audio, parse_wav, server_message
from twincast.voice.base import Lang, Speech, concatenate

log = logging.getLogger(__name__)
__all__ = ["HttpVoiceEngine", "OpenAISpeech", "CosyVoiceAPI", "GptSovitsAPI", "decode_audio", "parse_wav"]

PROTOCOLS = ("openai", "cosyvoice", "gpt-sovits")
COSYVOICE_MODES = ("sft", "zero_shot", "cross_lingual", "instruct", "instruct2")
Reference = Callable[[str, str], Speech]  # (sentence, lang) -> Speech with timings
_RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}


@dataclass
class Request:
    path: str
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


# ---- protocols ------------------------------------------------------------------------------
@dataclass
class OpenAISpeech:
    """OpenAI-compatible ``/v1/audio/speech``."""

    model: str = "tts-1"
    voice: str = "alloy"
    response_format: str = "wav"  # wav | pcm
    speed: float = 1.0
    api_key: str | None = None
    sample_rate: int = 24000  # for pcm replies
    name: str = "openai"

    def __post_init__(self) -> None:
        if self.response_format not in ("wav", "pcm"):
            raise TwincastError(f"response_format {self.response_format!r} is not supported",
                                "use 'wav' or 'pcm' (twincast decodes no compressed audio)")

    def request(self, text: str, lang: str) -> Request:
        body = {"model": self.model, "input": text, "voice": self.voice,
                "response_format": self.response_format}
        if self.speed != 1.0:
            body["speed"] = self.speed
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        return Request("/v1/audio/speech", json.dumps(body, ensure_ascii=False).encode(),
                       "application/json", headers)

    def raw_rate(self, headers) -> int | None:
        return self.sample_rate if self.response_format == "pcm" else None


@dataclass
class CosyVoiceAPI:
    """CosyVoice's FastAPI server (form fields, raw int16 PCM reply)."""

    mode: str = "sft"
    spk_id: str = "中文女"
    prompt_text: str = ""
    prompt_wav: str | Path | None = None
    instruct_text: str = ""
    sample_rate: int = 22050  # CosyVoice 1: 22050, CosyVoice 2: 24000
    name: str = "cosyvoice"

    def __post_init__(self) -> None:
        if self.mode not in COSYVOICE_MODES:
            raise TwincastError(f"unknown CosyVoice mode {self.mode!r}",
                                f"use one of: {', '.join(COSYVOICE_MODES)}")
        needs_wav = self.mode in ("zero_shot", "cross_lingual", "instruct2")
        if needs_wav:
            if self.prompt_wav is None or not Path(self.prompt_wav).is_file():
                raise TwincastError(f"CosyVoice mode {self.mode!r} needs a prompt recording, "
                                    f"got {self.prompt_wav!r}",
                                    "pass prompt_wav=<path of a 3-10 s WAV of the voice>")
            self._wav = Path(self.prompt_wav).read_bytes()
        if self.mode == "zero_shot" and not self.prompt_text:
            raise TwincastError("CosyVoice zero-shot needs the words of the prompt recording",
                                "pass prompt_text='<what the prompt WAV says>'")

    def request(self, text: str, lang: str) -> Request:
        fields = {"tts_text": text}
        if self.mode in ("sft", "instruct"):
            fields["spk_id"] = self.spk_id
        if self.mode == "zero_shot":
            fields["prompt_text"] = self.prompt_text
        if self.mode in ("instruct", "instruct2"):
            fields["instruct_text"] = self.instruct_text
        path = f"/inference_{self.mode}"
        if self.mode in ("zero_shot", "cross_lingual", "instruct2"):
            body, ctype = _multipart(fields, {"prompt_wav": (Path(self.prompt_wav).name, self._wav)})
            return Request(path, body, ctype)
        return Request(path, urllib.parse.urlencode(fields).encode(),
                       "application/x-www-form-urlencoded")

    def raw_rate(self, headers) -> int | None:
        given = headers.get("X-Custom-Header-sampleRate")
        return int(given) if given and given.isdigit() else self.sample_rate


@dataclass
class GptSovitsAPI:
    """GPT-SoVITS ``api_v2.py`` ``POST /tts``."""

    ref_audio_path: str = ""  # a path on the SERVER
    prompt_text: str = ""
    prompt_lang: str = "zh"
    text_split_method: str = "cut5"
    speed_factor: float = 1.0
    extra: dict = field(default_factory=dict)  # top_k, top_p, temperature, ...
    name: str = "gpt-sovits"

    def __post_init__(self) -> None:
        if not self.ref_audio_path:
            raise TwincastError("GPT-SoVITS needs a reference recording on the server",
                                "pass ref_audio_path='<path of the WAV on the server>' and "
                                "prompt_text='<its words>'")

    def request(self, text: str, lang: str) -> Request:
        body = {"text": text, "text_lang": lang if lang in ("zh", "en") else "auto",
                "ref_audio_path": self.ref_audio_path, "prompt_text": self.prompt_text,
                "prompt_lang": self.prompt_lang, "media_type": "wav", "streaming_mode": False,
                "speed_factor": self.speed_factor, "text_split_method": self.text_split_method,
                "batch_size": 1, **self.extra}
        return Request("/tts", json.dumps(body, ensure_ascii=False).encode(), "application/json")

    def raw_rate(self, headers) -> int | None:
        return None


def _multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for key, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'.encode())
        out.write(value.encode() + b"\r\n")
    for key, (filename, data) in files.items():
        ctype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"; '
                  f'filename="{filename}"\r\nContent-Type: {ctype}\r\n\r\n'.encode())
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


# ---- transport ------------------------------------------------------------------------------
class Transport:
    """POST with a timeout, retries with exponential backoff, and errors a user can act on."""

    def __init__(self, base_url: str, timeout: float = 60.0, retries: int = 2,
                 backoff: float = 0.5) -> None:
        parsed = urllib.parse.urlparse(base_url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise TwincastError(f"not an http(s) URL: {base_url!r}",
                                "give the voice server as http://HOST:PORT")
        if timeout <= 0 or retries < 0:
            raise TwincastError("timeout must be positive and retries >= 0",
                                "e.g. timeout=60, retries=2")
        self.base = base_url.rstrip("/")
        self.timeout = float(timeout)
        self.retries = int(retries)
        self.backoff = float(backoff)

    def post(self, req: Request) -> tuple[bytes, dict[str, str]]:
        url = self.base + req.path
        last: TwincastError | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                return self._once(url, req)
            except _Retryable as exc:
                last = exc.error
                log.warning("voice server %s: %s (attempt %d of %d)", url, exc.error.problem,
                            attempt + 1, self.retries + 1)
        assert last is not None
        raise last

    def _once(self, url: str, req: Request) -> tuple[bytes, dict[str, str]]:
        headers = {"Content-Type": req.content_type, "Accept": "audio/wav, audio/*, */*",
                   "User-Agent": "twincast", **req.headers}
        request = urllib.request.Request(url, data=req.body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as resp:
                body = resp.read()
                return body, {k: v for k, v in resp.headers.items()}
        except urllib.error.HTTPError as exc:
            body = exc.read() if exc.fp else b""
            msg = server_message(body) if body else exc.reason
            err = TwincastError(f"the voice server at {url} answered HTTP {exc.code}: {msg}",
                                _http_fix(exc.code))
            if exc.code in _RETRY_STATUS:
                raise _Retryable(err) from exc
            raise err from exc
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, ConnectionRefusedError):
                raise _Retryable(TwincastError(
                    f"cannot reach the voice server at {url}: connection refused",
                    "start the server, or check the host and port")) from exc
            if isinstance(reason, socket.gaierror):
                raise TwincastError(f"cannot resolve the voice server host in {url}",
                                    "check the host name in the server URL") from exc
            if isinstance(reason, (TimeoutError, socket.timeout)):
                raise _Retryable(self._timeout_error(url)) from exc
            raise _Retryable(TwincastError(f"cannot reach the voice server at {url}: {reason}",
                                           "check the network and the server URL")) from exc
        except (TimeoutError, socket.timeout) as exc:
            raise _Retryable(self._timeout_error(url)) from exc
        except (ConnectionError, OSError) as exc:  # reset mid-reply, broken pipe, ...
            raise _Retryable(TwincastError(f"the connection to the voice server at {url} "
                                           f"broke: {exc}", "check the server log")) from exc

    def _timeout_error(self, url: str) -> TwincastError:
        return TwincastError(f"the voice server at {url} did not answer within "
                             f"{self.timeout:g} s", "check that the server is not overloaded, "
                             "or raise the timeout")


class _Retryable(Exception):
    def __init__(self, error: TwincastError) -> None:
        super().__init__(error.problem)
        self.error = error


def _http_fix(code: int) -> str:
    if code in (401, 403):
        return "the server wants a valid API key: pass api_key"
    if code == 404:
        return "wrong path or protocol: check the URL and protocol (openai, cosyvoice, gpt-sovits)"
    if code in (400, 422):
        return "the server rejected the request: check the voice/speaker/reference settings"
    if code == 429 or code >= 500:
        return "the server is overloaded or failing: try again later or check its log"
    return "check the server log"


# ---- the engine -----------------------------------------------------------------------------
def default_reference(precision: str | None = None) -> Reference:
    """Local engines with timings (the project's default voices at 16 kHz, no transform);
    ``precision`` as for :func:`twincast.voice.defaults.precision_for`."""
    import functools

    from twincast.voice.defaults import LazyEngine, _english, _mandarin, precision_for
    from twincast.voice.router import VoiceRouter

    en, zh = precision_for("en", precision), precision_for("zh", precision)
    # whole sentences (no early first clause): the reference is aligned to the server's sentence
    router = VoiceRouter({"en": LazyEngine(functools.partial(_english, en, False), "piper", ("en",)),
                          "zh": LazyEngine(functools.partial(_mandarin, zh), "zh_fastspeech2",
                                           ("zh",))},
                         sample_rate=16000)

    def synth(sentence: str, lang: str) -> Speech:
        parts = list(router.synthesize(sentence, lang))
        if not parts:
            raise TwincastError(f"nothing to say in {sentence[:40]!r}",
                                "give some Chinese or English words")
        return parts[0] if len(parts) == 1 else concatenate(parts, 16000)

    return synth


class HttpVoiceEngine:
    """:class:`~twincast.voice.base.VoiceEngine` for a remote TTS server (see module doc)."""

    def __init__(self, url: str, protocol: str | OpenAISpeech | CosyVoiceAPI | GptSovitsAPI = "openai",
                 *, languages: tuple[Lang, ...] = ("zh", "en"), timeout: float = 60.0,
                 retries: int = 2, backoff: float = 0.5, reference: Reference | None = None,
                 **options) -> None:
        if isinstance(protocol, str):
            kinds = {"openai": OpenAISpeech, "cosyvoice": CosyVoiceAPI,
                     "gpt-sovits": GptSovitsAPI}
            if protocol not in kinds:
                raise TwincastError(f"unknown voice server protocol {protocol!r}",
                                    f"use one of: {', '.join(PROTOCOLS)}")
            try:
                protocol = kinds[protocol](**options)
            except TypeError as exc:
                raise TwincastError(f"bad option for the {protocol} protocol: {exc}",
                                    "see docs/voice-engines.md for its options") from exc
        elif options:
            raise TwincastError("protocol options given twice", "pass them to the protocol object")
        self.protocol = protocol
        self.transport = Transport(url, timeout, retries, backoff)
        self.name = f"http-{protocol.name}"
        self.languages = tuple(languages)
        self._reference = reference

    def fetch(self, text: str, lang: str) -> tuple[np.ndarray, int]:
        """The server's audio for one sentence (mono float32, its own sample rate)."""
        req = self.protocol.request(text, lang)
        body, headers = self.transport.post(req)
        ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        hdrs = {k: v for k, v in headers.items()}
        return decode_audio(body, ctype, self.protocol.raw_rate(hdrs), self.transport.base)

    def synthesize(self, text: str, lang: Lang = "auto") -> Iterator[Speech]:
        """Validate now; then one Speech per sentence: remote audio, locally aligned timings."""
        if lang != "auto" and lang not in self.languages:
            raise TwincastError(f"{self.name} is configured for {self.languages}, not {lang!r}",
                                "route this text to another engine, or pass languages=...")
        if not text or not text.strip():
            raise TwincastError("nothing to say: the text is empty", "pass some words")
        sentences = [s for s in (drop_symbols(s) for s in split_sentences(text))
                     if re.search(r"[A-Za-z0-9\u3400-\u9fff]", s)]  # emoji are not read out
        if not sentences:
            raise TwincastError(f"nothing to say in {text[:40]!r}: no letters or characters",
                                "give some Chinese or English words")
        if self._reference is None:
            self._reference = default_reference()
        return self._stream(sentences, lang)

    def _stream(self, sentences: list[str], lang: str) -> Iterator[Speech]:
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="voice-http")
        try:
            langs = [detect_language(s) if lang == "auto" else lang for s in sentences]
            pending: Future = pool.submit(self.fetch, sentences[0], langs[0])
            for i, (sentence, sent_lang) in enumerate(zip(sentences, langs)):
                wait([pending], timeout=0.05)  # a refused connection fails now, not after the local synthesis
                if pending.done() and pending.exception() is not None:
                    raise pending.exception()
                reference = self._reference(sentence, sent_lang)  # overlaps the server's work
                audio, rate = pending.result()
                if i + 1 < len(sentences):  # ask for the next sentence while aligning this one
                    pending = pool.submit(self.fetch, sentences[i + 1], langs[i + 1])
                speech = transfer_timings(reference, audio, rate, sentence)
                speech.lang = sent_lang
                yield speech
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
