"""A colour named in the viewer's own shorter words plus "available?" asks for that variant's
stock ("is the silver one available?" for "mist silver"), whatever the rules made of the words.
The catalog is written for this test."""

from __future__ import annotations

import pytest

from twincast.show.answers import AnswerEngine, Comment

PRODUCTS = """
  - id: headphones
    link: 1
    name: {zh: 静谧头戴耳机, en: Hush over-ear headphones}
    category: {zh: 头戴耳机, en: headphones}
    price: 799
    promo_price: 599
    currency: CNY
    stock: 90
    colours:
      - {zh: 曜石黑, en: obsidian black}
      - {zh: 雾银, en: mist silver}
    variants:
      - {colour: 曜石黑, stock: 90}
      - {colour: 雾银, stock: 0}
    selling_points: [{zh: 降噪, en: noise cancelling}]
"""


@pytest.mark.parametrize("text, says", [
    ("is the silver one available? want silver", "sold out"),
    ("is the black one available?", "black"),
])
def test_a_colour_in_short_words_with_available_asks_its_stock(small_shop, text, says):
    engine = AnswerEngine(small_shop(PRODUCTS), intent_model=None)
    d = engine.handle(Comment(f"viewer {hash(text)}", text, 1.0), on_screen="headphones")
    assert d.action == "answer" and d.intent == "stock", (d.intent, d.reply)
    assert says in d.reply.lower(), d.reply
