"""A real nginx-rtmp server for tests, started and stopped by PID on 127.0.0.1.

Debian's nginx with libnginx-mod-rtmp (installed by scripts/setup_system.sh). ``record all``
writes what it receives to FLV files, which the tests decode.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

MODULE = Path("/usr/lib/nginx/modules/ngx_rtmp_module.so")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def available() -> str | None:
    """None when the server can run here, else why not."""
    if not shutil.which("nginx"):
        return "nginx is not installed (scripts/setup_system.sh installs it)"
    if not MODULE.exists():
        return "libnginx-mod-rtmp is not installed"
    return None


class RtmpServer:
    def __init__(self, root: Path, port: int | None = None) -> None:
        self.root = Path(root)
        self.port = port or free_port()
        self.record_dir = self.root / "rec"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"rtmp://127.0.0.1:{self.port}/live/test"

    def _config(self) -> Path:
        for d in ("logs", "rec", "tmp"):
            (self.root / d).mkdir(parents=True, exist_ok=True)
        user = "user root;" if os.geteuid() == 0 else ""
        conf = self.root / "nginx.conf"
        conf.write_text(f"""
load_module {MODULE};
{user}
worker_processes 1;
pid {self.root}/nginx.pid;
error_log {self.root}/logs/error.log warn;
events {{ worker_connections 64; }}
rtmp {{
  server {{
    listen 127.0.0.1:{self.port};
    chunk_size 4096;
    application live {{
      live on;
      record all;
      record_path {self.record_dir};
      record_unique on;
    }}
  }}
}}
""", encoding="utf-8")
        return conf

    def start(self, timeout: float = 10.0) -> "RtmpServer":
        conf = self._config()
        self.proc = subprocess.Popen(["nginx", "-p", str(self.root), "-c", str(conf), "-g", "daemon off;"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.proc.stderr.read().decode(errors='replace')}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("nginx-rtmp did not start listening in time")

    def stop(self, graceful: bool = False) -> None:
        """Stop the master we started (by PID). SIGTERM is nginx's fast shutdown (connections
        are cut, recordings closed), what a platform restart looks like to a publisher."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGQUIT if graceful else signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)

    def recordings(self) -> list[Path]:
        return sorted(self.record_dir.glob("*.flv"))
