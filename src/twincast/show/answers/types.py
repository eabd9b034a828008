"""Small typed records passed between the comment stages (moderate -> classify -> match -> reply).

Why plain frozen dataclasses: each stage can be tested on its own, the director (someone
else's code) only sees :class:`Decision` and :class:`QueuedAnswer`, and ``--json`` output is
``dataclasses.asdict`` of a decision.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal, Optional

Action = Literal["answer", "check", "clarify", "silent"]
# Named the way viewers ask (issue 17); the last five are moderation outcomes or "not in the catalog".
INTENTS = ("price", "promo", "stock", "spec", "size", "colour", "shipping", "shipping_exception", "delivery_time",
           "returns", "warranty", "how_to_buy", "compare", "usage", "safety", "ai_disclosure", "greeting",
           "off_topic", "spam", "abuse", "injection", "unknown")

_HAN = re.compile(r"[\u4e00-\u9fff]")


def comment_language(text: str) -> str:
    """Reply language: Chinese if the comment has Han characters worth answering in Chinese."""
    han = len(_HAN.findall(text))
    latin_words = len(re.findall(r"[A-Za-z]{2,}", text))
    return "zh" if han >= 2 or (han and han >= latin_words) else "en"


@dataclass(frozen=True)
class Comment:
    user: str
    text: str
    t: Optional[float] = None  # seconds on the show clock; None: now (monotonic)
    lang: Optional[str] = None  # None: detect from the text

    @property
    def language(self) -> str:
        return self.lang or comment_language(self.text)


@dataclass(frozen=True)
class Moderation:
    allowed: bool
    reason: Optional[str] = None  # spam, abuse, contact, injection, repeat, flood, empty
    detail: str = ""


@dataclass(frozen=True)
class Slots:
    """What the comment names besides the product: region, colour family, size, body measures."""

    region: Optional[str] = None  # canonical zh name from the gazetteer (新疆, 美国 ...)
    colour: Optional[str] = None  # colour family in English (black, pink ...)
    size: Optional[str] = None  # S/M/L/XL/XXL/XS or a phone model (iPhone 15 Pro)
    height_cm: Optional[float] = None
    weight_kg: Optional[float] = None
    gap_cm: Optional[float] = None  # a space the product should fit in


@dataclass(frozen=True)
class IntentResult:
    intent: str  # the main intent
    score: float
    slots: Slots = field(default_factory=Slots)
    method: str = "rules"
    intents: tuple[str, ...] = ()  # every intent asked, main first

    @property
    def all(self) -> tuple[str, ...]:
        return self.intents or (self.intent,)


@dataclass(frozen=True)
class ProductMatch:
    product_id: Optional[str]
    score: float
    method: str  # alias, retrieval, on_screen, none
    mentioned: tuple[str, ...] = ()  # every product the comment names, in order


@dataclass(frozen=True)
class Reply:
    kind: Action  # answer / check / clarify
    text: str
    fields: tuple[str, ...] = ()  # catalog fields the text was filled from
    reason: Optional[str] = None  # for check/clarify: missing_fact, no_match, which_product


@dataclass(frozen=True)
class Decision:
    comment: Comment
    action: Action
    reason: Optional[str]
    lang: str
    intent: Optional[str] = None
    product_id: Optional[str] = None
    reply: Optional[str] = None
    fields: tuple[str, ...] = ()
    match_method: str = ""
    compliance: str = "ok"
    intents: tuple[str, ...] = ()  # every intent answered, main first
    product_ids: tuple[str, ...] = ()  # every product the reply is about
    phrasing: str = "template"  # "llm" when a verified model rephrasing is spoken

    @property
    def speaks(self) -> bool:
        return self.action != "silent" and bool(self.reply)
