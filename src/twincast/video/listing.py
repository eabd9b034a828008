"""Property listings for the property-tour template: schema, loader with line numbers, sample.

Why strict: an agency's listing feeds a video that states a price and an area to buyers; a
misspelt ``prise`` must not silently become a video without a price. Messages name the file,
the line and the field (reusing the catalog loader's YAML position map), photos are checked
for existence *and* decodability before any rendering starts, so a batch reports the bad
listing in a second instead of failing minutes into a render.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Literal, Optional

import cv2
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import TwincastError
from ..image_limits import check_image_size
from ..yaml_limits import load_yaml  # alias bombs refused before validation walks them
from ..paths import home, package_assets
from ..show.catalog_io import _line_for, _node_lines

FIELD_HELP = {
    "title": "a short title, e.g. 滨江花园 三室两厅",
    "price": "the asking price as a plain number (total price for a sale, monthly rent for deal: rent)",
    "area_m2": "the floor area in square metres, a plain number such as 118",
    "layout": "the layout, e.g. 三室两厅两卫 or '3 bed, 2 bath'",
    "neighbourhood": "a sentence or two about the neighbourhood",
    "rooms": "a list of rooms, each with 'name' and 'photo' (a path relative to the listing file)",
    "name": "the room's name, e.g. 客厅 or Living room",
    "photo": "the room photo: a JPEG/PNG path relative to the listing file",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class RoomEntry(_Strict):
    name: str = Field(min_length=1)
    photo: str = Field(min_length=1)
    area_m2: Optional[float] = Field(default=None, gt=0, le=10_000)
    note: Optional[str] = None


class Listing(_Strict):
    lang: Literal["zh", "en"] = "zh"
    title: str = Field(min_length=1)
    deal: Literal["sale", "rent"] = "sale"
    price: float = Field(gt=0)
    currency: str = Field(default="CNY", pattern=r"^[A-Z]{3}$")
    area_m2: float = Field(gt=0, le=100_000)
    layout: str = Field(min_length=1)
    neighbourhood: str = Field(min_length=1)
    address: Optional[str] = None
    floor: Optional[str] = None
    highlights: list[str] = Field(default_factory=list)
    agent: Optional[str] = None
    rooms: list[RoomEntry] = Field(min_length=1, max_length=40)


class LoadedListing:
    """A validated listing plus where its photos are."""

    def __init__(self, listing: Listing, path: Path) -> None:
        self.listing = listing
        self.path = path
        self.photos = [(path.parent / r.photo).resolve() for r in listing.rooms]


def load_listing(path: Path | str) -> LoadedListing:
    path = Path(path)
    if not path.is_file():
        raise TwincastError(f"listing file not found: {path}", "pass an existing .yaml or .json listing "
                            "(`twincast video property-tour` with no file uses the sample listing)")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise TwincastError(f"cannot read listing {path}: {exc}", "save it as UTF-8 text (YAML or JSON)") from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else load_yaml(text, str(path))
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else getattr(exc, "lineno", None)
        raise TwincastError(f"{path}{f':{line}' if line else ''}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}",
                            "check indentation, quotes and that every 'key: value' has a space after the colon") from None
    if not isinstance(data, dict):
        raise TwincastError(f"{path}:1: a listing must be a mapping of fields (title, price, area_m2, ...)",
                            "start from the sample listing (docs/video.md)")
    try:
        listing = Listing.model_validate(data)
    except ValidationError as exc:
        raise _listing_error(path, text, exc) from None
    loaded = LoadedListing(listing, path)
    for room, photo in zip(listing.rooms, loaded.photos):
        check_photo(photo, f"{path}: room {room.name!r}")
    return loaded


def check_photo(photo: Path, who: str) -> None:
    """Missing and undecodable pictures get different messages: the fixes differ."""
    if not photo.is_file():
        raise TwincastError(f"{who}: photo {photo} does not exist",
                            "photo paths are relative to the listing file: fix the path or add the picture")
    check_image_size(photo, who)  # header only: refuse a decompression bomb before decoding it
    if cv2.imread(str(photo), cv2.IMREAD_REDUCED_COLOR_4) is None:
        raise TwincastError(f"{who}: photo {photo} cannot be read as an image (damaged or not a picture)",
                            "replace it with a JPEG or PNG file")


def _listing_error(path: Path, text: str, exc: ValidationError) -> TwincastError:
    lines = _node_lines(text)
    msgs, fixes = [], []
    for err in exc.errors()[:8]:
        loc = tuple(err["loc"])
        line = _line_for(lines, loc)
        where = f"{path}:{line}" if line else str(path)
        field = ".".join(str(p) for p in loc)
        name = str(loc[-1]) if loc else ""
        if err["type"] == "missing":
            msgs.append(f"{where}: missing field '{field}'")
            fixes.append(f"add '{name}': {FIELD_HELP.get(name, 'see the sample listing')}")
        elif err["type"] == "extra_forbidden":
            msgs.append(f"{where}: unknown field '{field}'")
            fixes.append(f"remove '{name}' or correct its spelling (fields: {', '.join(Listing.model_fields)})")
        else:
            got = err.get("input")
            shown = f" (got {got!r})" if isinstance(got, (str, int, float)) and len(str(got)) < 40 else ""
            msgs.append(f"{where}: field '{field}': {err['msg'].removeprefix('Value error, ')}{shown}")
            fixes.append(f"'{name}': {FIELD_HELP.get(name, 'correct the value as the message says')}")
    return TwincastError("invalid listing:\n  " + "\n  ".join(msgs), "; ".join(dict.fromkeys(fixes)))


def sample_listing_path(lang: str = "zh") -> Path:
    """The sample listing with its procedurally drawn room photos, made on first use."""
    folder = home().resolve() / "media" / "sample_listing"
    from .rooms import ROOMS, write_rooms

    if not all((folder / "rooms" / name).is_file() for name in ROOMS):
        write_rooms(folder / "rooms")
    src = package_assets() / "video" / f"sample_listing_{lang}.yaml"
    dst = folder / src.name
    if not dst.is_file() or dst.read_bytes() != src.read_bytes():
        shutil.copyfile(src, dst)
    return dst
