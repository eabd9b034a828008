"""Options that are not colours: flavours and scents kept in a product's `colours` (every zh
name ending in 味) are listed as kinds with the sold-out ones named; "什么味道" of a product
with one taste is its taste statement, not "let me check the colours". The catalog is written
for this test."""

from __future__ import annotations

import pytest

from twincast.show.answers import AnswerEngine, Comment

PRODUCTS = """
  - id: oat-bar
    link: 1
    name: {zh: 麦田燕麦能量棒, en: FieldOat energy bar}
    category: {zh: 能量棒, en: energy bar}
    price: 59
    currency: CNY
    stock: 120
    colours:
      - {zh: 蓝莓味, en: blueberry}
      - {zh: 花生味, en: peanut}
      - {zh: 椰子味, en: coconut}
    variants:
      - {colour: 蓝莓味, stock: 70}
      - {colour: 花生味, stock: 50}
      - {colour: 椰子味, stock: 0}
    selling_points:
      - {zh: 每根含12克蛋白, en: 12 g of protein per bar}
  - id: cold-brew
    link: 2
    name: {zh: 山谷冷萃咖啡液, en: Valley cold brew concentrate}
    category: {zh: 咖啡液, en: coffee concentrate}
    price: 79
    currency: CNY
    stock: 80
    specs:
      - key: {zh: 风味, en: Taste}
        value: {zh: 黑巧克力和红糖风味，几乎不酸, en: "dark chocolate and brown sugar notes, barely acidic"}
    selling_points:
      - {zh: 冷水直接兑, en: mixes with cold water}
  - id: scarf
    link: 3
    name: {zh: 羊绒围巾, en: cashmere scarf}
    category: {zh: 围巾, en: scarf}
    price: 299
    currency: CNY
    stock: 40
    colours:
      - {zh: 驼色, en: camel}
      - {zh: 藏青, en: navy}
    selling_points:
      - {zh: 内蒙古山羊绒, en: Inner Mongolian cashmere}
"""


@pytest.fixture(scope="module")
def engine(small_shop):
    return AnswerEngine(small_shop(PRODUCTS), intent_model=None)


@pytest.mark.parametrize("pid, text, want, absent", [
    ("oat-bar", "有几种口味", ("3种味道", "蓝莓味", "花生味", "椰子味已售罄"), ("颜色",)),
    ("oat-bar", "what flavours do you have?", ("3 kinds", "blueberry", "peanut", "Sold out: coconut"), ("colours",)),
    ("cold-brew", "什么味道的 酸不酸", ("黑巧克力", "几乎不酸"), ("颜色", "确认")),
    ("scarf", "有几个颜色", ("2个颜色", "驼色", "藏青"), ("售罄",)),
])
def test_options_are_said_as_what_they_are(engine, pid, text, want, absent):
    d = engine.handle(Comment(f"viewer {hash(text)}", text, 1.0), on_screen=pid)
    assert d.action == "answer", (text, d)
    for w in want:
        assert w in d.reply, (text, d.reply)
    for a in absent:
        assert a not in d.reply, (text, d.reply)
