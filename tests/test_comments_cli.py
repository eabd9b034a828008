"""``twincast live --comments``: bad specs and missing credentials are one clear error before
any warm-up, never a traceback; the spec parser builds the documented sources."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from twincast.errors import TwincastError
from twincast.live.comments.cli import comments_setup
from twincast.live.comments.config import parse_spec


def run_live(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    e = {k: v for k, v in os.environ.items() if not k.startswith("TWINCAST_") or k == "TWINCAST_HOME"}
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "twincast.cli", "live", *args], capture_output=True, text=True,
                          timeout=60, env=e)


def test_spec_parses_every_platform():
    srcs = parse_spec("bilibili:ABC123,youtube:dQw4w9WgXcQ, twitch:#ShopChan ,webhook:8899,page")
    assert [(s.kind, s.source_id()) for s in srcs] == [
        ("bilibili", "bilibili:ABC123"), ("youtube", "youtube:dQw4w9WgXcQ"), ("twitch", "twitch:shopchan"),
        ("webhook", "webhook"), ("page", "page")]
    assert srcs[3].port == 8899 and not any(s.reply for s in srcs)


@pytest.mark.parametrize("spec, says", [("tiktok:abc", "unknown source 'tiktok'"), ("twitch:", "needs a channel"),
                                        ("twitch:a,twitch:a", "give one a 'name'"), ("webhook:port", "port number")])
def test_bad_specs_name_the_problem(spec, says):
    with pytest.raises(TwincastError) as e:
        parse_spec(spec)
    assert says in str(e.value) and "--comments bilibili:CODE" in e.value.fix


def test_missing_credentials_fail_before_warm_up(monkeypatch):
    for k in ("TWINCAST_TWITCH_OAUTH_TOKEN", "TWINCAST_BILIBILI_APP_ID", "TWINCAST_WEBHOOK_SECRET"):
        monkeypatch.delenv(k, raising=False)
    assert comments_setup("twitch:shopchan") is not None  # anonymous Twitch needs nothing
    with pytest.raises(TwincastError, match="TWINCAST_BILIBILI_APP_ID"):
        comments_setup("bilibili:CODE")
    monkeypatch.setenv("TWINCAST_WEBHOOK_SECRET", "s3cret-value-long")
    conf = comments_setup("webhook,twitch:x", replies=True)
    assert conf.replies.enabled and all(s.reply for s in conf.sources)


def test_cli_prints_one_line_and_no_traceback(tmp_path):
    r = run_live("--comments", "youtube:vid123", "--record-dir", str(tmp_path))
    assert r.returncode != 0 and "Traceback" not in r.stderr + r.stdout
    assert "TWINCAST_YOUTUBE_API_KEY" in r.stderr + r.stdout
