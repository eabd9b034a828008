"""Reading ``twincast.yaml``: every mistake becomes one error naming the key and the fix.

Why here and not in the models: pydantic's messages name a location as a tuple and say what
was expected, not what to do; a user editing a YAML file needs ``voices.zh.engine: 'cosy' is
not an engine`` and ``fix: use piper, zh-fastspeech, espeak or http``. Files that must exist
(avatars, the catalog, a local reference recording) are checked here too, relative to the
config file's folder, so a typo in a path fails before minutes of loading.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Optional

from pydantic import BaseModel, ValidationError

from ..errors import TwincastError
from ..yaml_limits import load_yaml
from .models import AvatarSpec, TwincastConfig, VoiceSpec

MAX_BYTES = 256 * 1024
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _where(loc: tuple) -> str:
    return ".".join(str(p) for p in loc if not str(p).startswith(("function-", "literal[")))


def _fix_for(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "literal_error":
        return f"use one of: {ctx.get('expected', '')}".replace("'", "")
    if kind == "extra_forbidden":
        return "remove the key or fix its spelling (`twincast config init` writes every key with a comment)"
    if kind in ("float_parsing", "int_parsing", "float_type", "int_type", "int_from_float"):
        return "give a number (no units, no quotes)"
    if kind in ("bool_parsing", "bool_type"):
        return "give true or false"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return "give a value inside the allowed range"
    if kind in ("model_type", "dict_type"):
        return "this key holds a section: indent its keys below it"
    if kind in ("tuple_type", "list_type"):
        return "give a list (one `- item` per line)"
    if kind == "value_error":
        return "see the message; `twincast config init` shows a working example"
    return "see docs/configuration.md"


def explain(exc: ValidationError, source: str) -> TwincastError:
    """The first validation error as problem + fix; the others are counted."""
    errors = exc.errors()
    first = errors[0]
    key = _where(first.get("loc", ())) or "(top level)"
    given = first.get("input")
    shown = "" if isinstance(given, (dict, list)) or given is None else f" (got {given!r})"
    msg = str(first.get("msg", "")).removeprefix("Value error, ")
    if first.get("type") == "extra_forbidden":
        msg = "unknown key"
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    return TwincastError(f"{source}: {key}: {msg}{shown}{more}", _fix_for(first))


def _resolve(model: BaseModel, base: Path, where: str, source: str = "twincast.yaml") -> BaseModel:
    """``model`` with relative paths made relative to ``base`` (the config's folder), and the
    files that must exist checked."""
    update: dict[str, Any] = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        key = f"{where}.{name}" if where else name
        if isinstance(value, BaseModel) and name != "comments":
            new = _resolve(value, base, key, source)
            if new is not value:
                update[name] = new
        elif isinstance(value, Path) and name != "source":
            if isinstance(model, VoiceSpec) and name == "reference_audio" and model.kind == "gpt-sovits":
                continue  # a path on the voice server, not here
            path = value.expanduser()
            path = path if path.is_absolute() else base / path
            update[name] = path
            must_exist = name in ("path", "reference_audio") or (name == "catalog")
            if name == "dir" and not path.is_dir():
                raise TwincastError(f"{source}: {key}: folder not found: {path}",
                                    "give a folder holding 9x16/ and 16x9/ layout files, or remove the key "
                                    "for the bundled layouts")
            if must_exist and not path.is_file():
                fix = {"path": "build it with `twincast avatar build PHOTO -o NAME.twin`, or fix the path "
                               "(relative paths start at the config file's folder)",
                       "catalog": "fix the path, or remove the key for the sample shop",
                       "reference_audio": "give a 3-10 s WAV of the voice"}[name]
                raise TwincastError(f"{source}: {key}: file not found: {path}", fix)
            if name == "path" and isinstance(model, AvatarSpec) and path.suffix != ".twin":
                raise TwincastError(f"{source}: {key}: {path.name} is not a .twin avatar",
                                    "build one with `twincast avatar build PHOTO -o NAME.twin`")
    return model.model_copy(update=update) if update else model


def parse_config(text: str, source: str = "twincast.yaml", base: Optional[Path] = None) -> TwincastConfig:
    raw = load_yaml(text, source) if text.strip() else {}
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise TwincastError(f"{source}: the file must be a mapping of sections (avatars:, voices:, ...)",
                            "start from `twincast config init`")
    try:
        config = TwincastConfig.model_validate(raw)
    except ValidationError as exc:
        raise explain(exc, source) from None
    config = _resolve(config, base or Path.cwd(), "", source)
    return config.model_copy(update={"source": Path(source)}) if base else config


def load_config(path: str | Path | None) -> TwincastConfig:
    """The configuration in ``path``; None gives the built-in defaults (the demo show)."""
    if path is None:
        return TwincastConfig()
    path = Path(path)
    if not path.is_file():
        raise TwincastError(f"config file not found: {path}", "write one with `twincast config init twincast.yaml`")
    if path.stat().st_size > MAX_BYTES:
        raise TwincastError(f"{path} is larger than {MAX_BYTES // 1024} KB", "a config file is a page of settings")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise TwincastError(f"{path} is not UTF-8 text", "save it as UTF-8") from None
    return parse_config(text, str(path), path.resolve().parent)


def expand_env(value: str, key: str) -> str:
    """``${NAME}`` replaced from the environment (secrets stay out of the file); an unset
    variable is an error naming it."""
    def sub(m: re.Match) -> str:
        got = os.environ.get(m.group(1))
        if got is None:
            raise TwincastError(f"{key}: environment variable {m.group(1)} is not set",
                                f"export {m.group(1)}=... before starting (it holds a secret, so it is not in the file)")
        return got
    return _ENV.sub(sub, value)


def secret(env_name: Optional[str], key: str) -> Optional[str]:
    """The secret in environment variable ``env_name`` (None when no variable is named)."""
    if not env_name:
        return None
    value = os.environ.get(env_name)
    if not value:
        raise TwincastError(f"{key}: environment variable {env_name} is not set", f"export {env_name}=...")
    return value
