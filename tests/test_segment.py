"""Language runs for the router: who reads brand names, numbers, prices and punctuation."""

import pytest

from twincast.text.segment import detect_language, split_languages, split_sentences

MIXED = [
    ("这款iPhone 15 Pro只要5999元！",
     [("zh", "这款"), ("en", "iPhone 15 Pro"), ("zh", "只要5999元！")]),
    ("蓝牙5.3，续航5000mAh，只要¥199.9。", [("zh", "蓝牙5.3，续航5000mAh，只要¥199.9。")]),
    ("Dyson V12吸尘器很好用", [("en", "Dyson V12"), ("zh", "吸尘器很好用")]),
    ("我买了AirPods Pro，音质不错。",
     [("zh", "我买了"), ("en", "AirPods Pro，"), ("zh", "音质不错。")]),
    ("This phone costs 199元 only.", [("en", "This phone costs 199元 only.")]),
    ("I love 中国 food.", [("en", "I love "), ("zh", "中国 "), ("en", "food.")]),
    ("容量500ml", [("zh", "容量500ml")]),
    ("容量 500 ml，很大", [("zh", "容量 500 ml，很大")]),
    ("价格是 199", [("zh", "价格是 199")]),
    ("iPhone 15只要", [("en", "iPhone "), ("zh", "15只要")]),
    ("这款 iPhone 很好", [("zh", "这款 "), ("en", "iPhone "), ("zh", "很好")]),
    ("AT&T的信号", [("en", "AT&T"), ("zh", "的信号")]),
    ("Wi-Fi 6E路由器", [("en", "Wi-Fi 6E"), ("zh", "路由器")]),
    ("3-5天发货", [("zh", "3-5天发货")]),
    ("下午3:30开播", [("zh", "下午3:30开播")]),
    ("支持4K屏幕", [("zh", "支持"), ("en", "4K"), ("zh", "屏幕")]),
    ("原价$299，现在只要¥199", [("zh", "原价$299，现在只要¥199")]),
    ("It weighs 2.5kg and costs $19.99.", [("en", "It weighs 2.5kg and costs $19.99.")]),
    ("The new 小米 phone is 50% off!", [("en", "The new "), ("zh", "小米 "),
                                        ("en", "phone is 50% off!")]),
    ("Hello world", [("en", "Hello world")]),
    ("你好世界", [("zh", "你好世界")]),
]


@pytest.mark.parametrize("text,runs", MIXED, ids=[m[0] for m in MIXED])
def test_split_languages(text, runs):
    assert split_languages(text) == runs


@pytest.mark.parametrize("text", [m[0] for m in MIXED] + ["", "   ", "!!", "¥199", "a1b2，。"])
def test_runs_rejoin_to_the_text(text):
    runs = split_languages(text)
    assert "".join(run for _, run in runs) == text
    assert all(lang in ("zh", "en") for lang, _ in runs)
    assert all(a[0] != b[0] for a, b in zip(runs, runs[1:]))  # neighbours differ


def test_enough_mixed_cases():
    assert len(MIXED) >= 15


def test_neutral_text_follows_default():
    assert split_languages("199", default="zh") == [("zh", "199")]
    assert split_languages("199", default="en") == [("en", "199")]


@pytest.mark.parametrize("text,lang", [
    ("这款iPhone很好用", "zh"), ("I love 中国", "en"), ("I love 中国 food", "en"),
    ("支持4K和5G", "zh"), ("Hello", "en"), ("你好", "zh"), ("12345", "en"),
    ("我用iPhone", "zh"),
])
def test_detect_language(text, lang):
    assert detect_language(text) == lang


def test_split_sentences():
    text = "Hello Mr. Smith. How are you? 我很好。谢谢！Price is 5.3 now... OK\nnext line"
    assert split_sentences(text) == ["Hello Mr. Smith.", "How are you?", "我很好。", "谢谢！",
                                     "Price is 5.3 now...", "OK", "next line"]
    assert split_sentences("We ship to the U.S. market. Done.") == [
        "We ship to the U.S. market.", "Done."]
    assert split_sentences("蓝牙5.3，续航很长。") == ["蓝牙5.3，续航很长。"]
    assert split_sentences("。。！") == []
