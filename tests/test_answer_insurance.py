"""The return-shipping insurance is asked as a returns question (its name holds 运费, "shipping")
and answered first, from the store's policy or a product's own; a catalog that does not say
gets a deferral, never the return rule or the shipping line in its place. The catalog is
written for this test."""

from __future__ import annotations

import pytest

from twincast.show.answers import AnswerEngine, Comment

PRODUCTS = """
  - id: kettle
    link: 1
    name: {zh: 静沸电水壶, en: QuietBoil kettle}
    category: {zh: 电水壶, en: kettle}
    price: 129
    currency: CNY
    stock: 50
    policies:
      return_shipping_insurance: true
    selling_points:
      - {zh: 304不锈钢内胆, en: 304 stainless steel inside}
  - id: honey
    link: 2
    name: {zh: 百花蜂蜜, en: wildflower honey}
    category: {zh: 蜂蜜, en: honey}
    price: 59
    currency: CNY
    stock: 80
    policies:
      return_shipping_insurance: false
    selling_points:
      - {zh: 成熟蜜, en: fully ripened honey}
  - id: towel
    link: 3
    name: {zh: 长绒棉毛巾, en: long-staple cotton towel}
    category: {zh: 毛巾, en: towel}
    price: 39
    currency: CNY
    stock: 200
    selling_points:
      - {zh: 不掉毛, en: lint-free}
"""


@pytest.fixture(scope="module")
def engine(small_shop):
    return AnswerEngine(small_shop(PRODUCTS), intent_model=None)


@pytest.mark.parametrize("pid, text, want, absent", [
    ("kettle", "运费险有吗", ("送运费险", "7天"), ("包邮", "没有")),
    ("kettle", "do you include return shipping insurance?", ("Yes, return shipping insurance is included",), ("no return",)),
    ("honey", "有没有运费险", ("没有运费险",), ("送运费险",)),
    ("towel", "运费险有吗", ("运费险", "确认"), ("送运费险", "没有")),  # the catalog does not say
])
def test_the_insurance_asked_is_the_answer(engine, pid, text, want, absent):
    d = engine.handle(Comment(f"viewer {pid} {hash(text)}", text, 1.0), on_screen=pid)
    assert d.intent in ("returns", "unknown"), (text, d)
    for w in want:
        assert w in d.reply, (text, d.reply)
    for a in absent:
        assert a not in d.reply, (text, d.reply)
