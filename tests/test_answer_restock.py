"""A future restock (issue 17, session 12): "什么时候补货", "restock when?" ask a date no catalog
holds: the host says today's stock (what is sold out, what is left) and defers the date honestly;
"补货了吗" / "back in stock?" asks today's stock and is answered."""

from __future__ import annotations

from twincast.show.answers import AnswerEngine, Comment
from twincast.show.answers.evaluate_shops import DATA
from twincast.show.catalog_io import load_catalog


def _sold_out_colour(catalog):
    """A colour whose every variant is at 0, with its zh and en names from the product's colours."""
    for p in catalog.products:
        for t in p.colours:
            mine = [v for v in p.variants if v.colour in (t.zh, t.en)]
            if mine and all(v.stock == 0 for v in mine):
                return p, t
    raise AssertionError("the dev catalog has a sold-out colour")


def test_restock_when_is_a_check_that_keeps_the_stock_fact():
    catalog = load_catalog(DATA / "dev-electronics-office" / "catalog.yaml")
    engine = AnswerEngine(catalog, intent_model=None)
    p, colour = _sold_out_colour(catalog)
    d = engine.handle(Comment("v", f"{colour.en} restock when?"), on_screen=p.id)
    assert d.action == "check" and d.reason == "restock" and d.intent == "stock"
    assert "sold out" in d.reply and "restock" in d.reply
    d = engine.handle(Comment("w", f"{colour.zh}什么时候补货"), on_screen=p.id)
    assert d.action == "check" and ("卖完" in d.reply or "售罄" in d.reply) and "补货" in d.reply
    d = engine.handle(Comment("x", f"{colour.zh}补货了吗"), on_screen=p.id)
    assert d.action == "answer"


def test_a_variant_asked_the_short_way_is_its_stock():
    """"does the white one come in L", "black in M?": the variant's stock, on a real dev catalog."""
    catalog = load_catalog(DATA / "dev-fashion-food" / "catalog.yaml")
    engine = AnswerEngine(catalog, intent_model=None)
    p = next(p for p in catalog.products if any(v.colour and v.size for v in p.variants))
    v = next(v for v in p.variants if v.colour and v.size)
    colour = next(t for t in p.colours if v.colour in (t.zh, t.en))
    d = engine.handle(Comment("v", f"does the {colour.en} one come in {v.size}"), on_screen=p.id)
    assert d.intent == "stock" and d.action == "answer"
    assert ("sold out" in d.reply) == (v.stock == 0)


def test_several_products_bought_together_get_their_sum_and_the_store_reduction():
    """"猫粮和猫砂一起买多少钱": today's prices summed, less the store's full reduction it reaches."""
    from twincast.show.answers.reasoners import order_total

    catalog = load_catalog(DATA / "dev-pets-sports" / "catalog.yaml")
    engine = AnswerEngine(catalog, intent_model=None)
    a, b = [p for p in catalog.products if not any(v.price for v in p.variants)][:2]
    d = engine.handle(Comment("v", f"{a.name.zh}和{b.name.zh}一起买多少钱"))
    assert d.intent == "price" and d.action == "answer"
    t = order_total(a.sale_price + b.sale_price, 1, catalog.policy(a).promos or ())
    assert f"共¥{t.subtotal:g}" in d.reply
    if t.amount:
        assert f"¥{t.total:g}" in d.reply
    assert not d.reply.startswith(a.name.zh + "：2件")  # the sum is not one product's line


def test_a_store_question_with_nothing_on_screen_says_what_every_product_shares():
    """"any discount code?" with no product on screen: each product's own price differs, the
    store's reduction and coupon are the same for all; they are said, not "which product?"."""
    catalog = load_catalog(DATA / "dev-electronics-office" / "catalog.yaml")
    engine = AnswerEngine(catalog, intent_model=None)
    d = engine.handle(Comment("v", "any discount code?"))
    assert d.action == "answer" and d.intent == "promo"
    full = next(x for x in catalog.policy(catalog.products[0]).promos if x.kind == "full_reduction")
    assert f"{full.amount:g}" in d.reply and f"{full.threshold:g}" in d.reply
    assert "ask me about one" in d.reply and "¥" not in d.reply.split(".")[0]  # no one product's price as the rule


def test_a_size_asked_with_the_body_stays_a_size_question():
    """"羽绒服有S码吗 我155": the body measure makes it a size question (the v1 stream's label)."""
    from twincast.show.catalog_io import load_catalog as load_sample

    engine = AnswerEngine(load_sample(), intent_model=None)
    jacket = next(p for p in engine.catalog.products if p.variants and any(v.size for v in p.variants))
    size = next(v.size for v in jacket.variants if v.size)
    d = engine.handle(Comment("v", f"有{size}码吗 我155"), on_screen=jacket.id)
    assert d.intent == "size"
    d = engine.handle(Comment("w", f"有{size}码吗"), on_screen=jacket.id)
    assert d.intent == "stock"
