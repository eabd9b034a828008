"""Store-wide policies (catalog v2) that every product inherits unless it overrides them.

Why a separate block: viewers ask about discounts, instalments, couriers, delivery to a region,
returns and warranty far more often than about specs, and a shop's rules are the same for most
products. Writing them once under ``store:`` keeps them consistent; a product's own
``policies:`` replaces single fields (a fryer's two-year warranty, a cream that cannot be
returned once opened). :func:`merge_policies` does that merge; it is pure.

Every text is bilingual (:class:`~twincast.show.catalog.Text`), every number finite.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, allow_inf_nan=False)


class Text(_Strict):
    """One piece of text in both show languages."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class Promo(_Strict):
    """A discount or coupon. ``kind: none`` states that there is none (so the host can say so)."""

    kind: Literal["coupon", "discount", "full_reduction", "gift", "bundle", "none"]
    text: Text
    threshold: Optional[float] = Field(default=None, ge=0, le=1e7)  # spend at least this ...
    amount: Optional[float] = Field(default=None, gt=0, le=1e7)  # ... to save this much
    valid_until: Optional[dt.date] = None

    @model_validator(mode="after")
    def _amount_below_threshold(self):
        if self.threshold and self.amount and self.amount >= self.threshold:
            raise ValueError(f"promo amount {self.amount:g} must be below its threshold {self.threshold:g}")
        return self


class Instalments(_Strict):
    available: bool
    periods: list[int] = Field(default_factory=list)  # 3, 6, 12 months
    interest_free: bool = False
    note: Optional[Text] = None

    @model_validator(mode="after")
    def _periods(self):
        if not self.available and self.periods:
            raise ValueError("instalments not available but periods are listed")
        if any(p < 2 or p > 60 for p in self.periods):
            raise ValueError("instalment periods must be between 2 and 60 months")
        return self


class PurchaseLimit(_Strict):
    per_order: Optional[int] = Field(default=None, ge=1, le=100000)
    per_customer: Optional[int] = Field(default=None, ge=1, le=100000)
    note: Optional[Text] = None


class CustomerService(_Strict):
    channel: Text
    hours: Text


class Transit(_Strict):
    """Days in transit after dispatch for some regions; no regions = everywhere else served."""

    regions: list[Text] = Field(default_factory=list)
    days: tuple[int, int]

    @model_validator(mode="after")
    def _ordered(self):
        if not 0 <= self.days[0] <= self.days[1] <= 90:
            raise ValueError("transit days must be [min, max] with 0 <= min <= max <= 90")
        return self


class Surcharge(_Strict):
    regions: list[Text] = Field(min_length=1)
    fee: float = Field(gt=0, le=1e5)


class Returns(_Strict):
    days: int = Field(ge=0, le=365)
    no_reason: bool = True
    conditions: list[Text] = Field(default_factory=list)  # "unopened", "tags on" ...
    note: Optional[Text] = None


class Warranty(_Strict):
    months: int = Field(ge=0, le=240)
    terms: Optional[Text] = None


class Policies(_Strict):
    """Every field optional: unset means "inherit" (product) or "not stated" (store)."""

    promos: Optional[list[Promo]] = None
    instalments: Optional[Instalments] = None
    purchase_limit: Optional[PurchaseLimit] = None
    invoice: Optional[Text] = None
    customer_service: Optional[CustomerService] = None
    ships_from: Optional[Text] = None
    ships_to: Optional[Text] = None  # e.g. mainland China; regions outside it are not served
    couriers: Optional[list[Text]] = None
    free_shipping: Optional[bool] = None
    shipping_fee: Optional[float] = Field(default=None, ge=0, le=1e5)
    dispatch_hours: Optional[int] = Field(default=None, gt=0, le=24 * 60)
    transit: Optional[list[Transit]] = None
    not_served: Optional[list[Text]] = None
    surcharges: Optional[list[Surcharge]] = None
    returns: Optional[Returns] = None
    return_shipping_insurance: Optional[bool] = None
    warranty: Optional[Warranty] = None

    @model_validator(mode="after")
    def _fee(self):
        if self.free_shipping and self.shipping_fee:
            raise ValueError("free_shipping: true must not have a shipping_fee")
        return self


class Host(_Strict):
    """The host persona. The disclosure line is what "are you real / a bot?" gets, always."""

    name: Text = Text(zh="小双", en="Twin")
    ai_disclosure: Text = Text(
        zh="我是AI数字人主播，由真人团队运营，商品信息都以商品页为准。",
        en="I'm an AI digital host run by a human team; product details follow the product page.")


def merge_policies(store: Optional[Policies], own: Optional[Policies]) -> Policies:
    """Product fields replace store fields one by one; unset product fields inherit."""
    base = store.model_dump(exclude_none=True) if store else {}
    base.update(own.model_dump(exclude_none=True) if own else {})
    return Policies.model_validate(base)
