"""The director: what is said next, by whom, on which camera.

It walks the rundown product by product, pulling lines from the script writer; after a price
reveal the assistant host repeats price and stock; at every sentence boundary it first asks
the answer queue, so a viewer's question is voiced by the assistant and answered by the host
before the script resumes. Camera rules follow the beat: new topic -> two-shot, feature talk
-> host close-up or picture-in-picture, price -> product close-up, answer -> host close-up.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Callable

from ..render.stage import Camera
from .answers.queue import AnswerQueue
from .catalog import Catalog, Product, format_money
from .compliance import Compliance, default_checker
from .rundown import Rundown
from .scripts import BLOCK, ScriptWriter


@dataclass(frozen=True)
class Beat:
    speaker: str  # "host" | "assistant"
    text: str
    lang: str
    camera: Camera
    product_id: str | None
    kind: str  # a script segment, or question / answer / reminder / reaction


CAMERA_FOR = {"opening": Camera.WIDE, "hook": Camera.WIDE, "proof": Camera.HOST,
              "price_reveal": Camera.PRODUCT, "stock_urgency": Camera.PRODUCT,
              "call_to_action": Camera.WIDE, "transition": Camera.WIDE}

REMINDER = {
    "zh": ["提醒一下刚进来的家人们，{name}今天到手价{price}，库存还有{stock}件。",
           "再说一遍，{name}现在{price}，还剩{stock}件，喜欢的抓紧。",
           "刚来的朋友注意，{name}到手{price}，库存{stock}件，拍下就发。"],
    "en": ["Quick reminder for everyone who just joined: {name} is {price} today, {stock} left.",
           "Just to repeat: {name}, {price} right now, and we have {stock} in stock.",
           "If you just arrived: {name} is {price}, only {stock} left."],
}
REACTION = {
    "zh": ["这个细节我也很喜欢。", "这个点真的很实用。", "大家可以在评论区说说想了解哪一点。", "这一点很多朋友都问过。"],
    "en": ["I really like that detail.", "That one is genuinely useful.", "Tell us in the chat what you want to know.",
           "A lot of you asked about that."],
}
SOLD_OUT = {"zh": "{name}已经卖完了，感谢家人们支持！", "en": "{name} is sold out now, thank you all!"}
QUESTION_CUE = {"zh": "有家人在问：{q}", "en": "Someone in the chat asks: {q}"}
QUESTION_FALLBACK = {"zh": "评论区有问题！", "en": "We have a question from the chat!"}


class Director:
    def __init__(self, catalog: Catalog, rundown: Rundown, lang: str = "zh", answers: AnswerQueue | None = None,
                 writer: ScriptWriter | None = None, checker: Compliance | None = None, seed: int = 0,
                 stock_of: Callable[[str], int | None] | None = None) -> None:
        self.catalog = catalog
        self.stock_of = stock_of  # live stock (the shop's orders); None or a None answer: the catalog's
        self.rundown = rundown
        self.lang = lang
        self.answers = answers
        self.writer = writer or ScriptWriter(catalog, lang=lang, seed=seed)
        self.checker = checker or default_checker()
        self._allow = [n for p in catalog.products for n in (p.name.zh, p.name.en, p.brand or "")]
        self._product: str | None = None
        self._pending: list[str] = []
        self._blocks = 0
        self._beats = 0
        self._cycle = itertools.cycle(range(1_000_000))
        self.finished = False

    def _say(self, speaker: str, text: str, camera: Camera, pid: str | None, kind: str) -> Beat | None:
        verdict = self.checker.check(text, self.lang, allow=self._allow)
        if not verdict.ok:
            return None
        return Beat(speaker, verdict.text, self.lang, camera, pid, kind)

    def stock(self, p: Product) -> int:
        live = self.stock_of(p.id) if self.stock_of is not None else None
        return p.stock if live is None else live

    def _reminder(self, p: Product) -> Beat | None:
        n = self.stock(p)
        if n <= 0:
            return self._say("assistant", SOLD_OUT[self.lang].format(name=p.name.get(self.lang)), Camera.WIDE, p.id,
                             "reminder")
        templates = REMINDER[self.lang]
        text = templates[self._beats % len(templates)].format(
            name=p.name.get(self.lang), price=format_money(p.sale_price, p.currency, self.lang), stock=n)
        return self._say("assistant", text, Camera.WIDE, p.id, "reminder")

    def _answer_beats(self, now: float) -> list[Beat]:
        item = self.answers.pop(now) if self.answers is not None else None
        if item is None:
            return []
        lang = item.lang
        question = item.decisions[0].comment.text.strip() if item.decisions else ""
        beats = []
        cue = None
        if question and len(question) <= 60 and self.checker.check(question, lang).ok:
            cue = QUESTION_CUE[lang].format(q=question)
        cue_beat = Beat("assistant", cue or QUESTION_FALLBACK[lang], lang, Camera.PIP, item.product_id, "question")
        beats.append(cue_beat)
        beats.append(Beat("host", item.text, lang, Camera.HOST, item.product_id, "answer"))
        return beats

    def next_beats(self, now: float) -> list[Beat]:
        """The beats to perform from show time ``now`` (seconds); empty when the show is over."""
        answers = self._answer_beats(now)
        if answers:
            return answers
        pid = self.rundown.product_at(now)
        if pid is None:
            self.finished = True
            return []
        if pid != self._product and self._product is not None:
            old, self._product, self._pending = self._product, None, []
            line = self.writer.next_line("transition", self.catalog.get(old), self.catalog.get(pid))
            if line is not None:
                return [Beat("host", line.text, self.lang, Camera.WIDE, old, "transition")]
        if pid != self._product or not self._pending:
            opening = self._blocks % 4 == 0
            self._product = pid
            self._pending = (["opening"] if opening else []) + [s for s in BLOCK if s != "transition"]
            self._blocks += 1
        product = self.catalog.get(pid)
        while self._pending:
            segment = self._pending.pop(0)
            line = self.writer.next_line(segment, None if segment == "opening" else product)
            if line is None:
                continue
            self._beats += 1
            camera = CAMERA_FOR.get(segment, Camera.HOST if self._beats % 2 else Camera.PIP)
            beats = [Beat("host", line.text, self.lang, camera, product.id, segment)]
            if segment == "stock_urgency" and self.stock(product) != product.stock:
                live = self._reminder(product)  # the script's count is the catalog's; orders changed it
                beats = [Beat("host", live.text, self.lang, camera, product.id, segment)] if live else []
            if segment == "price_reveal":
                extra = self._reminder(product)
            elif segment == "features" and self._beats % 3 == 0:
                r = REACTION[self.lang]
                extra = self._say("assistant", r[self._beats % len(r)], Camera.WIDE, product.id, "reaction")
            else:
                extra = None
            return beats + ([extra] if extra else [])
        return self.next_beats(now)
