"""Replies of remote voice servers turned into audio, or into an error that says what came back.

Why a module of its own: servers answer in many shapes (a WAV with a streaming size of 0 or
0xFFFFFFFF, raw 16-bit PCM whose rate only the protocol knows, an HTML login page or a JSON
error with status 200), and each shape needs its own honest message; this is independent of the
HTTP transport and of aligning timings.
"""

from __future__ import annotations

import json
import struct

import numpy as np

from twincast.errors import TwincastError


def _looks_like_text(body: bytes) -> bool:
    head = body[:256].lstrip()
    if not head:
        return False
    if head[:1] in (b"{", b"[", b"<"):
        return True
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(32 <= c < 127 or c in (9, 10, 13) for c in head[:64])


def server_message(body: bytes) -> str:
    text = body[:2000].decode("utf-8", "replace").strip()
    try:
        data = json.loads(text)
        if isinstance(data, dict):
            msg = data.get("error") or data.get("message") or data.get("detail") or data
            if isinstance(msg, dict):
                msg = msg.get("message") or msg
            text = str(msg)
    except ValueError:
        pass
    text = " ".join(text.split())
    return text[:200] + ("..." if len(text) > 200 else "")


def parse_wav(body: bytes) -> tuple[np.ndarray, int]:
    """Mono float32 audio from a WAV (PCM 8/16/24/32 or float), tolerating the 0 or 0xFFFFFFFF
    data sizes streaming servers write."""
    if len(body) < 12 or body[:4] != b"RIFF" or body[8:12] != b"WAVE":
        raise ValueError("not a RIFF/WAVE file")
    pos, fmt = 12, None
    while pos + 8 <= len(body):
        cid, size = body[pos:pos + 4], struct.unpack("<I", body[pos + 4:pos + 8])[0]
        if cid == b"fmt ":
            fmt = list(struct.unpack("<HHIIHH", body[pos + 8:pos + 24]))
            if fmt[0] == 0xFFFE and size >= 40:  # WAVE_FORMAT_EXTENSIBLE: the GUID's tag
                fmt[0] = struct.unpack("<H", body[pos + 32:pos + 34])[0]
        elif cid == b"data":
            if fmt is None:
                raise ValueError("data chunk before fmt chunk")
            end = len(body) if size in (0, 0xFFFFFFFF) else min(len(body), pos + 8 + size)
            return _decode_pcm(body[pos + 8:end], fmt)
        pos += 8 + size + (size & 1)
    raise ValueError("no data chunk")


def _decode_pcm(data: bytes, fmt) -> tuple[np.ndarray, int]:
    tag, channels, rate, _, _, bits = fmt
    if channels < 1 or rate <= 0 or bits % 8:
        raise ValueError(f"bad WAV header ({channels} channels, {rate} Hz, {bits} bits)")
    width = bits // 8
    usable = len(data) - len(data) % max(1, width * channels)
    data = data[:usable]
    if tag == 3 and bits == 32:
        x = np.frombuffer(data, "<f4").astype(np.float32)
    elif tag == 3 and bits == 64:
        x = np.frombuffer(data, "<f8").astype(np.float32)
    elif tag == 1 and bits == 16:
        x = np.frombuffer(data, "<i2").astype(np.float32) / 32768.0
    elif tag == 1 and bits == 32:
        x = np.frombuffer(data, "<i4").astype(np.float32) / 2147483648.0
    elif tag == 1 and bits == 24:
        b = np.frombuffer(data, np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        x = (np.where(v >= 1 << 23, v - (1 << 24), v) / float(1 << 23)).astype(np.float32)
    elif tag == 1 and bits == 8:
        x = (np.frombuffer(data, np.uint8).astype(np.float32) - 128.0) / 128.0
    else:
        raise ValueError(f"unsupported WAV encoding (format {tag}, {bits} bits)")
    if channels > 1:
        x = x.reshape(-1, channels).mean(axis=1)
    return np.clip(x, -1.0, 1.0).astype(np.float32), int(rate)


def decode_audio(body: bytes, content_type: str, raw_rate: int | None,
                 where: str) -> tuple[np.ndarray, int]:
    """Audio from a 200 reply, or a TwincastError saying what came back instead."""
    ctype = (content_type or "").split(";")[0].strip().lower()
    if not body:
        raise TwincastError(f"the voice server at {where} sent an empty reply",
                            "check the server log: the sentence may be too short or the voice "
                            "settings (voice, speaker, reference audio) wrong")
    textual = ctype.startswith("text/") or ctype in ("application/json", "application/problem+json")
    if body[:4] == b"RIFF":
        try:
            return parse_wav(body)
        except ValueError as exc:
            raise TwincastError(f"the voice server at {where} sent a broken WAV ({exc})",
                                "ask for response_format 'wav' or 'pcm'; check the server") from exc
    if textual or _looks_like_text(body):
        raise TwincastError(f"the voice server at {where} answered with "
                            f"{ctype or 'text'}, not audio: {server_message(body)!r}",
                            "check the URL and protocol (openai, cosyvoice or gpt-sovits) and "
                            "that no proxy or login page sits in between")
    if raw_rate:
        usable = len(body) - len(body) % 2
        x = np.frombuffer(body[:usable], "<i2").astype(np.float32) / 32768.0
        return x, int(raw_rate)
    raise TwincastError(f"the voice server at {where} sent {ctype or 'unknown data'} that is not "
                        "a WAV file", "ask the server for WAV output (media_type/response_format "
                        "'wav')")
