"""Price per unit (show/answers/unit_price.py): "算下来一斤多少钱", "多少钱一包", "per can?" divide the
price the viewer would pay by what the product holds, read from a contents spec, the variant
named or the product's name. The catalog is written for this test."""

from __future__ import annotations

import pytest

from twincast.show.answers import AnswerEngine, Comment
from twincast.show.answers.unit_price import asked_unit

PRODUCTS = """
  - id: rice
    link: 1
    name: {zh: 稻香东北大米, en: Paddy Fields northeast rice}
    category: {zh: 大米, en: rice}
    price: 79
    promo_price: 59.9
    currency: CNY
    stock: 100
    sizes: [{name: 5kg}, {name: 10kg}]
    variants:
      - {size: 5kg, stock: 60}
      - {size: 10kg, stock: 40, price: 109}
    specs:
      - key: {zh: 产地, en: Origin}
        value: {zh: 黑龙江五常, en: "Wuchang, Heilongjiang"}
    selling_points:
      - {zh: 当季新米, en: this season's new rice}
  - id: tea
    link: 2
    name: {zh: 山岚茉莉花茶, en: Mistpeak jasmine tea}
    category: {zh: 花茶, en: jasmine tea}
    price: 68
    currency: CNY
    stock: 100
    specs:
      - key: {zh: 规格, en: Pack}
        value: {zh: 每包3克，一盒20包, en: "3 g per sachet, 20 sachets per box"}
    selling_points:
      - {zh: 七窨一提, en: scented seven times}
  - id: juice
    link: 3
    name: {zh: 果园NFC橙汁6瓶装, en: Orchard NFC orange juice 6-pack}
    category: {zh: 果汁, en: juice}
    price: 59.4
    currency: CNY
    stock: 100
    selling_points:
      - {zh: 非浓缩还原, en: not from concentrate}
"""


@pytest.fixture(scope="module")
def engine(small_shop):
    return AnswerEngine(small_shop(PRODUCTS), intent_model=None)


def test_the_unit_asked_in_both_languages():
    assert asked_unit("算下来一斤多少钱") == "斤"
    assert asked_unit("多少钱一包") == "包"
    assert asked_unit("how much per can?") == "can"
    assert asked_unit("how much is it") is None
    assert asked_unit("一共多少钱") is None


@pytest.mark.parametrize("pid, text, figures", [
    ("rice", "算下来一斤多少钱", ("¥59.9", "10斤", "¥5.99", "¥109", "20斤", "¥5.45")),  # each size
    ("rice", "10kg的一斤合多少钱", ("¥109", "20斤", "¥5.45")),
    ("rice", "how much per kg for the 10kg bag?", ("¥109", "10 kg", "¥10.9")),
    ("tea", "多少钱一包", ("¥68", "20包", "¥3.4")),
    ("tea", "算下来一斤多少钱", ("¥68", "0.12斤", "¥566.67")),  # 3 g x 20 = 60 g
    ("juice", "how much per bottle?", ("¥59.4", "6 bottles", "¥9.9")),
])
def test_price_per_unit_with_its_arithmetic(engine, pid, text, figures):
    d = engine.handle(Comment(f"viewer {pid} {text}", text, 1.0), on_screen=pid)
    assert d.action == "answer" and all(f in d.reply for f in figures), d.reply


def test_no_contents_no_made_up_unit_price(engine):
    d = engine.handle(Comment("viewer x", "多少钱一袋", 1.0), on_screen="juice")  # juice is sold in bottles
    assert "每袋" not in d.reply, d.reply
