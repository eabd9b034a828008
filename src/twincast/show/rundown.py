"""The rundown: which product is on air when, hero products at fixed times, looping.

A rundown file (YAML) looks like::

    loop: true
    products:            # in order, minutes each
      - {id: earbuds-pro, minutes: 6}
      - {id: thermos-500, minutes: 4}
    hero:                # prime-time slots override the loop
      - {at: 30, id: earbuds-pro, minutes: 5}   # minute 30 of the show

Without a file, every product in stock gets an equal share, in catalog order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import TwincastError
from .catalog import Catalog


@dataclass(frozen=True)
class Slot:
    product_id: str
    minutes: float


@dataclass(frozen=True)
class HeroSlot:
    at_minute: float
    product_id: str
    minutes: float


@dataclass
class Rundown:
    slots: list[Slot]
    hero: list[HeroSlot] = field(default_factory=list)
    loop: bool = True

    @property
    def cycle_minutes(self) -> float:
        return sum(s.minutes for s in self.slots)

    def product_at(self, seconds: float) -> str | None:
        """The product on air at ``seconds`` into the show (None: the rundown is over)."""
        minute = seconds / 60.0
        for h in self.hero:
            if h.at_minute <= minute < h.at_minute + h.minutes:
                return h.product_id
        if not self.slots:
            return None
        if minute >= self.cycle_minutes and not self.loop:
            return None
        m = minute % self.cycle_minutes
        for s in self.slots:
            if m < s.minutes:
                return s.product_id
            m -= s.minutes
        return self.slots[-1].product_id

    @classmethod
    def even(cls, catalog: Catalog, minutes_each: float = 3.0) -> "Rundown":
        return cls([Slot(p.id, minutes_each) for p in catalog.products if p.stock > 0])

    @classmethod
    def load(cls, path: str | Path, catalog: Catalog) -> "Rundown":
        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise TwincastError(f"cannot read rundown {path}: {exc}", "check the file exists and is valid YAML") from None
        ids = {p.id for p in catalog.products}

        def product(entry: dict, where: str) -> str:
            pid = entry.get("id")
            if pid not in ids:
                raise TwincastError(f"{path}: {where} names product {pid!r}, which is not in the catalog",
                                    f"use one of: {', '.join(sorted(ids))}")
            return pid

        def minutes(entry: dict, where: str) -> float:
            value = entry.get("minutes", 3)
            if not isinstance(value, (int, float)) or value <= 0:
                raise TwincastError(f"{path}: {where} has minutes={value!r}", "give a positive number of minutes")
            return float(value)

        slots = [Slot(product(e, f"products[{i}]"), minutes(e, f"products[{i}]"))
                 for i, e in enumerate(data.get("products") or [])]
        hero = [HeroSlot(float(e.get("at", 0)), product(e, f"hero[{i}]"), minutes(e, f"hero[{i}]"))
                for i, e in enumerate(data.get("hero") or [])]
        if not slots and not hero:
            raise TwincastError(f"{path} lists no products", "add a `products:` list with ids and minutes")
        return cls(slots, hero, bool(data.get("loop", True)))
