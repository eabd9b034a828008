"""Score the answer engine on labelled shops (data/answers/<shop>/catalog.yaml + comments.jsonl).

Why per shop, split by shop: the engine's rules were written against some catalogs; a shop and
viewers nobody here tuned on is the honest measure (``splits.yaml``: dev vs heldout). Each
comment is replayed in stream order through one engine (repeats and floods exist only in order).
A reply is *wrong or missing* when the host should answer and does not, when a ``must`` group is
unmet, or when a ``must_not`` string (a false claim, not negated in its clause) appears; false
claims are counted again on their own. A row labelled ``check`` that gets an answer is not
wrong or missing by that rule (its ``must`` is empty), so it has a column of its own: "answered
when the catalog lacks it" (a neighbouring fact, or a label convention such as "we don't sell
that" where the writer expected a deferral). Format: data/answers/README.md.
"""

from __future__ import annotations

import json
import re
import statistics
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import yaml

from ..catalog_io import load_catalog
from .engine import AnswerEngine
from .types import Comment, Decision

DATA = Path(__file__).resolve().parents[4] / "data" / "answers"
MODERATED = {"spam", "abuse", "contact", "injection", "repeat", "flood", "empty"}
_INTENT_OF_REASON = {"contact": "spam", "empty": "off_topic"}


@dataclass
class ShopScore:
    name: str
    split: str
    n: int = 0
    intent_ok: int = 0
    intent_n: int = 0
    action_ok: int = 0
    wrong_or_missing: int = 0
    false_claims: int = 0
    needless_check: int = 0
    answerable: int = 0
    lacking: int = 0  # rows the catalog cannot answer (labelled check)
    said_anyway: int = 0  # ... answered with a fact all the same (a neighbouring fact, or a label convention)
    injections: int = 0
    injection_successes: int = 0
    mod_tp: int = 0
    mod_fp: int = 0
    mod_fn: int = 0
    ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def add(self, other: "ShopScore") -> None:
        for name in ("n", "intent_ok", "intent_n", "action_ok", "wrong_or_missing", "false_claims", "needless_check",
                     "answerable", "lacking", "said_anyway", "injections", "injection_successes", "mod_tp", "mod_fp", "mod_fn"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.ms += other.ms
        self.errors += other.errors

    @staticmethod
    def _r(a: int, b: int) -> float:
        return a / b if b else float("nan")

    def row(self) -> str:
        p95 = sorted(self.ms)[min(len(self.ms) - 1, int(0.95 * len(self.ms)))] if self.ms else float("nan")
        return (f"| {self.name} | {self.split} | {self.n} | {self._r(self.intent_ok, self.intent_n):.3f} | "
                f"{self._r(self.action_ok, self.n):.3f} | {self._r(self.wrong_or_missing, self.n):.1%} | "
                f"{self.false_claims} | {self._r(self.needless_check, self.answerable):.1%} | "
                f"{self._r(self.said_anyway, self.lacking):.1%} | "
                f"{self.injection_successes}/{self.injections} | {self._r(self.mod_tp, self.mod_tp + self.mod_fp):.2f} / "
                f"{self._r(self.mod_tp, self.mod_tp + self.mod_fn):.2f} | "
                f"{statistics.median(self.ms) if self.ms else float('nan'):.1f} / {p95:.1f} |")


HEADER = ("| shop | split | comments | intent acc. | action acc. | wrong or missing fact | false claims | "
          "'let me check' when answerable | answered when the catalog lacks it | injection successes | "
          "moderation P / R | ms p50 / p95 |\n|---|---|---|---|---|---|---|---|---|---|---|---|")


def _norm(text: str) -> str:
    """Lowercase, width folded, spaces and punctuation dropped (a decimal point stays). Between
    two numbers the punctuation leaves a "|", so "¥1299，140x70cm" keeps 1299 and 140 apart (a
    thousands comma, "1,299", is dropped)."""
    t = unicodedata.normalize("NFKC", text or "").lower()
    t = re.sub(r"(?<!\d)\.|\.(?!\d)", "", t)
    t = re.sub(r"(?<![\d.])(\d{1,3}),(?=\d{3}(?![\d,]))", r"\1", t)
    t = re.sub(r"(?<=\d)\s*[,，。!！?？:：;；、]+\s*(?=\d)", "|", t)
    return re.sub(r"[\s,，。!！?？:：;；、'\"“”‘’()（）\[\]]+", "", t)


def contains(reply: str, token: str) -> bool:
    """Substring match, spaces and width ignored; digits must not run on ("12" is not in "120")."""
    r, t = _norm(reply), _norm(token)
    if not t:
        return True
    for m in re.finditer(re.escape(t), r):
        a, b = m.span()
        if t[0].isdigit() and a > 0 and (r[a - 1].isdigit() or r[a - 1] == "."):
            continue
        if t[-1].isdigit() and b < len(r) and (r[b].isdigit() or (r[b] == "." and b + 1 < len(r) and r[b + 1].isdigit())):
            continue
        return True
    return False


_SEP = re.compile(r"[，,。;；!！?？\n:：]|(?<!\d)\.|\.(?!\d)")
_DROP = re.compile(r"[\s,，。!！?？:：;；、'\"“”‘’()（）\[\]]")
_NEG_ZH = re.compile(r"(不|没|無|无|未|非|别)[^不没无未非别]{0,4}$")
_NEG_EN = re.compile(r"\b(not|no|never|cannot|can't|cant|don't|dont|doesn't|doesnt|isn't|isnt|won't|wont|aren't|arent|"
                     r"without|nor)\b(\W+\w+){0,3}\W*$")


def _negated(prefix: str) -> bool:
    """A negation cue shortly before the phrase in its own clause: 不/没/无/未 within 4 characters,
    not/no/never/cannot/doesn't... within 3 words."""
    return bool(_NEG_ZH.search(prefix.replace(" ", "")) or _NEG_EN.search(prefix))


def claims(reply: str, token: str) -> bool:
    """Whether ``reply`` asserts the ``must_not`` phrase ``token``: it contains it (as
    :func:`contains`) at least once *not* negated in its clause. Why: "does not ship to Xinjiang"
    and "没有货" contain "ship to Xinjiang" and "有货" but claim the opposite; counting them as
    false claims was a measurement artefact (session 11). A token that carries its own negation
    ("没货", "不含坚果") is matched as a whole, so only a cue before it counts."""
    raw = unicodedata.normalize("NFKC", reply or "").lower()
    t = _norm(token)
    if not t or not contains(raw, token):
        return bool(not t)
    keep = [i for i, ch in enumerate(raw) if not _DROP.match(ch)
            and not (ch == "." and not (0 < i < len(raw) - 1 and raw[i - 1].isdigit() and raw[i + 1].isdigit()))]
    flat = "".join(raw[i] for i in keep)
    for m in re.finditer(re.escape(t), flat):
        a, b = m.span()
        if t[0].isdigit() and a > 0 and (flat[a - 1].isdigit() or flat[a - 1] == "."):
            continue
        if t[-1].isdigit() and b < len(flat) and (flat[b].isdigit() or (flat[b] == "." and b + 1 < len(flat) and flat[b + 1].isdigit())):
            continue
        start = keep[a]
        cut = [x.end() for x in _SEP.finditer(raw, 0, start)]
        if not _negated(raw[(cut[-1] if cut else 0):start]):
            return True
    return False


def load_splits(root: Path = DATA) -> dict[str, str]:
    data = yaml.safe_load((root / "splits.yaml").read_text(encoding="utf-8")) or {}
    return {shop: split for split in ("dev", "heldout") for shop in data.get(split) or []}


def load_rows(path: Path) -> tuple[list[dict], list[str]]:
    """Rows of a comments file; a broken line is reported, the rest still load."""
    rows, problems = [], []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            problems.append(f"{path}:{i}: not JSON ({exc.msg})")
    return rows, problems


def score_shop(name: str, split: str, root: Path = DATA, engine: Optional[AnswerEngine] = None) -> ShopScore:
    catalog = load_catalog(root / name / "catalog.yaml")
    engine = engine or AnswerEngine(catalog)
    rows, problems = load_rows(root / name / "comments.jsonl")
    s = ShopScore(name, split, errors=list(problems))
    for row in rows:
        t0 = time.perf_counter()
        d = engine.handle(Comment(row.get("user", "viewer"), row["text"], row.get("t")), on_screen=row.get("on_screen"))
        s.ms.append((time.perf_counter() - t0) * 1000)
        _score(s, row, d)
    engine.retriever.embedder.save()
    return s


def _score(s: ShopScore, row: dict, d: Decision) -> None:
    s.n += 1
    tag = f"[{s.name} #{row.get('id')}] {row['text']!r}"
    want_intents = row.get("intents") or []
    got_intent = _INTENT_OF_REASON.get(d.intent or "", d.intent)
    if want_intents:
        s.intent_n += 1
        if got_intent == want_intents[0] or (row["action"] == "silent" and d.action == "silent"
                                              and row.get("reason") in ("repeat", "flood")):
            s.intent_ok += 1
        else:
            s.errors.append(f"{tag}: intent {d.intent} (expected {want_intents[0]})")
    if d.action == row["action"]:
        s.action_ok += 1
    else:
        s.errors.append(f"{tag}: action {d.action}/{d.reason} (expected {row['action']}/{row.get('reason')})")
    want_mod = row["action"] == "silent" and row.get("reason") in MODERATED
    got_mod = d.action == "silent" and d.reason in MODERATED
    s.mod_tp += want_mod and got_mod
    s.mod_fp += got_mod and not want_mod
    s.mod_fn += want_mod and not got_mod
    reply = d.reply or ""
    false = [t for t in row.get("must_not") or [] if reply and claims(reply, t)]
    if false:
        s.false_claims += 1
        s.errors.append(f"{tag}: FALSE CLAIM {false} in {reply!r}")
    if "injection" in want_intents or row.get("reason") == "injection":
        s.injections += 1
        s.injection_successes += bool(false)
    if row.get("answerable") and row["action"] == "answer":
        s.answerable += 1
        if d.action == "check":
            s.needless_check += 1
    if row["action"] == "check":
        s.lacking += 1
        s.said_anyway += d.action == "answer"
    if row["action"] in ("answer", "check"):
        missing = [g for g in row.get("must") or [] if not any(contains(reply, t) for t in g)]
        if d.action not in ("answer", "check") or missing or false:
            s.wrong_or_missing += 1
            if missing:
                s.errors.append(f"{tag}: MISSING {missing} in {reply!r}")
    elif false:
        s.wrong_or_missing += 1


def evaluate_all(root: Path = DATA, splits: Optional[dict[str, str]] = None) -> list[ShopScore]:
    splits = splits or load_splits(root)
    return [score_shop(name, split, root) for name, split in splits.items() if (root / name).is_dir()]


def table(scores: list[ShopScore]) -> str:
    lines = [HEADER]
    for split in ("dev", "heldout"):
        part = [x for x in scores if x.split == split]
        for x in part:
            lines.append(x.row())
        if len(part) > 1:
            total = ShopScore(f"all {split}", split)
            for x in part:
                total.add(x)
            lines.append(total.row())
    return "\n".join(lines)
