"""Which question a comment asks, named the way the dev shops' writers named it (session 15):
a cheer beside a question, a question put to the other viewers, a region the catalog treats like
any other, "can it ship there, and how long", and the standardised embedding of the learned model."""

from __future__ import annotations

import numpy as np

from twincast.show.answers import AnswerEngine, Comment
from twincast.show.answers.intent_model import EMB_DIM, IntentModel, asks, combine
from twincast.show.answers.intents import IntentClassifier
from twincast.show.answers.retrieval import tokens
from twincast.show.answers.types import IntentResult

_REGIONS = """
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
      not_served: [{zh: 台湾, en: Taiwan}]
      surcharges: [{regions: [{zh: 新疆, en: Xinjiang}], fee: 15}]
      transit: [{days: [2, 4]}]
"""


def test_a_cheer_beside_a_question_is_no_small_talk():
    c = IntentClassifier()
    for text in ("yyds 结团3秒是真的吗", "猫粮yyds吗 我家主子超挑食", "哈哈 是开过刃的吗", "can it run valorant / lol?"):
        assert c.classify(text).intent == "spec", text
    # a greeting to the host stays one, question or not; a cheer that asks nothing too
    for text in ("主播辛苦了 明天还播吗", "晚上好呀 今天卖啥", "yyds 老粉来了", "lmao this price is a steal 🔥", "哈喽 刚进来"):
        assert c.classify(text).intent == "greeting", text
    assert "yyds" not in tokens("yyds 这颜值 跑步缓震怎么样")  # no statement says it: not a missing word


def test_a_question_to_the_other_viewers_is_not_for_the_host():
    c = IntentClassifier()
    for text in ("有人玩原神吗 组队", "有没有人知道附近哪有好吃的火锅", "lol who else is just here for the music",
                 "anyone watching the football tonight?"):
        assert c.classify(text).intent == "off_topic", text
    assert c.classify("有人知道多少钱吗").intent == "price"  # a product question, whoever it is put to


def test_can_it_ship_there_then_how_long_asks_the_exception_first():
    c = IntentClassifier()
    for text in ("新疆能发吗 几天到", "锅能发新疆吗 几天到", "新疆多久到 要加钱吗"):
        r = c.classify(text)
        assert r.intent == "shipping_exception" and "delivery_time" in r.all, (text, r)
    for text in ("how long to ship to Shanghai?", "内蒙古发货几天", "shipping time to Shanghai?", "西藏拉萨几天到"):
        assert c.classify(text).intent == "delivery_time", text


def test_a_region_served_like_any_other_is_no_shipping_exception(small_shop):
    """The catalog says which regions are exceptions; naming Shanghai or Guangdong asks how or how
    soon it ships. The reply is the region's rule either way."""
    engine = AnswerEngine(small_shop(_REGIONS), intent_model=None)
    cases = (("发货快吗 我在广州", "delivery_time"), ("深圳明天能到吗", "delivery_time"),
             ("can u ship to a friend in Shanghai instead", "shipping"), ("能发新疆吗", "shipping_exception"),
             ("台湾可以寄吗", "shipping_exception"), ("新疆能发吗 几天到", "shipping_exception"))
    for i, (text, intent) in enumerate(cases):
        d = engine.handle(Comment(f"v{i}", text, float(i * 200)), on_screen="lamp")
        assert d.action == "answer" and d.intent == intent, (text, d.intent, d.reply)
    d = engine.handle(Comment("w", "发货快吗 我在广州", 5000.0), on_screen="lamp")
    assert "广东" in d.reply and "2到4天" in d.reply, d.reply  # the same reply as a shipping_exception gave


def test_the_embedding_is_standardised_before_the_fit():
    """Unit vectors that share one large direction differ by a few hundredths per dimension: the
    class signal below lives there, and only on standardised dimensions does the fit use it."""
    rng = np.random.default_rng(0)
    n, rule_dims = 400, 5
    y = rng.integers(0, 2, n)
    emb = np.tile(rng.normal(size=EMB_DIM), (n, 1)) + rng.normal(scale=0.02, size=(n, EMB_DIM))
    emb[:, 7] += np.where(y == 1, 0.03, -0.03)  # the one dimension that tells the classes apart
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    x = np.hstack([emb, np.zeros((n, rule_dims))]).astype(np.float32)
    model = IntentModel.trained(x, y, ("spec", "usage"), 0.5)
    assert (np.argmax(model.probs(x), axis=1) == y).mean() > 0.9
    # embeddings unavailable (zeros): read as the average comment, never as an extreme one
    p = model.probs(np.zeros(EMB_DIM + rule_dims, dtype=np.float32))
    assert 0.2 < p[0] < 0.8


def test_standardised_weights_survive_save_and_load(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(60, EMB_DIM + 3)).astype(np.float32)
    y = rng.integers(0, 3, 60)
    model = IntentModel.trained(x, y, ("a", "b", "c"), 0.4)
    model.save(tmp_path / "m.npz")
    back = IntentModel.load(tmp_path / "m.npz")
    assert back is not None and back.mu is not None and back.trust_at == 0.4
    assert np.allclose(back.probs(x[:5]), model.probs(x[:5]), atol=2e-3)


def test_a_reaction_that_asks_nothing_is_not_made_a_question():
    """"卧槽 这么便宜", "cooker looks decent tbh": the model may find them close to price or spec
    questions, but a reply to a question nobody asked is noise."""
    price = np.array([1.0, 0.0])
    for rules in (IntentResult("greeting", 3.0, intents=("greeting",)), IntentResult("off_topic", 0.0, intents=("off_topic",))):
        assert combine(rules, price, ("price", "greeting"), 0.4, question=False).intent == rules.intent
    assert combine(IntentResult("spec", 1.0, intents=("spec",)), price, ("price", "greeting"), 0.4).intent == "price"
    assert not asks("卧槽 这么便宜") and asks("这么便宜吗") and asks("怎么用")


def test_a_size_asked_of_a_product_sold_in_one_size_is_deferred(small_shop):
    """"is there a smaller 2L version?" of a cooker with colours only: no empty list of sizes
    ("sizes: ."), an honest "let me check"."""
    shop = small_shop("""
  - id: cooker
    link: 2
    name: {zh: 电饭煲, en: rice cooker}
    category: {zh: 电饭煲, en: rice cooker}
    price: 329
    currency: CNY
    stock: 20
    selling_points: [{zh: 3升, en: 3 L}]
    colours: [{zh: 奶白, en: cream}, {zh: 雾绿, en: sage}]
    variants:
      - {colour: 奶白, stock: 10}
      - {colour: 雾绿, stock: 10}
""")
    engine = AnswerEngine(shop, intent_model=None)
    d = engine.handle(Comment("a", "is there an XL one in stock?", 1.0), on_screen="cooker")
    assert d.action == "check" and "sizes:" not in (d.reply or ""), d.reply


def test_the_amount_of_an_instalment_asks_about_the_instalment_plan():
    """Every dev writer called "分12期每期多少钱" a how-to-buy question (with price second); the
    reply then says the plan and the amount per instalment first."""
    c = IntentClassifier()
    for text in ("电饭煲12期每期多少钱", "6 month installments how much per month", "pan in 6 interest-free installments how much"):
        r = c.classify(text)
        assert r.intent == "how_to_buy" and "price" in r.all, (text, r)
    assert c.classify("多少钱").intent == "price"
