"""``fleet.yaml``: the rooms of a fleet and how the supervisor watches them.

Why every path is made absolute here: a room runs on whichever node Ray picks, and after a
restart on another one, so a relative path would mean a different file (or none) there. Paths
must name files every node can read (the same layout on each machine, or a shared folder).

A file looks like::

    console: {port: 8790}
    health: {stall_s: 4, dead_after_s: 3}
    rooms:
      - name: tea-shop
        catalog: tea.yaml
        host_avatar: anna.twin          # default: the demo host
        assistant_avatar: ben.twin      # default: the demo assistant
        lang: zh
        voices: {host: female, assistant: male}
        rundown: tea-rundown.yaml
        rtmp: [rtmp://live-push.example.com/live/KEY]
        comments: ["jsonl:tea-comments.jsonl"]
        port: 8801                      # its viewer page (and room console)
        size: 720x1280
        cpus: 1

A room may also name a ``twincast.yaml`` (``config:``, issue 21) for voices, LLM, cameras and
layout; the room's own fields, when given, win over it, as typed flags do for ``twincast live``.
``comments`` takes ``twincast live --comments`` items (bilibili:CODE, youtube:VIDEO_ID,
twitch:CHANNEL, webhook[:PORT], page) plus ``jsonl:FILE`` (timed comments replayed on the
session's clock, resumed after a restart).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import TwincastError

MAX_FLEET_BYTES = 1_000_000
COMMENT_KINDS = {"jsonl": "a JSON-lines file of timed comments {t, user, text}, replayed on the show's clock",
                 "bilibili": "room code", "youtube": "video id", "twitch": "channel",
                 "webhook": "port (signed POSTs)", "page": "the viewer page only"}
PLATFORM_KINDS = ("bilibili", "youtube", "twitch", "webhook", "page")  # live/comments (docs/comments.md)
VOICE_PRESETS = ("female", "male")


class Voices(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    host: Optional[Literal["female", "male"]] = None  # None: the avatar's own voice
    assistant: Optional[Literal["female", "male"]] = None


class RoomSpec(BaseModel):
    """One live room: what it sells, who hosts it, where it streams, what it listens to."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    config: Optional[Path] = None  # a twincast.yaml (issue 21); the room's own fields below win over it
    catalog: Optional[Path] = None
    host_avatar: Optional[Path] = None
    assistant_avatar: Optional[Path] = None
    lang: Optional[Literal["zh", "en"]] = None  # None: the config's (default zh)
    voices: Voices = Voices()
    rundown: Optional[Path] = None
    rtmp: list[str] = Field(default_factory=list, max_length=4)
    comments: list[str] = Field(default_factory=list, max_length=8)
    port: int = Field(..., ge=1024, le=65535)
    size: Optional[str] = None  # None: the config's (default 720x1280)
    cpus: float = Field(1.0, ge=0.25, le=64)
    record_dir: Optional[Path] = None  # default: $TWINCAST_HOME/fleet/recordings/<room> on its node
    standby: Optional[bool] = None  # a warm spare for this room; None: the fleet's `standby`

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", name):
            raise ValueError("a room name is 1-40 lowercase letters, digits or '-' (it names actors, "
                             "files and metric labels)")
        return name

    @field_validator("rtmp")
    @classmethod
    def _rtmp(cls, urls: list[str]) -> list[str]:
        for url in urls:
            if not url.startswith(("rtmp://", "rtmps://")):
                raise ValueError("each RTMP URL must start with rtmp:// or rtmps:// (rtmp://HOST/APP/KEY)")
        return urls

    @field_validator("comments")
    @classmethod
    def _comments(cls, sources: list[str]) -> list[str]:
        for src in sources:
            kind, sep, target = src.partition(":")
            if kind not in COMMENT_KINDS:
                raise ValueError(f"unknown comment source kind {kind!r}; known: "
                                 + "; ".join(f"{k} ({v})" for k, v in COMMENT_KINDS.items()))
            if kind == "jsonl" and not target:
                raise ValueError(f"comment source {src!r} is not kind:target (e.g. jsonl:comments.jsonl)")
        platform = [s for s in sources if s.partition(":")[0] in PLATFORM_KINDS]
        if platform:
            from ..live.comments.config import parse_spec

            try:
                parse_spec(",".join(platform))
            except TwincastError as exc:
                raise ValueError(exc.problem.replace("--comments", "comment source")) from None
        return sources

    @field_validator("size")
    @classmethod
    def _size(cls, size: Optional[str]) -> Optional[str]:
        from ..live.outputs import PRESETS

        if size is not None and size not in PRESETS:
            raise ValueError(f"unknown size; use one of {', '.join(PRESETS)}")
        return size

    def comment_files(self) -> list[Path]:
        return [Path(s.partition(":")[2]) for s in self.comments if s.startswith("jsonl:")]

    def platform_comments(self) -> Optional[str]:
        """The platform sources as ``twincast live --comments`` takes them, or None."""
        spec = ",".join(s for s in self.comments if s.partition(":")[0] in PLATFORM_KINDS)
        return spec or None


class Health(BaseModel):
    """When the supervisor gives up on a room instance and starts another."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    dead_after_s: float = Field(3.0, ge=0.5, le=60)  # no report from the room for this long
    stall_s: float = Field(4.0, ge=1.0, le=120)  # reports come, but the frame count stands still
    start_timeout_s: float = Field(120.0, ge=10, le=1800)  # a new instance must be on air by then
    max_restarts: int = Field(50, ge=0, le=10_000)


class Console(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    port: int = Field(8790, ge=0, le=65535)
    bind: str = "127.0.0.1"


class FleetSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    rooms: list[RoomSpec] = Field(..., min_length=1, max_length=500)
    console: Console = Console()
    health: Health = Health()
    state_dir: Optional[Path] = None  # on the head node: ledger, checkpoints (default $TWINCAST_HOME/fleet)
    standby: bool = False  # keep a warm spare of each room on another node (fast failover, more memory)

    @model_validator(mode="after")
    def _unique(self) -> "FleetSpec":
        for what, values in (("name", [r.name for r in self.rooms]), ("port", [r.port for r in self.rooms])):
            dup = sorted({v for v in values if values.count(v) > 1})
            if dup:
                raise ValueError(f"room {what}s must be unique (a room can move to any node); repeated: {dup}")
        if self.console.port in {r.port for r in self.rooms}:
            raise ValueError(f"console port {self.console.port} is also a room's port")
        return self

    def room(self, name: str) -> RoomSpec:
        for r in self.rooms:
            if r.name == name:
                return r
        raise TwincastError(f"no room named {name!r} in this fleet", f"rooms: {', '.join(r.name for r in self.rooms)}")


def _absolute(spec: dict, base: Path) -> dict:
    """Relative file paths in rooms resolve against the fleet file's folder."""
    out = dict(spec)
    rooms = []
    for r in out.get("rooms") or []:
        if not isinstance(r, dict):
            rooms.append(r)
            continue
        r = dict(r)
        for key in ("config", "catalog", "host_avatar", "assistant_avatar", "rundown", "record_dir"):
            if isinstance(r.get(key), str) and r[key]:
                r[key] = str((base / Path(r[key]).expanduser()).resolve())
        if isinstance(r.get("comments"), list):
            r["comments"] = [f"{s.partition(':')[0]}:{(base / Path(s.partition(':')[2]).expanduser()).resolve()}"
                             if isinstance(s, str) and s.startswith("jsonl:") else s for s in r["comments"]]
        rooms.append(r)
    if "rooms" in out:
        out["rooms"] = rooms
    if isinstance(out.get("state_dir"), str):
        out["state_dir"] = str((base / Path(out["state_dir"]).expanduser()).resolve())
    return out


def parse_fleet(data: object, where: str, base: Path) -> FleetSpec:
    if not isinstance(data, dict):
        raise TwincastError(f"{where} is not a fleet file", "start it with 'rooms:' and one entry per room (docs/fleet.md)")
    try:
        return FleetSpec.model_validate(_absolute(data, base))
    except ValidationError as exc:
        msgs = []
        for err in exc.errors()[:8]:
            loc = list(err["loc"])
            if len(loc) > 1 and loc[0] == "rooms" and isinstance(loc[1], int):
                rooms = data.get("rooms") or []
                name = rooms[loc[1]].get("name") if loc[1] < len(rooms) and isinstance(rooms[loc[1]], dict) else None
                loc[1] = f"[{name or '#' + str(loc[1] + 1)}]"
            msgs.append(f"{'.'.join(map(str, loc)).replace('.[', '[') or 'file'}: {err['msg'].removeprefix('Value error, ')}")
        raise TwincastError(f"{where}: " + "; ".join(msgs),
                            "fix those fields (docs/fleet.md lists every field of fleet.yaml)") from None


def check_files(spec: FleetSpec) -> None:
    """Every file a room names exists here (the node that starts the fleet): a missing catalog
    found on the worker would surface only as a room that never comes on air."""
    missing = []
    for r in spec.rooms:
        for key in ("config", "catalog", "host_avatar", "assistant_avatar", "rundown"):
            p = getattr(r, key)
            if p is not None and not p.is_file():
                missing.append(f"room {r.name}: {key} {p}")
        missing += [f"room {r.name}: comments {p}" for p in r.comment_files() if not p.is_file()]
    if missing:
        raise TwincastError("files named in the fleet file are missing: " + "; ".join(missing[:6]),
                            "fix the paths (relative paths are read from the fleet file's folder)")


def load_fleet(path: str | Path) -> FleetSpec:
    from ..yaml_limits import load_yaml
    import yaml

    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TwincastError(f"cannot read fleet file {path}: {exc.strerror or exc}",
                            "pass the path of your fleet.yaml (docs/fleet.md has an example)") from None
    if len(raw) > MAX_FLEET_BYTES:
        raise TwincastError(f"{path} is {len(raw):,} bytes; a fleet file is at most {MAX_FLEET_BYTES:,}",
                            "list rooms, not data, in the fleet file")
    try:
        data = load_yaml(raw.decode("utf-8"), str(path))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise TwincastError(f"{path} is not valid UTF-8 YAML: {str(exc).splitlines()[0]}",
                            "check the indentation and quotes around the line named") from None
    spec = parse_fleet(data, str(path), path.resolve().parent)
    check_files(spec)
    return spec
