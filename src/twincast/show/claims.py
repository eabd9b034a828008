"""Claim patterns for the ad-law filter, and the spans of a line where no claim is made.

Why beside the term list: the single banned words of ``absolute_terms.yaml`` miss claims made
without them (disparaging a rival, superstition, a fake reference price, false finality,
"below cost", children told to make their parents buy, promised results, endorsements by
doctors, absolutes in paraphrase, a cure claimed with ordinary words), and they fire on words
used lawfully: a quoted viewer question, a book title, an ordinal (第一单), a specification
(最高温度230度, "the lowest setting is 600 W"), a stock count ("the only blue one left").
The patterns are data (``assets/compliance/claims.yaml``); this module only applies them.

Pure module: no I/O but the one cached read of the pattern file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

CLAIMS_FILE = Path(__file__).resolve().parents[1] / "assets" / "compliance" / "claims.yaml"

# Quoted speech and titles: a host reading out a viewer's question or a book's name claims nothing.
_QUOTED = re.compile(r"《[^》]{0,40}》|“[^”]{0,80}”|\"[^\"]{0,80}\"|「[^」]{0,80}」|‘[^’]{0,40}’")
# Lawful uses of words the term list bans, by their grammar rather than by example.
_NOT_A_CLAIM = re.compile(
    r"第一(单|位|个|次|部|代|天|件|批|季度?|期|集|章|步|眼|时间|排|轮|口|层|页|句|条|款链接|号链接|个链接)|"
    r"最(高|低|大|小|多|少|长|短|快|慢|宽|厚|薄|重|轻)(?=[^，。！？,.!?]{0,6}?([0-9一二三四五六七八九十百千两]|码|档|挡|温|功率|速|能到))|"
    r"\b(lowest|highest|max(imum)?|min(imum)?|fastest|slowest|largest|smallest|longest|top) "
    r"(setting|speed|temperature|temp|size|capacity|power|load|output|level|mode|heat|brightness|volume|gear|"
    r"suction|fan|flame)\b|\bat (the |its )?(lowest|highest|max|maximum|minimum|min|fullest|full)\b|"
    r"\bbest[- ]practices?\b|\bcure time\b|\bnumber one (link|question|item|thing)\b|"
    r"\bonly (one|\d+|[a-z]+ one) (left|in stock)\b|\bthe only [a-z ]{1,20} (we have )?left\b|"
    r"\b100% ?(cotton|wool|linen|silk|polyester|cashmere|merino|nylon)\b|100%\s*[棉麻丝毛羊绒涤山桑]|"
    r"\b(our|the|a|this|money[- ]back|[a-z0-9]+[- ]day|whole|return|satisfaction) guarantee\b(?! (you|your|that|results|to)\b)|"
    r"\b(asked|asks|asking|wondering|wonders) (if|whether|me if)\b[^.?!;]{0,60}|"
    r"(有人|有朋友|朋友|弹幕|评论区|家人们?|姐妹们?|宝宝们?)(在)?问[^，,。！？]{0,20}",
    re.I)
# Names: a run of three or more Capitalised Words, or a name after "called"/"named" (a book, a band, a scent).
_NAME = re.compile(r"\b(?:[A-Z][\w'-]*\s+){2,}[A-Z][\w'-]*|\b(?:called|named|titled)\s+(?:[A-Z][\w'-]*\s*){1,5}")
NEGATION_ZH = re.compile(r"(不(?![仅只但光过])|没|别|并非|并不|无法|不能|不敢|不会)[^，。！？,.!?]{0,7}$")
NEGATION_EN = re.compile(
    r"\b(not|no|never|don't|do not|doesn't|does not|can't|cannot|won't|isn't|aren't)\b([\s,]+[\w'-]+){0,6}[\s,]*$", re.I)


@dataclass(frozen=True)
class Claim:
    category: str
    start: int
    end: int
    text: str


def quiet_spans(line: str) -> list[tuple[int, int]]:
    """Spans where a banned word is no claim: quotes, titles, names, reported questions,
    ordinals, specifications. ``line`` keeps its case (names are told by their capitals)."""
    return ([m.span() for m in _QUOTED.finditer(line)] + [m.span() for m in _NOT_A_CLAIM.finditer(line)]
            + [m.span() for m in _NAME.finditer(line)])


_QUESTION = re.compile(r"[^。！？!?；;，,:：]*(?:[？?]|(?:吗|么)(?=[，,。\s]|$))")


def question_spans(line: str) -> list[tuple[int, int]]:
    """Clauses that ask ("能祛痘吗？", "Does it treat acne?"): a host reading out a viewer's
    question makes no claim with its words. Rhetorical claims ("想不想瘦十斤？") are caught by
    the claim patterns, which questions do not silence."""
    return [m.span() for m in _QUESTION.finditer(line)]


def negated(prefix: str) -> bool:
    """The words just before a term deny it ("我不敢说它是最便宜的", "not intended to … cure")."""
    clause = re.split(r"[。！？!?；;]", prefix)[-1]
    return bool(NEGATION_ZH.search(clause[-10:]) or NEGATION_EN.search(clause[-60:]))


@lru_cache(maxsize=4)
def _patterns(path: Path = CLAIMS_FILE) -> tuple[list[tuple[str, re.Pattern[str]]], re.Pattern[str], re.Pattern[str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    medical = data.pop("medical")
    plain = [(cat, re.compile(rx, re.I)) for cat, rxs in data.items() for rx in rxs]
    efficacy = re.compile("|".join(f"(?:{x})" for x in medical["efficacy"]), re.I)
    conditions = re.compile("|".join(f"(?:{x})" for x in medical["conditions"]), re.I)
    return plain, efficacy, conditions


def find_claims(low: str, quiet: list[tuple[int, int]], asked: list[tuple[int, int]] = ()) -> list[Claim]:
    """Every claim pattern matched outside ``quiet`` spans; a medical claim needs an efficacy
    word and a condition in one sentence, the efficacy word not denied and not asked about."""
    plain, efficacy, conditions = _patterns()

    def loud(a: int, b: int, spans: list[tuple[int, int]] = quiet) -> bool:
        return not any(x <= a and b <= y for x, y in spans)

    found = [Claim(cat, m.start(), m.end(), m.group(0)) for cat, rx in plain for m in rx.finditer(low)
             if loud(*m.span())]
    offset = 0
    for sentence in re.split(r"(?<=[。！？!?；;])", low):
        for m in efficacy.finditer(sentence):
            a, b = offset + m.start(), offset + m.end()
            if not loud(a, b) or not loud(a, b, list(asked)) or negated(low[:a]) or not _word_ok(low, a, b):
                continue
            cond = next((c for c in conditions.finditer(sentence)
                         if loud(offset + c.start(), offset + c.end()) and _word_ok(sentence, c.start(), c.end())), None)
            if cond is not None:
                found.append(Claim("medical", a, b, f"{m.group(0)}…{cond.group(0)}"))
                break
        offset += len(sentence)
    return found


def _word_ok(text: str, a: int, b: int) -> bool:
    """Latin words match whole ("cold" not in "colder"s middle, "lose" not in "close")."""
    if not re.match(r"[a-z]", text[a:b], re.I):
        return True
    before = text[a - 1] if a > 0 else " "
    after = text[b] if b < len(text) else " "
    return not (before.isascii() and before.isalpha()) and not (after.isascii() and after.isalpha())
