"""``twincast config check``: is this configuration going to work, part by part?

Why probe instead of only validating: a file can be well-formed and still fail on air (the
voice server is down, the stream key variable is unset, the port is taken). Each part gets one
verdict line; a remote engine is contacted with one short line and timed, so the operator sees
"reachable, 0.4 s" or the reason and the fix before the show, not during it.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from ..errors import TwincastError
from .load import expand_env, secret
from .models import TwincastConfig, VoiceSpec

PROBE_LINE = {"zh": "你好，欢迎光临。", "en": "Hello, welcome."}


@dataclass(frozen=True)
class Verdict:
    key: str  # the config key checked, e.g. voices.zh
    ok: bool
    detail: str  # what was found (and timed)
    fix: str = ""

    def line(self) -> str:
        mark = "ok  " if self.ok else "FAIL"
        return f"{mark} {self.key}: {self.detail}" + ("" if self.ok or not self.fix else f"\n     fix: {self.fix}")


def _timed(key: str, what: Callable[[], str]) -> Verdict:
    started = time.perf_counter()

    def took() -> str:
        return f"({time.perf_counter() - started:.2f} s)"
    try:
        detail = what()
    except TwincastError as exc:
        return Verdict(key, False, f"{exc.problem} {took()}", exc.fix)
    except Exception as exc:  # noqa: BLE001 - a probe reports, it never crashes the check
        return Verdict(key, False, f"{exc.__class__.__name__}: {exc} {took()}", "see docs/configuration.md")
    return Verdict(key, True, f"{detail} {took()}")


def _probe_voice(spec: VoiceSpec, lang: str, key: str) -> Verdict:
    if spec.engine != "http":
        from ..voice.configured import local_engine

        def speak() -> str:
            engine = local_engine(spec.engine, lang, spec.precision, f"{key}.engine")
            speech = next(iter(engine.synthesize(PROBE_LINE[lang], lang)))
            return f"{spec.engine} speaks ({speech.duration:.1f} s of test speech)"
        return _timed(key, speak)
    from ..voice.configured import http_engine

    def contact() -> str:
        engine = http_engine(spec, lang, key)
        audio, rate = engine.fetch(PROBE_LINE[lang], lang)  # the server only: no local alignment
        if len(audio) < rate * 0.2:
            raise TwincastError(f"the {spec.kind} server at {spec.base_url} sent {len(audio) / rate:.2f} s of audio",
                                "check the voice/speaker settings on the server")
        tail = f"; falls back to the local voice after {spec.deadline_s:g} s" if spec.fallback else \
            "; NO fallback: a failed line is silence (set fallback: true)"
        return f"http {spec.kind} at {spec.base_url} answered, {len(audio) / rate:.1f} s of audio at {rate} Hz{tail}"
    return _timed(key, contact)


def _probe_llm(config: TwincastConfig) -> Verdict:
    def ask() -> str:
        import httpx

        from ..assembly import llm_config
        from ..show.llm import chat_completion

        llm = llm_config(config)
        with httpx.Client(timeout=llm.timeout_s) as client:
            reply = chat_completion(client, llm, "Answer with one word.", "Say OK.", max_tokens=4)
        if reply is None:
            raise TwincastError(f"the LLM server at {llm.base_url} did not answer a chat completion",
                                "check base_url (it ends in /v1), the model name and the server's log")
        return f"{llm.base_url} answered (model {llm.model})"
    return _timed("llm", ask)


def _probe_port(bind: str, port: int) -> Verdict:
    def free() -> str:
        with socket.socket(socket.AF_INET6 if ":" in bind else socket.AF_INET) as s:
            try:
                s.bind((bind, port))
            except OSError as exc:
                raise TwincastError(f"cannot serve on {bind}:{port}: {exc.strerror}",
                                    "choose another outputs.viewer_port, or stop what uses it") from None
        return f"{bind}:{port} is free" + ("" if bind in ("127.0.0.1", "::1", "localhost") else
                                           " (reachable from other machines: set a console token)")
    return _timed("outputs.viewer_bind", free)


def verdicts(config: TwincastConfig, probe: bool = True) -> Iterator[Verdict]:
    """One verdict per part; ``probe`` False skips everything that loads a model or uses the
    network (a quick syntax-and-files check)."""
    for role in ("host", "assistant"):
        spec = getattr(config.avatars, role)
        key = f"avatars.{role}.path"
        if spec.path is None:
            yield Verdict(key, True, f"the demo {role}")
        else:
            def load(path: Path = spec.path) -> str:
                from ..avatar.model import AvatarModel

                model = AvatarModel.load(path)
                return f"{path.name}: {model.render_size} px face, voice {model.meta.get('voice_preset', 'female')}"
            yield _timed(key, load)
    if config.catalog is not None:
        def catalog() -> str:
            from ..show.catalog_io import load_catalog

            return f"{len(load_catalog(config.catalog).products)} products"
        yield _timed("catalog", catalog)
    sections = [("voices", config.voices)] + [(f"avatars.{r}.voices", getattr(config.avatars, r).voices)
                                              for r in ("host", "assistant") if getattr(config.avatars, r).voices]
    for where, voices in sections:
        for lang in ("zh", "en"):
            spec = getattr(voices, lang)
            key = f"{where}.{lang}"
            if spec.api_key_env:
                yield _timed(f"{key}.api_key_env", lambda s=spec, k=key: (secret(s.api_key_env, k) and "set"))
            if probe:
                yield _probe_voice(spec, lang, key)
            else:
                yield Verdict(key, True, f"{spec.engine} (not probed)")
    if config.llm.base_url:
        yield _probe_llm(config) if probe else Verdict("llm", True, f"{config.llm.base_url} (not probed)")
    for i, url in enumerate(config.outputs.rtmp):
        yield _timed(f"outputs.rtmp[{i}]", lambda u=url, i=i: f"{expand_env(u, f'outputs.rtmp[{i}]').split('/')[2]} "
                                                              "(key from the environment)")

    def writable() -> str:
        from ..output.paths import writable_output

        writable_output(config.outputs.recording_dir / "live.mp4", "outputs.recording_dir")
        return f"{config.outputs.recording_dir} is writable"
    yield _timed("outputs.recording_dir", writable)
    yield _probe_port(config.outputs.viewer_bind, config.outputs.viewer_port)
    n = len(config.comments.sources)
    yield Verdict("comments", True, f"{n} platform source{'s' if n != 1 else ''}" +
                  (" (connected when the show starts)" if n else ""))
