"""Comment -> decision: moderate, find every question and every product, answer each from the
catalog, check compliance.

Why one small orchestrator: each stage lives in its own module and is tested alone; this file
fixes their order and turns the result into a :class:`Decision` the director can queue. A
comment may ask several things about several products ("do both ship to Xinjiang, and how
long?"): every (product, intent) pair gets its piece, joined in the order asked. Nothing from
the comment text is ever copied into a reply (only catalog fields), which is why a prompt
injection cannot change a price and a false claim in a comment is never repeated.
"""

from __future__ import annotations

import logging
import re
from typing import Callable, Optional

from ..catalog import Catalog, Product
from ..compliance import Compliance, default_checker
from . import replies as r
from . import replies_policy as rp
from . import replies_price as rprice
from . import replies_size as rsize
from .chart_fit import fit
from .answerability import FactModel
from .intent_model import IntentModel, asks, combine, consult, features
from .intents import IntentClassifier, asks_about, asks_for_unsold
from .moderation import Moderator
from .phrasing import AnswerPhraser
from .reasoners import match_colour, region_rule
from .size_names import size_named
from .retrieval import Embedder, Retriever
from .types import Comment, Decision, IntentResult, Reply
from .units import with_units
from .unsold import not_sold_thing

log = logging.getLogger("twincast.show.answers")
log.addHandler(logging.NullHandler())

MAX_PRODUCTS, MAX_INTENTS = 3, 3
_CLAUSE_ZH = re.compile(r"[，。；;]")
_CLAUSE_EN = re.compile(r";|[.](?=\s)|[.]$")
_MAX_EXCEPTIONS = 2  # products (groups) named apart from the store rule in one spoken answer
_BUILDERS: dict[str, Callable[[r.Ctx, Product], Reply]] = {
    "price": rprice.price, "promo": rprice.promo, "stock": lambda c, p: rp.restock(c, r.stock(c, p)), "size": rsize.size, "colour": r.colour,
    "spec": r.spec, "usage": lambda c, p: r.spec(c, p, ("usage", "faq")),
    "safety": lambda c, p: r.spec(c, p, ("safety", "faq")),
    "shipping": rp.shipping, "shipping_exception": rp.shipping_exception, "delivery_time": rp.delivery_time,
    "returns": rp.returns, "warranty": rp.warranty, "how_to_buy": rp.how_to_buy,
}


_SHIPPING = {"shipping", "shipping_exception", "delivery_time"}
_POLICY_INTENTS = {"promo", "shipping", "shipping_exception", "delivery_time", "returns", "warranty", "how_to_buy"}
_AVAILABLE = re.compile(r"有吗|有没有|还有|还剩|有货|没货|呢\s*[?？]?$|available|in stock|\bleft\b|any\b.{0,12}\?$|"
                        r"有[^，,。？?\s]{1,8}吗|\bcome in\b|\bin (xs|s|m|l|xl|xxl|\d{2})\s*[?？]", re.I)


def _availability_first(intent: IntentResult, p: Product, text: str) -> IntentResult:
    """"奶杏M有吗" / "炭黑42有吗": the product's own colour or size names plus "is there any"
    ask for that variant's stock, whatever the rules made of the words."""
    if not p.variants or intent.intent in ("stock", "price", "compare") or not _AVAILABLE.search(text):
        return intent
    if intent.intent == "size" and (intent.slots.height_cm or intent.slots.weight_kg):
        return intent  # "有S码吗 我155": the body says which size, the size answer says its stock too
    if match_colour(p, intent.slots.colour, text) is None and size_named(p, text) is None:
        return intent
    return IntentResult("stock", intent.score, intent.slots, intent.method,
                        ("stock", *(i for i in intent.all if i not in ("stock", "colour", "size", "spec"))))


def _measured_size_first(intent: IntentResult, p: Product, text: str) -> IntentResult:
    """"US women's 6.5 = EU?", "颈围30 胸围60 选哪个": a value for the product's own size-chart
    columns asks for the size that holds it, whatever the rules made of the words (no size word:
    unknown, a spec question; "选哪个", "S or M": a comparison; "拍哪个": how to buy)."""
    if not p.size_chart or intent.intent not in _ASKS_WHICH_SIZE:
        return intent
    if fit(p, text, intent.slots.height_cm, intent.slots.weight_kg) is None:
        return intent
    # "S or M?", "选哪个", "拍哪个" beside a measure ask which size, not to compare products or how
    # to buy; the measure's own words ("neck about 27cm") are what read as a spec question
    return IntentResult("size", intent.score, intent.slots, intent.method,
                        ("size", *(i for i in intent.all if i not in ("size", "compare", "spec", "how_to_buy"))))


_ASKS_WHICH_SIZE = ("unknown", "spec", "off_topic", "greeting", "compare", "size", "how_to_buy")


# "my mom is allergic to nuts", "我对坚果过敏": an allergen, not the nut product of the shop
_ALLERGY = re.compile(r"allergic to [\w' -]{1,30}|allergy to [\w' -]{1,30}|对[^，,。？?]{1,8}过敏|[^，,。？?\s]{1,8}过敏", re.I)


_FACT_INTENT = (("usage", re.compile(r"^(usage|care)\[|^after_opening$")), ("safety", re.compile(r"^(safety\[|allergens$)")))


def _by_fact(intent: str, reply: Reply) -> str:
    """An open question ("能放冰箱吗", "can teens use it?") reads as a generic spec question to the
    rules; the fact that answers it says what kind it was: a usage or care note -> usage, a
    safety note or the allergens -> safety. Applies to any catalog, whatever its words."""
    if intent != "spec" or reply.kind != "answer" or not reply.fields:
        return intent
    field = reply.fields[0].split(":", 1)[-1]
    return next((name for name, rx in _FACT_INTENT if rx.search(field)), intent)


# how soon, said of an ordinary region ("发货快吗 我在广州", "深圳明天能到吗"): a delivery-time question
_WHEN = re.compile(r"快(?!递)|明天|今天|当天|几天|多少天|多久|什么时候|啥时候|几日|幾日|幾耐|\btomorrow\b|\btoday\b|\bsoon\b|"
                   r"\bfast\b|\bquick|\bwhen\b|how long|how many days|\barriv|\btakes?\b|时间|\btime\b", re.I)


def _by_region(intent: str, c: r.Ctx, products: list[Product]) -> str:
    """"Shipping exception" means a remote, surcharged or unserved region, so the catalog decides
    it, not the mere naming of a place: a region every product ships to like anywhere else
    ("can u ship to a friend in Shanghai", "发货快吗 我在广州") asks how it ships or how soon. The
    reply (served, free, days in transit) is the same; only the name of the question changes."""
    if intent != "shipping_exception" or not c.slots.region or not products:
        return intent
    rules = [region_rule(c.catalog.policy(p), c.slots.region) for p in products]
    if any(x is None or x.reason != "ok" for x in rules):
        return intent
    return "delivery_time" if _WHEN.search(c.text) else "shipping"


def _beyond(text: str, common: str) -> str:
    """The clauses of ``text`` that ``common`` does not already say (the exception, not the rule).

    Chinese replies separate clauses with "，" and list with "、"; English ones list with ", ",
    so English is cut only at ";" and sentence ends: cutting a list would drop places from it."""
    zh = any("\u4e00" <= ch <= "\u9fff" for ch in text)
    cut = _CLAUSE_ZH if zh else _CLAUSE_EN
    shared = {x.strip() for x in cut.split(common) if x.strip()}
    own = [x.strip() for x in cut.split(text) if x.strip() and x.strip() not in shared]
    if not own:
        return text
    return ("，" if zh else "; ").join(own) + ("。" if zh else ".")


def _rule_but_for(c: r.Ctx, main: Reply, others: list[Product]) -> Reply:
    """Most products follow one rule and the others each have their own: the rule, and the
    others named so the viewer can ask about one (their own rules are too many to read out)."""
    names = ("、" if c.zh else ", ").join(p.name.get(c.lang) for p in others)
    text = main.text.rstrip("。. ")
    text += f"；{names}不同，可以问我具体哪款。" if c.zh else f". It differs for the {names}: ask me about one."
    return Reply("answer", text, main.fields)


def _shared_only(c: r.Ctx, main: Reply, others: list[Product], replies: list[Reply]) -> Optional[Reply]:
    """Too many products differ to name each one's exception: say the clauses every product
    shares ("从浙江义乌发货") and name the products that differ elsewhere, so the viewer can ask."""
    cut = _CLAUSE_ZH if c.zh else _CLAUSE_EN
    shared = [x.strip() for x in cut.split(main.text) if x.strip()
              and all(x.strip() in {y.strip() for y in cut.split(rep.text)} for rep in replies)]
    if not shared:
        return None
    names = ("、" if c.zh else ", ").join(p.name.get(c.lang) for p in others)
    if len(others) > _MAX_EXCEPTIONS + 1:  # most products differ: naming them all is longer than asking
        text = ("，".join(shared) + "；其他的各款有所不同，可以问我具体哪款。" if c.zh
                else "; ".join(shared) + ". The rest differs by product: ask me about one.")
    else:
        text = ("，".join(shared) + f"；{names}有所不同，可以问我具体哪款。" if c.zh
                else "; ".join(shared) + f". It differs for the {names}: ask me about one.")
    return Reply("answer", text, main.fields)


class AnswerEngine:
    """Stateful per show (moderation remembers viewers). ``handle`` is the whole pipeline."""

    def __init__(self, catalog: Catalog, embedder: Optional[Embedder] = None,
                 moderator: Optional[Moderator] = None, checker: Optional[Compliance] = None,
                 phraser: Optional[AnswerPhraser] = None, intent_model: Optional[IntentModel] | str = "default",
                 fact_model: Optional[FactModel] = None) -> None:
        self.catalog = catalog
        # the learned intent model beside the rules (None: rules only); see intent_model.py
        self.intent_model = IntentModel.load() if intent_model == "default" else intent_model
        self.phraser = phraser  # optional LLM phrasing, verified against the chosen facts
        self.stock_of: Optional[Callable[[str], Optional[int]]] = None  # live stock from the shop, if on air
        self.retriever = Retriever(catalog, embedder, fact_model)  # None: the shipped one
        self.moderator = moderator or Moderator()
        self.classifier = IntentClassifier()
        self.checker = checker or default_checker()
        self._allow = [n for p in catalog.products for n in (p.name.zh, p.name.en, p.brand or "")]

    def handle(self, comment: Comment, on_screen: Optional[str] = None, lang: Optional[str] = None) -> Decision:
        """Decide what the host does about ``comment`` while ``on_screen`` is presented."""
        lang = lang or comment.language
        mod = self.moderator.check(comment)
        # also for dropped comments (logs say what was asked); names blanked so "nuts" is no allergy question
        intent = self.classifier.classify(self.retriever.without_names(comment.text))
        if not mod.allowed:
            known = intent.intent if mod.reason in ("repeat", "flood") else mod.reason
            return self._log(Decision(comment, "silent", mod.reason, lang, intent=known))
        named = tuple(self.retriever.mentioned(_ALLERGY.sub(" ", comment.text)))
        intent = self._learned(comment.text, intent, len(named))
        if asks_for_unsold(comment.text) and not named:
            return self._finish(comment, lang, "unknown", rp.not_sold(self.catalog, lang), (), "none")
        if intent.intent == "off_topic" and intent.score == 0 and named:  # "Pro耳机哪年上市的": about a product
            # ... when it asks; "this shirt slaps fr" / "终于等到猫粮了" react to it (small talk)
            main = "spec" if asks_about(comment.text) else "greeting"
            intent = IntentResult(main, 1.0, intent.slots, intents=(main,))
        if intent.intent == "off_topic":
            return self._log(Decision(comment, "silent", "off_topic", lang, intent="off_topic"))
        if intent.intent == "ai_disclosure":
            return self._finish(comment, lang, "ai_disclosure", rp.ai_disclosure(self.catalog, lang), (), "none")
        if intent.intent == "greeting" and (named or on_screen):  # "my feet are 9.25 inches long"
            pid = (named or (on_screen,))[0]
            shown = next((p for p in self.catalog.products if p.id == pid), None)
            intent = _measured_size_first(intent, shown, comment.text) if shown else intent
        if intent.intent == "greeting":
            return self._finish(comment, lang, "greeting", rp.greeting(self.catalog, comment.text, lang), (), "none")
        ids = list(named[:MAX_PRODUCTS]) or ([on_screen] if on_screen else [])
        method = "alias" if named else ("on_screen" if on_screen else "none")
        if intent.intent == "compare" and len(ids) == 1 and on_screen and on_screen not in ids:
            ids = [on_screen, *ids]  # "和lite比呢" while the Pro is on screen
        products = [self.catalog.get(i) for i in ids]
        ctx = r.Ctx(self.catalog, self.retriever, comment.text, intent.slots, lang, self.stock_of)
        if not products:
            same = self._same_for_all(ctx, intent)
            if same is None and not_sold_thing(self.catalog, comment.text):
                return self._finish(comment, lang, "unknown", rp.not_sold(self.catalog, lang), (), "none")
            reply = same or r.clarify_reply(self.catalog, lang)
            return self._finish(comment, lang, intent.intent, reply, (), method, intent)
        intent = _availability_first(intent, products[0], comment.text)
        if len(products) == 1:
            intent = _measured_size_first(intent, products[0], comment.text)
        reply = self._compose(ctx, intent, products)
        if reply.kind == "check" and reply.reason == "missing_fact" and not_sold_thing(self.catalog, comment.text):
            return self._finish(comment, lang, "unknown", rp.not_sold(self.catalog, lang), (), "none")
        main = ("unknown" if reply.kind == "check" and reply.reason == "missing_fact"
                else _by_region(_by_fact(intent.intent, reply), ctx, products))
        return self._finish(comment, lang, main, reply, tuple(p.id for p in products), method, intent)

    def _learned(self, text: str, rules: IntentResult, n_named: int) -> IntentResult:
        """The rules' intents, with the main one replaced when the learned model is sure of another."""
        model = self.intent_model
        if not isinstance(model, IntentModel) or not consult(rules):
            return rules
        blanked = self.retriever.without_names(text)
        # the raw comment is what fact retrieval embeds too: one query embedding serves both
        emb = self.retriever.embedder.query(text) if self.retriever.embedder.available else None
        x = features(emb, blanked, rules, n_named)
        return combine(rules, model.probs(x), model.classes, model.trust_at, asks(blanked) or asks_about(blanked))

    def _same_for_all(self, c: r.Ctx, intent: IntentResult) -> Optional[Reply]:
        """"包邮吗" with nothing on screen: the store's answer, with the products that differ named.

        Why not "which product?": store rules are what such questions ask about, and a product
        that overrides them (ships from another warehouse, has its own promo) is an exception a
        viewer must hear, not a reason to withhold the rule from everyone."""
        wanted = [i for i in intent.all if i in _POLICY_INTENTS][:MAX_INTENTS]
        if not wanted or len(wanted) != len([i for i in intent.all if i in _BUILDERS]):
            return None
        groups: dict[Reply, list[Product]] = {}
        for p in self.catalog.products:
            groups.setdefault(self._compose(c, intent, [p]), []).append(p)
        if any(reply.kind != "answer" for reply in groups):
            return None
        ordered = sorted(groups.items(), key=lambda kv: -len(kv[1]))
        main, common = ordered[0]
        if len(ordered) == 1:
            return main
        if len(common) < 2:  # every product differs somewhere (today's price): say what they all share, if anything
            if _SHIPPING & set(wanted):
                return None  # each product ships its own way: reading a shared fragment misleads, ask which
            return _shared_only(c, main, [p for _, ps in ordered[1:] for p in ps], [r for r, _ in ordered])
        if len(ordered) > _MAX_EXCEPTIONS + 1:
            others = [p for _, ps in ordered[1:] for p in ps]
            shared = _shared_only(c, main, others, [r for r, _ in ordered])
            if shared is None and 2 * len(common) > len(self.catalog.products):
                return _rule_but_for(c, main, others)  # "七天无理由吗": most follow the rule; name the rest
            return shared
        texts, fields = [main.text], list(main.fields)
        for reply, products in ordered[1:]:
            names = ("、" if c.zh else ", ").join(p.name.get(c.lang) for p in products)
            texts.append(f"{names}：{_beyond(reply.text, main.text)}" if c.zh
                         else f"For the {names}: {_beyond(reply.text, main.text)}")
            fields += [f"{p.id}:{f}" for p in products for f in reply.fields]
        return Reply("answer", ("" if c.zh else " ").join(texts), tuple(dict.fromkeys(fields)))

    def _compose(self, c: r.Ctx, intent: IntentResult, products: list[Product]) -> Reply:
        """One piece per (product, intent), in the order asked; one product: no name prefixes."""
        if intent.intent == "compare":
            own = rprice.variant_price(c, products[0]) if len(products) == 1 and "price" in intent.all else None
            return own or r.compare(c, products)  # "20kg vs 10kg price difference?": its own variants' prices
        wanted = [i for i in intent.all if i in _BUILDERS][:MAX_INTENTS] or ["spec"]
        pieces: list[tuple[Product, Reply]] = []
        for p in products:
            for name in wanted:
                x = _BUILDERS[name](c, p)
                if name == "size" and x.kind != "answer" and "price" in wanted:
                    continue  # "140的升降桌和20kg哑铃一起多少钱": the sizes pick the variants priced
                pieces.append((p, x))
        answered = [(p, x) for p, x in pieces if x.kind == "answer"]
        total = rprice.together_total(c, products) if {"price", "promo"} & set(wanted) else None
        if total is not None:  # "猫粮和猫砂一起买多少钱": the sum first, then each product's own line
            answered = [(products[0], total), *answered]
            pieces = [(products[0], total), *pieces]
        if not answered:
            return pieces[0][1]
        several = len(products) > 1
        texts, fields = [], []
        for p, x in answered:
            text = x.text
            name = p.name.get(c.lang)
            if several and x is not total and not text.startswith(name):  # the sum is about all of them
                text = f"{name}：{text}" if c.zh else f"{name}: {text}"
            texts.append(text)
            fields += [f"{p.id}:{f}" if several else f for f in x.fields]
        if len(answered) < len(pieces):  # part of the question is not in the catalog: say so
            texts.append(r.check_reply(c.lang, topic="其他的" if c.zh else "the rest").text)
        sep = "" if c.zh else " "
        return Reply("answer", sep.join(dict.fromkeys(texts)), tuple(dict.fromkeys(fields)))

    def _finish(self, comment: Comment, lang: str, intent_name: str, reply: Reply, ids: tuple[str, ...],
                method: str, intent: Optional[IntentResult] = None) -> Decision:
        reply = with_units(reply, comment.text, lang)  # "how many lbs?": the catalog's kg and the lbs beside
        verdict = self.checker.check(reply.text, lang, allow=self._allow)
        if not verdict.ok:  # a catalog fact phrased illegally: do not say it, check with the team
            reply = r.check_reply(lang, reason="compliance")
            verdict = self.checker.check(reply.text, lang)
        intents = (intent_name, *(i for i in (intent.all if intent else ()) if i != intent_name))
        text, phrasing = verdict.text, "template"
        if self.phraser is not None and reply.kind == "answer" and text:
            phrased = self.phraser.phrase(comment.text, text, lang)
            text, phrasing = phrased.text, "llm" if phrased.used_llm else "template"
        return self._log(Decision(comment, reply.kind, reply.reason, lang, intent=intent_name,
                                  product_id=ids[0] if ids else None, reply=text, fields=reply.fields,
                                  match_method=method, compliance=verdict.decision, intents=intents,
                                  product_ids=ids, phrasing=phrasing))

    @staticmethod
    def _log(d: Decision) -> Decision:
        log.info("comment %s -> %s", d.comment.user, d.action,
                 extra={"answer": {"event": "comment", "user": d.comment.user, "action": d.action, "reason": d.reason,
                                   "intent": d.intent, "product": d.product_id, "fields": list(d.fields)}})
        return d
