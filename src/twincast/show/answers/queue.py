"""The answer queue the director pulls from, and where to cut into the script.

Why a queue and not immediate replies: the host is mid-sentence when a comment arrives. The
director asks for the next answer at a sentence boundary; by then ten viewers may have asked
the price, and one answer naming several of them ("@小王 @Amy 问价格的朋友…") beats ten
identical ones. Items carry a priority (purchase questions first) and a timestamp; stale ones
expire, since answering a question from two minutes ago confuses everyone.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Optional

from .nickname import GENERIC, spoken_address
from .types import Decision

PRIORITY = {"price": 0, "stock": 0, "how_to_buy": 0, "size": 1, "colour": 1, "shipping": 1, "returns": 1,
            "comparison": 2, "spec": 2, "greeting": 4}
TOPIC = {
    "zh": {"price": "问价格", "stock": "问库存", "how_to_buy": "问怎么买", "size": "问尺码", "colour": "问颜色",
           "shipping": "问发货", "returns": "问售后", "comparison": "问对比", "spec": "问这个问题", "greeting": "刚来"},
    "en": {"price": "asking about the price", "stock": "asking about stock", "how_to_buy": "asking how to buy",
           "size": "asking about sizes", "colour": "asking about colours", "shipping": "asking about shipping",
           "returns": "asking about returns", "comparison": "asking for a comparison", "spec": "with the same question",
           "greeting": "who just joined"},
}
MAX_NAMES = 3


@dataclass
class QueuedAnswer:
    """One reply for one or more viewers who asked the same thing."""

    key: tuple
    lang: str
    intent: Optional[str]
    product_id: Optional[str]
    reply: str
    priority: int
    first_t: float
    last_t: float
    users: list[str] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    avoid: tuple[str, ...] = ()  # catalog product/brand names never read out as a viewer's name

    @property
    def text(self) -> str:
        """The reply with mentions: one viewer -> '@A …'; several -> '@A @B @C 问价格的朋友，…'.

        Names go through :func:`nickname.spoken_address`: a nickname is text a stranger chose,
        so only a safe one is said; the others become one generic address (or, among several
        viewers, are covered by "everyone asking…").
        """
        avoid = (*self.avoid, self.reply)  # a name that repeats the reply's product words adds nothing safe
        spoken = [spoken_address(u, self.lang, avoid) for u in self.users]
        if len(self.users) == 1:
            return f"@{spoken[0]} {self.reply}"
        generic = GENERIC.get(self.lang, GENERIC["en"])
        named = list(dict.fromkeys(s for s in spoken if s != generic))[:MAX_NAMES]
        names = " ".join(f"@{n}" for n in named)
        topic = TOPIC[self.lang].get(self.intent or "", "")
        if self.lang == "zh":
            more = f"等{len(self.users)}位" if len(self.users) > len(named) and named else ""
            return f"{names}{more} {topic}的朋友，{self.reply}".lstrip()
        rest = len(self.users) - len(named)
        more = f" and {rest} more" if rest and named else ""
        lead = f"{names}{more} and everyone {topic}" if named else f"Everyone {topic}"
        return f"{lead}: {self.reply}"


class AnswerQueue:
    """Thread-safe: the comment reader pushes, the director pops at sentence boundaries."""

    def __init__(self, merge_window_s: float = 30.0, max_age_s: float = 90.0, avoid: tuple[str, ...] = (),
                 age_step_s: float = 20.0, served_window_s: float = 600.0) -> None:
        self.merge_window_s, self.max_age_s = merge_window_s, max_age_s
        self.age_step_s, self.served_window_s = age_step_s, served_window_s
        self.avoid = tuple(avoid)  # catalog names (see QueuedAnswer.avoid)
        self._items: list[QueuedAnswer] = []
        self._served: dict[str, list[float]] = {}  # viewer -> when they were answered (within the window)
        self._lock = threading.Lock()

    def _rank(self, item: QueuedAnswer, now: float) -> tuple[float, float]:
        """Lower goes first: the intent's priority, one level later per answer its viewers already
        got in the last ten minutes, one level earlier per ``age_step_s`` waited.

        Why: under a flood of price questions a newcomer's spec question (priority 2) would wait
        behind every purchase question; a viewer already answered three times should not go
        before one who was never answered, and nothing should wait out its expiry."""
        served = min(sum(1 for t in self._served.get(u, ()) if now - t <= self.served_window_s)
                     for u in item.users) if item.users else 0
        return (item.priority + served - (now - item.first_t) / self.age_step_s, item.first_t)

    def push(self, d: Decision) -> Optional[QueuedAnswer]:
        """Queue a decision that speaks; merge it into a pending identical answer."""
        if not d.speaks:
            return None
        t = d.comment.t or 0.0
        key = (d.lang, d.product_id, d.reply)
        with self._lock:
            for item in self._items:
                if item.key == key and t - item.first_t <= self.merge_window_s:
                    if d.comment.user not in item.users:
                        item.users.append(d.comment.user)
                    item.decisions.append(d)
                    item.last_t = t
                    return item
            item = QueuedAnswer(key, d.lang, d.intent, d.product_id, d.reply or "",
                                PRIORITY.get(d.intent or "", 3) + (1 if d.action != "answer" else 0),
                                t, t, [d.comment.user], [d], self.avoid)
            self._items.append(item)
            return item

    def pop(self, now: float) -> Optional[QueuedAnswer]:
        """Most urgent fresh answer (see :meth:`_rank`); expired ones are dropped."""
        with self._lock:
            self._items = [i for i in self._items if now - i.last_t <= self.max_age_s]
            if not self._items:
                return None
            best = min(self._items, key=lambda i: self._rank(i, now))
            self._items.remove(best)
            for u in best.users:
                times = [t for t in self._served.get(u, ()) if now - t <= self.served_window_s]
                self._served[u] = [*times, now]
            if len(self._served) > 10_000:  # bounded: forget viewers not answered within the window
                self._served = {u: ts for u, ts in self._served.items() if now - ts[-1] <= self.served_window_s}
            return best

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


_BOUNDARY = re.compile(r"[。！？!?；;…]+[”’\"')）]*|\.(?=\s|$)[”’\"')]*|\n")


@dataclass(frozen=True)
class Interjection:
    before: str  # script text to finish first (up to the end of the current sentence)
    answer: str
    after: str  # the rest of the script, resumed after the answer


def split_at_sentence_boundary(script: str, spoken_chars: int, answer: str) -> Interjection:
    """Where to insert ``answer`` into ``script`` when ``spoken_chars`` have been said already.

    The answer goes after the sentence being spoken (never mid-sentence, never inside 5.3 or
    ¥199.9); with no boundary left it goes at the end.
    """
    spoken_chars = max(0, min(spoken_chars, len(script)))
    if spoken_chars == 0:
        return Interjection("", answer, script)
    for m in _BOUNDARY.finditer(script):
        if m.end() >= spoken_chars:
            return Interjection(script[:m.end()], answer, script[m.end():].lstrip())
    return Interjection(script, answer, "")
