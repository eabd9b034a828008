"""A viewer's body against a product's own limits (show/answers/bodyfit.py): weight against the
load limit, height against the users' height range, height against the length of a thing to lie
on. The catalog here is written for this test (a kids' balance bike, a camp bed, a massage
chair), not taken from the dev shops the reasoner was written against."""

from __future__ import annotations

import pytest

from twincast.show.answers import AnswerEngine, Comment
from twincast.show.answers.bodyfit import body_checks

PRODUCTS = """
  - id: balance-bike
    link: 1
    name: {zh: 小飞侠儿童平衡车, en: Skipper kids' balance bike}
    category: {zh: 平衡车, en: balance bike}
    price: 299
    currency: CNY
    stock: 50
    specs:
      - key: {zh: 适用身高, en: Rider height}
        value: {zh: 身高85到110厘米的孩子, en: children 85 to 110 cm tall}
      - key: {zh: 限重, en: Weight limit}
        value: {zh: 30公斤, en: 30 kg}
      - key: {zh: 车架, en: Frame}
        value: {zh: 镁合金, en: magnesium alloy}
    selling_points:
      - {zh: 整车只有2.9公斤, en: the whole bike weighs only 2.9 kg}
  - id: camp-bed
    link: 2
    name: {zh: 山野折叠行军床, en: Trailhead folding camp bed}
    category: {zh: 行军床, en: camp bed}
    price: 199
    currency: CNY
    stock: 40
    dimensions: {width: 190 cm, depth: 65 cm, height: 40 cm, weight: 6.5 kg}
    specs:
      - key: {zh: 承重, en: Load capacity}
        value: {zh: 静态承重200斤, en: holds up to 220 lbs}
    selling_points:
      - {zh: 十秒展开，不用工具, en: opens in ten seconds without tools}
  - id: massage-chair
    link: 3
    name: {zh: 舒享按摩椅, en: Ease massage chair}
    category: {zh: 按摩椅, en: massage chair}
    price: 5999
    currency: CNY
    stock: 10
    specs:
      - key: {zh: 适合身高, en: Suited to}
        value: {zh: 身高150到185厘米, en: users 150 to 185 cm tall}
      - key: {zh: 最大承重, en: Maximum load}
        value: {zh: 120千克, en: 120 kg}
    selling_points:
      - {zh: 零重力躺姿, en: zero-gravity recline}
"""


@pytest.fixture(scope="module")
def shop(small_shop):
    return small_shop(PRODUCTS)


def test_limits_are_read_from_the_statements_in_their_own_units(shop):
    bike = body_checks(shop.get("balance-bike"), "孩子100厘米 25公斤能骑吗", 100.0, 25.0)
    assert {(c.limit.kind, c.limit.low, c.limit.high, c.ok) for c in bike} == {("load", None, 30.0, True),
                                                                              ("height", 85.0, 110.0, True)}
    bed = body_checks(shop.get("camp-bed"), "我180斤 能睡吗", None, 90.0)
    assert bed[0].limit.high == 100.0 and bed[0].ok  # 200斤 = 100 kg (the zh text is read first)
    assert not body_checks(shop.get("camp-bed"), "I'm 250 lbs", None, 113.4)[0].ok
    lying = body_checks(shop.get("camp-bed"), "我一米九五 躺得下吗", 195.0, None)
    assert lying[0].limit.kind == "length" and lying[0].limit.high == 190.0 and not lying[0].ok
    assert body_checks(shop.get("balance-bike"), "多重", None, None) == []


@pytest.mark.parametrize("pid, text, verdict, figures", [
    ("balance-bike", "我家娃身高95 体重18公斤 能骑吗", "可以", ("85", "110", "30")),
    ("balance-bike", "my son is 4 ft 2, is it too small?", "Not quite", ("85", "110")),
    ("camp-bed", "I'm 250 lbs, will it hold me?", "Not quite", ("100",)),
    ("camp-bed", "我170 躺下够长吗", "可以", ("190",)),
    ("massage-chair", "我身高190 体重80公斤 能用吗", "不太合适", ("150", "185", "120")),
    ("massage-chair", "i'm 5'6 and 150 lbs, is it ok for me?", "Yes", ("150", "185", "120")),
])
def test_the_host_says_yes_or_no_with_the_limit(shop, pid, text, verdict, figures):
    d = AnswerEngine(shop, intent_model=None).handle(Comment("viewer", text, 5.0), on_screen=pid)
    assert d.action == "answer" and d.reply.startswith(verdict), d.reply
    assert all(f in d.reply for f in figures), d.reply
