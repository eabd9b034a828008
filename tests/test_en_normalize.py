"""English normalisation: what the TTS engine is asked to say (table-driven)."""

import re

import pytest

from twincast.text.en_normalize import (normalize_en, number_to_words, ordinal_to_words,
                                        year_to_words)

CASES = [
    # money
    ("$19.99", "nineteen dollars and ninety-nine cents"),
    ("$1", "one dollar"),
    ("$0.50", "fifty cents"),
    ("$5m budget", "five million dollars budget"),
    ("¥199", "one hundred ninety-nine yuan"),
    ("￥199.9", "one hundred ninety-nine point nine yuan"),
    ("It costs 199元 only", "It costs one hundred ninety-nine yuan only"),
    ("£3.50", "three pounds and fifty pence"),
    ("€20", "twenty euros"),
    ("$10-$20", "ten dollars to twenty dollars"),
    # percentages, ranges
    ("Only 30% off", "Only thirty percent off"),
    ("10-20% off", "ten to twenty percent off"),
    ("ships in 3-5 days", "ships in three to five days"),
    # units
    ("500ml", "five hundred milliliters"),
    ("500ml of water", "five hundred milliliters of water"),
    ("a 5000mAh battery", "a five thousand milliamp hour battery"),
    ("256GB", "two hundred fifty-six gigabytes"),
    ("a 65-inch TV", "a sixty-five inch TV"),
    ("2.5kg", "two point five kilograms"),
    ("1 kg", "one kilogram"),
    ("30 cm long", "thirty centimeters long"),
    ("3.5mm jack", "three point five millimeter jack"),
    ("120Hz", "one hundred twenty hertz"),
    ("-5°C", "minus five degrees Celsius"),
    ("2x zoom", "two times zoom"),
    # model codes
    ("iPhone 15", "iPhone fifteen"),
    ("Bluetooth 5.3", "Bluetooth five point three"),
    ("Dyson V12", "Dyson V-twelve"),
    ("A17 Pro chip", "A-seventeen Pro chip"),
    ("RTX 4090", "RTX forty ninety"),
    ("Wi-Fi 6E", "Wi-Fi six E"),
    ("4K screen", "four K screen"),
    # ordinals, years, dates
    ("the 1st and 22nd", "the first and twenty-second"),
    ("our 100th show", "our one hundredth show"),
    ("in 2024", "in twenty twenty-four"),
    ("since 2005", "since two thousand five"),
    ("in 1905", "in nineteen oh five"),
    ("the 1990s", "the nineteen nineties"),
    ("the 80s", "the eighties"),
    ("March 3rd", "March third"),
    ("Jan 5", "January fifth"),
    ("2024-01-05", "January fifth, twenty twenty-four"),
    # times
    ("at 3:30 pm", "at three thirty P M"),
    ("at 5pm", "at five P M"),
    ("3:00", "three o'clock"),
    ("15:05", "fifteen oh five"),
    ("3:30-5:00 pm", "three thirty to five P M"),
    # symbols, abbreviations
    ("Tom & Jerry", "Tom and Jerry"),
    ("Mr. Smith vs. Dr. Who", "Mister Smith versus Doctor Who"),
    ("e.g. this", "for example this"),
    ("#1 seller", "number one seller"),
    ("No. 1", "number one"),
    ("24/7 support", "twenty-four seven support"),
    ("half: 1/2", "half: one half"),
    # plain numbers
    ("1,234,567 views", "one million two hundred thirty-four thousand five hundred "
                        "sixty-seven views"),
    ("agent 007", "agent zero zero seven"),
    ("3.14", "three point one four"),
    ("0.5", "zero point five"),
    ("5999 yuan", "five thousand nine hundred ninety-nine yuan"),
    ("1200 units", "twelve hundred units"),
    ("iOS 17.2.1 update", "iOS seventeen point two point one update"),
    ("call 555-1234", "call five five five, one two three four"),
    ("H2O", "H two O"),
    ("COVID-19", "COVID-nineteen"),
    ("$.99", "ninety-nine cents"),
    ("a 16:9 screen", "a sixteen to nine screen"),
    ("$1,299.00", "one thousand two hundred ninety-nine dollars"),
    # punctuation that engines misread
    ("Hello... world", "Hello, world"),
    ("Price：$5！", "Price: five dollars!"),
    ("iPhone™ 15", "iPhone fifteen"),
]


@pytest.mark.parametrize("text,expected", CASES, ids=[c[0] for c in CASES])
def test_normalize_en(text, expected):
    assert normalize_en(text) == expected


def test_enough_cases():
    assert len(CASES) >= 30


@pytest.mark.parametrize("text", [c[0] for c in CASES])
def test_no_digits_left(text):
    assert not re.search(r"\d", normalize_en(text))


@pytest.mark.parametrize("n,words", [
    (0, "zero"), (7, "seven"), (13, "thirteen"), (21, "twenty-one"), (100, "one hundred"),
    (101, "one hundred one"), (999, "nine hundred ninety-nine"), (1000, "one thousand"),
    (1001, "one thousand one"), (20000, "twenty thousand"),
    (1_000_000, "one million"), (2_500_000_000, "two billion five hundred million"),
])
def test_number_to_words(n, words):
    assert number_to_words(n) == words


@pytest.mark.parametrize("n,words", [
    (1, "first"), (2, "second"), (3, "third"), (5, "fifth"), (9, "ninth"), (12, "twelfth"),
    (20, "twentieth"), (21, "twenty-first"), (40, "fortieth"), (101, "one hundred first"),
])
def test_ordinals(n, words):
    assert ordinal_to_words(n) == words


@pytest.mark.parametrize("n,words", [
    (2024, "twenty twenty-four"), (2000, "two thousand"), (2009, "two thousand nine"),
    (2010, "twenty ten"), (1999, "nineteen ninety-nine"), (1900, "nineteen hundred"),
])
def test_years(n, words):
    assert year_to_words(n) == words
