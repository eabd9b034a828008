"""Size replies: a size from height and weight, from every chart measure the viewer gives ("脚长
23.5", "胸围40": :mod:`.chart_fit`), from the size they usually wear, each moved by what the chart's fit note
asks of this viewer (:mod:`.fit_note`); a body against a product without sizes goes to
:mod:`.bodyfit`. Split from replies.py, whose helpers these use.
"""

from __future__ import annotations

from typing import Optional

from ..catalog import Product
from ..catalog_units import number_text
from .bodyfit import body_checks, body_fit_fields, body_fit_text
from .chart_fit import fit
from .fit_note import USUAL_SIZE, size_steps, step_up
from .reasoners import recommend_size
from .replies import Ctx, chart_measurement, check_reply, join, sentence, stock
from .size_names import size_named
from .types import Reply


def size(c: Ctx, p: Product) -> Reply:
    names = p.size_names
    s = c.slots
    chart = p.size_chart
    note = chart.fit_note.get(c.lang) if chart and chart.fit_note else ""
    if not names:
        body = body_checks(p, c.text, s.height_cm, s.weight_kg)
        if body:  # "我200斤能坐吗", "I'm 5 ft 2, is the chair ok?": the product's own limits
            return Reply("answer", body_fit_text(body, c.lang), body_fit_fields(body))
        hit = c.retriever.best_fact(c.text, p)
        if hit.sure and hit.item:
            return Reply("answer", sentence(hit.item.get(c.lang), c.lang), (hit.item.field,))
        return check_reply(c.lang, topic="尺码" if c.zh else "about sizes")
    measured = _chart_fit(c, p)
    if measured:
        return measured
    if s.height_cm or s.weight_kg:
        adv = recommend_size(p, s.height_cm, s.weight_kg)
        if adv is None:
            body = body_checks(p, c.text, s.height_cm, s.weight_kg)  # a desk's sizes say nothing of its users
            if body:
                return Reply("answer", body_fit_text(body, c.lang), body_fit_fields(body))
            return check_reply(c.lang, topic="尺码" if c.zh else "about the size")
        rng = [f"{number_text(a)}-{number_text(b)}{u}" for rr, u in ((adv.height, "cm"), (adv.weight, "kg")) if rr
               for a, b in [rr]]
        by = ("身高体重", "your height and weight") if s.height_cm and s.weight_kg else \
            ("身高", "that height") if s.height_cm else ("体重", "that weight")
        text = (f"按{by[0]}建议选{adv.size}码，{adv.size}码适合{'、'.join(rng)}。" if c.zh
                else f"For {by[1]} we suggest size {adv.size}, which fits {' and '.join(rng)}.")
        up = _size_up(c, p, adv.size, from_usual=False)
        text += (up[1] if c.zh else " " + up[1]) if up else ""
        if note:
            text += sentence(note, c.lang) if c.zh else " " + sentence(note, c.lang)
        return Reply("answer", text, ("size_chart",))
    measured = chart_measurement(c, p)
    if measured:
        return measured
    usual = size_named(p, c.text) or s.size
    if usual and USUAL_SIZE.search(c.text) and usual.lower() in {n.lower() for n in names}:
        up = _size_up(c, p, usual, from_usual=True)  # "平时穿37", "I usually wear 38": the note's size
        pick = up[0] if up else usual
        text = f"平时穿{usual}的话建议选{pick}码。" if c.zh else f"If you usually wear {usual}, we suggest {pick}."
        return Reply("answer", text + ((sentence(note, c.lang) if c.zh else " " + sentence(note, c.lang)) if note else ""),
                     ("sizes", "size_chart.fit_note") if note else ("sizes",))
    if s.size and s.size.lower() in {n.lower() for n in names}:
        if p.variants:
            return stock(c, p)
        text = (f"{s.size}码有的，可选{join(names, c.lang)}。" if c.zh else f"Yes, {s.size} is offered. Sizes: {join(names, c.lang)}.")
        return Reply("answer", text + (sentence(note, c.lang) if note else ""), ("sizes",))
    hit = c.retriever.best_fact(c.text, p)
    if hit.sure and hit.item and hit.item.field.startswith("faq"):
        return Reply("answer", sentence(hit.item.get(c.lang), c.lang), (hit.item.field,))
    text = f"{p.name.get(c.lang)}可选：{join(names, c.lang)}。" if c.zh else f"Sizes: {join(names, c.lang)}."
    if note:
        text += sentence(note, c.lang) if c.zh else " " + sentence(note, c.lang)
    return Reply("answer", text, ("sizes", "size_chart.fit_note") if note else ("sizes",))


def _chart_fit(c: Ctx, p: Product) -> Optional[Reply]:
    """"胸围40 体重4公斤 拍哪个码": the size holding every measure given (:mod:`.chart_fit`)."""
    got = fit(p, c.text, c.slots.height_cm, c.slots.weight_kg)
    if got is None:
        return None
    chart = p.size_chart
    note = chart.fit_note.get(c.lang) if chart.fit_note else ""
    if got.outside:  # past the chart's ends: where it ends, no size claimed
        text = ("；".join(z for z, _ in got.reasons) + "。") if c.zh else "; ".join(e for _, e in got.reasons) + "."
    elif got.size is None:  # the measures point at different sizes: each one's, and the note
        text = ("，".join(z for z, _ in got.reasons) + "，不在同一个码。") if c.zh else \
            "; ".join(e for _, e in got.reasons) + ": they point at different sizes."
    elif c.zh:
        named = "".join(f"；{z}" for z, _ in got.named)
        text = f"建议选{got.size}码（{got.size}码{'、'.join(z for z, _ in got.reasons)}{named}）。"
        text += f"{got.both}码也合适。" if got.both else ""
    else:
        named = "".join(f"; {e}" for _, e in got.named)
        text = f"We suggest size {got.size} ({', '.join(e for _, e in got.reasons)}{named})."
        text += f" {got.both} fits too." if got.both else ""
    up = _size_up(c, p, got.size, from_usual=False) if got.size else None
    text += (up[1] if c.zh else " " + up[1]) if up else ""
    if note:
        text += sentence(note, c.lang) if c.zh else " " + sentence(note, c.lang)
    return Reply("answer", text, ("size_chart",))


def _size_up(c: Ctx, p: Product, size: str, from_usual: bool) -> Optional[tuple[str, str]]:
    """The size one up when the chart's fit note asks it of this viewer, and how to say so."""
    chart = p.size_chart
    if not chart or not chart.fit_note:
        return None
    steps, _ = size_steps(f"{chart.fit_note.zh}；{chart.fit_note.en}", c.text, from_usual)
    up = step_up(p.size_names, size, steps) if steps else None
    if up is None:
        return None
    return up, sentence(f"按尺码说明要拍大一码，选{up}码" if c.zh else f"the fit note says one size up: take {up}", c.lang)
