"""``twincast catalog check``: every fact a viewer can be told, product by product, and the gaps.

Why: the host answers only from the catalog, so what is missing from it becomes "let me check"
on air. An operator should see before the stream that the jacket has no size chart or the
fryer no dimensions, and read the facts the host will state exactly as they will be said.
Pure functions over a loaded :class:`Catalog`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .answers.retrieval import fact_items
from .catalog import Catalog, Product, format_money

_APPAREL = ("服", "衣", "裤", "裙", "衫", "鞋", "jacket", "shirt", "dress", "coat", "pants", "shoe", "sneaker", "apparel",
            "hoodie", "sweater")
_APPLIANCE = ("锅", "电器", "烤箱", "炉", "冰箱", "除湿机", "洗衣机", "电饭煲", "净化器", "取暖器", "桌", "appliance", "fryer", "cooker", "oven", "microwave", "fridge", "heater",
              "purifier", "dehumidifier", "table", "stove")
_FOOD = ("食", "茶", "咖啡", "零食", "坚果", "果", "food", "snack", "tea", "coffee", "nuts", "candy")
_BEAUTY = ("霜", "乳", "膏", "精华", "口红", "防晒", "cream", "serum", "lipstick", "lotion", "sunscreen", "skincare")


@dataclass(frozen=True)
class FactLine:
    owner: str  # product id, or "store"
    field: str
    zh: str
    en: str


def _is(p: Product, words: tuple[str, ...]) -> bool:
    """Whether the product's category or name says it is of a kind. English words match whole
    words ("SteadyRest" is no tea, "microwave-safe" no microwave unless it says so), Chinese
    ones anywhere (Chinese has no spaces)."""
    text = f"{p.category.zh} {p.category.en} {p.name.zh} {p.name.en}".lower()
    latin = set(re.findall(r"[a-z]+", text))
    return any((w in latin or w + "s" in latin) if w.isascii() else w in text for w in words)


def product_facts(catalog: Catalog, p: Product) -> list[FactLine]:
    out = [FactLine(p.id, "price", f"价格{format_money(p.price, p.currency, 'zh')}",
                    f"price {format_money(p.price, p.currency, 'en')}")]
    if p.promo_price is not None:
        out.append(FactLine(p.id, "promo_price", f"直播价{format_money(p.promo_price, p.currency, 'zh')}",
                            f"live price {format_money(p.promo_price, p.currency, 'en')}"))
    out.append(FactLine(p.id, "stock", f"库存{p.stock}件", f"{p.stock} in stock"))
    for v in p.variants:
        label = " ".join(x for x in (v.colour, v.size) if x)
        out.append(FactLine(p.id, "variants", f"{label}：库存{v.stock}", f"{label}: {v.stock} in stock"))
    if p.colours:
        out.append(FactLine(p.id, "colours", "颜色：" + "、".join(c.zh for c in p.colours),
                            "colours: " + ", ".join(c.en for c in p.colours)))
    if p.size_chart:
        for r in p.size_chart.rows:
            extra = ", ".join(f"{k} {v:g}{p.size_chart.unit_of(k)}" for k, v in (r.model_extra or {}).items())
            ranges = " ".join(f"{name} {a:g}-{b:g}" for name, rng in (("height_cm", r.height_cm), ("weight_kg", r.weight_kg))
                              if rng for a, b in [rng])
            out.append(FactLine(p.id, "size_chart", f"{r.size}码 {ranges} {extra}".strip(), f"{r.size} {ranges} {extra}".strip()))
    elif p.sizes:
        out.append(FactLine(p.id, "sizes", "尺码：" + "、".join(p.size_names), "sizes: " + ", ".join(p.size_names)))
    for item in fact_items(p):
        out.append(FactLine(p.id, item.field, item.zh, item.en))
    pol = catalog.policy(p)
    for name, value in pol:
        if value is not None:
            out.append(FactLine(p.id, f"policies.{name}", _short(value, "zh"), _short(value, "en")))
    return out


def _short(value, lang: str) -> str:
    if hasattr(value, "get") and hasattr(value, "zh"):
        return value.get(lang)
    if isinstance(value, list):
        return "; ".join(_short(v, lang) for v in value) or ("无" if lang == "zh" else "none")
    if hasattr(value, "model_dump"):
        data = value.model_dump(exclude_none=True)
        return ", ".join(f"{k}={_plain(v, lang)}" for k, v in data.items())
    return str(value)


def _plain(v, lang: str) -> str:
    if isinstance(v, dict) and "zh" in v and "en" in v:
        return v[lang]
    if isinstance(v, list):
        return "/".join(_plain(x, lang) for x in v)
    return str(v)


def gaps(catalog: Catalog) -> list[str]:
    """Warnings an operator should fix before going live."""
    out: list[str] = []
    if catalog.version < 2 or catalog.store is None:
        out.append("store: no store policies (catalog v1): coupons, instalments, invoices, customer service and "
                   "delivery times will be answered with 'let me check'")
    elif catalog.store.transit is None:
        out.append("store: no transit days: 'how many days to arrive?' gets 'let me check'")
    for p in catalog.products:
        if _is(p, _APPAREL) and not p.size_chart:
            out.append(f"{p.id}: apparel without a size_chart: no size advice from height and weight, no measurements")
        if p.colours and p.size_names and not p.variants:
            out.append(f"{p.id}: colours x sizes but no variants: stock per colour and size is unknown "
                       "(the host can only quote the total)")
        if _is(p, _APPLIANCE) and not (p.dimensions and (p.dimensions.height or p.dimensions.width)):
            out.append(f"{p.id}: appliance without dimensions: 'will it fit?' cannot be answered")
        if _is(p, _FOOD) and not p.shelf_life:
            out.append(f"{p.id}: food without shelf_life")
        if _is(p, _FOOD) and not p.allergens:
            out.append(f"{p.id}: food without allergens (write them, or state there are none in a safety note)")
        if _is(p, _BEAUTY) and not p.usage:
            out.append(f"{p.id}: beauty product without usage notes")
        if _is(p, _BEAUTY) and not p.safety:
            out.append(f"{p.id}: beauty product without safety notes")
    return out
