"""Price arithmetic said out loud (issue 17 item 3): a count times today's price, less the
store's full reduction when the subtotal reaches it; never for prices per variant or multi-buy deals."""

from __future__ import annotations

from twincast.show.answers import AnswerEngine, Comment
from twincast.show.answers.evaluate_shops import DATA
from twincast.show.answers.reasoners import order_total, quantity
from twincast.show.catalog_io import load_catalog


def test_counting_words_are_quantities_and_measures_are_not():
    assert quantity("买两袋") == 2 and quantity("三箱凑满减") == 3 and quantity("2 bags how much") == 2
    assert quantity("x3 please") == 3 and quantity("买2件") == 2
    assert quantity("2kg多少钱") is None and quantity("10斤的") is None and quantity("一个多少钱") is None


def test_the_largest_reduction_the_subtotal_reaches():
    catalog = load_catalog(DATA / "dev-pets-sports" / "catalog.yaml")
    promos = catalog.policy(catalog.get("cat-food")).promos
    three = order_total(119, 3, promos)
    assert (three.subtotal, three.amount, three.total) == (357, 30, 327)
    two = order_total(119, 2, promos)
    assert two.amount is None and two.total == 238


def test_the_reply_states_the_total_and_not_for_a_multibuy_deal():
    catalog = load_catalog(DATA / "dev-pets-sports" / "catalog.yaml")
    engine = AnswerEngine(catalog, intent_model=None)
    d = engine.handle(Comment("a", "三袋凑满减是多少钱", 1.0), on_screen="cat-food")
    assert "357" in d.reply and "327" in d.reply and d.reply.count("327") == 1
    d = engine.handle(Comment("b", "两罐多少钱", 200.0), on_screen="protein-powder")  # its own second-half-price deal
    assert "458" not in d.reply


def test_a_store_question_with_many_exceptions_says_what_all_products_share():
    """"从哪发货的" with nothing on screen: every product ships from the same town, but four of them
    differ in dispatch time or couriers; the shared clause is said and the others named."""
    catalog = load_catalog(DATA / "dev-pets-sports" / "catalog.yaml")
    d = AnswerEngine(catalog, intent_model=None).handle(Comment("c", "从哪发货的", 1.0))
    assert d.action == "answer" and "义乌" in d.reply and "有所不同" in d.reply
    assert "48小时" not in d.reply  # a clause some products do not share is not said for all


def test_instalments_and_purchase_limits_asked_the_short_way():
    """"能分12期吗", "6期免息吗 每期多少", "max pairs per person?": the store's instalment plan
    (and today's price over the periods asked) and its purchase limit, not a link."""
    catalog = load_catalog(DATA / "dev-pets-sports" / "catalog.yaml")
    engine = AnswerEngine(catalog, intent_model=None)
    d = engine.handle(Comment("d", "6期免息吗 每期多少", 1.0), on_screen="smart-watch")
    assert d.intent == "how_to_buy" and "policies.instalments" in d.fields
    plan = catalog.policy(catalog.get("smart-watch")).instalments
    if plan.interest_free and 6 in plan.periods:
        assert f"{catalog.get('smart-watch').sale_price / 6:.2f}".rstrip("0").rstrip(".") in d.reply  # in cents
    d = engine.handle(Comment("e", "max pairs per person?", 300.0), on_screen="running-shoes")
    assert d.intent == "how_to_buy" and "policies.purchase_limit" in d.fields


def _shop_with(small_shop, reduction_text: str):
    """A kettle (¥329 today) and a mug (¥79), both with a 满300减40 whose text is given and a
    20 yuan coupon over 199."""
    products = (("kettle", 1, "快煮壶", "Quick kettle", 399, 329), ("mug", 2, "保温杯", "Travel mug", 99, 79))
    return small_shop("".join(f"""
  - id: {pid}
    link: {link}
    name: {{zh: {zh}, en: {en}}}
    category: {{zh: {zh}, en: {pid}}}
    price: {price}
    promo_price: {today}
    currency: CNY
    stock: 50
    selling_points: [{{zh: 好用, en: handy}}]
    policies:
      promos:
        - {{kind: full_reduction, threshold: 300, amount: 40, text: {{zh: "{reduction_text}", en: "{reduction_text}"}}}}
        - {{kind: coupon, threshold: 199, amount: 20, text: {{zh: 关注领20元券，满199可用, en: a 20 yuan coupon over 199}}}}"""
                               for pid, link, zh, en, price, today in products))


def test_the_coupon_goes_on_top_only_where_the_promos_say_they_combine(small_shop):
    """329 - 40 (满300减40) - 20 (the coupon) = 269 when the reduction's own words say it combines
    with the coupon; not worked out when they say it does not, or say nothing."""
    stacks = AnswerEngine(_shop_with(small_shop, "全店满300减40，可以和店铺优惠券叠加"), intent_model=None)
    d = stacks.handle(Comment("a", "满减和券一起用 到手多少", 1.0), on_screen="kettle")
    assert "¥289" in d.reply and "¥269" in d.reply, d.reply
    d = stacks.handle(Comment("b", "quick kettle and travel mug together with the coupon, how much?", 1.0))
    assert "¥408" in d.reply and "¥368" in d.reply and "¥348" in d.reply, d.reply  # 329+79, -40, -20
    for words in ("全店满300减40，不与优惠券同享", "全店满300减40"):
        other = AnswerEngine(_shop_with(small_shop, words), intent_model=None)
        d = other.handle(Comment("c", "满减和券一起用 到手多少", 1.0), on_screen="kettle")
        assert "¥269" not in d.reply, (words, d.reply)


def test_a_multibuy_deal_written_as_text_is_said_in_its_own_words(small_shop):
    """"两袋多少钱" where the deal is free text ("拍两袋再减10元，两袋到手88元"): the deal as the
    catalog says it, the price each when asked and the deal states the total for that many; the
    arithmetic is never guessed beyond it, and one bag gets today's price alone."""
    shop = small_shop("""
  - id: rice
    link: 1
    name: {zh: 东北大米5斤, en: Northeast rice 2.5 kg}
    category: {zh: 大米, en: rice}
    price: 59
    promo_price: 49
    currency: CNY
    stock: 100
    selling_points: [{zh: 新米, en: this year's rice}]
    policies:
      promos:
        - {kind: bundle, text: {zh: 拍两袋再减10元，两袋到手88元, en: "buy two bags and save another 10 yuan: 88 yuan for two"}}
""")
    engine = AnswerEngine(shop, intent_model=None)
    d = engine.handle(Comment("a", "两袋多少钱 平均一袋多少", 1.0), on_screen="rice")
    assert "两袋到手88元" in d.reply and "¥44" in d.reply, d.reply
    d = engine.handle(Comment("b", "2 bags how much each?", 1.0), on_screen="rice")
    assert "88 yuan for two" in d.reply and "¥44" in d.reply, d.reply
    d = engine.handle(Comment("c", "三袋多少钱", 1.0), on_screen="rice")
    assert "两袋到手88元" in d.reply and "¥" + "44" not in d.reply, d.reply  # the deal is for two
    d = engine.handle(Comment("d", "一袋多少钱", 1.0), on_screen="rice")
    assert "88" not in d.reply and "¥49" in d.reply, d.reply


def test_a_saving_against_the_list_price_is_a_price_question():
    """"省多少 vs 原价" compares with the list price, not with another product; "三号链接省了多少"
    names the product by its link and asks the saving, not how to buy. The saving is price
    arithmetic (today's price against the list price), as every dev shop's writer labelled it
    (session 15); a coupon or a full reduction is what makes a promo question."""
    from twincast.show.answers.intents import IntentClassifier

    c = IntentClassifier()
    for text in ("massage gun 省多少 vs 原价", "三号链接省了多少", "六号链接便宜了多少", "how much off vs the regular price?",
                 "原价699现在359对吧", "how much do i save", "比原价省多少"):
        assert c.classify(text).intent == "price", text
    assert c.classify("massage gun vs the watch?").intent == "compare"
    for text in ("有优惠券吗", "满减可以跟券叠加吗", "any discount if I buy 3?", "buy 2 save 30?"):
        assert c.classify(text).intent == "promo", text
    # "how much do i save" is not a discount offer as well (no second, promo answer)
    assert "promo" not in c.classify("129 before? how much do i save").all


def test_the_price_reply_says_the_saving_when_asked(small_shop):
    shop = small_shop("""
  - id: mat
    link: 5
    name: {zh: 瑜伽垫, en: yoga mat}
    category: {zh: 瑜伽垫, en: yoga mat}
    price: 139
    promo_price: 89
    currency: CNY
    stock: 100
    selling_points: [{zh: 防滑, en: non-slip}]
""")
    engine = AnswerEngine(shop, intent_model=None)
    d = engine.handle(Comment("a", "原价多少？现在便宜了多少", 1.0), on_screen="mat")
    assert d.intent == "price" and "¥89" in d.reply and "¥139" in d.reply and "省¥50" in d.reply, d.reply
    d = engine.handle(Comment("b", "how much am i saving on these", 1.0), on_screen="mat")
    assert d.intent == "price" and "you save ¥50" in d.reply, d.reply
    d = engine.handle(Comment("c", "多少钱", 1.0), on_screen="mat")
    assert "省" not in d.reply, d.reply  # the saving only when asked


def test_one_piece_with_the_coupon_beside_a_multibuy_deal(small_shop):
    """A multi-buy deal in text blocks the arithmetic for several pieces only: one piece with
    the coupon is still today's price less the coupon ("price with coupon?")."""
    shop = small_shop("""
  - id: tea
    link: 1
    name: {zh: 高山红茶, en: Highland black tea}
    category: {zh: 红茶, en: black tea}
    price: 69
    promo_price: 49
    currency: CNY
    stock: 100
    selling_points: [{zh: 香, en: fragrant}]
    policies:
      promos:
        - {kind: bundle, text: {zh: 拍两盒到手88元, en: "88 yuan for two boxes"}}
        - {kind: coupon, threshold: 39, amount: 6, text: {zh: 关注领6元券，满39可用, en: a 6 yuan coupon over 39}}
""")
    engine = AnswerEngine(shop, intent_model=None)
    for i, text in enumerate(("一盒用券到手多少", "price with the coupon?")):
        d = engine.handle(Comment(f"v{i}", text, 1.0), on_screen="tea")
        assert "¥43" in d.reply, (text, d.reply)
