"""``twincast config init`` (a commented twincast.yaml) and ``twincast config check`` (validate
it and probe every engine it names). See docs/configuration.md."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from .cli import app, console
from .errors import TwincastError

config_app = typer.Typer(no_args_is_help=True, help="Write and check twincast.yaml (one file for a show's parts).")
app.add_typer(config_app, name="config")

CONFIG_HELP = "twincast.yaml with avatars, voices, LLM, stage and outputs (flags given here win over it)."


@config_app.command("init")
def config_init(path: Path = typer.Argument(Path("twincast.yaml"), help="Where to write the file."),
                force: bool = typer.Option(False, help="Overwrite an existing file.")) -> None:
    """Write a commented configuration with every key at its default."""
    from .config.template import TEMPLATE
    from .output.paths import writable_output

    if path.exists() and not force:
        raise TwincastError(f"{path} already exists", "pass --force to overwrite it, or give another path")
    writable_output(path)
    path.write_text(TEMPLATE, encoding="utf-8")
    console.print(f"[green]wrote[/] {path}  (check it with `twincast config check {path}`)")


@config_app.command("check")
def config_check(path: Path = typer.Argument(Path("twincast.yaml"), help="The configuration to check."),
                 probe: bool = typer.Option(True, help="Load each voice and contact each server (--no-probe: "
                                            "only the file, paths and environment).")) -> None:
    """Validate PATH and probe each part: local voices speak a test line, remote voice and LLM
    servers are contacted and timed. Exit 0 when every part is ready, 1 when one is not."""
    from .config.check import verdicts
    from .config.load import load_config

    config = load_config(path)  # a malformed file: TwincastError naming the key (exit 2)
    console.print(f"[bold]{path}[/]: valid; checking each part{' (probing engines)' if probe else ''}...")
    failed = 0
    for verdict in verdicts(config, probe):
        failed += not verdict.ok
        print(verdict.line(), flush=True)
    if failed:
        console.print(f"[bold red]{failed} part{'s' if failed > 1 else ''} not ready[/]")
        sys.exit(1)
    console.print("[green]every part is ready[/]")
