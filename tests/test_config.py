"""twincast.yaml: the template is the defaults, a file using every field lands in every part,
bad files name the key and the fix, flags typed on the command line win, and ``config
check`` contacts the engines it names."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import click
import numpy as np
import pytest
import soundfile as sf
from pydantic import BaseModel

from twincast.config.load import load_config, parse_config
from twincast.config.models import TwincastConfig
from twincast.config.template import TEMPLATE
from twincast.errors import TwincastError

TWINCAST = [sys.executable, "-m", "twincast.cli"]


def _fields(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every dotted field of the config models (the comments section is issue 22's own)."""
    out = []
    for name, f in model.model_fields.items():
        if name == "source" or f.exclude:
            continue
        out.append(prefix + name)
        sub = f.annotation
        args = getattr(sub, "__args__", ())
        inner = next((a for a in (sub, *args) if isinstance(a, type) and issubclass(a, BaseModel)), None)
        if inner is not None and name != "comments":
            out += _fields(inner, prefix + name + ".")
    return out


def test_template_is_the_defaults_and_names_every_field(tmp_path):
    path = tmp_path / "twincast.yaml"
    path.write_text(TEMPLATE, encoding="utf-8")
    loaded = load_config(path)
    expected = parse_config("", "defaults", tmp_path)  # same folder: relative paths resolve alike
    assert loaded.model_dump(exclude={"source"}) == expected.model_dump(exclude={"source"})
    keys = {line.split(":")[0].strip() for line in TEMPLATE.splitlines() if ":" in line and not line.lstrip().startswith("#")}
    missing = [f for f in _fields(TwincastConfig) if f.split(".")[-1] not in keys]
    assert not missing, f"template lacks {missing}"


def _every_field_yaml(tmp_path: Path) -> str:
    from twincast.avatar.defaults import default_assistant_path, default_avatar_path
    from twincast.paths import package_assets

    shutil.copy(default_avatar_path(), tmp_path / "anna.twin")
    shutil.copy(default_assistant_path(), tmp_path / "ben.twin")
    sf.write(tmp_path / "ref.wav", np.zeros(24000, np.float32), 24000)
    catalog = next((package_assets() / "catalog").glob("*.yaml"))
    layouts = package_assets() / "stage" / "layouts"
    return f"""
catalog: {catalog}
avatars:
  host: {{path: anna.twin, voices: null}}
  assistant:
    path: ben.twin
    voices:
      preset: male
      zh: {{engine: espeak, precision: fp32}}
      en: {{engine: espeak}}
voices:
  preset: female
  zh:
    engine: http
    precision: int8
    kind: cosyvoice
    base_url: http://127.0.0.1:50000
    model: cosyvoice2
    voice: 中文男
    reference_audio: ref.wav
    reference_text: 希望你以后能够做的比我还好哟
    mode: zero_shot
    sample_rate: 24000
    api_key_env: TEST_TTS_KEY
    timeout_s: 12
    deadline_s: 5
    fallback: false
    retry_s: 12
  en: {{engine: http, kind: openai, base_url: "https://tts.example.com", model: tts-1-hd, voice: nova,
        precision: fp32, reference_audio: null, reference_text: null, mode: null, sample_rate: null,
        api_key_env: null, timeout_s: 30, deadline_s: 9, fallback: true, retry_s: 5}}
llm: {{base_url: "http://127.0.0.1:8080/v1", model: qwen, api_key_env: LLM_KEY, timeout_s: 4, answers: false,
      scripts: true}}
stage:
  lang: en
  size: 1080x1920
  cameras: [host, pip]
  layout: {{subtitles: false, ai_label: true, dir: {layouts}}}
  relight: soft
  emotion: excited
  rooms: {{host: own}}
outputs:
  rtmp: ["rtmp://push.example.com/live/${{STREAM_KEY}}", "rtmps://b.example.com:443/app/${{KEY_B}}"]
  recording_dir: rec
  encoder: ultrafast
  viewer_bind: 0.0.0.0
  viewer_port: 9900
comments:
  sources: [{{kind: twitch, channel: mychannel}}]
"""


def test_a_config_using_every_field(tmp_path):
    path = tmp_path / "show.yaml"
    path.write_text(_every_field_yaml(tmp_path), encoding="utf-8")
    c = load_config(path)
    assert c.avatars.host.path == tmp_path / "anna.twin" and c.avatars.assistant.path == tmp_path / "ben.twin"
    assert c.avatars.assistant.voices.preset == "male" and c.avatars.assistant.voices.zh.engine == "espeak"
    zh = c.voices.zh
    assert (zh.engine, zh.precision, zh.kind, zh.base_url, zh.model, zh.voice) == \
        ("http", "int8", "cosyvoice", "http://127.0.0.1:50000", "cosyvoice2", "中文男")
    assert zh.reference_audio == tmp_path / "ref.wav" and zh.reference_text.startswith("希望")
    assert (zh.mode, zh.sample_rate, zh.api_key_env, zh.timeout_s, zh.deadline_s, zh.fallback) == \
        ("zero_shot", 24000, "TEST_TTS_KEY", 12, 5, False)
    assert (c.voices.en.kind, c.voices.en.voice, c.voices.en.deadline_s) == ("openai", "nova", 9)
    assert (zh.retry_s, c.voices.en.retry_s) == (12, 5)
    assert (c.llm.model, c.llm.api_key_env, c.llm.timeout_s, c.llm.answers, c.llm.scripts) == \
        ("qwen", "LLM_KEY", 4, False, True)
    assert (c.stage.lang, c.stage.wh, c.stage.cameras, c.stage.layout.subtitles) == \
        ("en", (1080, 1920), ("host", "pip"), False)
    assert (c.stage.relight, c.stage.emotion) == ("soft", "excited") and c.stage.layout.dir.is_dir()
    assert c.outputs.recording_dir == tmp_path / "rec" and c.outputs.viewer_port == 9900
    assert c.outputs.viewer_bind == "0.0.0.0" and len(c.outputs.rtmp) == 2 and c.outputs.encoder == "ultrafast"
    assert c.comments.sources[0].kind == "twitch"
    # every field of the models appears in that file (a new field needs a line here)
    text = path.read_text(encoding="utf-8")
    assert [f for f in _fields(TwincastConfig) if f.split(".")[-1] + ":" not in text] == []


def test_parts_are_built_from_the_file(tmp_path, monkeypatch):
    """The composition root reads the file: cameras, layout, LLM rewriter, assistant voices."""
    from twincast.assembly import drive_config, load_avatar, show_parts, voice_for
    from twincast.render.stage import Camera
    from twincast.show.catalog_io import load_catalog
    from twincast.show.llm import LLMRewriter

    path = tmp_path / "show.yaml"
    path.write_text(_every_field_yaml(tmp_path), encoding="utf-8")
    monkeypatch.setenv("LLM_KEY", "secret-1")
    c = load_config(path).model_copy(update={"voices": TwincastConfig().voices})  # no server needed here
    host, assistant = load_avatar(c, "host"), load_avatar(c, "assistant")
    assert host.meta["relight"] == "soft"
    parts = show_parts(load_catalog(c.catalog), host, assistant, lang="en", size=c.stage.wh, config=c)
    assert parts.cameras == (Camera.HOST, Camera.PIP)
    beats = [b for _ in range(6) for b in parts.next_beats(0.0)]
    assert beats and {b.camera for b in beats} <= {Camera.HOST, Camera.PIP}
    assert isinstance(parts.director.writer.rewriter, LLMRewriter)
    assert parts.director.writer.rewriter.config.api_key == "secret-1"
    assert parts.answers.phraser is None  # llm.answers: false
    assert parts.stage.w == 1080 and parts.stage.own_room == {"host"}  # stage.rooms: the host's own set
    assert drive_config(c).emotion.name == "excited"
    router = voice_for(assistant, c, "assistant")
    assert {e.name for e in router.engines.values()} == {"espeak"}


@pytest.mark.parametrize("text, key, fix", [
    ("voices: {zh: {engine: cosyvoice}}", "voices.zh.engine", "use one of: piper, zh-fastspeech, espeak or http"),
    ("stage: {size: 720p}", "stage.size", "use one of: 720x1280 or 1080x1920"),
    ("outputs: {viewer_port: eighty}", "outputs.viewer_port", "give a number"),
    ("outputs: {encoder: fastest}", "outputs.encoder", "ultrafast"),
    ("voices: {zh: {deadline_s: fast}}", "voices.zh.deadline_s", "give a number"),
    ("stgae: {size: 720x1280}", "stgae: unknown key", "fix its spelling"),
    ("voices: {en: {engine: http, kind: openai}}", "voices.en: engine http needs base_url", "config init"),
    ("voices: {en: {engine: http, kind: elevenlabs, base_url: 'http://x'}}", "voices.en.kind", "openai"),
    ("outputs: {rtmp: ['http://push.example.com/live/key']}", "outputs.rtmp", ""),
    ("avatars: {host: {path: missing.twin}}", "avatars.host.path: file not found", "twincast avatar build"),
    ("avatars: {host: {path: photo.jpg}}", "avatars.host.path", "twincast avatar build"),
    ("stage: {layout: {dir: no-such-folder}}", "stage.layout.dir: folder not found", "bundled layouts"),
    ("- a list", "must be a mapping", "config init"),
])
def test_bad_configs_name_the_key_and_the_fix(tmp_path, text, key, fix):
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8")
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TwincastError) as err:
        load_config(path)
    assert key in err.value.problem and str(path) in err.value.problem
    assert fix in err.value.fix


def test_bad_config_on_the_command_line_is_one_clear_message(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("voices:\n  zh:\n    engine: cosy\n", encoding="utf-8")
    run = subprocess.run(TWINCAST + ["say", "--config", str(path), "--text", "你好", "-o", str(tmp_path / "x.mp4")],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2, run.stderr
    assert "voices.zh.engine" in run.stderr and "fix:" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "x.mp4").exists()


def test_flags_typed_on_the_command_line_win_over_the_file(tmp_path):
    from twincast.config.flags import with_flags

    path = tmp_path / "c.yaml"
    path.write_text("stage: {size: 1080x1920, emotion: excited}\n", encoding="utf-8")

    @click.command()
    @click.option("--size", default="720x1280")
    @click.option("--emotion", default="warm")
    @click.option("--config", type=click.Path(path_type=Path), default=None)
    def cmd(size, emotion, config):
        return with_flags(config, {"size": ("stage.size", size), "emotion": ("stage.emotion", emotion)})

    def run(*args):
        return cmd.main(list(args), standalone_mode=False)

    assert (run().stage.size, run().stage.emotion) == ("720x1280", "warm")  # no file: the flags' defaults
    c = run("--config", str(path))
    assert (c.stage.size, c.stage.emotion) == ("1080x1920", "excited")  # the file over untyped defaults
    c = run("--config", str(path), "--size", "720x1280")
    assert (c.stage.size, c.stage.emotion) == ("720x1280", "excited")  # a typed flag wins, the rest stays


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_config_check_contacts_servers_and_times_them(tmp_path):
    from support.fake_tts import fake_tts

    dead = _closed_port()
    with fake_tts() as server:
        path = tmp_path / "c.yaml"
        path.write_text(f"""
voices:
  zh: {{engine: http, kind: cosyvoice, base_url: "http://127.0.0.1:{dead}", voice: 中文女}}
  en: {{engine: http, kind: openai, base_url: "{server.url}", voice: nova, model: tts-1}}
llm: {{base_url: "http://127.0.0.1:{dead}/v1"}}
outputs: {{viewer_port: 0, recording_dir: {tmp_path / 'rec'}}}
""", encoding="utf-8")
        run = subprocess.run(TWINCAST + ["config", "check", str(path)], capture_output=True, text=True, timeout=300)
    out = run.stdout
    assert run.returncode == 1, run.stdout + run.stderr
    zh = next(line for line in out.splitlines() if line.startswith("FAIL voices.zh"))
    assert f"127.0.0.1:{dead}" in zh and "connection refused" in zh
    assert "fix: start the server" in out
    en = next(line for line in out.splitlines() if "voices.en" in line)
    assert en.startswith("ok") and "answered" in en and " s)" in en  # contacted and timed
    assert server.requests and server.requests[0]["voice"] == "nova"
    assert any(line.startswith("FAIL llm") for line in out.splitlines())
    assert "Traceback" not in run.stderr


def test_the_llm_in_the_file_rewrites_scripts_and_phrases_answers(monkeypatch):
    """The LLM endpoint of the file reaches both users of it: the script rewriter (lines on air
    come back rephrased) and the answer phraser (a viewer question goes to it)."""
    from support.fake_tts import fake_llm

    from twincast.assembly import load_avatar, show_parts
    from twincast.show.answers.types import Comment
    from twincast.show.catalog_io import load_catalog

    monkeypatch.setenv("LLM_KEY", "llm-secret")
    with fake_llm() as llm:
        c = parse_config(f'llm: {{base_url: "{llm.url}", model: qwen-test, api_key_env: LLM_KEY}}')
        catalog = load_catalog()
        parts = show_parts(catalog, load_avatar(c, "host"), load_avatar(c, "assistant"), lang="zh",
                           size=(720, 1280), config=c)
        beats = [b for t in range(8) for b in parts.next_beats(t * 10.0)]
        decision = parts.answers.handle(Comment("小王", "这个多少钱", 1.0), on_screen=catalog.products[0].id)
    writer = parts.director.writer.rewriter
    assert llm.requests and {r["model"] for r in llm.requests} == {"qwen-test"}
    assert {r["auth"] for r in llm.requests} == {"Bearer llm-secret"}
    assert writer.accepted >= 1 and any(b.text.startswith("家人们，") for b in beats)
    assert parts.answers.phraser.accepted + parts.answers.phraser.rejected >= 1 and decision.reply


def test_batch_workers_take_voices_and_avatar_from_the_file(tmp_path):
    """``batch --config``: each worker process reads the file again (voices cannot be pickled)."""
    from twincast.avatar.defaults import default_assistant_path
    from twincast.video.batch import _avatar_and_router

    shutil.copy(default_assistant_path(), tmp_path / "b.twin")
    path = tmp_path / "c.yaml"
    path.write_text("avatars: {host: {path: b.twin}}\nvoices: {zh: {engine: espeak}, en: {engine: espeak}}\n",
                    encoding="utf-8")
    model, router = _avatar_and_router(None, str(path))
    assert {e.name for e in router.engines.values()} == {"espeak"}
    default_model, default_router = _avatar_and_router(None, None)
    assert {e.name for e in default_router.engines.values()} == {"piper", "zh_fastspeech2"}
    from twincast.avatar.model import AvatarModel

    assistant = AvatarModel.load(tmp_path / "b.twin")
    assert np.array_equal(model.landmarks, assistant.landmarks)  # the file's host avatar
    assert not np.array_equal(default_model.landmarks, assistant.landmarks)


def test_catalog_check_reads_the_catalog_the_file_names(tmp_path):
    """`twincast catalog check --config FILE` checks the file's catalog; with neither a catalog
    nor a file it says what to pass (no traceback)."""
    shop = Path(__file__).parents[1] / "data/answers/dev-fashion-food/catalog.yaml"
    cfg = tmp_path / "twincast.yaml"
    cfg.write_text(f"catalog: {shop}\n", encoding="utf-8")
    run = [sys.executable, "-m", "twincast.cli", "catalog", "check"]
    ok = subprocess.run([*run, "--config", str(cfg), "--json"], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert "rice-cooker" in json.loads(ok.stdout)["products"]
    bad = subprocess.run(run, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "no catalog to check" in bad.stderr and "Traceback" not in bad.stderr
