""""Will it hold me?", "I'm 5'2, is it for me?", "我185躺下够长吗": a viewer's body against the
product's own limits, as arithmetic on catalog statements.

Why a reasoner and not retrieval: the statement that holds the limit ("最大承重：150千克") is
easy to find, but "yes" or "no" depends on the viewer's number, and reading the limit back
without the comparison leaves the viewer to do it, or worse, a neighbouring "yes" gets said.
Works on any product whose statements name a load limit (chairs, desks, beds, bikes, strollers),
a range of users' heights, or (for things one lies on) a length. Pure functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from ..catalog import Product
from .retrieval import FactItem, fact_items

# the statement is about a load limit / the users' height / lying on it (field name or text)
_LOAD = re.compile(r"承重|限重|载重|承载|最大负重|\bload\b|capacity|weight limit|holds? up to|supports? up to|"
                   r"max(?:imum)? (?:user )?weight", re.I)
_USER_HEIGHT = re.compile(r"适合身高|适用身高|身高|suited to|users?\b.*\btall|\btall\b|user height|height of (?:the )?user",
                          re.I)
_LIE = re.compile(r"躺|lie down|lying|lie on|sleep on|够长|long enough", re.I)
_MASS = re.compile(r"(\d+(?:\.\d+)?)\s*(千克|公斤|kg|斤|lbs?|pounds?)(?![a-z])", re.I)
_RANGE_CM = re.compile(r"(\d{2,3}(?:\.\d)?)\s*(?:厘米|cm)?\s*(?:到|至|-|~|–|～|to)\s*(\d{2,3}(?:\.\d)?)\s*(?:厘米|cm)",
                       re.I)
_KG = {"千克": 1.0, "公斤": 1.0, "kg": 1.0, "斤": 0.5, "lb": 0.45359237, "lbs": 0.45359237, "pound": 0.45359237,
       "pounds": 0.45359237}


@dataclass(frozen=True)
class Limit:
    kind: str  # load (kg), height (cm range), length (cm, lying on it)
    low: Optional[float]
    high: float
    field: str  # the catalog field the limit comes from (the reply's source)


@dataclass(frozen=True)
class BodyCheck:
    limit: Limit
    body: float  # the viewer's weight (kg) or height (cm)
    ok: bool


def _load_limit(items: list[FactItem]) -> Optional[Limit]:
    for it in sorted(items, key=lambda i: i.topic != "spec"):  # a spec states it plainest
        if not (_LOAD.search(it.label) or _LOAD.search(it.zh + " " + it.en)):
            continue
        masses = [float(v) * _KG[u.lower()] for v, u in _MASS.findall(it.zh + " " + it.en)]
        if masses:
            return Limit("load", None, max(masses), it.field)
    return None


def _height_range(items: list[FactItem]) -> Optional[Limit]:
    for it in sorted(items, key=lambda i: i.topic != "spec"):
        if not _USER_HEIGHT.search(it.label or it.zh):
            continue
        m = _RANGE_CM.search(it.zh) or _RANGE_CM.search(it.en)
        if m:
            lo, hi = sorted((float(m.group(1)), float(m.group(2))))
            if 50 <= lo < hi <= 230:  # a person's height (a child's too)
                return Limit("height", lo, hi, it.field)
    return None


def _length(p: Product) -> Optional[Limit]:
    d = p.dimensions
    sides = [getattr(d, n) for n in ("width", "depth", "height") if d is not None and getattr(d, n) is not None]
    if not sides:
        return None
    return Limit("length", None, round(max(q.to("cm") for q in sides), 1), "dimensions")


def body_checks(p: Product, text: str, height_cm: Optional[float], weight_kg: Optional[float]) -> list[BodyCheck]:
    """The viewer's weight against the load limit, height against the users' height range (or,
    for a thing to lie on, its length). Empty when the product states no such limit."""
    items = fact_items(p)
    out = []
    if weight_kg:
        load = _load_limit(items)
        if load is not None:
            out.append(BodyCheck(load, weight_kg, weight_kg <= load.high))
    if height_cm:
        if _LIE.search(text):
            length = _length(p)
            if length is not None:
                out.append(BodyCheck(length, height_cm, height_cm <= length.high))
        else:
            users = _height_range(items)
            if users is not None:
                out.append(BodyCheck(users, height_cm, users.low <= height_cm <= users.high))
    return out


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def body_fit_text(checks: list[BodyCheck], lang: str) -> str:
    """One sentence: the verdict first, then each limit as the catalog states it."""
    zh = lang == "zh"
    ok = all(c.ok for c in checks)
    parts = []
    for c in checks:
        lim = c.limit
        if lim.kind == "load":
            parts.append((f"最大承重{_num(lim.high)}公斤，您说的重量{'在范围内' if c.ok else '超出了'}" if zh
                          else f"it takes up to {_num(lim.high)} kg, and the weight you give is {'within' if c.ok else 'over'} that"))
        elif lim.kind == "height":
            where = "在范围内" if c.ok else ("偏矮了" if c.body < lim.low else "偏高了")
            parts.append((f"适合身高{_num(lim.low)}到{_num(lim.high)}厘米，您{where}" if zh
                          else f"it suits users {_num(lim.low)} to {_num(lim.high)} cm tall, and you are "
                          + ("within that" if c.ok else ("below" if c.body < lim.low else "above") + " that")))
        else:
            parts.append((f"它长{_num(lim.high)}厘米，" + ("比您的身高长，躺下够长" if c.ok else
                                                      f"比您的身高短{_num(c.body - lim.high)}厘米左右，躺下头或脚会出来一点") if zh
                          else f"it is {_num(lim.high)} cm long, " + ("longer than you are tall" if c.ok else
                          f"about {_num(c.body - lim.high)} cm shorter than you, so your head or feet would be off it")))
    if zh:
        return ("可以：" if ok else "不太合适：") + "；".join(parts) + "。"
    return ("Yes: " if ok else "Not quite: ") + "; ".join(parts) + "."


def body_fit_fields(checks: list[BodyCheck]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c.limit.field for c in checks))
