"""Never a neighbouring fact (issue 17, session 11): a question asking for a quantity of one kind
is answered only by a fact stating that kind; a whole figure ranks above a partial one; and the
scorer does not count a negated must_not phrase as a false claim."""

from __future__ import annotations

from twincast.show.answers import AnswerEngine, Comment
from twincast.show.answers.evaluate_shops import DATA, claims
from twincast.show.answers.kinds import answers_kind, asked_kinds, fact_kinds, qualifier_mismatch
from twincast.show.answers.retrieval import fact_items
from twincast.show.catalog_io import load_catalog


def test_asked_kinds_from_question_words_in_both_languages():
    assert asked_kinds("多重啊") == {"mass"} and asked_kinds("how heavy is it") == {"mass"}
    assert asked_kinds("适用多大面积") == {"area"} and asked_kinds("good for how many square meters?") == {"area"}
    assert asked_kinds("how long does the battery last") == {"time"} and asked_kinds("充满要多久") == {"time"}
    assert asked_kinds("how long is the leash") == {"length"} and asked_kinds("内胆多厚") == {"length"}
    assert asked_kinds("几毫安") == {"charge"} and asked_kinds("功率多少") == {"power"}
    # a value the viewer asserts is not an ask (the catalog's value answers it in its own terms)
    assert asked_kinds("能防水50米吗") == set() and asked_kinds("多少钱") == set()
    assert asked_kinds("一包 can 泡 how many times?") == set()


def test_fact_kinds_read_the_units_of_the_dev_catalogs_facts():
    catalog = load_catalog(DATA / "dev-pets-sports" / "catalog.yaml")
    items = {i.field: i for i in fact_items(catalog.get("cat-food"))}
    kinds = {f: fact_kinds(i.zh + " " + i.en) for f, i in items.items()}
    assert kinds["after_opening"] == {"time"} and kinds["shelf_life"] == {"time"}
    assert "mass" in kinds["specs[0]"] and kinds["care[0]"] == set()
    assert "time" not in fact_kinds("30-45 g a day")  # a rate, not a duration
    assert fact_kinds("适用面积20平米") == {"area"} and fact_kinds("功率400W") == {"power"}
    assert not answers_kind("这个多大面积适用", "功率400W，噪音38分贝")


def test_a_partial_figure_is_not_the_whole():
    assert qualifier_mismatch("充满要多久", "充至50%需30分钟") >= 1
    assert qualifier_mismatch("充满要多久", "充满需要2小时") == 0
    assert qualifier_mismatch("充到一半要多久", "充至50%需30分钟") == 0  # not a whole: no penalty


def test_the_fact_of_the_asked_kind_answers_on_dev_catalogs():
    pets = load_catalog(DATA / "dev-pets-sports" / "catalog.yaml")
    d = AnswerEngine(pets, intent_model=None).handle(Comment("a", "how long does it keep after opening", 1.0),
                                                     on_screen="cat-food")
    assert d.action == "answer" and "1 month" in d.reply, d.reply
    food = load_catalog(DATA / "dev-fashion-food" / "catalog.yaml")
    d = AnswerEngine(food, intent_model=None).handle(Comment("b", "内胆多厚", 1.0), on_screen="rice-cooker")
    assert "1.5" in d.reply and "清洗" not in d.reply, d.reply


def test_no_neighbouring_fact_when_no_fact_has_the_kind():
    """The cat food states weights, times and sizes but no power: "功率多少" defers honestly."""
    pets = load_catalog(DATA / "dev-pets-sports" / "catalog.yaml")
    d = AnswerEngine(pets, intent_model=None).handle(Comment("c", "这个功率多少瓦", 1.0), on_screen="cat-food")
    assert d.action == "check", d.reply


def test_scorer_reads_the_polarity_of_a_must_not_phrase():
    assert not claims("It does not ship to Xinjiang.", "ship to Xinjiang")
    assert not claims("这款没有货了。", "有货") and not claims("不含坚果。", "含坚果")
    assert not claims("we can't ship it to Hong Kong", "ship it to Hong Kong")
    assert claims("黑色已经卖完了，白色还有货。", "有货")  # the negation is in another clause
    assert claims("Allergens: contains tree nuts: cashews", "contains tree nuts")
    assert claims("售价199.5元", "199.5元") and not claims("不是99元，是199元", "99元")
    assert claims("没货了", "没货")  # a phrase that carries its own negation is matched whole


def test_a_thing_the_shop_does_not_sell_is_told_so_with_what_is_sold():
    pets = load_catalog(DATA / "dev-pets-sports" / "catalog.yaml")
    engine = AnswerEngine(pets, intent_model=None)
    for i, (text, screen) in enumerate((("有狗粮吗 我家还有只狗", "cat-food"), ("有没有猫爬架", None),
                                        ("有瑜伽砖和拉力带吗", "yoga-mat"))):
        d = engine.handle(Comment(f"v{i}", text, 100.0 * i), on_screen=screen)
        assert d.action == "answer" and d.intent == "unknown" and "没有卖" in d.reply, (text, d.reply)
        assert "瑜伽垫" in d.reply and "狗粮" not in d.reply  # lists what is sold, never echoes the comment


def test_a_variant_feature_or_document_is_not_an_unsold_thing():
    from twincast.show.answers.unsold import not_sold_thing, thing_asked

    pets = load_catalog(DATA / "dev-pets-sports" / "catalog.yaml")
    for text in ("有没有试吃装", "有没有5磅装的", "有测血压的功能吗", "有没有兴奋剂检测报告", "有人玩原神吗", "主播几岁了 有对象吗"):
        assert thing_asked(text) is None, text
    assert not not_sold_thing(pets, "有猫粮吗")  # a product of the shop
    assert not not_sold_thing(pets, "有没有瑜伽垫")


def test_a_thing_laid_into_a_drawer_is_judged_by_its_thinnest_side():
    """The dev massage gun is 14 x 11 x 5 cm: a 4 cm drawer is too shallow even lying flat, a 6 cm one
    is not; a shelf question still compares the height."""
    pets = load_catalog(DATA / "dev-pets-sports" / "catalog.yaml")
    engine = AnswerEngine(pets, intent_model=None)
    d = engine.handle(Comment("a", "my desk drawer is only 4cm tall, will it fit?", 1.0), on_screen="massage-gun")
    assert "won't fit" in d.reply and "5 cm" in d.reply and "it fits" not in d.reply, d.reply
    d = engine.handle(Comment("b", "抽屉高6厘米放得下吗", 100.0), on_screen="massage-gun")
    assert d.reply.startswith("放得下") and "5厘米" in d.reply, d.reply
    d = engine.handle(Comment("c", "柜子高12厘米放得下吗", 200.0), on_screen="massage-gun")
    assert d.reply.startswith("放不下") and "14厘米" in d.reply, d.reply


def test_a_comparison_of_a_products_own_options_is_no_rival_brand():
    """"XL sleeve vs L sleeve?" on the dev shirt reads both chart rows; "月光白和樱花粉哪个更耐脏" is
    about the shoe's own colours (the catalog does not say: a deferral, not "we don't comment on
    other brands" and not the stock)."""
    food = load_catalog(DATA / "dev-fashion-food" / "catalog.yaml")
    d = AnswerEngine(food, intent_model=None).handle(Comment("a", "XL sleeve vs L sleeve?", 1.0), on_screen="men-shirt")
    assert "63" in d.reply and "61.5" in d.reply, d.reply
    pets = load_catalog(DATA / "dev-pets-sports" / "catalog.yaml")
    engine = AnswerEngine(pets, intent_model=None)
    d = engine.handle(Comment("b", "月光白和樱花粉哪个更耐脏", 1.0), on_screen="running-shoes")
    assert "别家" not in d.reply and "有货" not in d.reply, d.reply
    d = engine.handle(Comment("c", "雾紫是什么颜色 偏粉还是偏灰", 1.0), on_screen="yoga-mat")
    assert "有货" not in d.reply and "件" not in d.reply, d.reply


def test_food_energy_is_its_own_kind():
    """"每袋多少卡" is not answered by the pack weight; a kcal figure answers it (not a Wh one)."""
    assert asked_kinds("每袋多少卡") == {"food_energy"} and asked_kinds("calories高吗") == {"food_energy"}
    catalog = load_catalog(DATA / "dev-pets-sports" / "catalog.yaml")
    kinds = [fact_kinds(i.zh + " " + i.en) for p in catalog.products for i in fact_items(p)]
    assert any("food_energy" in k for k in kinds)  # the protein powder's 120 kcal
    assert "food_energy" not in fact_kinds("规格：每袋25克") and "food_energy" not in fact_kinds("20000mAh, 74Wh")
