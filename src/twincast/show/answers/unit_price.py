""""算下来一斤多少钱", "多少钱一袋", "how much per notebook?": today's price divided by what the
product holds, said with the arithmetic.

Why a reasoner: the catalog states the price and the contents ("10公斤（2.5公斤×4袋）", "每包10克，
一盒30包", "notebook set of 4") but never the price per unit, and live-commerce viewers compare
by it. The contents come from the variant named ("10斤装"), a contents spec (净含量, 规格, 套装
内容, net content, pack) or the product's name, in that order. Pure functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from ..catalog import Product

_KG = {"公斤": 1.0, "千克": 1.0, "kg": 1.0, "克": 0.001, "g": 0.001, "斤": 0.5, "磅": 0.45359237, "lb": 0.45359237,
       "lbs": 0.45359237}
_MASS = re.compile(r"(\d+(?:\.\d+)?)\s*(公斤|千克|kg|克|g|斤|磅|lbs?)(?![a-z])", re.I)
# a count of pieces: "×4袋", "共40包", "一盒30包", "4本", "4 bags", "set of 4", "30 pack"
_PIECE_ZH = "袋|包|本|罐|瓶|片|支|盒|条|粒|块"
_COUNT_ZH = re.compile(rf"(?<![\d.])(\d+)\s*(?:小)?({_PIECE_ZH})")
_PIECE_EN = {"bag": "袋", "pack": "包", "sachet": "包", "notebook": "本", "book": "本", "can": "罐", "bottle": "瓶",
             "piece": "个", "bar": "块", "stick": "支", "box": "盒"}
_COUNT_EN = re.compile(r"(\d+)\s+(bags?|packs?|sachets?|notebooks?|books?|cans?|bottles?|pieces?|bars?|sticks?)\b|"
                       r"\b(?:set|pack|box) of (\d+)|(\d+)[ -]pack\b", re.I)
_CONTENTS_KEY = re.compile(r"净含量|净重|规格|包装|套装|内容|装量|net|content|pack|in the set|quantity", re.I)
# what the viewer divides by
_PER_ZH = re.compile(rf"(?:一|每|单|平均一?)\s*(斤|公斤|千克|{_PIECE_ZH}|个)(?:的)?(?:多少|合|算|是|价|几|呢|啥)|"
                     rf"(斤|公斤|千克|{_PIECE_ZH})(?:合|算下来)多少|多少钱?一\s*(斤|公斤|千克|{_PIECE_ZH})|per\s*(本|袋|包|罐|斤)")
_PER_EN = re.compile(r"\bper (kg|kilo|pound|lb|bag|pack|sachet|notebook|book|can|bottle|piece|bar|stick)\b|"
                     r"\bhow much (?:is |for )?(?:each|one|a single) (bag|pack|sachet|notebook|book|can|bottle|bar)\b", re.I)
_ASKED_KG = {"斤": 0.5, "公斤": 1.0, "千克": 1.0, "kg": 1.0, "kilo": 1.0, "pound": 0.45359237, "lb": 0.45359237}


@dataclass(frozen=True)
class Contents:
    kg: Optional[float]  # total mass
    pieces: Optional[int]  # bags, packs, notebooks ...
    piece: str  # what a piece is, in Chinese (袋, 本, 瓶): "多少钱一袋" is not answered per bottle
    field: str


@dataclass(frozen=True)
class UnitPrice:
    per: str  # the unit asked, as the viewer wrote it (斤, 袋, notebook)
    amount: float  # price per that unit
    divisor: float  # how many of that unit the price buys
    field: str


def asked_unit(text: str) -> Optional[str]:
    m = _PER_ZH.search(text)
    if m:
        return next(g for g in m.groups() if g)
    m = _PER_EN.search(text)
    return next(g for g in m.groups() if g).lower() if m else None


def _read(text: str) -> tuple[Optional[float], Optional[int], str]:
    masses = [(float(v), _KG[u.lower()]) for v, u in _MASS.findall(text)]
    pieces = [(int(n), w) for n, w in _COUNT_ZH.findall(text)]
    for m in _COUNT_EN.finditer(text):
        word = (m.group(2) or "").lower().rstrip("s")
        pieces.append((int(next(g for g in (m.group(1), m.group(3), m.group(4)) if g)), _PIECE_EN.get(word, "")))
    count, piece = max(pieces) if pieces else (None, "")
    kg = None
    if masses:
        first = masses[0][0] * masses[0][1]
        each = min(v * f for v, f in masses)
        kg = max(first, each * count) if count else first  # "每包10克，一盒30包" is 300 g
    return kg, count, piece


def contents(p: Product, size: Optional[str]) -> Optional[Contents]:
    sources = []
    if size:
        sources.append((size, "sizes"))
    sources += [(f"{s.value.zh} {s.value.en}", f"specs[{i}]") for i, s in enumerate(p.specs)
                if _CONTENTS_KEY.search(f"{s.key.zh} {s.key.en}")]
    sources.append((f"{p.name.zh} {p.name.en}", "name"))
    kg = pieces = None
    piece = field = ""
    for text, where in sources:
        k, n, w = _read(text)
        if kg is None and k is not None:
            kg, field = k, field or where
        if pieces is None and n is not None:
            pieces, piece, field = n, w, field or where
    return Contents(kg, pieces, piece, field) if kg or pieces else None


def unit_price(p: Product, price: float, text: str, size: Optional[str]) -> Optional[UnitPrice]:
    """``price`` (today's, or the named variant's) per the unit ``text`` asks about, or None."""
    per = asked_unit(text)
    if per is None:
        return None
    got = contents(p, size)
    if got is None:
        return None
    per_kg = _ASKED_KG.get(per.lower())
    if per_kg is not None:
        if not got.kg:
            return None
        divisor = got.kg / per_kg
    else:
        if not got.pieces or got.pieces < 2:
            return None
        asked = _PIECE_EN.get(per.lower(), per)
        if asked not in ("个", got.piece) and got.piece:
            return None  # "多少钱一袋" of juice sold in bottles
        divisor = float(got.pieces)
    return UnitPrice(per, price / divisor, divisor, got.field)


def per_unit_words(u: UnitPrice, lang: str) -> tuple[str, str]:
    """How the unit and the count are said: ("斤", "10斤") / ("notebook", "4 notebooks")."""
    n = f"{u.divisor:.2f}".rstrip("0").rstrip(".")
    if lang == "zh":
        zh = {"kg": "公斤", "kilo": "公斤", "pound": "磅", "lb": "磅"}.get(u.per.lower(), u.per)
        return zh, f"{n}{zh}"
    en = {"斤": "jin", "公斤": "kg", "千克": "kg", "kilo": "kg"}.get(u.per, _PIECE_EN_NAME.get(u.per, u.per))
    return en, f"{n} {en}" + ("s" if en not in ("kg", "jin", "lb") and u.divisor != 1 else "")


_PIECE_EN_NAME = {v: k for k, v in _PIECE_EN.items()} | {"个": "piece"}
