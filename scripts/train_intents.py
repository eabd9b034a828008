"""Train the learned intent model on every DEV label and measure it leave-one-shop-out.

    TWINCAST_HOME=.cache .venv/bin/python scripts/train_intents.py            # LOSO report + save weights
    TWINCAST_HOME=.cache .venv/bin/python scripts/train_intents.py --e2e      # + the answer benchmark per left-out shop
    TWINCAST_HOME=.cache .venv/bin/python scripts/train_intents.py --no-save  # measure only

Data: the dev shops of data/answers/splits.yaml (never the held-out ones) and the v1 stream
(data/comments_labelled.jsonl on the sample catalog; its coarse v1 names are made fine by the
rules' choice when that choice is one the v1 name allows, else the row is left out). Rows the
moderator decides (spam, abuse, contact, injection) and rows labelled ``unknown`` are not the
model's question and are left out. Leave-one-shop-out: for each dev shop, train on the others,
score the left-out one; the weights saved to src/twincast/assets/answers/intent_model.npz are
trained on all of them, with the trust threshold that did best leave-one-shop-out.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from dataclasses import dataclass, replace

import numpy as np

warnings.filterwarnings("ignore", category=UserWarning)

from twincast.show.answers.evaluate import DEFAULT_SET, V1_INTENTS  # noqa: E402
from twincast.show.answers.evaluate_shops import DATA, load_splits  # noqa: E402
from twincast.show.answers.intent_model import (  # noqa: E402
    CLASSES,
    IntentModel,
    asks,
    combine,
    features,
)
from twincast.show.answers.intents import IntentClassifier  # noqa: E402
from twincast.show.answers.retrieval import Embedder, Retriever  # noqa: E402
from twincast.show.catalog_io import load_catalog  # noqa: E402

SKIP_REASONS = {"spam", "abuse", "contact", "injection", "empty"}
TRUST = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.01)


@dataclass(frozen=True)
class Row:
    group: str
    label: int
    x: np.ndarray
    rules_main: str
    question: bool
    rules_score: float


def rows_of(group: str, catalog_path, labelled: list[dict], embedder: Embedder, v1: bool = False) -> list[Row]:
    catalog = load_catalog(catalog_path)
    retriever = Retriever(catalog, embedder)
    classifier = IntentClassifier()
    out = []
    for r in labelled:
        if r.get("reason") in SKIP_REASONS:
            continue
        blanked = retriever.without_names(r["text"])
        rules = classifier.classify(blanked)
        if v1:
            allowed = V1_INTENTS.get(r.get("intent") or "", {r.get("intent")})
            label = r.get("intent") if len(allowed) == 1 else (rules.intent if rules.intent in allowed else None)
            label = next(iter(allowed)) if len(allowed) == 1 else label
        else:
            label = (r.get("intents") or [None])[0]
        if label not in CLASSES:
            continue
        emb = embedder.query(r["text"])  # as the engine does: the embedding fact retrieval also uses
        n_named = len(retriever.mentioned(r["text"]))
        out.append(Row(group, CLASSES.index(label), features(emb, blanked, rules, n_named), rules.intent,
                       asks(blanked), rules.score))
    embedder.save()
    return out


def collect(embedder: Embedder) -> list[Row]:
    rows: list[Row] = []
    for shop, split in load_splits().items():
        if split == "dev" and (DATA / shop / "comments.jsonl").is_file():
            lines = (DATA / shop / "comments.jsonl").read_text(encoding="utf-8").splitlines()
            rows += rows_of(shop, DATA / shop / "catalog.yaml", [json.loads(x) for x in lines if x.strip()], embedder)
    v1 = [json.loads(x) for x in DEFAULT_SET.read_text(encoding="utf-8").splitlines() if x.strip()]
    rows += rows_of("v1-sample", None, v1, embedder, v1=True)
    return rows


def train(rows: list[Row], l2: float, trust_at: float) -> IntentModel:
    x = np.stack([r.x for r in rows])
    y = np.array([r.label for r in rows])
    groups = sorted({r.group for r in rows})
    # every shop weighs the same, however many comments it has
    sw = np.array([1.0 / sum(q.group == r.group for q in rows) for r in rows]) * len(rows) / len(groups)
    return IntentModel.trained(x, y, CLASSES, trust_at, l2=l2, sample_weight=sw)


def accuracy(model: IntentModel, rows: list[Row]) -> tuple[float, float]:
    """(model-and-rules main intent accuracy, rules-only accuracy) on ``rows``."""
    from twincast.show.answers.types import IntentResult

    ok = rules_ok = 0
    for r in rows:
        rules = IntentResult(r.rules_main, r.rules_score, intents=(r.rules_main,))
        got = combine(rules, model.probs(r.x), model.classes, model.trust_at, r.question).intent
        ok += got == CLASSES[r.label]
        rules_ok += r.rules_main == CLASSES[r.label]
    return ok / len(rows), rules_ok / len(rows)


def loso(rows: list[Row], l2: float) -> dict[float, list[tuple[str, int, float, float]]]:
    groups = sorted({r.group for r in rows})
    out: dict[float, list[tuple[str, int, float, float]]] = {t: [] for t in TRUST}
    for g in groups:
        model = train([r for r in rows if r.group != g], l2, 0.5)
        test = [r for r in rows if r.group == g]
        for t in TRUST:
            acc, rules = accuracy(replace(model, trust_at=t), test)
            out[t].append((g, len(test), acc, rules))
    return out


def e2e(rows: list[Row], l2: float, trust_at: float, errors: str = "") -> None:
    """The answer benchmark on each left-out dev shop, rules only vs rules + the LOSO model."""
    from twincast.show.answers.engine import AnswerEngine
    from twincast.show.answers.evaluate_shops import score_shop, table

    scores = []
    for shop, split in load_splits().items():
        if split != "dev" or not (DATA / shop).is_dir():
            continue
        catalog = load_catalog(DATA / shop / "catalog.yaml")
        model = train([r for r in rows if r.group != shop], l2, trust_at)
        for name, m in ((f"{shop} rules", None), (f"{shop} LOSO model", model)):
            s = score_shop(shop, split, engine=AnswerEngine(catalog, intent_model=m))
            s.name = name
            scores.append(s)
    print(table(scores))
    if errors:
        with open(errors, "w", encoding="utf-8") as f:
            f.writelines(f"{s.name}\t{e}\n" for s in scores for e in s.errors)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--l2", type=float, default=1e-2)
    ap.add_argument("--trust", type=float, default=None, help="fix the trust threshold instead of choosing it by LOSO")
    ap.add_argument("--e2e", action="store_true", help="also run the answer benchmark on each left-out dev shop")
    ap.add_argument("--no-save", action="store_true")
    ap.add_argument("--errors", default="", help="with --e2e: write every disagreement to this file")
    args = ap.parse_args()
    rows = collect(Embedder())
    groups = sorted({r.group for r in rows})
    print(f"{len(rows)} labelled dev comments in {len(groups)} groups: "
          + ", ".join(f"{g} {sum(r.group == g for r in rows)}" for g in groups))
    res = loso(rows, args.l2)
    print("leave-one-shop-out main-intent accuracy (model over rules from this probability on; rules alone):")
    for t, per in res.items():
        print(f"  trust {t:.2f}: " + "; ".join(f"{g} {acc:.3f} (rules {rules:.3f}, n={n})" for g, n, acc, rules in per))
    shops = [g for g in groups if g != "v1-sample"] or groups
    # ties go to the higher threshold: the model overrides the rules no more often than it must
    best = args.trust if args.trust is not None else max(
        reversed(TRUST), key=lambda t: np.mean([acc for g, _, acc, _ in res[t] if g in shops]))
    print(f"trust threshold: {best:.2f}")
    if args.e2e:
        e2e(rows, args.l2, best, args.errors)
    if not args.no_save:
        model = train(rows, args.l2, best)
        model.save()
        print("saved", "src/twincast/assets/answers/intent_model.npz")
    return 0


if __name__ == "__main__":
    sys.exit(main())
