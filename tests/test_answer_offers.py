"""A kind of offer the viewer names (issue 17, session 15): a gift, a student discount or a later
sale is answered by what the catalog says of that kind, or "none today" when the shop states it
has no offers, or a check; never by the shop's other coupons alone (on the dev shops "any free
gifts with the shirt?" got the 满减 rules, a neighbouring fact)."""

from __future__ import annotations

import pytest

from twincast.show.answers import AnswerEngine, Comment

_LAMP = """
  - id: lamp
    link: 1
    name: {zh: 晴窗台灯, en: Clearpane desk lamp}
    category: {zh: 台灯, en: desk lamp}
    price: 169
    promo_price: 129
    currency: CNY
    stock: 10
    selling_points:
      - {zh: 无频闪, en: flicker-free}
    policies:
      promos:
%s
"""
_COUPON = """        - kind: full_reduction
          text: {zh: 全店满300元减30元, en: "30 yuan off every order over 300 yuan"}
          threshold: 300
          amount: 30"""
_GIFT = """        - kind: gift
          text: {zh: 下单送一根备用灯管, en: "a spare bulb with every order"}"""
_NONE = """        - kind: none
          text: {zh: 今天没有额外优惠, en: no extra offers today}"""
_STUDENT = """        - kind: discount
          text: {zh: 学生凭学生证再减10元, en: "students get 10 yuan off with a student card"}"""


def _ask(small_shop, promos: str, text: str):
    engine = AnswerEngine(small_shop(_LAMP % promos), intent_model=None)
    return engine.handle(Comment("v", text), on_screen="lamp")


@pytest.mark.parametrize("text", ["any free gifts?", "有赠品吗", "买两个送几个小样"])
def test_a_gift_the_catalog_does_not_name_is_checked_not_answered_with_coupons(small_shop, text):
    d = _ask(small_shop, _COUPON, text)
    assert d.action == "check", d.reply
    assert "300" not in d.reply and "30" not in d.reply  # no neighbouring coupon


def test_a_gift_promo_or_a_stated_none_answers_the_gift_question(small_shop):
    assert "spare bulb" in _ask(small_shop, _COUPON + "\n" + _GIFT, "any free gifts?").reply
    assert "备用灯管" in _ask(small_shop, _GIFT, "有赠品吗").reply
    none = _ask(small_shop, _NONE, "any free gifts?")
    assert none.action == "answer" and "No free gifts" in none.reply


def test_a_student_discount_is_said_when_stated_and_left_open_when_not(small_shop):
    stated = _ask(small_shop, _COUPON + "\n" + _STUDENT, "有学生优惠吗")
    assert "学生证" in stated.reply and "满300" not in stated.reply
    unstated = _ask(small_shop, _COUPON, "is there a student discount?")
    assert "check on a student discount" in unstated.reply and "300" in unstated.reply  # today's offers, and the open part


@pytest.mark.parametrize("text", ["双十二还会更便宜吗", "any flash sale coming?"])
def test_a_later_sale_is_checked(small_shop, text):
    d = _ask(small_shop, _COUPON, text)
    assert d.action == "check" and "300" not in d.reply, d.reply
