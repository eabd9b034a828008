"""Answer in the unit asked (issue 17, session 12): the catalog's metric value stays, the asked
imperial value is worked out beside it; "how many lbs is it" is a weight question, not a size."""

from __future__ import annotations

import re

from twincast.show.answers import AnswerEngine, Comment
from twincast.show.answers.evaluate_shops import DATA
from twincast.show.answers.intents import IntentClassifier
from twincast.show.answers.types import Reply
from twincast.show.answers.units import asked_unit, with_units
from twincast.show.catalog_io import load_catalog


def test_asked_units_in_both_languages():
    assert asked_unit("how many lbs is it") == "lb" and asked_unit("seat height in inches?") == "in"
    assert asked_unit("每袋 25g 是多少 oz") == "oz" and asked_unit("水温多少华氏度") == "f"
    assert asked_unit("多少钱") is None and asked_unit("how heavy is it") is None


def test_conversions_sit_beside_the_catalog_value():
    r = with_units(Reply("answer", "Seat height: adjustable from 45 to 55 cm.", ("specs[0]",)), "seat height in inches?", "en")
    assert "45 to 55 cm" in r.text and "17.7 to 21.7 in" in r.text and r.fields == ("specs[0]",)
    assert "0.88盎司" in with_units(Reply("answer", "每袋重量：25克。"), "25g 是多少 oz", "zh").text
    assert "21.6 oz" in with_units(Reply("answer", "Sizes: 370 ml, 640 ml."), "oz for the 640ml one?", "en").text
    assert "194 to 197.6 °F" in with_units(Reply("answer", "90 to 92 °C"), "water temp in fahrenheit", "en").text
    check = Reply("check", "Let me check.", (), "missing_fact")
    assert with_units(check, "how many lbs", "en") is check


def test_weight_in_pounds_on_a_real_catalog():
    catalog = load_catalog(DATA / "dev-grocery-kitchen" / "catalog.yaml")
    engine = AnswerEngine(catalog, intent_model=None)
    pan = next(p for p in catalog.products if p.dimensions is not None and p.dimensions.weight is not None)
    kg = pan.dimensions.weight.value if pan.dimensions.weight.unit == "kg" else pan.dimensions.weight.value / 1000
    d = engine.handle(Comment("v", "how heavy is it? in lbs pls"), on_screen=pan.id)
    assert d.action == "answer" and d.intent == "spec"
    got = [float(x) for x in re.findall(r"about (\d+(?:\.\d+)?) lb", d.reply)]
    assert got and abs(got[0] - kg * 2.20462) < 0.06
    assert IntentClassifier().classify("how many lbs is it").intent != "size"
    assert IntentClassifier().classify("chest 16 inch, neck 11 inch, 7 lbs, which one").intent == "size"
