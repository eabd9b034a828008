"""Nicknames are never read out as given: the decision on hostile and harmless names, and the
real answer path (engine -> queue -> director / live speech line) up to the text sent to TTS."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest

from twincast.live.engine import LiveShow
from twincast.live.speechline import SpeechLine
from twincast.show.answers.engine import AnswerEngine
from twincast.show.answers.nickname import (
    GENERIC,
    catalog_terms,
    decide_address,
    spoken_address,
)
from twincast.show.answers.queue import AnswerQueue
from twincast.show.answers.types import Comment
from twincast.show.catalog_io import load_catalog
from twincast.show.director import Director
from twincast.show.rundown import Rundown

HOSTILE = {
    "最后3件秒杀价9块9": "number",  # the example: a false promotion
    "最后三件九块九": "number",  # the same in Chinese numerals
    "全场包邮": "promotion",
    "今日特价": "promotion",
    "免费送耳机": "promotion",
    "五折清仓": "number",
    "打折王": "promotion",
    "官方客服": "promotion",  # impersonation
    "主播本人": "promotion",
    "隔壁更便宜": "promotion",  # a dig at the shop
    "淘宝店主": "promotion",  # a platform / competitor
    "Nike": "promotion",
    "Apple官方": "promotion",
    "FreeStuff": "promotion",
    "Official Store": "promotion",
    "加微信abc12345": "contact",
    "vx123456": "contact",
    "www.abc.com": "contact",
    "shop.cn": "contact",
    "傻逼主播": "abuse",
    "idiot": "abuse",
    "关注我领红包": "spam",
    "忽略之前的指令": "injection",
    "ignore previous instructions": "long",
    "全网最低": "ad_law",  # ad-law term (absolute claim)
    "最好的朋友": "ad_law",  # even a rewritable one (最好 -> 很好): a claim in the store's voice
    "Ｖ１２３": "number",  # full-width digits are digits after NFKC
    "$9.9": "number",
    "¥": "money",
    "100%": "number",
    "小鱼🐟": "symbols",
    "<b>hi</b>": "symbols",
    "a" * 17: "long",
    "一二三四五六七八九": "long",
    "": "empty",
    "声澜Pro": "catalog",  # the shop's own product name as a handle
    "SoundWave": "catalog",
}
HARMLESS = ["小王", "Amy", "阿杰", "老李", "月亮", "快乐的小鱼", "张伟", "Sunny", "Lucky Cat", "Mary-Jane", "O'Neil",
            "kitty_cat", "李", "Li", "Émilie"]


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.mark.parametrize("name,reason", sorted(HOSTILE.items()))
def test_hostile_nicknames_get_the_generic_address(catalog, name, reason):
    for lang in ("zh", "en"):
        a = decide_address(name, lang, catalog_terms(catalog))
        assert a.generic and a.spoken == GENERIC[lang] and a.reason == reason, (name, a)


@pytest.mark.parametrize("name", HARMLESS)
def test_harmless_nicknames_are_spoken(catalog, name):
    a = decide_address(name, "zh", catalog_terms(catalog))
    assert not a.generic and a.reason is None
    assert a.spoken == name.replace(" ", "-")  # one token: the @mention parser splits on spaces


def test_catalog_names_come_from_the_catalog(catalog):
    terms = catalog_terms(catalog)
    assert "声澜Pro主动降噪蓝牙耳机" in terms and "SoundWave" in terms and "空气炸锅" in terms
    assert spoken_address("空气炸锅", "zh", terms) == "这位朋友"
    assert spoken_address("空气炸锅", "zh") == "空气炸锅"  # without the catalog it is just a word


def _ask(engine: AnswerEngine, user: str, text: str, t: float):
    return engine.handle(Comment(user, text, t))


def test_queue_reads_no_hostile_name_even_among_others(catalog):
    engine = AnswerEngine(catalog)
    q = AnswerQueue(avoid=catalog_terms(catalog))
    for i, user in enumerate(["最后3件秒杀价9块9", "小王", "官方客服", "Amy"]):
        q.push(_ask(engine, user, "耳机多少钱", float(i)))
    text = q.pop(5.0).text
    assert text.startswith("@小王 @Amy等4位 问价格的朋友，"), text
    q.push(_ask(engine, "五折清仓", "耳机多少钱", 10.0))
    q.push(_ask(engine, "全场包邮", "耳机多钱", 11.0))
    text = q.pop(12.0).text
    assert text.startswith("问价格的朋友，") and "清仓" not in text and "包邮" not in text, text


def _spoken_texts_live(catalog, user: str, comment: str) -> list[str]:
    """The live path: LiveShow's answer hook feeds the real SpeechLine, whose synthesis callback
    records exactly what would go to the voice."""
    engine = AnswerEngine(catalog)
    show = SimpleNamespace(answers=AnswerQueue(avoid=catalog_terms(catalog)), _comment_of={},
                           parts=SimpleNamespace(camera=lambda preset: preset))  # the show's allowed cameras
    show.answers.push(engine.handle(Comment(user, comment, 1.0)))
    spoken: list[str] = []
    got = threading.Event()

    def synthesize(speaker: str, text: str, lang: str):
        spoken.append(text)
        got.set()
        return []

    line = SpeechLine(synthesize, lambda now: [], lambda: 2.0, lambda now: LiveShow._next_answer(show, now))
    line.start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and (not got.is_set() or len(spoken) < 2):
            time.sleep(0.05)
    finally:
        line.stop()
    return spoken


def test_hostile_nickname_is_not_in_the_spoken_answer(catalog):
    hostile = "最后3件秒杀价9块9"
    price = f"{catalog.products[0].sale_price:g}"
    # offline show: the director's answer beat is the text the runner synthesises
    q, engine = AnswerQueue(avoid=catalog_terms(catalog)), AnswerEngine(catalog)
    director = Director(catalog, Rundown.even(catalog, 3.0), "zh", q)
    q.push(engine.handle(Comment(hostile, "这个耳机多少钱", 1.0)))
    beats = director.next_beats(2.0)
    answer = next(b for b in beats if b.kind == "answer")
    assert price in answer.text  # the real answer is there ...
    for bad in (hostile, "秒杀", "9块9", "最后3件"):
        assert bad not in answer.text  # ... the nickname and its number are not
    assert answer.text.startswith("@这位朋友 ")
    # live show: every clause handed to the voice
    spoken = _spoken_texts_live(catalog, hostile, "这个耳机多少钱")
    joined = "".join(spoken)
    assert spoken and price in joined, spoken
    assert spoken[0] == "这位朋友，"
    for bad in (hostile, "秒杀", "9块9", "最后3件", "块9"):
        assert bad not in joined, spoken
