"""``twincast ask``: one comment in, the host's reply (or silence and why) out; ``--replay``
runs a whole stream's comments through one session.

Why a separate module: the CLI stays a thin wrapper, and tests can call :func:`ask` and
:func:`replay` directly. Why replay: an operator tests a catalog against last week's comments
before going live; one session keeps the repeat and flood rules as on air, and a broken line
gets a decision that says so while the rest carries on.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

from ..errors import TwincastError
from .answers import AnswerEngine, Comment
from .answers.phrasing import AnswerPhraser
from .catalog_io import load_catalog
from .llm import LLMConfig

SILENT_WHY = {
    "spam": "moderated: spam", "abuse": "moderated: abusive language", "contact": "moderated: link or contact details",
    "injection": "moderated: attempt to instruct the host", "repeat": "duplicate: same viewer asked again",
    "flood": "moderated: flooding", "empty": "moderated: no words", "off_topic": "off-topic: not about the products",
}
MAX_COMMENT_CHARS = 2000  # longer comments are cut before moderation (a viewer page allows 200)


def ask(comment: str, catalog_path: Optional[Path] = None, on_screen: Optional[str] = None,
        lang: Optional[str] = None, user: str = "viewer", llm: Optional[LLMConfig] = None) -> dict[str, Any]:
    """Run one comment through the answer pipeline; returns a JSON-ready dict."""
    if lang not in (None, "zh", "en"):
        raise TwincastError(f"unknown language {lang!r}", "use --lang zh or --lang en (or leave it out)")
    if not comment.strip():
        raise TwincastError("the comment is empty", 'pass the viewer comment in quotes, e.g. twincast ask "多少钱"')
    catalog = load_catalog(catalog_path)
    ids = [p.id for p in catalog.products]
    if on_screen is not None and on_screen not in ids:
        raise TwincastError(f"no product {on_screen!r} in {catalog.source}", f"use --product with one of: {', '.join(ids)}")
    engine = AnswerEngine(catalog, phraser=AnswerPhraser(llm, catalog) if llm else None)
    d = engine.handle(Comment(user, comment[:MAX_COMMENT_CHARS], 0.0), on_screen=on_screen, lang=lang)
    return decision_record(d, catalog, user)


def decision_record(d: Any, catalog: Any, user: str) -> dict[str, Any]:
    product = catalog.get(d.product_id) if d.product_id else None
    return {
        "action": d.action,
        "reason": d.reason,
        "why": SILENT_WHY.get(d.reason or "", d.reason) if d.action == "silent" else None,
        "reply": f"@{user} {d.reply}" if d.reply else None,
        "lang": d.lang,
        "intent": d.intent,
        "product": d.product_id,
        "product_name": product.name.get(d.lang) if product else None,
        "match": d.match_method or None,
        "intents": list(d.intents or ((d.intent,) if d.intent else ())),
        "products": list(d.product_ids),
        "fields": list(d.fields),
        "compliance": d.compliance,
        "phrasing": d.phrasing,
        "catalog": str(catalog.source),
    }


def replay(catalog_path: Optional[Path], lines: Iterator[str], lang: Optional[str] = None,
           progress: Optional[Callable[[int], None]] = None, llm: Optional[LLMConfig] = None) -> Iterator[dict[str, Any]]:
    """One decision per input line (``{"user", "text", "t"?, "on_screen"?}``), in order, through
    one engine. A line that cannot be read yields ``{"line": n, "action": "error", "error": ...}``."""
    catalog = load_catalog(catalog_path)
    ids = {p.id for p in catalog.products}
    engine = AnswerEngine(catalog, phraser=AnswerPhraser(llm, catalog) if llm else None)
    clock = 0.0
    for n, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
            if not isinstance(row, dict) or not isinstance(row.get("text"), str):
                raise ValueError('each line needs a "text" string')
            t = row.get("t")
            t = float(t) if isinstance(t, (int, float)) and not isinstance(t, bool) else clock
            screen = row.get("on_screen")
            if screen is not None and screen not in ids:
                raise ValueError(f"on_screen {screen!r} is not a product id of this catalog")
            user = str(row.get("user") or "viewer")[:64]
        except (ValueError, TypeError) as exc:
            yield {"line": n, "action": "error", "error": str(exc) if not isinstance(exc, json.JSONDecodeError)
                   else f"not JSON ({exc.msg})"}
            continue
        clock = max(clock, t)
        d = engine.handle(Comment(user, row["text"][:MAX_COMMENT_CHARS], t), on_screen=screen, lang=lang)
        yield {"line": n, "id": row.get("id"), "user": user, "text": row["text"][:MAX_COMMENT_CHARS],
               **decision_record(d, catalog, user)}
        if progress:
            progress(n)
    engine.retriever.embedder.save()
