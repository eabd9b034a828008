"""`twincast ask` end to end in a subprocess: reply, --json fields, silence, and a bad catalog
that must print file/line/field and a fix, not a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TWINCAST_HOME": str(ROOT / ".cache"), "PYTHONWARNINGS": "ignore",
           "COLUMNS": "400"}  # rich must not wrap long temp paths
    return subprocess.run([sys.executable, "-m", "twincast.cli", "ask", *args], capture_output=True, text=True,
                          timeout=120, env=env, cwd=ROOT)


def test_ask_json_names_intent_product_and_fields():
    out = _run("--product", "down-jacket", "--json", "--user", "小王", "有红色吗")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["action"] == "answer" and data["intent"] == "colour" and data["product"] == "down-jacket"
    assert data["fields"] == ["colours"] and data["reply"].startswith("@小王 ") and "米白" in data["reply"]


def test_ask_plain_reply_and_silence():
    out = _run("how much is the air fryer?")
    assert out.returncode == 0 and "¥349" in out.stdout and "@viewer" in out.stdout
    out = _run("加我vx abc123 便宜出")
    assert out.returncode == 0 and out.stdout.startswith("(silent)") and "contact" in out.stdout


def test_ask_bad_catalog_is_a_clear_error(tmp_path):
    bad = tmp_path / "shop.yaml"
    bad.write_text("products:\n  - id: cup\n    name: {zh: 杯子, en: Cup}\n    price: free\n", encoding="utf-8")
    out = _run("--catalog", str(bad), "多少钱")
    assert out.returncode == 2
    err = " ".join(out.stderr.split())
    assert "Traceback" not in out.stderr and f"{bad}:4:" in err and "'price'" in err and "fix:" in err
