"""A size from every measure the viewer gives against a size chart (``answers/chart_fit.py``):
a column's value, a range a min/max column pair spans, the rows' body height and weight, in the
viewer's units; overlapping rows settled by the fit note's "between two sizes" rule; measures
that point at different sizes said as such, never settled by a guess. The catalog is written
for this test (a cat collar sized by neck range, a child's jacket by height and chest)."""

from __future__ import annotations

import pytest

from twincast.show.answers import AnswerEngine, Comment
from twincast.show.answers.chart_fit import fit

PRODUCTS = """
  - id: collar
    link: 1
    name: {zh: 喵铃猫项圈, en: MeowBell cat collar}
    category: {zh: 猫项圈, en: cat collar}
    price: 39
    currency: CNY
    stock: 90
    sizes: [{name: XS}, {name: S}, {name: M}]
    size_chart:
      unit: cm
      columns:
        - {key: neck_min, name: {zh: 颈围最小（厘米）, en: neck min (cm)}}
        - {key: neck_max, name: {zh: 颈围最大（厘米）, en: neck max (cm)}}
      rows:
        - {size: XS, weight_kg: [1, 2.5], neck_min: 16, neck_max: 22}
        - {size: S, weight_kg: [2.5, 4.5], neck_min: 20, neck_max: 28}
        - {size: M, weight_kg: [4.5, 8], neck_min: 26, neck_max: 34}
      fit_note: {zh: 卡在两个码之间选小的那个，扣环还能再收紧, en: "between two sizes take the smaller one: the buckle tightens further"}
    selling_points:
      - {zh: 安全断开扣, en: breakaway buckle}
  - id: jacket
    link: 2
    name: {zh: 小熊童装夹克, en: Little Bear kids jacket}
    category: {zh: 童装夹克, en: kids jacket}
    price: 129
    currency: CNY
    stock: 60
    sizes: [{name: "110"}, {name: "120"}, {name: "130"}]
    size_chart:
      unit: cm
      columns:
        - {key: chest, name: {zh: 胸围（厘米）, en: chest (cm)}}
      rows:
        - {size: "110", height_cm: [105, 115], chest: 60}
        - {size: "120", height_cm: [115, 125], chest: 64}
        - {size: "130", height_cm: [125, 135], chest: 68}
    selling_points:
      - {zh: 防风面料, en: windproof shell}
"""


@pytest.fixture(scope="module")
def shop(small_shop):
    return small_shop(PRODUCTS)


@pytest.fixture(scope="module")
def engine(shop):
    return AnswerEngine(shop, intent_model=None)


def _ask(engine, text, pid):
    return engine.handle(Comment(f"viewer {hash(text)}", text, 1.0), on_screen=pid)


def test_a_value_inside_a_column_pairs_range_picks_its_row(shop):
    collar = shop.get("collar")
    assert fit(collar, "颈围18 选哪个码").size == "XS"
    assert fit(collar, "my cat's neck is 12 inches").size == "M"  # 30.5 cm
    assert fit(collar, "neck 11 inches").size == "S"  # 27.9 cm: S and M, the smaller
    # 21 is in XS (16-22) and S (20-28): the note says take the smaller one
    assert fit(collar, "颈围21 哪个码").size == "XS"
    outside = fit(collar, "颈围40")  # outside the chart: where it ends, no size claimed
    assert outside.size is None and outside.outside


def test_the_weight_is_a_measure_too_and_a_small_one_counts(shop):
    collar = shop.get("collar")
    got = fit(collar, "猫猫7斤 颈围24 拍啥")  # 3.5 kg and neck 24: S holds both
    assert got.size == "S" and any("2.5-4.5" in z for z, _ in got.reasons)
    assert fit(collar, "猫猫7斤") is None  # a weight alone: the height/weight advice answers that


def test_measures_that_disagree_are_said_not_settled(shop, engine):
    got = fit(shop.get("collar"), "颈围17 体重6公斤")
    assert got.size is None and {z for z, _ in got.reasons} == {"按颈围16-22cm是XS码", "按体重4.5-8kg是M码"}
    d = _ask(engine, "颈围17 体重6公斤 哪个码", "collar")
    assert d.action == "answer" and "不在同一个码" in d.reply and "建议选" not in d.reply


def test_a_weight_is_never_read_as_a_length(shop):
    assert fit(shop.get("collar"), "颈围多少 我家猫8斤") is None


@pytest.mark.parametrize("pid, text, want, absent", [
    ("collar", "颈围18 选哪个码", ("XS码", "16-22"), ("20-28",)),
    ("collar", "neck about 27cm, S or M?", ("size S", "20-28", "M: neck 26-34"), ("check",)),
    ("collar", "neck about 31cm, S or M?", ("size M", "26-34", "S: neck 20-28"), ("check",)),
    ("jacket", "身高118 胸围64 穿哪个", ("120码", "胸围64"), ("110码胸围",)),
    ("jacket", "孩子胸围63 能穿110吗", ("120码", "110码胸围60"), ()),
    ("collar", "S码颈围多少", ("S码颈围20-28cm",), ("有货",)),  # a column pair's range, by its head
    ("collar", "M码脖子最小多少", ("M码颈围26-34cm",), ("有货",)),  # the head as viewers say it
    ("collar", "猫咪脖子17厘米 拍哪个", ("XS码", "16-22"), ()),
    # past the chart's ends: where it ends, and no size claimed
    ("collar", "颈围40 哪个码", ("颈围40cm超出了尺码表", "最大的是M码", "26-34"), ("建议选",)),
    ("jacket", "孩子胸围50 穿几码", ("比尺码表还小", "最小的是110码"), ("建议选",)),
    ("jacket", "chest 59cm which size", ("size 110", "chest 60 cm"), ("beyond", "under")),  # within a step
])
def test_the_reply_names_the_size_and_what_it_holds(engine, pid, text, want, absent):
    d = _ask(engine, text, pid)
    assert d.action == "answer" and d.intent == "size", (text, d)
    for w in want:
        assert w in d.reply, (text, d.reply)
    for a in absent:
        assert a not in d.reply, (text, d.reply)
