"""Fit the fact model (which statement answers a comment, and whether) on the DEV shops only.

    TWINCAST_HOME=.cache .venv/bin/python scripts/train_fact_model.py            # LOSO report + save
    TWINCAST_HOME=.cache .venv/bin/python scripts/train_fact_model.py --e2e      # + the answer benchmark per left-out shop
    TWINCAST_HOME=.cache .venv/bin/python scripts/train_fact_model.py --no-save  # measure only

Samples: every dev comment whose label asks for one product's statement (spec, usage, safety,
unknown). The statements that hold every ``must`` group of an "answer" label are its answers;
a "check" label (the catalog lacks it) has none. An "answer" label that no statement holds is
answered elsewhere (a policy, a reasoner) and left out. Leave-one-shop-out is the estimate for
a stranger's shop: each dev shop is scored with a model fit on the others, and compared with
the shipped model (in-sample for it). The saved model (src/twincast/assets/answers/
fact_model.json) is fit on all dev shops. The held-out shops are never read here.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from dataclasses import dataclass

import numpy as np

warnings.filterwarnings("ignore", category=UserWarning)

from twincast.show.answers.answerability import (  # noqa: E402
    MODEL_PATH,
    FactModel,
    Sample,
    fit,
    shipped_model,
)
from twincast.show.answers.evaluate_shops import DATA, contains, load_splits  # noqa: E402
from twincast.show.answers.retrieval import Embedder, Retriever  # noqa: E402
from twincast.show.catalog_io import load_catalog  # noqa: E402

ASKS_FACT = {"spec", "usage", "safety", "unknown"}
TOPICS = {"usage": ("usage", "faq"), "safety": ("safety", "faq")}  # as the engine asks (engine.py)
BAR = 0.55  # leave-one-shop-out: 0.5 answers 14 more dev comments but 9 more the catalog lacks


@dataclass(frozen=True)
class Score:
    answered: int  # answerable comments answered with a statement that holds the answer
    answerable: int
    deferred: int  # comments the catalog lacks, told "let me check"
    lacking: int

    def __str__(self) -> str:
        return (f"answered right {self.answered}/{self.answerable}, 'let me check' when lacking "
                f"{self.deferred}/{self.lacking}")


def dev_samples(embedder: Embedder) -> list[Sample]:
    out = []
    for shop, split in load_splits().items():
        if split != "dev":
            continue
        catalog = load_catalog(DATA / shop / "catalog.yaml")
        retriever = Retriever(catalog, embedder)
        for line in (DATA / shop / "comments.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            intents = row.get("intents") or []
            if row["action"] not in ("answer", "check") or not intents or intents[0] not in ASKS_FACT:
                continue
            ids = row.get("products") or ([row["on_screen"]] if row.get("on_screen") else [])
            product = catalog.get(ids[0]) if len(ids) == 1 else None
            found = retriever.statement_features(row["text"], product, TOPICS.get(intents[0], ())) if product else None
            if found is None:
                continue
            items, feats, same = found
            answers = np.zeros(len(items))
            if row["action"] == "answer":
                answers = np.array([float(all(any(contains(i.zh + " " + i.en, t) for t in g) for g in row["must"]))
                                    for i in items]) if row.get("must") else answers
                if not answers.any():
                    continue
            out.append(Sample(feats, same, answers, shop))
    embedder.save()
    return out


def score(model: FactModel, samples: list[Sample]) -> Score:
    answered = deferred = 0
    for s in samples:
        k, prob = model.answers(s.feats, s.same)
        sure = prob >= model.bar
        answered += bool(s.answers.any() and sure and s.answers[k] > 0)
        deferred += bool(not s.answers.any() and not sure)
    n_ans = sum(bool(s.answers.any()) for s in samples)
    return Score(answered, n_ans, deferred, len(samples) - n_ans)


def loso(samples: list[Sample], bar: float) -> dict[str, FactModel]:
    models = {}
    try:
        shipped = shipped_model() if MODEL_PATH.is_file() else None
    except ValueError:  # fit on other features: nothing to compare with
        shipped = None
    for g in sorted({s.group for s in samples}):
        test = [s for s in samples if s.group == g]
        models[g] = fit([s for s in samples if s.group != g], bar)
        print(f"{g}: fit without it: {score(models[g], test)}"
              + (f"; shipped (in-sample): {score(shipped, test)}" if shipped else ""))
    return models


def e2e(models: dict[str, FactModel]) -> None:
    """The answer benchmark on each left-out dev shop with the fact model fit without it."""
    from twincast.show.answers.engine import AnswerEngine
    from twincast.show.answers.evaluate_shops import score_shop, table

    scores = []
    for shop, model in models.items():
        s = score_shop(shop, "dev", engine=AnswerEngine(load_catalog(DATA / shop / "catalog.yaml"), fact_model=model))
        s.name = f"{shop} (fact model LOSO)"
        scores.append(s)
    print(table(scores))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bar", type=float, default=BAR, help=f"answer from this probability on (default {BAR})")
    ap.add_argument("--e2e", action="store_true", help="also run the answer benchmark on each left-out dev shop")
    ap.add_argument("--no-save", action="store_true")
    args = ap.parse_args()
    samples = dev_samples(Embedder())
    print(f"{len(samples)} dev samples ({sum(bool(s.answers.any()) for s in samples)} answerable by a statement)")
    models = loso(samples, args.bar)
    if args.e2e:
        e2e(models)
    if not args.no_save:
        MODEL_PATH.write_text(json.dumps(fit(samples, args.bar).to_json(), indent=1) + "\n", encoding="utf-8")
        print("saved", MODEL_PATH)
    return 0


if __name__ == "__main__":
    sys.exit(main())
