"""``twincast ask``: one comment in, the host's reply (or silence and why) out.

Why a separate module: the CLI stays a thin wrapper, and tests can call :func:`ask` directly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from ..errors import TwincastError
from .answers import AnswerEngine, Comment
from .catalog_io import load_catalog

SILENT_WHY = {
    "spam": "moderated: spam", "abuse": "moderated: abusive language", "contact": "moderated: link or contact details",
    "injection": "moderated: attempt to instruct the host", "repeat": "duplicate: same viewer asked again",
    "flood": "moderated: flooding", "empty": "moderated: no words", "off_topic": "off-topic: not about the products",
}


def ask(comment: str, catalog_path: Optional[Path] = None, on_screen: Optional[str] = None,
        lang: Optional[str] = None, user: str = "viewer") -> dict[str, Any]:
    """Run one comment through the answer pipeline; returns a JSON-ready dict."""
    if lang not in (None, "zh", "en"):
        raise TwincastError(f"unknown language {lang!r}", "use --lang zh or --lang en (or leave it out)")
    if not comment.strip():
        raise TwincastError("the comment is empty", 'pass the viewer comment in quotes, e.g. twincast ask "多少钱"')
    catalog = load_catalog(catalog_path)
    ids = [p.id for p in catalog.products]
    if on_screen is not None and on_screen not in ids:
        raise TwincastError(f"no product {on_screen!r} in {catalog.source}", f"use --product with one of: {', '.join(ids)}")
    engine = AnswerEngine(catalog)
    d = engine.handle(Comment(user, comment, 0.0), on_screen=on_screen, lang=lang)
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
        "fields": list(d.fields),
        "compliance": d.compliance,
        "catalog": str(catalog.source),
    }
