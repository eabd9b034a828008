"""A missing, blocked or read-only output folder gives a clear error naming the path and the
fix (exit 2), for say, show, video and live --record-dir, before anything is loaded.

The tests run as root, which ignores permission bits; so the read-only case drops the
capabilities that let root do that (setpriv), and the other cases put the folder under a
regular file, which fails for root too."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from twincast.errors import TwincastError
from twincast.output.paths import writable_output

ROOT = Path(__file__).resolve().parents[1]
TWINCAST = str(ROOT / ".venv" / "bin" / "twincast")
NO_ROOT_OVERRIDE = ["setpriv", "--inh-caps=-dac_override,-dac_read_search",
                    "--bounding-set=-dac_override,-dac_read_search"]


def run(*args: str, prefix: tuple[str, ...] = (), cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "TWINCAST_HOME": str(ROOT / ".cache"), "COLUMNS": "400"}
    return subprocess.run([*prefix, TWINCAST, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def assert_clear(out: subprocess.CompletedProcess, path: Path, why: str) -> None:
    err = " ".join(out.stderr.split())
    assert out.returncode == 2, out.stderr[-2000:]
    assert f"cannot write {path}" in err and why in err and "fix:" in err, err
    assert "PermissionError" not in err and "unexpected" not in err and "Traceback" not in err


@pytest.mark.parametrize("command", [
    ("say", "--text", "你好", "-o", "{out}"),
    ("show", "--minutes", "0.2", "-o", "{out}"),
    ("video", "product-promo", "-o", "{out}"),
])
def test_output_under_a_file(tmp_path, command):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, not a folder")
    out = blocker / "sub" / "x.mp4"
    result = run(*(a.format(out=out) for a in command), cwd=tmp_path)
    assert_clear(result, out, f"{blocker} is a file, not a folder")
    assert blocker.read_text() == "a file, not a folder"


def test_live_record_dir_under_a_file(tmp_path):
    blocker = tmp_path / "rec"
    blocker.write_text("x")
    result = run("live", "--record-dir", str(blocker / "live"), "--port", "0", cwd=tmp_path)
    err = " ".join(result.stderr.split())
    assert result.returncode == 2 and f"{blocker} is a file, not a folder" in err and "--record-dir" in err, err


@pytest.mark.skipif(shutil.which("setpriv") is None, reason="needs util-linux setpriv")
def test_read_only_folder(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        out = folder / "x.mp4"
        prefix = tuple(NO_ROOT_OVERRIDE) if os.geteuid() == 0 else ()
        assert_clear(run("say", "--text", "你好", "-o", str(out), prefix=prefix, cwd=tmp_path), out,
                     f"the folder {folder} is not writable (permission denied)")
        assert list(folder.iterdir()) == []  # not even the probe file is left
    finally:
        folder.chmod(0o755)


def test_writable_output_unit(tmp_path):
    assert writable_output(tmp_path / "new" / "deep" / "x.mp4") == tmp_path / "new" / "deep" / "x.mp4"
    assert (tmp_path / "new" / "deep").is_dir() and list((tmp_path / "new" / "deep").iterdir()) == []
    with pytest.raises(TwincastError, match="it is a folder"):
        writable_output(tmp_path)
