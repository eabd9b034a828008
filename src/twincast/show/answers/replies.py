"""Reply pieces about one product, filled ONLY from catalog fields and reasoner results.

Why: the reply is the one place where a wrong number reaches the audience. Each builder reads
the catalog, names the fields it used (``Reply.fields``; ``twincast ask --json`` shows them)
and never copies text from the comment. A fact that is not in the catalog gets an honest
"我帮您确认一下 / let me check" (kind ``check``), never a neighbouring fact. Policy questions
(shipping, returns, warranty, buying) are in :mod:`.replies_policy`, prices and promotions (with
their arithmetic) in :mod:`.replies_price`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Optional

from ..catalog import Catalog, Product, format_money
from ..catalog_policy import Text
from ..catalog_units import number_text
from . import slots
from .bodyfit import body_checks, body_fit_fields, body_fit_text
from .chart_fit import measures, names_measure
from .kinds import fact_kinds
from .lexicon import COLOUR_ZH
from .reasoners import (
    fits_box,
    fits_in,
    match_colour,
    recommend_size,
    space_sides,
    variant_stock,
)
from .retrieval import Retriever
from .types import Reply, Slots


@dataclass(frozen=True)
class Ctx:
    """What every builder may read: the catalog, the comment's words and slots, the language."""

    catalog: Catalog
    retriever: Retriever
    text: str
    slots: Slots
    lang: str
    stock_of: Optional[Callable[[str], Optional[int]]] = None  # live stock (orders) while on air

    @property
    def zh(self) -> bool:
        return self.lang == "zh"

    def stock(self, p: Product) -> int:
        live = self.stock_of(p.id) if self.stock_of is not None else None
        return p.stock if live is None else live


def money(p: Product, v: float, lang: str) -> str:
    return format_money(v, p.currency, lang)


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def sentence(text: str, lang: str) -> str:
    """Catalog snippets end without punctuation: make them a spoken sentence."""
    text = text.strip()
    if lang == "en":
        text = cap(text)
    return text if re.search(r"[。！？.!?]$", text) else text + ("。" if lang == "zh" else ".")


def join(items: list[str], lang: str) -> str:
    return "、".join(items) if lang == "zh" else ", ".join(items)


def check_reply(lang: str, reason: str = "missing_fact", topic: str = "") -> Reply:
    text = (f"{topic}这个我帮您确认一下，确认好了马上回复您。" if lang == "zh"
            else f"Let me check{(' ' + topic) if topic else ' that'} for you and get back to you shortly.")
    return Reply("check", text, (), reason)


def clarify_reply(catalog: Catalog, lang: str) -> Reply:
    names = join(list(dict.fromkeys(p.category.get(lang) for p in catalog.products)), lang)
    text = (f"您问的是哪一款呢？今天有{names}，告诉我款式我来回答。" if lang == "zh"
            else f"Which product do you mean? Today we have {names}. Tell me and I'll answer.")
    return Reply("clarify", text, (), "which_product")


_CLAUSE = re.compile(r"[，,;；。!！?？\n]+|呢|还有|and also|\band\b|(?<=[吗么])\s+")


def stock(c: Ctx, p: Product) -> Reply:
    if p.variants:  # "白色40还有吗 黑色41呢": each colour/size pair gets its own line
        parts = [x for x in _CLAUSE.split(c.text) if x and x.strip()]
        if len(parts) > 1:
            both = any(v.colour for v in p.variants) and any(v.size for v in p.variants)
            found = [variant_stock(p, slots.colour(x), slots.size(x), c.lang, x) for x in parts]
            # a pair only: "灰绿" alone would quote the colour's total, not the size asked about
            pieces = [_variant_line(c, p, vs) for vs in found if vs and (not both or (vs.colour and vs.size))]
            if len(pieces) > 1:
                return Reply("answer", ("" if c.zh else " ").join(dict.fromkeys(pieces)), ("variants.stock",))
    vs = variant_stock(p, c.slots.colour, c.slots.size, c.lang, c.text)
    if vs is not None:
        label = " ".join(x for x in (vs.colour.get(c.lang) if vs.colour else "", vs.size or "") if x)
        if vs.stock <= 0:
            alts = join(list(vs.in_stock_alternatives), c.lang)
            text = (f"{label}已经卖完了" + (f"，现在还有{alts}。" if alts else "。") if c.zh
                    else f"{label} is sold out" + (f"; still available: {alts}." if alts else "."))
        else:
            text = f"{label}还有货，剩{vs.stock}件。" if c.zh else f"{label} is in stock: {vs.stock} left."
        return Reply("answer", text, ("variants.stock",))
    total = c.stock(p)
    if total <= 0:
        return Reply("answer", "这款暂时卖完了。" if c.zh else "This one is sold out for now.", ("stock",))
    if p.variants and (c.slots.colour or c.slots.size):  # a colour/size the product does not have
        return colour_or_size_missing(c, p)
    text = (f"{p.name.get(c.lang)}还有货，这一场库存{total}件。" if c.zh
            else f"The {p.name.get(c.lang)} is in stock: {total} units for this stream.")
    return Reply("answer", text, ("stock",))


def _variant_line(c: Ctx, p: Product, vs) -> str:
    if vs is None:
        return ""
    label = " ".join(x for x in (vs.colour.get(c.lang) if vs.colour else "", vs.size or "") if x)
    if vs.stock <= 0:
        return f"{label}已经卖完了。" if c.zh else f"{label} is sold out."
    return f"{label}还有货，剩{vs.stock}件。" if c.zh else f"{label} is in stock: {vs.stock} left."


def colour_or_size_missing(c: Ctx, p: Product) -> Reply:
    if c.slots.size and not p.size_names:  # "a smaller 2L version?" of a product sold in one size: not in the catalog
        return check_reply(c.lang)
    if c.slots.size and c.slots.size.lower() not in {s.lower() for s in p.size_names}:
        return Reply("answer", (f"没有这个尺码哦，可选{join(p.size_names, c.lang)}。" if c.zh
                                else f"That size isn't offered; sizes: {join(p.size_names, c.lang)}."), ("sizes",))
    return colour(c, p)


def chart_measurement(c: Ctx, p: Product) -> Optional[Reply]:
    """"How long is the M?" / "M码胸围多少" / "XS码颈围最小多少": the chart's numbers (a column
    pair as its range), not "M is available". A column is named by its full name, its key, or
    its head ("胸围" of 胸围最小（厘米）, "chest" of "chest girth max (cm)")."""
    chart = p.size_chart
    if not chart or not chart.columns:
        return None
    low = c.text.lower()
    named = [r for r in chart.rows if re.search(rf"(?<![a-z0-9]){re.escape(r.size.lower())}(?![a-z0-9])", low)]
    loose = bool(named or c.slots.size)  # "the chest of size L" asks the chart; "my feet are wide" does not
    ms = [m for m in measures(p) if m.keys and (names_measure(c.text, m, loose) or any(
        (col := chart.column(k)) is not None and (col.name.zh in c.text or col.name.en.lower() in low or k in low)
        for k in m.keys))]
    if not ms:
        return None
    rows = (named if len(named) > 1 else []) or [r for r in chart.rows if c.slots.size
                                                 and r.size.lower() == c.slots.size.lower()] or list(chart.rows)
    parts = []
    for r in rows[:6]:
        vals = []
        for m in ms:
            got = [r.measurement(k) for k in m.keys]
            if any(v is None for v in got):
                continue
            num = "-".join(number_text(v) for v in got)
            vals.append(f"{m.zh}{num}{m.unit}" if c.zh else f"{m.en} {num} {m.unit}".strip())
        if vals:
            parts.append(f"{r.size}{'码' if c.zh else ''}{'' if c.zh else ': '}{join(vals, c.lang)}")
    if not parts:
        return None
    text = ("；".join(parts) + "。") if c.zh else "; ".join(parts) + "."
    return Reply("answer", text, ("size_chart",))


_ASKS_AVAILABILITY = re.compile(
    r"^\s*有.{0,12}(吗|么|没)|有没有|有吗|有的吗|有货|还有|没货|卖完|有[黑白粉红蓝绿黄紫灰棕米杏咖]|哪些|几个|几种|什么颜色|什么色|颜色|色号|要|拍|来一|"
    r"^\s*[黑白粉红蓝绿黄紫灰棕米杏雾奶浅深]{1,4}[色的]?(款|版)?[吗呢呀？?]*\s*$|"
    r"\b(come|comes) in\b|availab|in stock|\bstock\b|\bleft\b|(do|does) (you|it|they) (have|come)|\bany\b|"
    r"colou?rs?\b|\bshades?\b|\bwant\b|\bget\b|^[a-z ]{0,20}\??$", re.I)


# how a colour looks or wears ("偏粉还是偏灰", "more beige or pink", "will the white get dirty"): a
# question about that colour, answered from the facts or deferred, never with its stock
_LOOKS = re.compile(r"偏.{1,3}还是|是什么颜色|什么样的颜色|显白|显黑|耐脏|脏不脏|容易脏|透不透|会透|褪色|掉色|色差|实物|"
                    r"\bmore \w+ or \w+|\bget dirty|\bshow (dirt|stains)|see[- ]through|\bfade|true to (the )?(photo|picture)|"
                    r"what (does|do) .{0,20}look like", re.I)


def option_words(p: Product) -> tuple[str, str]:
    """What the product's colour options are, in zh and en: flavours or scents ("巧克力味",
    "原味": every name ends in 味) are no colours, so they are said as kinds, not colours."""
    if p.colours and all(x.zh.endswith("味") for x in p.colours):
        return "种味道", "kinds"
    return "个颜色", "colours"


def _sold_out_options(p: Product) -> list[Text]:
    """The options every variant of which is out of stock (the catalog's numbers)."""
    out = []
    for x in p.colours:
        vs = [v for v in p.variants if v.colour in (x.zh, x.en)]
        if vs and all(v.stock == 0 for v in vs):
            out.append(x)
    return out


_FLAVOUR = re.compile(r"味|flavou?r|scent", re.I)


def colour(c: Ctx, p: Product) -> Reply:
    if not p.colours:
        if _FLAVOUR.search(c.text):  # "什么味道的 酸不酸" of a coffee with one taste: its taste notes
            return spec(c, p)
        return check_reply(c.lang, topic="颜色" if c.zh else "about colours")
    names = [x.get(c.lang) for x in p.colours]
    listing, n = join(names, c.lang), len(names)
    kind_zh, kind_en = option_words(p)
    fam = c.slots.colour
    if (fam or match_colour(p, None, c.text)) and (_LOOKS.search(c.text) or not _ASKS_AVAILABILITY.search(c.text)):
        return spec(c, p)  # "白色会透吗", "does the light blue fade?": a question about that colour, not its stock
    if fam or match_colour(p, None, c.text):
        hit = match_colour(p, fam, c.text)
        if hit is not None:
            if p.variants:
                return stock(c, p)
            text = (f"有的，有{hit.get(c.lang)}。一共{n}{kind_zh}：{listing}。" if c.zh
                    else f"Yes, we have {hit.get(c.lang)}. All {n} {kind_en}: {listing}.")
        else:
            want = COLOUR_ZH.get(fam or "", "这个颜色") if c.zh else (fam or "that colour")
            text = (f"暂时没有{want}哦，目前有{listing}。" if c.zh else f"Sorry, no {want} for now. We have {listing}.")
        return Reply("answer", text, ("colours",))
    text = (f"{p.name.get(c.lang)}有{n}{kind_zh}：{listing}。" if c.zh
            else f"The {p.name.get(c.lang)} comes in {n} {kind_en}: {listing}.")
    gone = [x.get(c.lang) for x in _sold_out_options(p)]
    if gone and len(gone) < n:  # "what flavours are in stock": the list is no promise of stock
        text += f"其中{join(gone, c.lang)}已售罄。" if c.zh else f" Sold out: {join(gone, c.lang)}."
    return Reply("answer", text, ("colours", "variants") if gone else ("colours",))


def spec(c: Ctx, p: Product, topics: tuple[str, ...] = ()) -> Reply:
    """A spec, usage, care or safety statement; "does it fit" is arithmetic on dimensions."""
    box = fits_box(p, space_sides(c.text))
    if box is not None:  # "12 x 8.5 inches", "长33宽23": every side counts, not one
        mine, yours = " x ".join(number_text(x) for x in box.product_cm), " x ".join(number_text(x) for x in box.space_cm)
        if box.fits:
            text = (f"放得下：它{mine}厘米，您的空间{yours}厘米。" if c.zh
                    else f"Yes, it fits: it is {mine} cm, your space is {yours} cm.")
        else:
            text = (f"放不下哦：它{mine}厘米，您的空间只有{yours}厘米。" if c.zh
                    else f"No, it won't fit: it is {mine} cm, your space is only {yours} cm.")
        return Reply("answer", text, ("dimensions",))
    if c.slots.gap_cm:
        lying = bool(_LAID_INTO.search(c.text))
        fit = fits_in(p, c.slots.gap_cm, None if lying else _side(c.text), lying)
        if fit is not None:
            side_zh = "最薄的一边" if lying else {"height": "高", "width": "宽", "depth": "深"}[fit.side]
            side_en = "at its thinnest" if lying else f"in {fit.side}"
            size = number_text(fit.product_cm)
            if fit.fits:
                text = (f"放得下：它{side_zh}{size}厘米，比您的{number_text(fit.gap_cm)}厘米小。" if c.zh
                        else f"Yes, it fits: it is {size} cm {side_en}, under your {number_text(fit.gap_cm)} cm.")
            else:
                text = (f"放不下哦：它{side_zh}{size}厘米，超过了您的{number_text(fit.gap_cm)}厘米。" if c.zh
                        else f"No, it won't fit: it is {size} cm {side_en}, more than your "
                        f"{number_text(fit.gap_cm)} cm.")
            return Reply("answer", text, ("dimensions",))
    body = [] if recommend_size(p, c.slots.height_cm, c.slots.weight_kg) else \
        body_checks(p, c.text, c.slots.height_cm, c.slots.weight_kg)
    if body:  # "承重多少 放两台显示器40斤可以吗": the load limit against the weight named
        return Reply("answer", body_fit_text(body, c.lang), body_fit_fields(body))
    hit = c.retriever.best_fact(c.text, p, topics)
    if c.slots.gap_cm and hit.item is not None and "length" not in fact_kinds(hit.item.zh + " " + hit.item.en):
        return check_reply(c.lang)  # "will it fit in 4 cm?" is not answered by "it fits in a bag"
    if hit.sure and hit.item is not None:
        return Reply("answer", sentence(hit.item.get(c.lang), c.lang), (hit.item.field,))
    return check_reply(c.lang)


_LAID_INTO = re.compile(r"抽屉|包里|背包|箱子|行李箱|盒子|drawer|\bbag\b|backpack|suitcase|\bbox\b|luggage", re.I)


def _side(text: str) -> Optional[str]:
    low = text.lower()
    if re.search(r"宽|width|wide", low):
        return "width"
    if re.search(r"深|depth|deep|trunk", low):
        return "depth"
    if re.search(r"高|height|tall|shelf|cabinet|under|柜|台面下", low):
        return "height"
    return None


def _own_options(p: Product, text: str) -> list[str]:
    """The product's own colours, sizes and option words the comment names ("雾紫和奶白", "6mm vs
    8mm"): a comparison between them is a question about this product, not about a rival brand."""
    low = text.lower()
    found = [x.en for x in p.colours if (x.zh and x.zh in text) or (x.en and x.en.lower() in low)]
    found += [n for n in p.size_names if re.search(rf"(?<![a-z0-9]){re.escape(n.lower())}(?![a-z0-9])", low)]
    found += list(dict.fromkeys(m.group(0) for m in re.finditer(r"\d+(?:\.\d+)?\s*(?:mm|毫米|cm|厘米|kg|公斤|g|克|ml|l|升)\b", low)))
    return found


def compare(c: Ctx, products: list[Product]) -> Reply:
    """Each named product on the point asked, or price and headline when no point is named."""
    if len(products) < 2:
        p = products[0]
        if len(_own_options(p, c.text)) >= 2:  # "月光白和樱花粉哪个更耐脏", "6mm和8mm哪个更护膝": its own options
            return chart_measurement(c, p) or spec(c, p)  # "XL sleeve vs L sleeve?": both rows of the chart
        point = p.selling_points[0].get(c.lang)
        text = (f"别家的产品我们不方便评价，说说这款：{point}，今天到手价{money(p, p.sale_price, c.lang)}。" if c.zh
                else f"We don't comment on other brands, but here's ours: {point}, and it's "
                f"{money(p, p.sale_price, c.lang)} today.")
        return Reply("answer", text, ("selling_points[0]", "promo_price" if p.promo_price is not None else "price"))
    for q in products:
        hit = c.retriever.best_fact(c.text, q)
        if hit.sure and hit.item and hit.item.field.startswith("faq") and all(
                o.name.zh in hit.item.text or o.name.en.lower() in hit.item.text.lower() or o.id == q.id
                or any(a.lower() in hit.item.text.lower() for a in o.aliases.zh + o.aliases.en)
                for o in products):
            return Reply("answer", sentence(hit.item.get(c.lang), c.lang), (f"{q.id}:{hit.item.field}",))
    parts = []
    for q in products[:3]:
        hit = c.retriever.best_fact(c.text, q)
        about = hit.item.get(c.lang) if hit.sure and hit.item and hit.item.topic == "spec" else \
            q.selling_points[0].get(c.lang)
        parts.append(f"{q.name.get(c.lang)}{'到手价' if c.zh else ' at '}{money(q, q.sale_price, c.lang)}"
                     f"{'，' if c.zh else ': '}{about}")
    return Reply("answer", ("；".join(parts) + "。") if c.zh else "; ".join(parts) + ".",
                 ("price", "promo_price", "specs|selling_points"))
