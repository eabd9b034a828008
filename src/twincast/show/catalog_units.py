"""Typed quantities for catalog facts: a number with a unit the host can reason about.

Why typed: "does a 32 cm tall fryer fit under my 30 cm cabinet?", "I'm 5'7\" and 150 lbs, which
size?", "how long does it keep once opened?" are questions a string spec cannot answer. A
:class:`Quantity` knows its dimension (length, mass, volume, time ...) and converts to the base
unit of that dimension, so reasoners compare like with like. Unknown units are rejected at load
time with the list of known ones (a typo such as ``kgs`` must not turn a fact into text).

Pure module: no I/O, no state.
"""

from __future__ import annotations

import math
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

# unit -> (dimension, factor to the dimension's base unit, zh spoken form, en spoken form)
UNITS: dict[str, tuple[str, float, str, str]] = {
    "mm": ("length", 0.1, "毫米", "mm"), "cm": ("length", 1.0, "厘米", "cm"), "m": ("length", 100.0, "米", "m"),
    "in": ("length", 2.54, "英寸", "in"), "ft": ("length", 30.48, "英尺", "ft"),
    "g": ("mass", 1.0, "克", "g"), "kg": ("mass", 1000.0, "公斤", "kg"), "jin": ("mass", 500.0, "斤", "jin"),
    "lb": ("mass", 453.59237, "磅", "lb"), "oz": ("mass", 28.349523, "盎司", "oz"),
    "ml": ("volume", 1.0, "毫升", "ml"), "l": ("volume", 1000.0, "升", "L"),
    "mAh": ("charge", 1.0, "毫安时", "mAh"), "Wh": ("energy", 1.0, "瓦时", "Wh"),
    "W": ("power", 1.0, "瓦", "W"), "kW": ("power", 1000.0, "千瓦", "kW"), "V": ("voltage", 1.0, "伏", "V"),
    "s": ("time", 1 / 3600, "秒", "s"), "min": ("time", 1 / 60, "分钟", "min"), "h": ("time", 1.0, "小时", "h"),
    "day": ("time", 24.0, "天", "days"), "week": ("time", 168.0, "周", "weeks"),
    "month": ("time", 730.0, "个月", "months"), "year": ("time", 8766.0, "年", "years"),
    "C": ("temperature", 1.0, "°C", "°C"), "pcs": ("count", 1.0, "件", "pieces"),
    "dB": ("level", 1.0, "分贝", "dB"), "pct": ("ratio", 1.0, "%", "%"),
}
# spellings people write in catalogs and comments -> canonical unit
UNIT_ALIASES: dict[str, str] = {
    "毫米": "mm", "厘米": "cm", "公分": "cm", "米": "m", "inch": "in", "inches": "in", '"': "in", "英寸": "in",
    "feet": "ft", "foot": "ft", "'": "ft", "英尺": "ft", "克": "g", "gram": "g", "grams": "g", "公斤": "kg",
    "千克": "kg", "kgs": "kg", "斤": "jin", "lbs": "lb", "pound": "lb", "pounds": "lb", "磅": "lb", "ounce": "oz",
    "ounces": "oz", "毫升": "ml", "mL": "ml", "升": "l", "L": "l", "litre": "l", "liter": "l", "litres": "l",
    "liters": "l", "mah": "mAh", "毫安": "mAh", "毫安时": "mAh", "wh": "Wh", "w": "W", "瓦": "W", "watt": "W",
    "watts": "W", "千瓦": "kW", "kw": "kW", "v": "V", "伏": "V", "volt": "V", "volts": "V", "秒": "s", "sec": "s",
    "分钟": "min", "minute": "min", "minutes": "min", "mins": "min", "小时": "h", "hour": "h", "hours": "h",
    "hr": "h", "hrs": "h", "天": "day", "日": "day", "days": "day", "周": "week", "星期": "week", "weeks": "week",
    "个月": "month", "月": "month", "months": "month", "年": "year", "years": "year", "°C": "C", "℃": "C",
    "度": "C", "件": "pcs", "个": "pcs", "piece": "pcs", "pieces": "pcs", "db": "dB", "分贝": "dB", "%": "pct",
}


def canonical_unit(unit: str) -> str:
    """``'公分'`` -> ``'cm'``; raises ValueError naming the known units for anything else."""
    u = unit.strip()
    if u in UNITS:
        return u
    for key in (u, u.lower()):
        if key in UNIT_ALIASES:
            return UNIT_ALIASES[key]
    raise ValueError(f"unknown unit {unit!r}; use one of: {', '.join(UNITS)}")


_QTY_TEXT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*([^\d\s][^\d]*)\s*$")


class Quantity(BaseModel):
    """A finite number with a known unit. YAML may write ``{value: 32, unit: cm}`` or ``"32 cm"``."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    value: float
    unit: str

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, data: Any) -> Any:
        if isinstance(data, str):
            m = _QTY_TEXT.match(data)
            if not m:
                raise ValueError(f"{data!r} is not a quantity; write a number and a unit such as '32 cm'")
            return {"value": float(m.group(1)), "unit": m.group(2)}
        return data

    @model_validator(mode="after")
    def _check(self) -> "Quantity":
        object.__setattr__(self, "unit", canonical_unit(self.unit))
        if not math.isfinite(self.value) or abs(self.value) > 1e9:
            raise ValueError(f"{self.value!r} is not a usable number")
        return self

    @property
    def dimension(self) -> str:
        return UNITS[self.unit][0]

    def base(self) -> float:
        """Value in the dimension's base unit (cm, g, ml, h, ...)."""
        return self.value * UNITS[self.unit][1]

    def to(self, unit: str) -> float:
        unit = canonical_unit(unit)
        if UNITS[unit][0] != self.dimension:
            raise ValueError(f"cannot convert {self.unit} to {unit}")
        return self.base() / UNITS[unit][1]

    def say(self, lang: str) -> str:
        """'32厘米' / '32 cm'."""
        num = number_text(self.value)
        zh, en = UNITS[self.unit][2], UNITS[self.unit][3]
        if lang == "zh":
            return f"{num}{zh}"
        if self.unit in ("pct", "C"):
            return f"{num}{en}"
        if self.unit in ("day", "week", "month", "year") and self.value == 1:
            en = en.rstrip("s")
        return f"{num} {en}"


def number_text(v: float) -> str:
    """199.0 -> '199', 2.50 -> '2.5'."""
    return f"{v:.2f}".rstrip("0").rstrip(".") if not float(v).is_integer() else str(int(v))


def convert(value: float, unit: str, to: str) -> float:
    """Plain-number conversion between two units of one dimension."""
    return Quantity(value=value, unit=unit).to(to)
