"""Clause cutting for live speech: short enough for fast answers, never inside a name or number."""

from __future__ import annotations

import pytest

from twincast.text.clauses import MAX_ZH_CHARS, answer_clauses, clauses


@pytest.mark.parametrize("text,lang", [
    ("家人们，来看这款蓝牙耳机：通透模式一键切换，不摘耳机也能听到报站。声澜Pro主动降噪蓝牙耳机今天直播间到手价¥259，日常价¥399。", "zh"),
    ("Hello everyone, welcome back. These earbuds, with thirty hours of battery, cost only 199 yuan today!", "en"),
    ("Yes, we ship the air fryer to Hong Kong for an extra fee of 20 yuan, usually within two days.", "en"),
])
def test_clauses_keep_every_word_and_stay_short(text, lang):
    parts = clauses(text, lang)
    joined = ("".join(parts) if lang == "zh" else " ".join(parts)).replace(" ", "")
    assert joined == text.replace(" ", "")  # nothing lost, nothing reordered
    for p in parts:
        if lang == "zh":
            assert len(p) <= MAX_ZH_CHARS + 3
        else:
            assert len(p.split()) <= 10
    assert not any(p.endswith(("¥", "Hong")) for p in parts)  # never inside a price or a name
    if "¥259" in text:
        assert any("¥259" in p for p in parts)


def test_answer_starts_with_the_names_alone():
    zh = answer_clauses("@小王 @Amy 问价格的朋友，耳机今天到手价¥259。", "zh")
    assert zh[0] == "小王、Amy，" and "¥259" in "".join(zh[1:])
    en = answer_clauses("@Tom Yes, we ship to Hong Kong.", "en")
    assert en[0] == "Tom," and "@" not in "".join(en)


@pytest.mark.parametrize("sentence,lang", [
    ("Good evening everyone, today I will show you three new products that our team picked for this live show.", "en"),
    ("Today I will show you three new products that our team picked for this live show", "en"),
    ("今天给大家带来三款新品，都是我们团队精心挑选的好东西。", "zh"),
])
def test_lead_clause_splits_a_long_opening_once_and_loses_nothing(sentence, lang):
    from twincast.text.clauses import MAX_EN_WORDS, lead_clause

    parts = lead_clause(sentence, lang)
    assert len(parts) == 2
    sep = "" if lang == "zh" else " "
    assert sep.join(parts).replace(" ", "") == sentence.replace(" ", "")
    head = parts[0].split() if lang == "en" else parts[0]
    assert len(head) <= (MAX_EN_WORDS if lang == "en" else MAX_ZH_CHARS + 3)


def test_lead_clause_keeps_short_sentences_whole():
    from twincast.text.clauses import lead_clause

    assert lead_clause("Welcome back, friends.", "en") == ["Welcome back, friends."]
    assert lead_clause("欢迎回来，家人们。", "zh") == ["欢迎回来，家人们。"]
