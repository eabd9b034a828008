"""Score the comment pipeline against a labelled stream (data/comments_labelled.jsonl).

Why a stream and not a bag of sentences: repeats and flooding only exist in order, so the
whole file is replayed through one engine (as a live show would), and the metrics are then
split by the ``split`` field: ``dev`` (used while writing rules) and ``heldout`` (looked at
only for the final numbers). "Wrong facts" counts every number in a spoken reply that the
catalog entry of the product(s) it talks about does not back; the target is 0.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from ..catalog import Catalog
from ..facts import Facts, product_facts, untraceable
from .engine import AnswerEngine
from .types import Comment, Decision

MODERATION_REASONS = {"spam", "abuse", "contact", "injection", "repeat", "flood", "empty"}
DEFAULT_SET = Path(__file__).resolve().parents[4] / "data" / "comments_labelled.jsonl"
# This set was labelled with the v1 intent names; issue 17 split some of them finer.
V1_INTENTS = {"comparison": {"compare"}, "shipping": {"shipping", "shipping_exception", "delivery_time"},
              "returns": {"returns", "warranty"}, "spec": {"spec", "usage", "safety", "promo"},
              "greeting": {"greeting", "ai_disclosure"}, "size": {"size"}}


@dataclass
class SplitScore:
    n: int = 0
    intent_ok: int = 0
    intent_n: int = 0
    product_ok: int = 0
    product_n: int = 0
    action_ok: int = 0
    mod_tp: int = 0
    mod_fp: int = 0
    mod_fn: int = 0
    wrong_facts: int = 0
    errors: list[str] = field(default_factory=list)

    def ratio(self, a: int, b: int) -> float:
        return a / b if b else float("nan")

    @property
    def intent_accuracy(self) -> float:
        return self.ratio(self.intent_ok, self.intent_n)

    @property
    def product_accuracy(self) -> float:
        return self.ratio(self.product_ok, self.product_n)

    @property
    def action_accuracy(self) -> float:
        return self.ratio(self.action_ok, self.n)

    @property
    def moderation_precision(self) -> float:
        return self.ratio(self.mod_tp, self.mod_tp + self.mod_fp)

    @property
    def moderation_recall(self) -> float:
        return self.ratio(self.mod_tp, self.mod_tp + self.mod_fn)


@dataclass
class EvalReport:
    splits: dict[str, SplitScore]
    ms_per_comment: list[float]
    decisions: list[tuple[dict, Decision]]

    @property
    def ms_median(self) -> float:
        return statistics.median(self.ms_per_comment) if self.ms_per_comment else float("nan")

    @property
    def ms_p95(self) -> float:
        xs = sorted(self.ms_per_comment)
        return xs[min(len(xs) - 1, int(0.95 * len(xs)))] if xs else float("nan")


def load_labelled(path: Path = DEFAULT_SET) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def wrong_facts(d: Decision, catalog: Catalog, cache: Optional[dict[str, Facts]] = None) -> list[str]:
    """Numbers in ``d.reply`` not backed by the catalog entries of the products it is about."""
    if not d.reply:
        return []
    cache = cache if cache is not None else {}
    about = [p for p in catalog.products
             if p.id == d.product_id or p.id in d.product_ids or p.name.zh in d.reply or p.name.en in d.reply]
    merged = Facts()
    for p in about:
        if p.id not in cache:
            cache[p.id] = product_facts(p, catalog.policy(p))
        merged.merge(cache[p.id])
    if not about:
        return [m.raw for m in untraceable(d.reply, None)]
    return [m.raw for m in untraceable(d.reply, None, merged)]


def evaluate(catalog: Catalog, rows: list[dict], engine: Optional[AnswerEngine] = None) -> EvalReport:
    engine = engine or AnswerEngine(catalog)
    splits: dict[str, SplitScore] = {}
    times: list[float] = []
    decisions = []
    facts_cache: dict[str, Facts] = {}
    for row in rows:
        t0 = time.perf_counter()
        d = engine.handle(Comment(row["user"], row["text"], row["t"]), on_screen=row.get("on_screen"))
        times.append((time.perf_counter() - t0) * 1000)
        decisions.append((row, d))
        for name in (row.get("split", "dev"), "all"):
            _score(splits.setdefault(name, SplitScore()), row, d, catalog, facts_cache)
    engine.retriever.embedder.save()
    return EvalReport(splits, times, decisions)


def _score(s: SplitScore, row: dict, d: Decision, catalog: Catalog, cache: dict) -> None:
    s.n += 1
    tag = f"#{row['id']} {row['text']!r}"
    if row["intent"] is not None:
        s.intent_n += 1
        same = d.intent == row["intent"] or d.intent in V1_INTENTS.get(row["intent"], ()) or (
            d.intent == "unknown" and row["action"] == "check")
        if same:
            s.intent_ok += 1
        else:
            s.errors.append(f"{tag}: intent {d.intent} (expected {row['intent']})")
    if row["action"] in ("answer", "check", "clarify") and row["intent"] not in (None, "greeting", "off_topic"):
        s.product_n += 1
        if d.product_id == row["product"]:
            s.product_ok += 1
        else:
            s.errors.append(f"{tag}: product {d.product_id} (expected {row['product']})")
    if d.action == row["action"]:
        s.action_ok += 1
    else:
        s.errors.append(f"{tag}: action {d.action}/{d.reason} (expected {row['action']}/{row['reason']})")
    expected_mod = row["action"] == "silent" and row["reason"] in MODERATION_REASONS
    got_mod = d.action == "silent" and d.reason in MODERATION_REASONS
    s.mod_tp += expected_mod and got_mod
    s.mod_fp += got_mod and not expected_mod
    s.mod_fn += expected_mod and not got_mod
    bad = wrong_facts(d, catalog, cache)
    if bad:
        s.wrong_facts += len(bad)
        s.errors.append(f"{tag}: WRONG FACTS {bad} in {d.reply!r}")


def table(report: EvalReport) -> str:
    """Markdown table of the headline numbers per split."""
    rows = ["| split | comments | intent acc. | product acc. | action acc. | moderation P | moderation R | wrong facts |",
            "|---|---|---|---|---|---|---|---|"]
    for name in ("dev", "heldout", "all"):
        s = report.splits.get(name)
        if s is None:
            continue
        rows.append(f"| {name} | {s.n} | {s.intent_accuracy:.3f} ({s.intent_ok}/{s.intent_n}) | "
                    f"{s.product_accuracy:.3f} ({s.product_ok}/{s.product_n}) | {s.action_accuracy:.3f} | "
                    f"{s.moderation_precision:.3f} | {s.moderation_recall:.3f} | {s.wrong_facts} |")
    return "\n".join(rows)
