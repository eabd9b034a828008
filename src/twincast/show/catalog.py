"""The product catalog: the only source of facts the avatars may state.

Why a strict schema: every number a host says on air (price, stock, warranty, battery life)
must come from here, and a live-commerce claim that is wrong is a legal problem, not a typo.
So unknown fields are rejected (a misspelt ``promo_prise`` must not silently vanish), prices
are checked against each other, and bilingual text is required in both languages, because
the show runs in Chinese and English from the same catalog.

Loaders for YAML/CSV/JSON live in :mod:`twincast.show.catalog_io`; they turn pydantic errors
into :class:`~twincast.errors.TwincastError` messages that name file, line and field.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal, Optional

from pydantic import Field, PrivateAttr, field_validator, model_validator

from .catalog_policy import Host, Policies, Text, _Strict
from .catalog_product import (
    Dimensions,
    SizeChart,
    Variant,
    from_store,
    to_policies,
    v1_overrides,
)
from .catalog_units import Quantity

Lang = Literal["zh", "en"]
__all__ = ["Catalog", "Product", "Text", "Spec", "FAQ", "SizeOption", "Shipping", "AfterSales", "format_money"]


class Spec(_Strict):
    key: Text
    value: Text


class FAQ(_Strict):
    q: Text
    a: Text


class SizeOption(_Strict):
    """A size (or phone model for a case). Height/weight ranges let the host recommend a
    size from the catalog's own table instead of guessing."""

    name: str = Field(min_length=1)
    height_cm: Optional[tuple[int, int]] = None
    weight_kg: Optional[tuple[int, int]] = None

    @field_validator("height_cm", "weight_kg")
    @classmethod
    def _ordered(cls, v):
        if v is not None and v[0] > v[1]:
            raise ValueError("range must be [min, max] with min <= max")
        return v


class ShippingException(_Strict):
    """Regions that are not served (``no_ship``) or cost extra (``extra_fee``)."""

    regions: list[Text] = Field(min_length=1)
    rule: Literal["no_ship", "extra_fee"]
    fee: Optional[float] = Field(default=None, gt=0, le=1e5)
    note: Optional[Text] = None

    @model_validator(mode="after")
    def _fee_matches_rule(self):
        if self.rule == "extra_fee" and self.fee is None:
            raise ValueError("rule extra_fee needs a fee (the surcharge in the catalog currency)")
        if self.rule == "no_ship" and self.fee is not None:
            raise ValueError("rule no_ship must not have a fee")
        return self


class Shipping(_Strict):
    ships_to: Text = Text(zh="中国大陆", en="mainland China")
    free: bool = True
    fee: float = Field(default=0, ge=0, le=1e5)
    ships_within_hours: int = Field(gt=0, le=24 * 30)
    carrier: Optional[Text] = None
    exceptions: list[ShippingException] = Field(default_factory=list)

    @model_validator(mode="after")
    def _fee_consistent(self):
        if self.free and self.fee:
            raise ValueError("free shipping must have fee 0 (or set free: false)")
        if not self.free and not self.fee:
            raise ValueError("free: false needs a positive fee")
        return self


class AfterSales(_Strict):
    returns_days: int = Field(ge=0, le=365)
    no_reason_returns: bool = True
    warranty_months: int = Field(default=0, ge=0, le=120)
    note: Optional[Text] = None


class Aliases(_Strict):
    """Words viewers use for the product (耳机, earbuds): keyword matching uses them."""

    zh: list[str] = Field(default_factory=list)
    en: list[str] = Field(default_factory=list)


_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,47}$")


class Product(_Strict):
    id: str
    link: Optional[int] = Field(default=None, ge=1, le=999)
    name: Text
    brand: Optional[str] = None
    category: Text
    aliases: Aliases = Aliases()
    price: float = Field(gt=0, le=1e7)
    promo_price: Optional[float] = Field(default=None, gt=0, le=1e7)
    currency: str = "CNY"
    stock: int = Field(ge=0, le=10_000_000)
    specs: list[Spec] = Field(default_factory=list)
    selling_points: list[Text] = Field(min_length=1)
    faq: list[FAQ] = Field(default_factory=list)
    gifts: list[Text] = Field(default_factory=list)
    sizes: list[SizeOption] = Field(default_factory=list)
    colours: list[Text] = Field(default_factory=list)
    shipping: Shipping
    after_sales: AfterSales
    images: list[str] = Field(default_factory=list)
    # catalog v2 (all optional: v1 files load unchanged)
    sku: Optional[str] = None
    variants: list[Variant] = Field(default_factory=list)
    size_chart: Optional[SizeChart] = None
    dimensions: Optional[Dimensions] = None
    usage: list[Text] = Field(default_factory=list)
    care: list[Text] = Field(default_factory=list)
    safety: list[Text] = Field(default_factory=list)
    allergens: list[Text] = Field(default_factory=list)
    shelf_life: Optional[Quantity] = None
    after_opening: Optional[Quantity] = None  # use within this once opened
    policies: Optional[Policies] = None  # overrides of the store's policies

    @field_validator("id")
    @classmethod
    def _id_slug(cls, v: str) -> str:
        if not _ID_RE.match(v):
            raise ValueError("id must be lowercase letters, digits, - or _ (e.g. earbuds-pro)")
        return v

    @field_validator("currency")
    @classmethod
    def _currency_code(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Z]{3}", v):
            raise ValueError("currency must be a 3-letter ISO code such as CNY or USD")
        return v

    @model_validator(mode="after")
    def _promo_below_price(self):
        if self.promo_price is not None and self.promo_price >= self.price:
            raise ValueError(f"promo_price {self.promo_price:g} must be below price {self.price:g}")
        return self

    @model_validator(mode="after")
    def _variants_consistent(self):
        """Variant stock, colours and sizes must agree with the product's own lists."""
        if not self.variants:
            return self
        total = sum(v.stock for v in self.variants)
        if total > self.stock:
            raise ValueError(f"variants hold {total} in stock, more than the product's stock {self.stock}")
        colours = {c.zh.lower() for c in self.colours} | {c.en.lower() for c in self.colours}
        sizes = {s.lower() for s in self.size_names}
        for v in self.variants:
            if v.colour and v.colour.lower() not in colours:
                raise ValueError(f"variant colour {v.colour!r} is not one of the product's colours")
            if v.size and v.size.lower() not in sizes:
                raise ValueError(f"variant size {v.size!r} is not one of the product's sizes")
        return self

    @property
    def size_names(self) -> list[str]:
        """Sizes from the size chart (v2) or the size list (v1)."""
        if self.size_chart:
            return [r.size for r in self.size_chart.rows]
        return [s.name for s in self.sizes]

    @property
    def sale_price(self) -> float:
        """What the viewer pays today."""
        return self.promo_price if self.promo_price is not None else self.price

    def spec(self, key_fragment: str) -> Optional[Spec]:
        """First spec whose key (either language) contains ``key_fragment``."""
        frag = key_fragment.lower()
        for s in self.specs:
            if frag in s.key.zh.lower() or frag in s.key.en.lower():
                return s
        return None


class Catalog(_Strict):
    version: int = Field(default=1, ge=1, le=2)
    shop: Optional[Text] = None
    host: Host = Host()
    store: Optional[Policies] = None  # v2: policies every product inherits
    products: list[Product] = Field(min_length=1)
    _source: Optional[Path] = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _inherit_store(cls, data):
        """A v2 product may leave out ``shipping``/``after_sales``: they come from the store."""
        if isinstance(data, dict) and isinstance(data.get("store"), dict) and isinstance(data.get("products"), list):
            data = dict(data)
            data["products"] = [from_store(data["store"], p) if isinstance(p, dict) else p for p in data["products"]]
        return data

    @model_validator(mode="after")
    def _unique(self):
        seen: set[str] = set()
        links: set[int] = set()
        for p in self.products:
            if p.id in seen:
                raise ValueError(f"duplicate product id {p.id!r}")
            seen.add(p.id)
            if p.link is not None:
                if p.link in links:
                    raise ValueError(f"two products use link {p.link}")
                links.add(p.link)
        return self

    @property
    def source(self) -> Optional[Path]:
        return self._source

    def get(self, product_id: str) -> Product:
        for p in self.products:
            if p.id == product_id:
                return p
        raise KeyError(product_id)

    def policy(self, product: Product) -> Policies:
        """The policies in force for ``product``: store, then its v1 fields, then its overrides."""
        from .catalog_policy import merge_policies

        v1 = v1_overrides(self.store, to_policies(product))
        return merge_policies(merge_policies(self.store, v1), product.policies)

    def image_paths(self, product: Product) -> list[Path]:
        """Images resolved against the catalog file's folder (they are stored relative)."""
        base = self._source.parent if self._source else Path.cwd()
        return [(base / rel).resolve() for rel in product.images]


def format_money(value: float, currency: str, lang: str) -> str:
    """¥199 / ¥199.9 in both languages for CNY; "USD 19.99" otherwise. No trailing .0."""
    num = f"{value:.2f}".rstrip("0").rstrip(".")
    if currency == "CNY":
        return f"¥{num}"
    return f"{currency} {num}"
