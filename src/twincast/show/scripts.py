"""Bilingual sales scripts from templates, grounded in the catalog and never repeating.

Why templates and not a model: no usable local LLM ships in a package (ASSETS.md), and a line
whose numbers come straight from catalog fields cannot state a wrong price. Variety comes from
many templates x slot values x openers; each (product, segment, language) gets a shuffled deck
that is dealt in order, and a line said within the last hour (on the writer's speaking clock)
is skipped, so an unattended 24/7 loop never repeats itself word for word within an hour.

Every line passes :mod:`twincast.show.compliance` (rewritten or dropped). An optional
:class:`~twincast.show.llm.LLMRewriter` may rephrase a line; its output is used only if every
number in it is backed by the catalog and it passes compliance, else the template line stays.
"""

from __future__ import annotations

import itertools
import random
import re
import string
from dataclasses import dataclass
from typing import Iterator, Optional, Protocol

from .catalog import Catalog, Product, format_money
from .compliance import Compliance, default_checker
from .script_templates import OPENERS, TEMPLATES

BLOCK = ("hook", "features", "features", "features", "proof", "price_reveal", "stock_urgency", "call_to_action",
         "transition")
ZH_CHARS_PER_S = 4.5  # brisk live-commerce Mandarin, ~270 characters a minute
EN_WORDS_PER_S = 2.6  # ~155 words a minute
PAUSE_S = 0.35
_PAIRED = {"spec_key": "spec", "spec_value": "spec", "faq_q": "faq", "faq_a": "faq"}


@dataclass(frozen=True)
class ScriptLine:
    product_id: Optional[str]
    segment: str
    lang: str
    text: str
    seconds: float
    source: str = "template"  # or "llm"
    compliance: str = "ok"  # ok / rewritten
    next_product_id: Optional[str] = None  # transitions also name the next product


class Rewriter(Protocol):
    def rewrite(self, line: str, product: Optional[Product], lang: str) -> Optional[str]: ...


def speaking_seconds(text: str, lang: str) -> float:
    """Rough time to say ``text`` at a live host's pace (used for the no-repeat clock)."""
    if lang == "zh":
        units = len(re.findall(r"[\u4e00-\u9fff]", text)) + 1.5 * len(re.findall(r"[A-Za-z]+|\d+(?:\.\d+)?", text))
        return units / ZH_CHARS_PER_S + PAUSE_S
    return len(re.findall(r"[A-Za-z0-9']+", text)) / EN_WORDS_PER_S + PAUSE_S


def _strip(s: str) -> str:
    return s.rstrip("。.!！；;，, ")


def slot_values(catalog: Catalog, p: Optional[Product], lang: str,
                nxt: Optional[Product] = None) -> dict[str, list]:
    """Every value each slot can take for this product; a slot with no value is absent."""
    zh = lang == "zh"
    v: dict[str, list] = {"shop": [catalog.shop.get(lang) if catalog.shop else ("直播间" if zh else "our live room")]}
    if nxt is not None:
        v["next_name"], v["next_category"] = [nxt.name.get(lang)], [nxt.category.get(lang)]
    if p is None:
        return v
    money = lambda x: format_money(x, p.currency, lang)  # noqa: E731
    v.update(name=[p.name.get(lang)], category=[p.category.get(lang)],
             point=[_strip(s.get(lang)) for s in p.selling_points], price=[money(p.price)],
             ships_hours=[str(p.shipping.ships_within_hours)])
    if p.specs:
        v["spec"] = [(s.key.get(lang), _strip(s.value.get(lang))) for s in p.specs]
    if p.faq:
        v["faq"] = [(_strip(f.q.get(lang)), _strip(f.a.get(lang))) for f in p.faq]
    if p.promo_price is not None:
        v["promo"], v["saving"] = [money(p.promo_price)], [money(round(p.price - p.promo_price, 2))]
    if p.stock > 0:
        v["stock"] = [str(p.stock)]
    if p.link:
        v["link"] = [str(p.link)]
    if p.gifts:
        v["gift"] = [_strip(g.get(lang)) for g in p.gifts]
    af = p.after_sales
    if af.note:
        v["returns"] = [_strip(af.note.get(lang))]
    elif af.returns_days and af.no_reason_returns:
        v["returns"] = [f"支持{af.returns_days}天无理由退货" if zh else f"{af.returns_days}-day no-questions-asked returns"]
    if af.warranty_months:
        v["warranty"] = [f"保修{af.warranty_months}个月" if zh else f"a {af.warranty_months}-month warranty"]
    sep = "、" if zh else ", "
    if p.colours:
        v["colours"] = [sep.join(c.get(lang) for c in p.colours)]
    if p.sizes:
        v["sizes"] = [sep.join(s.name for s in p.sizes)]
    return v


def _fields(template: str) -> list[str]:
    return [f for _, f, _, _ in string.Formatter().parse(template) if f]


def realise(template: str, values: dict[str, list]) -> list[str]:
    """All fillings of ``template`` (spec key/value and FAQ q/a stay paired); [] if a slot is missing."""
    names = _fields(template)
    groups = list(dict.fromkeys(_PAIRED.get(n, n) for n in names))
    if any(g not in values for g in groups):
        return []
    out = []
    for combo in itertools.product(*(values[g] for g in groups)):
        fill: dict[str, str] = {}
        for g, val in zip(groups, combo):
            if g == "spec":
                fill["spec_key"], fill["spec_value"] = val
            elif g == "faq":
                fill["faq_q"], fill["faq_a"] = val
            else:
                fill[g] = val
        out.append(template.format(**fill))
    return out


def _capitalise(line: str) -> str:
    return line[:1].upper() + line[1:] if line[:1].isalpha() and line[:1].isascii() else line


class ScriptWriter:
    """Deals script lines for one language; keeps its own speaking clock and history."""

    def __init__(self, catalog: Catalog, lang: str = "zh", seed: int = 0, window_s: float = 3600.0,
                 rewriter: Optional[Rewriter] = None, checker: Optional[Compliance] = None) -> None:
        if lang not in TEMPLATES:
            raise ValueError(f"unknown language {lang!r}")
        self.catalog, self.lang, self.window_s = catalog, lang, window_s
        self.rewriter, self.checker = rewriter, checker or default_checker()
        self.clock = 0.0
        self._rng = random.Random(seed)
        self._decks: dict[tuple, list[str]] = {}
        self._pos: dict[tuple, int] = {}
        self._said: dict[str, float] = {}
        self._allow = [n for p in catalog.products for n in (p.name.zh, p.name.en, p.brand or "")]

    def _deck(self, segment: str, p: Optional[Product], nxt: Optional[Product]) -> list[str]:
        key = (segment, p.id if p else None, nxt.id if nxt else None)
        if key not in self._decks:
            seg = "price_plain" if segment == "price_reveal" and p is not None and p.promo_price is None else segment
            values = slot_values(self.catalog, p, self.lang, nxt)
            lines = list(dict.fromkeys(_capitalise(o + (self._decap(body) if o else body))
                                       for t in TEMPLATES[self.lang][seg] for body in realise(t, values)
                                       for o in OPENERS[self.lang]))
            self._rng.shuffle(lines)
            self._decks[key], self._pos[key] = lines, 0
        return self._decks[key]

    def _decap(self, body: str) -> str:
        """'Friends, ' + 'Here's ...' -> 'Friends, here's ...' (names and 'I' keep their capital)."""
        first = re.split(r"[\s,:]", body, maxsplit=1)[0]
        if first == "I" or re.match(r"^[\w -]+:", body) or any(name.startswith(first) for name in self._allow if name) or first[1:2].isupper():
            return body
        return body[:1].lower() + body[1:]

    def next_line(self, segment: str, product: Optional[Product] = None,
                  next_product: Optional[Product] = None) -> Optional[ScriptLine]:
        """The next unrepeated, compliant line for ``segment`` (None if the deck is spent)."""
        deck = self._deck(segment, product, next_product)
        key = (segment, product.id if product else None, next_product.id if next_product else None)
        for _ in range(len(deck)):
            i = self._pos[key]
            self._pos[key] = (i + 1) % len(deck)
            verdict = self.checker.check(deck[i], self.lang, allow=self._allow)
            if not verdict.ok or self._recent(verdict.text):
                continue
            text, source = verdict.text, "template"
            if self.rewriter is not None:
                better = self.rewriter.rewrite(text, product, self.lang)
                if better and not self._recent(better):
                    text, source = better, "llm"
            return self._emit(ScriptLine(product.id if product else None, segment, self.lang, text,
                                         speaking_seconds(text, self.lang), source, verdict.decision,
                                         next_product.id if next_product else None))
        return None

    def _recent(self, text: str) -> bool:
        last = self._said.get(text)
        return last is not None and self.clock - last < self.window_s

    def _emit(self, line: ScriptLine) -> ScriptLine:
        self._said[line.text] = self.clock
        self.clock += line.seconds
        return line

    def block(self, product: Product, next_product: Optional[Product] = None) -> list[ScriptLine]:
        """One product's pass: hook, three features, proof, price, stock, call to action, transition."""
        out = []
        for seg in BLOCK:
            if seg == "transition" and next_product is None:
                continue
            line = self.next_line(seg, product, next_product if seg == "transition" else None)
            if line:
                out.append(line)
        return out

    def loop(self, product_ids: Optional[list[str]] = None, opening_every: int = 4) -> Iterator[ScriptLine]:
        """Endless show: an opening every few products, then product blocks in catalog order."""
        products = [p for p in self.catalog.products if p.stock > 0 and (not product_ids or p.id in product_ids)]
        if not products:
            raise ValueError("no product with stock to present")
        for n in itertools.count():
            said_any = False
            if n % opening_every == 0:
                line = self.next_line("opening")
                if line:
                    said_any = True
                    yield line
            p, nxt = products[n % len(products)], products[(n + 1) % len(products)]
            for line in self.block(p, nxt if nxt.id != p.id else None):
                said_any = True
                yield line
            if not said_any:  # everything was said within the window: let time pass (silence)
                self.clock += 60.0
