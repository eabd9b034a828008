"""Comment -> decision: moderate, classify, match the product, fill a reply, check compliance.

Why one small orchestrator: each stage lives in its own module and is tested alone; this file
only fixes their order and turns the result into a :class:`Decision` the director can queue.
Nothing from the comment text is ever copied into a reply (only catalog fields and the
viewer's name in the mention), which is why a prompt injection cannot change a price.
"""

from __future__ import annotations

import logging
from typing import Optional

from ..catalog import Catalog
from ..compliance import Compliance, default_checker
from .intents import IntentClassifier
from .moderation import Moderator
from .replies import build_reply, check_reply
from .retrieval import Embedder, Retriever
from .types import Comment, Decision

log = logging.getLogger("twincast.show.answers")
log.addHandler(logging.NullHandler())


class AnswerEngine:
    """Stateful per show (moderation remembers viewers). ``handle`` is the whole pipeline."""

    def __init__(self, catalog: Catalog, embedder: Optional[Embedder] = None,
                 moderator: Optional[Moderator] = None, checker: Optional[Compliance] = None) -> None:
        self.catalog = catalog
        self.retriever = Retriever(catalog, embedder)
        self.moderator = moderator or Moderator()
        self.classifier = IntentClassifier()
        self.checker = checker or default_checker()
        self._allow = [n for p in catalog.products for n in (p.name.zh, p.name.en, p.brand or "")]

    def handle(self, comment: Comment, on_screen: Optional[str] = None, lang: Optional[str] = None) -> Decision:
        """Decide what the host does about ``comment`` while ``on_screen`` is presented."""
        lang = lang or comment.language
        mod = self.moderator.check(comment)
        intent = self.classifier.classify(comment.text)  # also for dropped comments: logs say what was asked
        if not mod.allowed:
            known = intent.intent if mod.reason in ("repeat", "flood") else None
            return self._log(Decision(comment, "silent", mod.reason, lang, intent=known))
        if intent.intent == "off_topic":
            return self._log(Decision(comment, "silent", "off_topic", lang, intent="off_topic"))
        if intent.intent == "greeting":
            match_id, method, named = None, "none", ()
        else:
            m = self.retriever.match_product(comment.text, on_screen, intent.intent)
            match_id, method, named = m.product_id, m.method, m.mentioned
        product = self.catalog.get(match_id) if match_id else None
        reply = build_reply(self.catalog, self.retriever, comment, intent, product, named, lang)
        verdict = self.checker.check(reply.text, lang, allow=self._allow)
        if not verdict.ok:  # a catalog fact phrased illegally: do not say it, check with the team
            reply = check_reply(lang, reason="compliance")
            verdict = self.checker.check(reply.text, lang)
        action = reply.kind
        return self._log(Decision(comment, action, reply.reason, lang, intent=intent.intent,
                                  product_id=match_id, reply=verdict.text, fields=reply.fields,
                                  match_method=method, compliance=verdict.decision))

    @staticmethod
    def _log(d: Decision) -> Decision:
        log.info("comment %s -> %s", d.comment.user, d.action,
                 extra={"answer": {"event": "comment", "user": d.comment.user, "action": d.action, "reason": d.reason,
                                   "intent": d.intent, "product": d.product_id, "fields": list(d.fields)}})
        return d
