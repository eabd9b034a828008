"""Finding or starting the Ray cluster a fleet runs on, and the supervisor actor in it.

Why a local fleet gets its own ``ray start`` head (on 127.0.0.1, its own port and temp folder)
rather than ``ray.init()`` inside the CLI: the fleet must outlive the ``fleet up`` command so
that ``fleet status/stop/down`` can reach it from another terminal, and ``fleet down`` must stop
exactly that instance's processes (found by a marker in their environment), never another
Ray on the same machine.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Optional

from ..errors import TwincastError

NAMESPACE = "twincast-fleet"
SUPERVISOR = "supervisor"
MARKER = "TWINCAST_FLEET_INSTANCE"


def _ray():
    try:
        import ray
    except ImportError:
        raise TwincastError("Ray is not installed, so a fleet cannot run",
                            "install it with: pip install 'twincast[ray]' (ray==2.60.0)") from None
    return ray


def address_file() -> Path:
    """Where this machine remembers its fleet's cluster: $TWINCAST_FLEET_DIR (one per operator or
    test) or $TWINCAST_HOME/fleet."""
    from ..paths import home

    d = Path(os.environ["TWINCAST_FLEET_DIR"]) if os.environ.get("TWINCAST_FLEET_DIR") else home() / "fleet"
    d.mkdir(parents=True, exist_ok=True)
    return d / "cluster.json"


def saved() -> dict:
    try:
        return json.loads(address_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _alive(address: str) -> bool:
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return True
    except (OSError, ValueError):
        return False


def start_local(num_cpus: Optional[int] = None) -> str:
    """A Ray head on 127.0.0.1 for this machine's fleet; returns its address."""
    old = saved()
    if old.get("local") and _alive(old["address"]):
        return old["address"]
    temp = tempfile.mkdtemp(prefix="tcfleet", dir="/tmp")  # short: Ray's unix sockets live under it
    port = _free_port()
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", MARKER: temp}
    from ..paths import home

    env["TWINCAST_HOME"] = str(home())
    cmd = [str(Path(sys.executable).parent / "ray"), "start", "--head", "--node-ip-address=127.0.0.1",
           f"--port={port}", "--include-dashboard=false", f"--temp-dir={temp}", "--disable-usage-stats",
           f"--num-cpus={num_cpus or os.cpu_count() or 1}"]
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    if res.returncode != 0:
        raise TwincastError(f"could not start a local Ray instance: {res.stderr.strip().splitlines()[-1:]}",
                            "check free memory and /tmp space, or pass --ray ADDRESS of a running cluster")
    address = f"127.0.0.1:{port}"
    address_file().write_text(json.dumps({"address": address, "local": True, "temp": temp}), encoding="utf-8")
    return address


def marked_pids(marker: str, var: str = MARKER) -> list[int]:
    """Processes whose environment holds ``var=marker``: everything one ``ray start`` spawned
    inherits it (command lines do not work: Ray's agents rename themselves)."""
    tag = f"{var}={marker}".encode()
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if tag in (entry / "environ").read_bytes().split(b"\0"):
                    out.append(int(entry.name))
            except OSError:
                continue
    return out


instance_pids = marked_pids


def stop_marked(marker: str, var: str = MARKER, grace_s: float = 8.0) -> int:
    """SIGTERM, then SIGKILL, the processes carrying ``var=marker`` (and no others); returns
    how many there were."""
    pids = marked_pids(marker, var)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in marked_pids(marker, var):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + grace_s
        while marked_pids(marker, var) and time.monotonic() < deadline:
            time.sleep(0.1)
    return len(pids)


def stop_local() -> int:
    """Stop the local instance ``start_local`` made (by its marker); returns processes stopped."""
    info = saved()
    if not info.get("local"):
        return 0
    n = stop_marked(info["temp"])
    shutil.rmtree(info["temp"], ignore_errors=True)
    address_file().unlink(missing_ok=True)
    return n


def connect(address: Optional[str]) -> Any:
    """Join the cluster at ``address`` (or the one this machine's last ``fleet up`` used)."""
    ray = _ray()
    if ray.is_initialized():
        return ray
    if address is None:
        address = saved().get("address")
        if address is None:
            raise TwincastError("no fleet is running from this machine", "start one with `twincast fleet up fleet.yaml`, "
                                "or pass --ray ADDRESS of the cluster it runs on")
    from ..video.ray_runner import _reachable

    _reachable(address)
    from ..paths import home

    env = {"TWINCAST_HOME": str(home())}
    env.update({k: v for k, v in os.environ.items() if k == "TWINCAST_PRECISION"})
    try:
        ray.init(address=address, namespace=NAMESPACE, runtime_env={"env_vars": env}, log_to_driver=False,
                 logging_level="error")
    except Exception as exc:  # noqa: BLE001 - ConnectionError, version mismatch...
        raise TwincastError(f"cannot join the Ray cluster at {address}: {type(exc).__name__}: {exc}",
                            "check that the cluster runs the same Ray and Python versions as this machine") from None
    return ray


def supervisor(required: bool = True):
    ray = _ray()
    try:
        return ray.get_actor(SUPERVISOR, namespace=NAMESPACE)
    except ValueError:
        if required:
            raise TwincastError("no fleet runs on this cluster", "start one with `twincast fleet up fleet.yaml`") from None
        return None


def head_node(ray) -> Optional[str]:
    """The head node's id (Ray gives it the resource ``node:__internal_head__``)."""
    for n in ray.nodes():
        if n.get("Alive") and "node:__internal_head__" in n.get("Resources", {}):
            return n["NodeID"]
    return None


def create_supervisor(spec: dict, state_dir: str, token: str):
    """The detached supervisor on this (the head) node: it owns the ledger on this disk."""
    ray = _ray()
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    from .supervisor import Supervisor

    here = head_node(ray) or ray.get_runtime_context().get_node_id()
    actor = ray.remote(Supervisor).options(
        name=SUPERVISOR, namespace=NAMESPACE, lifetime="detached", num_cpus=0, max_concurrency=32, max_restarts=0,
        scheduling_strategy=NodeAffinitySchedulingStrategy(node_id=here, soft=False))
    return actor.remote(spec, state_dir, token)
