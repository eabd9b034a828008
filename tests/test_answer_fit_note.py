"""A size chart's fit note applied to the viewer (show/answers/fit_note.py): "runs small" moves the
size they usually wear up one, a condition the note names (wide feet, a bigger bust) moves the
chart's size up one only for a viewer who says it. The catalog is written for this test."""

from __future__ import annotations

import pytest

from twincast.show.answers import AnswerEngine, Comment
from twincast.show.answers.fit_note import size_steps, step_up

PRODUCTS = """
  - id: trail-shoe
    link: 1
    name: {zh: 岩径越野跑鞋, en: Ridgeline trail shoe}
    category: {zh: 越野跑鞋, en: trail shoe}
    price: 459
    currency: CNY
    stock: 100
    size_chart:
      columns:
        - {key: foot_length, name: {zh: 脚长（厘米）, en: foot length (cm)}}
      rows:
        - {size: "39", foot_length: 24.5}
        - {size: "40", foot_length: 25}
        - {size: "41", foot_length: 25.5}
        - {size: "42", foot_length: 26}
      fit_note: {zh: 鞋型偏小，按平时的码数买请拍大一码；脚背高的再大一码, en: "runs small: take one size up from your usual size; with a high instep go one more"}
    selling_points:
      - {zh: 防滑大底, en: grippy outsole}
  - id: blouse
    link: 2
    name: {zh: 知白衬衫, en: Zhibai blouse}
    category: {zh: 衬衫, en: blouse}
    price: 199
    currency: CNY
    stock: 100
    size_chart:
      rows:
        - {size: S, height_cm: [150, 158], weight_kg: [40, 48]}
        - {size: M, height_cm: [158, 165], weight_kg: [48, 55]}
        - {size: L, height_cm: [165, 172], weight_kg: [55, 62]}
      fit_note: {zh: 版型合身，胸围较大的建议选大一码, en: "a close fit: with a fuller bust take one size up"}
    selling_points:
      - {zh: 天丝面料, en: lyocell fabric}
"""


@pytest.fixture(scope="module")
def engine(small_shop):
    return AnswerEngine(small_shop(PRODUCTS), intent_model=None)


def test_the_note_is_read_clause_by_clause():
    note = "鞋型偏小，按平时的码数买请拍大一码；脚背高的再大一码"
    assert size_steps(note, "平时穿40", from_usual=True)[0] == 1
    assert size_steps(note, "脚长25", from_usual=False)[0] == 0  # the chart already runs true to foot length
    assert size_steps(note, "脚背高 脚长25", from_usual=False) == (1, ["high instep"])
    assert step_up(["39", "40", "41"], "41", 1) is None  # past the largest: no made-up size


@pytest.mark.parametrize("pid, text, want, not_want", [
    ("trail-shoe", "平时穿40 拍几码", "41码", "40码。"),
    ("trail-shoe", "I usually wear 39, which size?", "we suggest 40", "we suggest 39"),
    ("trail-shoe", "脚长25 拍几码", "40码", "41码"),
    ("trail-shoe", "脚背高 脚长25 拍几码", "选41码", None),
    ("blouse", "身高160 体重50公斤 穿什么码", "M码", "L码"),
    ("blouse", "身高160 体重50公斤 胸比较大 穿什么码", "选L码", None),
])
def test_the_size_the_note_implies(engine, pid, text, want, not_want):
    d = engine.handle(Comment(f"viewer {hash(text)}", text, 1.0), on_screen=pid)
    assert d.action == "answer" and want in d.reply, d.reply
    assert not_want is None or not_want not in d.reply, d.reply
