"""Stage layouts as data: one YAML file per camera and frame shape, checked by pydantic.

Why files: framing is a design decision that changes more often than code (a shop wants the
host larger, the card on the right), and a layout a user writes must fail with a message that
names the field, not with a wrong frame. Every position is a fraction of the frame (or of the
picture-in-picture tile it sits in), so one file serves 720x1280 and 1080x1920 alike; the
9:16 and 16:9 shapes get their own files because what fills a tall frame does not fill a wide one.

The bundled files live in ``assets/stage/layouts/<9x16|16x9>/<camera>.yaml``; a directory of
the same shape can replace them (``Stage(..., layouts=DIR)``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import TwincastError
from ..paths import package_assets

CAMERAS = ("wide", "host", "product", "pip")
ASPECTS = {"9x16": "9:16", "16x9": "16:9"}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Box(_Frozen):
    """A rectangle in fractions of the frame: left, top, width, height."""

    x: float = Field(ge=-0.5, le=1.0)
    y: float = Field(ge=-0.5, le=1.0)
    w: float = Field(gt=0.0, le=1.5)
    h: float = Field(gt=0.0, le=1.5)

    def pixels(self, width: int, height: int) -> tuple[int, int, int, int]:
        return (round(self.x * width), round(self.y * height),
                max(1, round(self.w * width)), max(1, round(self.h * height)))


class ActorSpot(_Frozen):
    """Where an actor's face goes: centre (``cx``, ``cy``) and face height (chin to brow line
    of the 478-point mesh, ~2/3 of the head) as fractions of the view; the view is the frame,
    or ``window`` (a picture-in-picture tile showing the same cut-out person on a set of its
    own). The body below is continued to the view's bottom edge, so the person is never cut
    by a visible line."""

    cx: float = Field(ge=-0.5, le=1.5)
    cy: float = Field(ge=-0.5, le=1.5)
    face: float = Field(gt=0.01, le=0.8)
    window: Box | None = None


class ProductSpot(_Frozen):
    """The product picture: its box, and ``motion`` (``pan``: a slow push-in and drift, like a
    camera on a turntable shot; ``still``)."""

    box: Box
    motion: Literal["pan", "still"] = "pan"
    frame: bool = True  # a light rounded panel behind the picture


class CardSpot(_Frozen):
    """The product card (name, price, stock): left edge, top, width in fractions of the frame."""

    x: float = Field(ge=0.0, le=1.0)
    y: float = Field(ge=0.0, le=1.0)
    w: float = Field(gt=0.1, le=1.0)


class TableSpot(_Frozen):
    """A table in front of the actors from ``top`` (fraction of the frame height) to the bottom,
    with the product standing on it at ``product`` (a box; omitted: nothing on the table)."""

    top: float = Field(ge=0.3, le=1.0)
    product: Box | None = None


class LayoutSpec(_Frozen):
    name: str
    camera: Literal["wide", "host", "product", "pip"]
    aspect: Literal["9:16", "16:9"]
    actors: dict[str, ActorSpot]  # drawn in this order: the first stands furthest back
    product: ProductSpot | None = None
    card: CardSpot | None = None
    table: TableSpot | None = None
    shelves: bool = True  # the back wall carries shelves with goods (the set)
    subtitle_y: float = Field(default=0.9, ge=0.5, le=0.98)  # centre of the subtitle block

    @model_validator(mode="after")
    def _known_actors(self) -> LayoutSpec:
        unknown = set(self.actors) - {"host", "assistant"}
        if unknown:
            raise ValueError(f"actors must be 'host' and/or 'assistant', not {sorted(unknown)}")
        if "host" not in self.actors and self.camera != "product":
            raise ValueError("every camera but the product shot shows the host")
        return self


def aspect_of(width: int, height: int) -> str:
    """The layout folder for a frame: tall frames use 9x16, everything else 16x9."""
    return "9x16" if height > width else "16x9"


def load_layout(path: str | Path) -> LayoutSpec:
    """One layout file, validated; a bad file raises :class:`TwincastError` naming the field."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TwincastError(f"cannot read the layout {path} ({exc.strerror})",
                            "check the path; bundled layouts live in twincast/assets/stage/layouts") from None
    except yaml.YAMLError as exc:
        raise TwincastError(f"the layout {path} is not valid YAML ({exc})", "fix the YAML syntax") from None
    if not isinstance(data, dict):
        raise TwincastError(f"the layout {path} is not a mapping of fields", "see the bundled layouts for the shape")
    try:
        return LayoutSpec.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise TwincastError(f"the layout {path.name} has a bad field {where}: {first['msg']}",
                            "fix that field (positions are fractions of the frame, e.g. cx: 0.5)") from None


@lru_cache(maxsize=8)
def load_layouts(aspect: str, folder: str | None = None) -> dict[str, LayoutSpec]:
    """camera name -> layout for ``aspect`` ("9x16" or "16x9"), from ``folder`` (a directory
    holding ``<aspect>/<camera>.yaml``) or the bundled set. A missing camera is an error."""
    root = Path(folder) if folder else package_assets() / "stage" / "layouts"
    out = {}
    for camera in CAMERAS:
        spec = load_layout(root / aspect / f"{camera}.yaml")
        if spec.camera != camera or spec.aspect != ASPECTS[aspect]:
            raise TwincastError(f"{root / aspect / (camera + '.yaml')} says camera {spec.camera!r}, aspect "
                                f"{spec.aspect!r}", f"a file in {aspect}/ named {camera}.yaml must describe that camera")
        out[camera] = spec
    return out
