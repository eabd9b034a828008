"""Variants with prices of their own (catalog v2): the price of the variant the viewer names,
in any unit spelling ("6毫米" for the "6mm" variant), and for two variants both prices with the
difference or the sum when asked. The catalog is written for this test."""

from __future__ import annotations

import pytest

from twincast.show.answers import AnswerEngine, Comment

PRODUCTS = """
  - id: dumbbells
    link: 1
    name: {zh: 铁臂可调哑铃, en: IronArm adjustable dumbbell}
    category: {zh: 哑铃, en: dumbbell}
    price: 399
    promo_price: 299
    currency: CNY
    stock: 60
    sizes: [{name: 10kg}, {name: 20kg}, {name: 30kg}]
    variants:
      - {size: 10kg, stock: 30}
      - {size: 20kg, stock: 20, price: 459}
      - {size: 30kg, stock: 10, price: 629}
    specs:
      - key: {zh: 调节, en: Adjustment}
        value: {zh: 旋钮调节，每档2.5公斤, en: "dial adjustment in 2.5 kg steps"}
    selling_points:
      - {zh: 一副顶一架子哑铃, en: one pair replaces a whole rack}
    policies:
      instalments: {available: true, periods: [3, 6], interest_free: true}
      promos:
        - kind: coupon
          text: {zh: 关注店铺领10元券，12月12日前有效, en: "follow the shop for a 10 yuan coupon, valid until 12 December"}
          valid_until: 2026-12-12
  - id: desk
    link: 2
    name: {zh: 木作升降桌, en: Joinery standing desk}
    category: {zh: 升降桌, en: standing desk}
    price: 1999
    promo_price: 1399
    currency: CNY
    stock: 40
    sizes: [{name: 120x60cm}, {name: 140x70cm}]
    variants:
      - {size: 120x60cm, stock: 25}
      - {size: 140x70cm, stock: 15, price: 1599}
    selling_points:
      - {zh: 双电机, en: dual motors}
  - id: apples
    link: 3
    name: {zh: 高原红富士苹果, en: Highland Fuji apples}
    category: {zh: 苹果, en: apples}
    price: 49
    currency: CNY
    stock: 300
    sizes: [{name: 3斤装}, {name: 5斤装}]
    variants:
      - {size: 3斤装, stock: 0, price: 29}
      - {size: 5斤装, stock: 300}
    selling_points:
      - {zh: 脆甜多汁, en: crisp and juicy}
"""


@pytest.fixture(scope="module")
def engine(small_shop):
    return AnswerEngine(small_shop(PRODUCTS), intent_model=None)


@pytest.mark.parametrize("text, figures, absent", [
    ("20公斤的多少钱", ("¥459",), ("¥299", "¥629")),
    ("how much is the 30 kg one?", ("¥629",), ("¥459",)),
    ("10kg的价格", ("¥299",), ("¥459",)),  # no price of its own: today's price of the product
    ("30公斤比20公斤贵多少", ("¥629", "¥459", "30kg比20kg贵¥170"), ()),
    ("10kg和20kg各买一个一共多少", ("¥299", "¥459", "¥758"), ()),
    ("20kg vs 10kg price difference?", ("¥459", "¥299", "20kg costs ¥160 more"), ()),
])
def test_variant_prices(engine, text, figures, absent):
    d = engine.handle(Comment(f"viewer {hash(text)}", text, 1.0), on_screen="dumbbells")
    assert d.action == "answer", d.reply
    assert all(f in d.reply for f in figures) and not any(f in d.reply for f in absent), d.reply


@pytest.mark.parametrize("pid, text, figures, absent", [
    ("desk", "price for the 140 x 70 top?", ("¥1599",), ("¥1399",)),
    ("desk", "120×60厘米的多少钱", ("¥1399",), ("¥1599",)),
    ("apples", "3斤的还有吗", ("3斤装", "卖完"), ()),
    ("apples", "5斤的多少钱", ("¥49",), ("¥29",)),
    ("desk", "140的多少钱", ("¥1599",), ("¥1399",)),  # a top named by its first side
    ("desk", "the 120 one, how much?", ("¥1399",), ("¥1599",)),
])
def test_a_size_in_the_viewers_spelling(engine, pid, text, figures, absent):
    d = engine.handle(Comment(f"viewer {hash(text)}", text, 1.0), on_screen=pid)
    assert d.action == "answer", d.reply
    assert all(f in d.reply for f in figures) and not any(f in d.reply for f in absent), d.reply


def test_an_order_of_a_priced_variant_and_a_promo_date_said_once(engine):
    d = engine.handle(Comment("viewer order", "买两个20kg的多少钱", 1.0), on_screen="dumbbells")
    assert "¥918" in d.reply, d.reply  # 2 x 459, the variant's own price
    d = engine.handle(Comment("viewer coupon", "有优惠券吗", 1.0), on_screen="dumbbells")
    assert d.reply.count("12月12日") == 1, d.reply
    d = engine.handle(Comment("viewer coupon en", "any coupon?", 1.0), on_screen="dumbbells")
    assert d.reply.lower().count("12 december") + d.reply.count("2026-12-12") == 1, d.reply


@pytest.mark.parametrize("text, figure", [
    ("6 interest-free instalments, how much per month?", "¥49.83"),  # 299 / 6, today's price
    ("20kg的分6期每个月多少", "¥76.5"),  # 459 / 6, the size named
])
def test_a_monthly_instalment_of_the_price_the_viewer_pays(engine, text, figure):
    d = engine.handle(Comment(f"viewer {hash(text)}", text, 1.0), on_screen="dumbbells")
    assert d.action == "answer" and figure in d.reply, d.reply


def test_a_first_side_is_not_read_in_a_height_a_price_or_a_longer_number(small_shop):
    from twincast.show.answers.size_names import sizes_named

    desk = next(p for p in small_shop(PRODUCTS).products if p.id == "desk")
    assert sizes_named(desk, "140的有货吗") == ["140x70cm"]
    for text in ("身高140能用吗", "1400元的那个", "140元吗", "1140", "140斤"):
        assert sizes_named(desk, text) == [], text


@pytest.mark.parametrize("text, figures, absent", [
    # the named variants' prices: 1599 + 459
    ("140的升降桌和20kg哑铃一起多少钱", ("共¥2058。",), ("¥2058起", "确认")),
    # nothing named: each at its cheapest variant, said as "from": 1399 + 299
    ("升降桌和哑铃一起买多少钱", ("共¥1698起",), ()),
    ("how much for the standing desk and the dumbbell together?", ("start at ¥1698",), ()),
])
def test_several_products_together_at_the_variants_asked(engine, text, figures, absent):
    d = engine.handle(Comment(f"viewer {hash(text)}", text, 1.0))
    assert d.action == "answer", d.reply
    assert all(f in d.reply for f in figures) and not any(f in d.reply for f in absent), d.reply
    for name in ("木作升降桌", "Joinery standing desk", "铁臂可调哑铃", "IronArm adjustable dumbbell"):
        assert d.reply.count(name) <= 1, d.reply  # each product's line names it once


STORE_REDUCTION = """
  - id: shoes
    link: 1
    name: {zh: 轻跑鞋, en: Light runners}
    category: {zh: 跑鞋, en: running shoes}
    price: 299
    promo_price: 200
    currency: CNY
    stock: 50
    selling_points: [{zh: 轻, en: light}]
    policies:
      promos:
        - {kind: full_reduction, threshold: 299, amount: 30, text: {zh: 全店满299减30, en: 30 off orders over 299}}
        - {kind: coupon, text: {zh: 跑鞋专享10元券, en: a 10 yuan coupon for the shoes}}
  - id: mat
    link: 2
    name: {zh: 瑜伽垫, en: Yoga mat}
    category: {zh: 瑜伽垫, en: yoga mat}
    price: 199
    promo_price: 150
    currency: CNY
    stock: 50
    selling_points: [{zh: 防滑, en: non-slip}]
    policies:
      promos:
        - {kind: full_reduction, threshold: 299, amount: 30, text: {zh: 全店满299减30, en: 30 off orders over 299}}
"""


def test_a_reduction_both_products_have_applies_to_their_sum(small_shop):
    """One product's own coupon does not keep the store's full reduction off the order."""
    engine = AnswerEngine(small_shop(STORE_REDUCTION), intent_model=None)
    d = engine.handle(Comment("viewer both", "跑鞋和瑜伽垫一起买满减后多少", 1.0))
    assert "共¥350" in d.reply and "¥320" in d.reply, d.reply


COMPOUND = """
  - id: laptop
    link: 1
    name: {zh: 轻薄本, en: Slim laptop}
    category: {zh: 笔记本电脑, en: laptop}
    price: 5299
    promo_price: 4599
    currency: CNY
    stock: 100
    sizes: [{name: 16GB+512GB}, {name: 16GB+1TB}, {name: 32GB+1TB}]
    variants:
      - {size: 16GB+512GB, stock: 60}
      - {size: 16GB+1TB, stock: 30, price: 4999}
      - {size: 32GB+1TB, stock: 10, price: 5699}
    selling_points: [{zh: 轻, en: light}]
"""


@pytest.mark.parametrize("text, figures, absent", [
    ("32g的多少钱", ("32GB+1TB", "¥5699"), ("¥4999", "¥4599")),  # one version has 32G
    ("price of the 1tb version?", ("¥4999", "¥5699"), ("¥4599",)),  # two have 1TB: both
    ("三个配置分别多少钱", ("¥4599", "¥4999", "¥5699"), ()),
    ("all the versions and prices?", ("¥4599", "¥4999", "¥5699"), ()),
])
def test_a_part_of_a_compound_size_or_every_size(small_shop, text, figures, absent):
    engine = AnswerEngine(small_shop(COMPOUND), intent_model=None)
    d = engine.handle(Comment(f"viewer {hash(text)}", text, 1.0), on_screen="laptop")
    assert d.action == "answer", d.reply
    assert all(f in d.reply for f in figures) and not any(f in d.reply for f in absent), d.reply
