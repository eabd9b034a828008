"""``twincast fleet up|status|stop|down`` (docs/fleet.md)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Optional

import typer

from ..errors import TwincastError

fleet_app = typer.Typer(no_args_is_help=True, help="Many live rooms on a Ray cluster (docs/fleet.md).")
RAY_HELP = "Ray cluster address HOST:PORT (default: the one this machine's `fleet up` used)."


def _console():
    from ..cli import console

    return console


def _state_dir(spec) -> Path:
    from ..paths import home

    return Path(spec.state_dir) if spec.state_dir else home() / "fleet" / "state"


def wait_on_air(sup, names: list[str], timeout: float) -> list[dict]:
    """Poll the supervisor until every room is on air, one failed, or ``timeout`` passed."""
    import ray

    deadline = time.monotonic() + timeout
    rows: list[dict] = []
    while time.monotonic() < deadline:
        rows = ray.get(sup.status.remote(), timeout=30)
        if all(r["state"] == "on_air" for r in rows if r["room"] in names) or any(r["state"] == "stopped" for r in rows):
            break
        time.sleep(1.0)
    return rows


@fleet_app.command("up")
def up(fleet: Path = typer.Argument(..., help="fleet.yaml: the rooms and their settings."),
       ray_address: Optional[str] = typer.Option(None, "--ray", help="Ray cluster HOST:PORT; default: a local "
                                                 "Ray instance on 127.0.0.1, left running until `fleet down`."),
       wait: float = typer.Option(300.0, help="Seconds to wait for every room to be on air (0: do not wait).")) -> None:
    """Start every room of FLEET as a Ray actor (CPUs reserved, spread over the nodes), with a
    supervisor on this node that restarts rooms and serves the fleet console."""
    import ray as _  # noqa: F401 - fail early with the install hint below

    from ..live.web.security import new_token
    from . import cluster
    from .spec import load_fleet

    spec = load_fleet(fleet)
    address = ray_address or cluster.start_local()
    ray = cluster.connect(address)
    if cluster.supervisor(required=False) is not None:
        raise TwincastError(f"a fleet already runs on the cluster at {address}",
                            "see it with `twincast fleet status`, or stop it first with `twincast fleet down`")
    if not ray_address:
        cluster.address_file().write_text(json.dumps({**cluster.saved(), "address": address}), encoding="utf-8")
    elif cluster.saved().get("address") != address:
        cluster.address_file().write_text(json.dumps({"address": address, "local": False}), encoding="utf-8")
    state = _state_dir(spec)
    (state / "state.json").unlink(missing_ok=True)  # a new fleet: new sessions
    sup = cluster.create_supervisor(spec.model_dump(mode="json"), str(state), new_token())
    info = ray.get(sup.up.remote(), timeout=120)
    c = _console()
    c.print(f"[green]fleet up[/] on {address}: {len(info['rooms'])} rooms")
    c.print(f"          console: [bold]{info['console']}/?token={info['token']}[/]")
    c.print(f"          metrics: {info['console']}/metrics   ledger: {state / 'analytics.db'}")
    if wait > 0:
        rows = wait_on_air(sup, info["rooms"], wait)
        _print_status(rows)


def _print_status(rows: list[dict]) -> None:
    from rich.table import Table

    t = Table("room", "state", "on air", "product", "viewers", "answers", "GMV", "repeated", "node", "restarts", "page")
    for r in rows:
        t.add_row(r["room"], r["state"] + (f" ({r['error']})" if r.get("error") else ""),
                  f"{r['media_t']:.0f}s", str(r.get("product") or "-"), str(r["viewers"]), str(r["answers"]),
                  f"{r['gmv']:.2f}", f"{r['dropped_frames']}/{r['frames']}", (r.get("node") or "")[:8],
                  str(r["restarts"]), r.get("url") or "-")
    from rich.console import Console

    Console().print(t)


@fleet_app.command("status")
def status(ray_address: Optional[str] = typer.Option(None, "--ray", help=RAY_HELP),
           as_json: bool = typer.Option(False, "--json", help="Print the rooms as JSON.")) -> None:
    """Every room: state, node, time on air, viewers, answers, GMV, restarts."""
    from . import cluster

    ray = cluster.connect(ray_address)
    rows = ray.get(cluster.supervisor().status.remote(), timeout=30)
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=1, default=str))
    else:
        _print_status(rows)


@fleet_app.command("stop")
def stop(room: str = typer.Argument(..., help="The room to take off air (its session ends)."),
         ray_address: Optional[str] = typer.Option(None, "--ray", help=RAY_HELP)) -> None:
    """Take one room off air; the others go on."""
    from . import cluster

    ray = cluster.connect(ray_address)
    sup = cluster.supervisor()
    rows = ray.get(sup.status.remote(), timeout=30)
    names = [r["room"] for r in rows]
    if room not in names:
        raise TwincastError(f"no room named {room!r} in this fleet", f"rooms: {', '.join(names)}")
    res = ray.get(sup.stop_room.remote(room), timeout=120)
    _console().print(f"[green]stopped[/] {room}" + (f" ({res['error']})" if res.get("error") else ""))


@fleet_app.command("down")
def down(ray_address: Optional[str] = typer.Option(None, "--ray", help=RAY_HELP)) -> None:
    """Stop every room and the supervisor; a local Ray instance started by `fleet up` stops too."""
    from . import cluster

    ray = cluster.connect(ray_address)
    sup = cluster.supervisor(required=False)
    if sup is not None:
        res = ray.get(sup.down.remote(), timeout=300)
        ray.kill(sup, no_restart=True)
        _console().print(f"[green]fleet down[/]: {len(res['rooms'])} rooms stopped")
    ray.shutdown()
    info = cluster.saved()
    if info.get("local") and (ray_address is None or ray_address == info.get("address")):
        n = cluster.stop_local()
        _console().print(f"local Ray instance stopped ({n} processes)")
    elif ray_address is None or ray_address == info.get("address"):
        cluster.address_file().unlink(missing_ok=True)  # the cluster stays; this machine forgets the fleet
