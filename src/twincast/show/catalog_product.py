"""Catalog v2 product parts: variants, size chart, dimensions, and the v1 <-> policy bridge.

Why variants: "is the black one in M still there?" must be answered from the stock of that
colour and size, never from the product's total (saying "in stock" for a sold-out variant is a
false claim that costs an order and a complaint). Why a size chart with measurements and body
ranges: size advice ("I'm 165 cm, 110 斤") and fit questions ("how long is the M?") need the
numbers, and "runs small, size up" needs a place. Why dimensions as quantities: "will it fit in
my 30 cm cabinet?" is arithmetic, not retrieval.

:func:`from_store` and :func:`to_policies` translate between the v1 per-product
``shipping``/``after_sales`` blocks (still accepted, still used by the script writer) and the
v2 policies, so both catalog versions answer through one code path.
"""

from __future__ import annotations

from typing import Any, Optional

from pydantic import ConfigDict, Field, model_validator

from .catalog_policy import Policies, Returns, Surcharge, Text, Warranty, _Strict
from .catalog_units import Quantity


class Variant(_Strict):
    """One colour x size combination with its own stock (and optionally price and SKU)."""

    colour: Optional[str] = None  # as written in the product's colours (zh or en)
    size: Optional[str] = None  # a size of the size chart / sizes
    stock: int = Field(ge=0, le=10_000_000)
    price: Optional[float] = Field(default=None, gt=0, le=1e7)
    sku: Optional[str] = None

    @model_validator(mode="after")
    def _names_something(self):
        if not self.colour and not self.size:
            raise ValueError("a variant needs a colour, a size or both")
        return self


class SizeColumn(_Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,30}$")
    name: Text
    # the column's own unit when it is not the chart's (foot length in cm beside a CN size in
    # mm); "none" for a plain size number such as a US shoe size, which takes no unit
    unit: Optional[str] = None

    @model_validator(mode="after")
    def _unit(self):
        if self.unit is not None and self.unit != "none":
            Quantity(value=1, unit=self.unit)  # unknown unit -> clear error
        return self


class SizeRow(_Strict):
    """``{size: M, height_cm: [160, 170], weight_kg: [50, 60], chest: 104, length: 68}``."""

    model_config = ConfigDict(extra="allow", frozen=True, allow_inf_nan=False)
    size: str = Field(min_length=1)
    height_cm: Optional[tuple[float, float]] = None
    weight_kg: Optional[tuple[float, float]] = None

    @model_validator(mode="after")
    def _ranges(self):
        for name in ("height_cm", "weight_kg"):
            rng = getattr(self, name)
            if rng is not None and not (0 < rng[0] <= rng[1] <= 400):
                raise ValueError(f"{name} must be [min, max] with 0 < min <= max")
        for key, value in (self.model_extra or {}).items():
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 < value < 1000:
                raise ValueError(f"measurement {key!r} must be a positive number in the chart's unit")
        return self

    def measurement(self, key: str) -> Optional[float]:
        value = (self.model_extra or {}).get(key)
        return float(value) if value is not None else None


class SizeChart(_Strict):
    unit: str = "cm"
    columns: list[SizeColumn] = Field(default_factory=list)
    rows: list[SizeRow] = Field(min_length=1)
    fit_note: Optional[Text] = None  # "runs small, size up"

    @model_validator(mode="after")
    def _known_columns(self):
        keys = {c.key for c in self.columns}
        for row in self.rows:
            unknown = set(row.model_extra or {}) - keys
            if unknown:
                raise ValueError(f"size {row.size!r} has measurement(s) {sorted(unknown)} not declared in columns")
        names = [r.size.lower() for r in self.rows]
        if len(set(names)) != len(names):
            raise ValueError("a size appears twice in the size chart")
        Quantity(value=1, unit=self.unit)  # unknown unit -> clear error
        return self

    def column(self, key: str) -> Optional[SizeColumn]:
        return next((c for c in self.columns if c.key == key), None)

    def unit_of(self, key: str) -> str:
        """The unit a column's numbers are in ("" for plain size numbers)."""
        col = self.column(key)
        unit = col.unit if col is not None and col.unit is not None else self.unit
        return "" if unit == "none" else unit


class Dimensions(_Strict):
    width: Optional[Quantity] = None
    depth: Optional[Quantity] = None
    height: Optional[Quantity] = None
    weight: Optional[Quantity] = None
    note: Optional[Text] = None

    @model_validator(mode="after")
    def _dimensions(self):
        for name in ("width", "depth", "height"):
            q = getattr(self, name)
            if q is not None and (q.dimension != "length" or q.value <= 0):
                raise ValueError(f"{name} must be a positive length such as '32 cm'")
        if self.weight is not None and (self.weight.dimension != "mass" or self.weight.value <= 0):
            raise ValueError("weight must be a positive mass such as '4.2 kg'")
        return self


def _texts(items: Optional[list]) -> list[dict]:
    return [dict(t) for t in items or []]


def from_store(store: dict, product: dict) -> dict:
    """Fill a v2 product's missing ``shipping``/``after_sales`` from the store's policies.

    Works on raw dicts before validation so that every v1 consumer (scripts, facts) keeps
    reading ``product.shipping``; the store's own validation reports its mistakes.
    """
    try:
        merged = {**store, **(product.get("policies") or {})}
    except TypeError:
        return product
    out = dict(product)
    if "shipping" not in out and merged.get("dispatch_hours"):
        exceptions: list[dict[str, Any]] = []
        for s in merged.get("surcharges") or []:
            exceptions.append({"rule": "extra_fee", "fee": s.get("fee"), "regions": s.get("regions")})
        if merged.get("not_served"):
            exceptions.append({"rule": "no_ship", "regions": merged["not_served"]})
        shipping: dict[str, Any] = {"free": merged.get("free_shipping", True) is not False,
                                    "ships_within_hours": merged["dispatch_hours"], "exceptions": exceptions}
        if merged.get("shipping_fee"):
            shipping["fee"] = merged["shipping_fee"]
        if merged.get("couriers"):
            shipping["carrier"] = merged["couriers"][0]
        if merged.get("ships_to"):
            shipping["ships_to"] = merged["ships_to"]
        out["shipping"] = shipping
    if "after_sales" not in out and isinstance(merged.get("returns"), dict):
        r = merged["returns"]
        after: dict[str, Any] = {"returns_days": r.get("days", 0), "no_reason_returns": r.get("no_reason", True),
                                 "warranty_months": (merged.get("warranty") or {}).get("months", 0)}
        if r.get("note"):
            after["note"] = r["note"]
        out["after_sales"] = after
    return out


def to_policies(product: Any) -> Policies:
    """A product's v1 ``shipping``/``after_sales`` blocks as policies (the middle merge layer)."""
    sh, af = product.shipping, product.after_sales
    not_served = [r for e in sh.exceptions if e.rule == "no_ship" for r in e.regions]
    surcharges = [Surcharge(regions=e.regions, fee=e.fee) for e in sh.exceptions if e.rule == "extra_fee"]
    return Policies(
        free_shipping=sh.free, shipping_fee=sh.fee or None, dispatch_hours=sh.ships_within_hours,
        couriers=[sh.carrier] if sh.carrier else None, ships_to=sh.ships_to,
        not_served=not_served or None, surcharges=surcharges or None,
        returns=Returns(days=af.returns_days, no_reason=af.no_reason_returns, note=af.note),
        warranty=Warranty(months=af.warranty_months),
    )


def v1_overrides(store: Optional[Policies], v1: Policies) -> Policies:
    """The part of a product's v1 blocks that says something the store does not.

    A v2 product that inherits its ``shipping``/``after_sales`` carries a lossy copy of the
    store (one courier, no return conditions, no warranty terms); where that copy agrees with
    the store, the store's richer entry must win, and where it differs, the product's own.
    """
    if store is None:
        return v1
    keep: dict[str, Any] = {}
    for name, value in v1:
        if value is None:
            continue
        theirs = getattr(store, name)
        same = theirs == value or (
            name == "couriers" and theirs and value and theirs[0] == value[0]) or (
            name == "returns" and theirs and (theirs.days, theirs.no_reason) == (value.days, value.no_reason)
            and (value.note is None or value.note == theirs.note)) or (
            name == "warranty" and theirs and theirs.months == value.months)
        if not same:
            keep[name] = value
    return Policies(**keep)
