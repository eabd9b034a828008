"""Video templates: data (a catalog entry, a property listing) -> a storyboard of scenes.

Every spoken line passes the ad-law filter (:mod:`twincast.show.compliance`): rewritten lines
are used as rewritten, blocked ones are dropped and reported in ``Storyboard.warnings``. The
property tour adds the rules Chinese real-estate advertising has on top (房地产广告发布规定):
no promise of appreciation or returns, no school-admission promises, and no location given as
a travel time ("步行5分钟到地铁") - the listing must say a distance instead.

Long text never makes one endless scene: a room note or neighbourhood text longer than about
:data:`MAX_SCENE_SECONDS` is split at sentence ends into continuation scenes over the same
photo (with a different camera move), and a single run-on sentence is cut at clause marks
(``twincast.text.segment`` bounds every sentence).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Optional

from ..errors import TwincastError
from ..show.compliance import default_checker
from ..show.scripts import speaking_seconds
from ..text.segment import split_sentences
from .spec import Backdrop, Scene, Storyboard, VideoOptions

MAX_SCENE_SECONDS = 12.0  # longer narration over one picture gets a continuation scene
MAX_VIDEO_SECONDS = 600.0  # a short video; beyond this the text is an input mistake
_LIVE_ONLY = re.compile(r"直播间|评论区|小黄车|链接|扣1|live room|live-room|comments|stream|cart|link \d", re.I)
_REAL_ESTATE_BANNED = {
    "zh": re.compile(r"(步行|开车|驾车|车程|骑车|地铁)?[约仅只需]*\s*[0-9一二三四五六七八九十两半]+\s*分钟(可)?(到|达|直达|抵达|即达)?"
                     r"|升值|增值潜力|保值|投资回报|回报率|稳赚|学区|包入学|对口入学|名校"),
    "en": re.compile(r"\b\d+\s*-?\s*min(ute)?s?\b(\s+(walk|drive|ride|away|from|to))?|\bappreciat\w*|\bguaranteed\b"
                     r"|\breturn on investment\b|\bschool district\b|\bgood investment\b", re.I),
}


def compliant(line: str, lang: str, warnings: list[str], real_estate: bool = False,
              allow: tuple[str, ...] = ()) -> Optional[str]:
    """The line as it may be said, or None (the reason appended to ``warnings``)."""
    verdict = default_checker().check(line, lang, allow=allow)
    if not verdict.ok:
        warnings.append(f"dropped (ad law: {', '.join(verdict.terms)}): {line}")
        return None
    if verdict.decision == "rewritten":
        warnings.append(f"reworded (ad law: {', '.join(verdict.terms)}): {line} -> {verdict.text}")
    text = verdict.text
    if real_estate:
        hit = _REAL_ESTATE_BANNED[lang].search(text)
        if hit:
            warnings.append(f"dropped (real-estate advertising rules: {hit.group(0).strip()!r}; give distances, "
                            f"not travel times, and promise no appreciation or school places): {line}")
            return None
    return text


def chunk_narration(text: str, lang: str, max_seconds: float = MAX_SCENE_SECONDS) -> list[list[str]]:
    """Sentences grouped so each group is spoken in about ``max_seconds`` or less."""
    groups: list[list[str]] = []
    current: list[str] = []
    spent = 0.0
    for sentence in split_sentences(text):
        if not sentence.strip():
            continue
        secs = speaking_seconds(sentence, lang)
        if current and spent + secs > max_seconds:
            groups.append(current)
            current, spent = [], 0.0
        current.append(sentence.strip())
        spent += secs
    if current:
        groups.append(current)
    return groups


def _scenes_for_text(text: str, lang: str, warnings: list[str], make: Callable[[list[str], int], Scene],
                     real_estate: bool = False, allow: tuple[str, ...] = ()) -> list[Scene]:
    out = []
    for i, group in enumerate(chunk_narration(text, lang)):
        lines = [ok for s in group if (ok := compliant(s, lang, warnings, real_estate, allow))]
        if lines:
            out.append(make(lines, i))
    return out


def _check_length(board: Storyboard) -> Storyboard:
    if not board.scenes:
        raise TwincastError(f"{board.template}: nothing left to say (every line was dropped: "
                            f"{'; '.join(board.warnings[:3]) or 'no text'})", "give the data some plain descriptive text")
    seconds = sum(speaking_seconds(line, board.lang) for s in board.scenes for line in s.lines)
    if seconds > MAX_VIDEO_SECONDS:
        raise TwincastError(f"{board.template}: the narration would take about {seconds / 60:.0f} minutes; "
                            f"a short video is at most {MAX_VIDEO_SECONDS / 60:.0f}",
                            "shorten the descriptions (room notes, neighbourhood, highlights)")
    return board


# ---------------------------------------------------------------- property tour
def money_spoken(value: float, currency: str, lang: str, monthly: bool = False) -> tuple[str, str]:
    """(spoken, on-screen) price: 5800000 CNY -> ('580万元', '580万') / ('5.8 million yuan', '¥5.8M')."""
    unit_zh, unit_en, sign = ("元", "yuan", "¥") if currency == "CNY" else (currency, currency, currency + " ")
    if lang == "zh":
        if value >= 10_000 and not monthly:
            num = f"{value / 10_000:.2f}".rstrip("0").rstrip(".")
            return f"{num}万{unit_zh}", f"{sign}{num}万"
        num = f"{value:.2f}".rstrip("0").rstrip(".")
        return f"{num}{unit_zh}", f"{sign}{num}" + ("/月" if monthly else "")
    if value >= 1_000_000:
        num = f"{value / 1_000_000:.2f}".rstrip("0").rstrip(".")
        return f"{num} million {unit_en}", f"{sign}{num}M"
    num = f"{value:,.0f}"
    return f"{num} {unit_en}" + (" a month" if monthly else ""), f"{sign}{num}" + ("/month" if monthly else "")


def property_tour(data: Optional[Path], options: VideoOptions) -> Storyboard:
    from .listing import load_listing, sample_listing_path

    loaded = load_listing(data or sample_listing_path(options.lang or "zh"))
    ls = loaded.listing
    lang = ls.lang
    if options.lang and options.lang != lang:
        raise TwincastError(f"{loaded.path}: the listing is written in {lang}, but --lang {options.lang} was asked",
                            f"drop --lang, or translate the listing and set 'lang: {options.lang}' in it")
    zh = lang == "zh"
    warnings: list[str] = []
    rent = ls.deal == "rent"
    spoken_price, shown_price = money_spoken(ls.price, ls.currency, lang, monthly=rent)
    area = f"{ls.area_m2:g}"
    shown_area = f"{area}㎡" if zh else f"{area} m²"
    mode = options.avatar_mode
    first = Backdrop("photo", str(loaded.photos[0]))
    scenes: list[Scene] = []
    intro = (f"欢迎来看{ls.title}。这套房子{ls.layout}，建筑面积{area}平方米，"
             f"{'月租' if rent else '总价'}{spoken_price}。" if zh else
             f"Welcome to {ls.title}. It has {ls.layout}, {area} square metres, "
             f"{'for rent at' if rent else 'priced at'} {spoken_price}.")
    sub = " · ".join(x for x in (shown_price, shown_area, ls.layout) if x)
    scenes += _scenes_for_text(intro, lang, warnings, lambda lines, i: Scene(
        tuple(lines), first, "full" if mode != "none" else "none", ls.title, sub, motion=0), True)
    for k, (room, photo) in enumerate(zip(ls.rooms, loaded.photos)):
        lead = (f"这是{room.name}" + (f"，面积约{room.area_m2:g}平方米。" if room.area_m2 else "。") if zh else
                f"This is the {room.name.lower()}" + (f", about {room.area_m2:g} square metres." if room.area_m2 else "."))
        text = lead + ("" if zh else " ") + (room.note or "")
        shown = room.name + (f" · {room.area_m2:g}{'㎡' if zh else ' m²'}" if room.area_m2 else "")
        scenes += _scenes_for_text(text, lang, warnings, lambda lines, i, photo=photo, shown=shown, k=k: Scene(
            tuple(lines), Backdrop("photo", str(photo)), mode, shown, ls.title if i == 0 else None,
            motion=k + 1 + 2 * i), True)
    outro = ls.neighbourhood + (("" if zh else " ") + ("".join(h.rstrip("。") + "。" for h in ls.highlights) if zh else
                                " ".join(h.rstrip(".") + "." for h in ls.highlights)))
    outro += ("欢迎联系预约看房。" if zh else " Get in touch to book a viewing.")
    where = ls.address or ls.title
    scenes += _scenes_for_text(outro, lang, warnings, lambda lines, i: Scene(
        tuple(lines), first, "full" if mode != "none" else "none", where, ls.agent or sub, motion=7 + i), True)
    return _check_length(Storyboard("property-tour", lang, ls.title, scenes, warnings))


# ---------------------------------------------------------------- product promo
def _video_line(writer, segment: str, product, said: list[str]) -> Optional[str]:
    """A script-writer line that makes sense outside a live room (no links, carts, comments,
    no live-room openers) and does not repeat a selling point an earlier scene made."""
    from ..show.script_templates import OPENERS

    points = [p.get(writer.lang).rstrip("。.") for p in product.selling_points]
    for _ in range(60):
        line = writer.next_line(segment, product)
        if line is None:
            return None
        text = line.text
        for opener in sorted(OPENERS[writer.lang], key=len, reverse=True):
            if opener and text.startswith(opener):
                text = text[len(opener):]
                text = text[:1].upper() + text[1:] if text[:1].isascii() else text
                break
        if _LIVE_ONLY.search(text) or any(p in text and any(p in s for s in said) for p in points):
            continue
        said.append(text)
        return text
    return None


def product_promo(data: Optional[Path], options: VideoOptions) -> Storyboard:
    from ..render.cards import load_product_image
    from ..show.catalog import format_money
    from ..show.catalog_io import load_catalog
    from ..show.scripts import ScriptWriter

    catalog = load_catalog(data)
    lang = options.lang or "zh"
    zh = lang == "zh"
    in_stock = [p for p in catalog.products if p.stock > 0]
    if options.product:
        try:
            product = catalog.get(options.product)
        except KeyError:
            ids = ", ".join(p.id for p in catalog.products)
            raise TwincastError(f"product {options.product!r} is not in {catalog.source}",
                                f"use one of: {ids}") from None
    elif in_stock:
        product = in_stock[0]
    else:
        raise TwincastError(f"{catalog.source}: no product is in stock", "pick one with --product ID")
    images = catalog.image_paths(product)
    picture = str(images[0]) if images else None
    if picture and load_product_image(picture, (64, 64)) is None:
        raise TwincastError(f"{catalog.source}: product {product.id!r} image {picture} cannot be read as an image",
                            "replace it with a JPEG or PNG file")
    writer = ScriptWriter(catalog, lang, seed=options.seed)
    allow = tuple(n for n in (product.name.zh, product.name.en, product.brand or "") if n)
    warnings: list[str] = []
    name = product.name.get(lang)
    promo = format_money(product.promo_price, product.currency, lang) if product.promo_price else None
    price = format_money(product.price, product.currency, lang)
    stock = f"库存 {product.stock} 件" if zh else f"{product.stock} in stock"
    slide = Backdrop("product", picture, name=name)
    priced = Backdrop("product", picture, card=(name, price, promo, stock), name=name)
    mode = options.avatar_mode
    full = "full" if mode != "none" else "none"
    plan: list[tuple[str, Backdrop, str, Optional[str], Optional[str]]] = [
        ("hook", slide, full, name, product.category.get(lang)),
        ("features", slide, mode, None, None),
        ("features", slide, mode, None, None),
        ("proof", slide, mode, None, None),
        ("price_reveal", priced, mode, "", None),  # the product card says it: no lower third
    ]
    scenes: list[Scene] = []
    said: list[str] = []
    for k, (segment, backdrop, avatar, title, subtitle) in enumerate(plan):
        line = _video_line(writer, segment, product, said)
        if line is None:
            continue
        if title is None:  # features/proof: the spec or selling point the line is about
            spec = next((s for s in product.specs if s.value.get(lang).rstrip("。.") in line), None)
            title, subtitle = ((spec.key.get(lang), spec.value.get(lang)) if spec else (name, None))
        scenes += _scenes_for_text(line, lang, warnings, lambda lines, i, b=backdrop, a=avatar, t=title, s=subtitle, k=k:
                                   Scene(tuple(lines), b, a, t or None, s, motion=k + 2 * i), allow=allow)
    closing = "喜欢的话去商品详情页看看吧，价格和活动以页面为准。" if zh else \
        "Take a look at the product page; prices and offers are as shown there."
    scenes += _scenes_for_text(closing, lang, warnings, lambda lines, i: Scene(
        tuple(lines), slide, full, name, promo or price, motion=6 + i), allow=allow)
    return _check_length(Storyboard("product-promo", lang, name, scenes, warnings))


TEMPLATES: dict[str, Callable[[Optional[Path], VideoOptions], Storyboard]] = {
    "product-promo": product_promo,
    "property-tour": property_tour,
}


def storyboard(template: str, data: Optional[Path | str], options: VideoOptions) -> Storyboard:
    if template not in TEMPLATES:
        close = [t for t in TEMPLATES if t.split("-")[0] in template or template in t]
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise TwincastError(f"unknown template {template!r}{hint}", f"use one of: {', '.join(TEMPLATES)}")
    board = TEMPLATES[template](Path(data) if data else None, options.validated())
    if options.max_scenes:
        board.scenes = board.scenes[:options.max_scenes]
    return board
