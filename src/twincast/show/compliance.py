"""Ad-law filter: every line an avatar will say passes through :func:`check` first.

Why: live selling counts as advertising in China; an absolute term (最好, 第一, "the best") costs
¥200k-1M, and health claims for ordinary goods get no leniency at all. Rules:

- absolute terms with a neutral wording are rewritten (最好 -> 很好, best -> great); those
  without one (国家级, 第一, "No. 1") block the line;
- medical/health claims always block, unless the term is negated (不具备祛痘功效 is a
  disclaimer, not a claim);
- allow-listed phrases (第一次, 最佳使用时间, "best before") and the catalog's own product
  names/trademarks hide the terms inside them.

Matching uses one Aho-Corasick automaton per language (pyahocorasick), so a line costs
microseconds. Every decision is logged as a structured record on the
``twincast.show.compliance`` logger (``record.compliance`` holds the fields).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Literal, Optional

import ahocorasick
import yaml

from .claims import find_claims, negated, question_spans, quiet_spans

log = logging.getLogger("twincast.show.compliance")
log.addHandler(logging.NullHandler())  # a library logs; the application decides where it goes
TERMS_FILE = Path(__file__).resolve().parents[1] / "assets" / "compliance" / "absolute_terms.yaml"
Decision = Literal["ok", "rewritten", "blocked"]


@dataclass(frozen=True)
class Finding:
    term: str
    category: str  # absolute, medical, or a claim kind of claims.yaml (disparage, reference_price, ...)
    start: int
    end: int
    replacement: Optional[str] = None


@dataclass(frozen=True)
class ComplianceResult:
    decision: Decision
    original: str
    text: str  # what may be said: the original, the rewrite, or "" when blocked
    lang: str
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        """True when the line (possibly rewritten) may be spoken."""
        return self.decision != "blocked"

    @property
    def terms(self) -> list[str]:
        return [f.term for f in self.findings]


def _is_latin(term: str) -> bool:
    return bool(re.search(r"[A-Za-z]", term)) and not re.search(r"[\u4e00-\u9fff]", term)


class Compliance:
    """Checker built from a terms file (defaults to the bundled list)."""

    def __init__(self, terms_file: Path = TERMS_FILE) -> None:
        data = yaml.safe_load(Path(terms_file).read_text(encoding="utf-8"))
        self._entries: dict[str, dict[str, tuple[str, Optional[str]]]] = {}
        self._allow: dict[str, list[str]] = {}
        for lang in ("zh", "en"):
            table: dict[str, tuple[str, Optional[str]]] = {}
            for item in data["absolute"][lang]:
                table[str(item["term"]).lower()] = ("absolute", item.get("replace"))
            for term in data["medical"][lang]:
                table[str(term).lower()] = ("medical", None)
            self._entries[lang] = table
            self._allow[lang] = [str(t).lower() for t in data["allow"][lang]]
        # Chinese lines carry English words and the other way round: match both tables on both.
        self._table = {**self._entries["en"], **self._entries["zh"]}
        self._banned = _automaton(self._table)

    def check(self, line: str, lang: str = "zh", allow: Iterable[str] = ()) -> ComplianceResult:
        """Decide whether ``line`` may be said; ``allow`` adds names/trademarks for this call."""
        low = _lower_same_length(line)
        allowed = _allowed_spans(low, tuple(self._allow["zh"] + self._allow["en"]),
                                 tuple(sorted(a.lower() for a in allow if a)))
        allowed += quiet_spans(line)  # same length as low: spans line up
        asked = question_spans(line)
        found = self._find(low, allowed + asked)
        findings = []
        for start, end, term in found:
            category, replacement = self._table[term]
            if negated(low[:start]):
                continue  # "不具备祛痘功效", "我不敢说它是最便宜的": a denial is no claim
            findings.append(Finding(term, category, start, end, replacement))
        findings += [Finding(c.text, c.category, c.start, c.end) for c in find_claims(low, allowed, asked)]
        if not findings:
            return self._log(ComplianceResult("ok", line, line, lang))
        if all(f.category == "absolute" and f.replacement is not None for f in findings):
            out = line
            for f in sorted(findings, key=lambda f: f.start, reverse=True):
                out = out[:f.start] + _match_case(line[f.start:f.end], f.replacement) + out[f.end:]
            out = _tidy(out)
            return self._log(ComplianceResult("rewritten", line, out, lang, tuple(findings)))
        return self._log(ComplianceResult("blocked", line, "", lang, tuple(findings)))

    def _find(self, low: str, allowed: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
        """Longest non-overlapping banned matches outside allowed spans; whole words for Latin."""
        hits = []
        for end_idx, term in self._banned.iter(low):
            start, end = end_idx - len(term) + 1, end_idx + 1
            if _is_latin(term) and not _word_bounded(low, start, end):
                continue
            if any(a < end and start < b for a, b in allowed):
                continue  # inside or across an allowed phrase ("the best" of "best before")
            hits.append((start, end, term))
        hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
        out: list[tuple[int, int, str]] = []
        for h in hits:
            if out and h[0] < out[-1][1]:
                if h[1] - h[0] > out[-1][1] - out[-1][0] and h[0] == out[-1][0]:
                    out[-1] = h
                continue
            out.append(h)
        return out

    @staticmethod
    def _log(result: ComplianceResult) -> ComplianceResult:
        level = {"ok": logging.DEBUG, "rewritten": logging.INFO, "blocked": logging.WARNING}[result.decision]
        record = {"event": "compliance", "decision": result.decision, "lang": result.lang,
                  "terms": result.terms, "categories": sorted({f.category for f in result.findings}),
                  "line": result.original, "text": result.text}
        log.log(level, "compliance %s %s", result.decision, result.terms, extra={"compliance": record})
        return result


def _automaton(words: Iterable[str]) -> "ahocorasick.Automaton":
    a = ahocorasick.Automaton()
    for w in words:
        a.add_word(w, w)
    a.make_automaton()
    return a


@lru_cache(maxsize=64)
def _allow_automaton(words: tuple[str, ...]) -> "ahocorasick.Automaton":
    return _automaton(words)


def _allowed_spans(low: str, base: tuple[str, ...], extra: tuple[str, ...]) -> list[tuple[int, int]]:
    spans = []
    for words in (base, extra):
        if not words:
            continue
        for end_idx, w in _allow_automaton(words).iter(low):
            start = end_idx - len(w) + 1
            if _is_latin(w) and not _word_bounded(low, start, end_idx + 1):
                continue
            spans.append((start, end_idx + 1))
    return spans


def _word_bounded(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() and before.isascii()) and not (after.isalnum() and after.isascii())


def _lower_same_length(text: str) -> str:
    low = text.lower()
    return low if len(low) == len(text) else "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def _tidy(text: str) -> str:
    """Undo what a rewrite may break: a doubled 的 (最佳的 -> 很好的的), "a great" before a vowel."""
    text = re.sub(r"的{2,}", "的", text)
    text = re.sub(r"\ba (?=[aeiou])", "an ", text)
    return re.sub(r"  +", " ", text)


def _match_case(original: str, replacement: str) -> str:
    if original[:1].isupper() and replacement[:1].isalpha():
        return replacement[:1].upper() + replacement[1:]
    return replacement


_default: Optional[Compliance] = None


def default_checker() -> Compliance:
    global _default
    if _default is None:
        _default = Compliance()
    return _default


def check(line: str, lang: str = "zh", allow: Iterable[str] = ()) -> ComplianceResult:
    """Module-level shortcut on the bundled term list."""
    return default_checker().check(line, lang, allow)
