"""Command-line flags over the configuration file.

The rule: without ``--config`` every flag (given or default) is the setting, exactly as before
the file existed. With ``--config FILE`` the file's values stand, and a flag wins only when the
user typed it on this command line (click says where a value came from). So ``twincast say
--config show.yaml --size 1080x1920`` changes the size and nothing else.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from pydantic import ValidationError

from .load import explain, load_config
from .models import TwincastConfig


def typed_on_command_line(name: str) -> bool:
    """True when the current command's parameter ``name`` came from the command line."""
    import click
    from click.core import ParameterSource

    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return True  # called as a function: the arguments are the caller's choice
    source = ctx.get_parameter_source(name)
    return source in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT)


def _set(tree: dict, dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    for key in parents:
        node = tree.get(key)
        if not isinstance(node, dict):
            node = tree[key] = {}
        tree = node
    tree[leaf] = value


def with_flags(config_path: Optional[Path], flags: dict[str, tuple[str, Any]]) -> TwincastConfig:
    """The configuration: ``config_path`` (or the defaults) with ``flags`` applied.

    ``flags`` maps a parameter name to (dotted config key, value); a value of None never
    overrides (an option left unset)."""
    config = load_config(config_path)
    tree = config.model_dump(mode="python", exclude={"source"})
    changed = False
    for name, (key, value) in flags.items():
        if value is None:
            continue
        if config_path is None or typed_on_command_line(name):
            _set(tree, key, value)
            changed = True
    if not changed:
        return config
    try:
        merged = TwincastConfig.model_validate(tree)
    except ValidationError as exc:
        raise explain(exc, "the command-line flags") from None
    return merged.model_copy(update={"source": config.source})
