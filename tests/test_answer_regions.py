"""A region and a time question (issue 17, session 12): "電飯煲寄香港要幾耐", "how long to ship to
Shanghai?" ask how long delivery takes there (delivery_time), not whether it ships (shipping_exception);
the reply still carries the region's own rule (surcharge, not served) from the catalog."""

from __future__ import annotations

from twincast.show.answers import AnswerEngine, Comment
from twincast.show.answers.evaluate_shops import DATA
from twincast.show.answers.intents import IntentClassifier
from twincast.show.catalog_io import load_catalog


def test_time_questions_with_a_region_are_delivery_time():
    c = IntentClassifier()
    for text in ("内蒙古发货几天", "how long to ship to Shanghai?", "電飯煲寄香港要幾耐", "shipping to Inner Mongolia takes how long",
                 "香港幾日到"):
        assert c.classify(text).intent == "delivery_time", text
    # whether it ships there, or what it costs, stays the exception question
    for text in ("do you ship to Tibet? extra?", "香港可以寄嗎？運費幾多", "能发新疆吗", "ship to Hong Kong?"):
        assert c.classify(text).intent == "shipping_exception", text


def test_the_reply_keeps_the_regions_rule_from_the_catalog():
    catalog = load_catalog(DATA / "dev-grocery-kitchen" / "catalog.yaml")
    engine = AnswerEngine(catalog, intent_model=None)
    product = next(p for p in catalog.products
                   if any("Hong Kong" in r.en for s in catalog.policy(p).surcharges or [] for r in s.regions))
    surcharge = next(s for s in catalog.policy(product).surcharges if any("Hong Kong" in r.en for r in s.regions))
    d = engine.handle(Comment("v", "寄香港要幾耐"), on_screen=product.id)
    assert d.intent == "delivery_time" and d.action == "answer"
    assert str(int(surcharge.fee)) in d.reply  # the surcharge is not dropped for the time
    assert any("surcharges" in f or "transit" in f or "not_served" in f for f in d.fields)


def test_a_count_to_buy_asks_the_purchase_limit():
    """"能买5个吗", "can i buy 10 boxes for the office": the store's limit answers, on a real dev catalog."""
    catalog = load_catalog(DATA / "dev-electronics-office" / "catalog.yaml")
    engine = AnswerEngine(catalog, intent_model=None)
    product = next(p for p in catalog.products if catalog.policy(p).purchase_limit is not None)
    lim = catalog.policy(product).purchase_limit
    for text in ("能买5个吗 办公室要", "can i buy 5 sets for my class?"):
        d = engine.handle(Comment("v", text), on_screen=product.id)
        assert d.intent == "how_to_buy" and d.action == "answer", text
        assert "policies.purchase_limit" in d.fields
        if lim.note is None:
            assert str(lim.per_customer or lim.per_order) in d.reply
    # a count with a price question stays a price/promo question
    assert IntentClassifier().classify("买两箱多少钱").intent == "price"


def test_warranty_and_return_windows_asked_the_short_way():
    c = IntentClassifier()
    assert c.classify("气杆保几年").intent == "warranty" and c.classify("崩口了保不保").intent == "warranty"
    assert c.classify("保温能保多久").intent != "warranty"  # keeping warm, not a guarantee
    assert c.classify("是不是只能7天退").intent == "returns"


def test_a_reaction_naming_a_product_is_small_talk_not_a_spec_question():
    """"this shirt slaps fr", "终于等到猫粮了": no question about the product, so no 'let me check'."""
    catalog = load_catalog(DATA / "dev-pets-sports" / "catalog.yaml")
    engine = AnswerEngine(catalog, intent_model=None)
    food = next(p for p in catalog.products if "猫粮" in p.name.zh + "".join(p.aliases.zh))
    d = engine.handle(Comment("v", "终于等到猫粮了"), on_screen=None)
    assert d.intent == "greeting" and d.action == "answer"
    d = engine.handle(Comment("w", "猫粮肯定是国产的吧"), on_screen=food.id)
    assert d.intent != "greeting"  # a claim put to the host is still about the product


def test_praise_with_a_topic_word_is_small_talk_but_a_question_is_not():
    c = IntentClassifier()
    for text in ("lmao this price is a steal 🔥", "xdm冲鸭 太划算了", "拍了拍了 白色的", "nice, ordered the white one"):
        assert c.classify(text).intent == "greeting", text
    for text in ("主播好，这个多少钱", "price is insane, is there a coupon?", "拍了 白色的什么时候发货"):
        assert c.classify(text).intent != "greeting", text


def test_a_region_after_to_or_song_asks_whether_it_ships_there():
    c = IntentClassifier()
    for text in ("nuts to canada?", "knife set to the UK?", "西藏能送吗", "澳门 Macau 能送吗?"):
        assert c.classify(text).intent == "shipping_exception", text
    catalog = load_catalog(DATA / "dev-grocery-kitchen" / "catalog.yaml")
    engine = AnswerEngine(catalog, intent_model=None)
    d = engine.handle(Comment("v", "apron to australia?"), on_screen=catalog.products[-1].id)
    assert d.action == "answer" and "policies.not_served" in d.fields


def test_after_sales_and_invoice_questions_asked_the_short_way():
    c = IntentClassifier()
    assert c.classify("收到胀袋了怎么办").intent == "returns" and c.classify("坏果包赔吗").intent == "returns"
    assert c.classify("开胶包换吗 多久").intent == "warranty"
    assert c.classify("打印机能开专票吗").intent == "how_to_buy" and c.classify("4599？？？好贵").intent == "price"
    catalog = load_catalog(DATA / "dev-electronics-office" / "catalog.yaml")
    engine = AnswerEngine(catalog, intent_model=None)
    p = next(p for p in catalog.products if catalog.policy(p).invoice is not None)
    d = engine.handle(Comment("v", "能开专票吗"), on_screen=p.id)
    assert d.action == "answer" and "policies.invoice" in d.fields


def test_questions_without_a_question_word_are_not_off_topic():
    """A-not-A ("吵不吵", "sour 不 sour"), "有没有", "X or Y", traditional 嗎/幾 are questions."""
    c = IntentClassifier()
    for text in ("宿舍用吵不吵", "粉尘大不大 我有鼻炎", "handle 烫不烫", "arabica or robusta", "sour 不 sour 啊 我怕酸",
                 "有没有鸡肉啊 我家猫吃鸡肉会软便"):
        assert c.classify(text).intent != "off_topic", text
    assert c.classify("香港運費幾多").intent == "shipping_exception"
    assert c.classify("不错不错").intent != "spec"  # praise, not A-not-A
    assert c.classify("今晚吃鸡吗").intent == "off_topic"  # the game, not chicken


def test_a_list_or_a_short_form_of_regions_serves_each_one_it_names(small_shop):
    """"ships to mainland China, Hong Kong and Macau" / "中国大陆和港澳" serve Hong Kong: read as
    mainland only, the host said "we can't ship to Hong Kong; we only ship within mainland China,
    Hong Kong and Macau"."""
    catalog = small_shop("""
  - id: lamp
    link: 1
    name: {zh: 晴窗台灯, en: Clearpane desk lamp}
    category: {zh: 台灯, en: desk lamp}
    price: 129
    currency: CNY
    stock: 10
    selling_points:
      - {zh: 无频闪, en: flicker-free}
    policies:
      ships_to: {zh: 中国大陆和港澳, en: "mainland China, Hong Kong and Macau"}
      not_served: [{zh: 台湾, en: Taiwan}]
      surcharges: [{regions: [{zh: 香港, en: Hong Kong}, {zh: 澳门, en: Macau}], fee: 25}]
""")
    engine = AnswerEngine(catalog, intent_model=None)
    for i, (text, yes) in enumerate((("ship to Hong Kong?", True), ("澳门能发吗", True), ("能寄台湾吗", False))):
        d = engine.handle(Comment(f"v{i}", text, 1.0), on_screen="lamp")
        assert d.action == "answer", d.reply
        assert ("25" in d.reply) == yes and ("can't" in d.reply or "don't" in d.reply or "暂" in d.reply) != yes, d.reply


def test_a_second_shipping_question_beside_a_region_is_answered_too():
    """"发什么快递 广州几天到": the region's days and the courier; "几天发货 北京几天到": and the
    dispatch time. Asked for the days alone, the reply stays the days."""
    catalog = load_catalog(DATA / "dev-electronics-office" / "catalog.yaml")
    engine = AnswerEngine(catalog, intent_model=None)
    product = next(p for p in catalog.products if catalog.policy(p).couriers and catalog.policy(p).dispatch_hours)
    pol = catalog.policy(product)
    couriers = [x.zh for x in pol.couriers]
    d = engine.handle(Comment("v1", "发什么快递 广州几天到"), on_screen=product.id)
    assert d.action == "answer" and "天" in d.reply and any(x in d.reply for x in couriers), d.reply
    d = engine.handle(Comment("v2", "几天发货 北京几天到"), on_screen=product.id)
    assert d.action == "answer" and f"{pol.dispatch_hours}小时" in d.reply, d.reply
    d = engine.handle(Comment("v3", "which courier, and how many days to Shanghai?"), on_screen=product.id)
    assert any(x.en in d.reply for x in pol.couriers), d.reply
    d = engine.handle(Comment("v4", "广州几天到"), on_screen=product.id)
    assert d.action == "answer" and not any(x in d.reply for x in couriers), d.reply


def test_a_store_rule_most_products_follow_is_said_with_the_others_named():
    """"七天无理由吗" with nothing on screen: five products follow the store's returns and three
    (food) each have their own: the rule, and the three named, instead of "which product?"."""
    catalog = load_catalog(DATA / "dev-grocery-kitchen" / "catalog.yaml")
    engine = AnswerEngine(catalog, intent_model=None)
    d = engine.handle(Comment("v", "七天无理由吗"))
    assert d.action == "answer" and "7天" in d.reply, d.reply
    differ = [p for p in catalog.products if catalog.policy(p).returns != catalog.store.returns]
    assert 0 < len(differ) < len(catalog.products) / 2
    assert all(p.name.zh in d.reply for p in differ), d.reply
