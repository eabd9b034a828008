"""A variant named in the viewer's short forms is the variant whose stock is said: a compound
size by its numbers ("8+256" for 8GB+256GB) or by one part ("the 12gb one": every 12 GB
version), a colour without its 色 ("松石绿" for 松石绿色). Never the colour's or the size's total
when the variant asked is sold out. The catalog is written for this test."""

from __future__ import annotations

import pytest

from twincast.show.answers import AnswerEngine, Comment

PRODUCTS = """
  - id: phone
    link: 1
    name: {zh: 星河X2手机, en: Galaxia X2 phone}
    category: {zh: 手机, en: phone}
    price: 2999
    currency: CNY
    stock: 100
    colours:
      - {zh: 松石绿色, en: turquoise}
      - {zh: 曜石黑色, en: obsidian}
    sizes: [{name: 8GB+256GB}, {name: 12GB+256GB}, {name: 12GB+512GB}]
    variants:
      - {colour: 松石绿色, size: 8GB+256GB, stock: 0, price: 2999}
      - {colour: 松石绿色, size: 12GB+256GB, stock: 0, price: 3299}
      - {colour: 松石绿色, size: 12GB+512GB, stock: 0, price: 3699}
      - {colour: 曜石黑色, size: 8GB+256GB, stock: 40, price: 2999}
      - {colour: 曜石黑色, size: 12GB+256GB, stock: 35, price: 3299}
      - {colour: 曜石黑色, size: 12GB+512GB, stock: 25, price: 3699}
    selling_points:
      - {zh: 5000毫安电池, en: 5000 mAh battery}
"""


@pytest.fixture(scope="module")
def engine(small_shop):
    return AnswerEngine(small_shop(PRODUCTS), intent_model=None)


@pytest.mark.parametrize("text, want, absent", [
    ("松石绿8+256有货吗", ("松石绿色 8GB+256GB", "卖完"), ("还有货",)),
    ("曜石黑12+512还有吗", ("还有货", "25"), ("卖完",)),
    ("is the 12gb turquoise in stock?", ("sold out",), ("in stock:",)),
    ("12gb obsidian in stock?", ("in stock", "60"), ("sold out",)),  # both 12 GB versions: 35 + 25
])
def test_the_variant_asked_in_short_is_the_one_whose_stock_is_said(engine, text, want, absent):
    d = engine.handle(Comment(f"viewer {hash(text)}", text, 1.0), on_screen="phone")
    assert d.action == "answer", (text, d)
    for w in want:
        assert w in d.reply, (text, d.reply)
    for a in absent:
        assert a not in d.reply, (text, d.reply)
