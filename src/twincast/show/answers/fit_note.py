"""What a size chart's fit note asks the viewer to do, applied to their size: "偏小一码，按平时穿的
码数买的话拍大一码；脚宽或脚背高也拍大一码", "with a bigger bust take one size up".

Why: the note is free text, but a viewer who says "I usually wear 37" or "宽脚" needs the size
it implies, not the note read back with the chart's row. A clause that tells to size up under a
condition (wide feet, a high instep, a bigger bust or belly, between two sizes) applies when the
comment states that condition; one that says the product runs small applies to the size the
viewer usually wears (the chart's measurements already account for it). Pure functions.
"""

from __future__ import annotations

import re
from typing import Optional

_CLAUSE = re.compile(r"[；;。.，,]|\bor\b(?=[^,;]*\bsize up\b)")
_SIZE_UP = re.compile(r"(拍|选|买)?大一码|大一号|size up|one size up|a size up|larger size|size larger|选大的|the larger",
                      re.I)
_RUNS_SMALL = re.compile(r"偏小(一码)?|runs? (one size |a size |a bit |slightly )?small|小一码", re.I)
# conditions a clause may set, and how a viewer says they meet them
_DEG = r"(?:有点|有些|比较|较|偏|挺|很|超)?"
_CONDITIONS = {
    "wide feet": (re.compile(rf"脚{_DEG}宽|宽脚|wide (feet|foot)", re.I),
                  re.compile(rf"脚{_DEG}宽|宽脚|脚{_DEG}肥|wide (feet|foot)", re.I)),
    "high instep": (re.compile(rf"脚背{_DEG}高|high instep", re.I), re.compile(rf"脚背{_DEG}(高|厚)|high instep", re.I)),
    "bust": (re.compile(rf"胸(围)?{_DEG}大|(big|large|full)(ger|er)? bust", re.I),
             re.compile(rf"胸(围)?{_DEG}大|(big|large|full)(ger|er)? bust|busty", re.I)),
    "belly": (re.compile(rf"肚子{_DEG}大|belly|tummy", re.I), re.compile(rf"肚子{_DEG}大|小肚子|啤酒肚|肚腩|belly|tummy", re.I)),
    "between": (re.compile(r"介于两个码|两个码之间|between two sizes", re.I), re.compile(r"介于|之间|in between|between", re.I)),
}
USUAL_SIZE = re.compile(r"平时(都)?穿|平常(都)?穿|一般(都)?穿|别的(牌子|家)穿|我穿\s*\d{2}(码|的鞋)?|usually (wear|a|take)|normally (wear|a|take)|"
                        r"in most brands|my usual", re.I)


def size_steps(note: str, comment: str, from_usual: bool) -> tuple[int, list[str]]:
    """How many sizes up the note asks for (0 or 1), and the conditions that made it so."""
    met = []
    for clause in _CLAUSE.split(note):
        if not _SIZE_UP.search(clause) and not _RUNS_SMALL.search(clause):
            continue
        conds = [name for name, (in_note, _) in _CONDITIONS.items() if in_note.search(clause)]
        if conds:
            met += [c for c in conds if _CONDITIONS[c][1].search(comment) and c not in met]
        elif from_usual and (_RUNS_SMALL.search(clause) or re.search(r"平时|usual", clause, re.I)):
            met.append("runs small")
    return (1 if met else 0), met


def step_up(sizes: list[str], size: str, steps: int) -> Optional[str]:
    """``size`` moved ``steps`` along the product's own size order; None past the largest."""
    names = [s.lower() for s in sizes]
    if size.lower() not in names:
        return None
    i = names.index(size.lower()) + steps
    return sizes[i] if i < len(sizes) else None
