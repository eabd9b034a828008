"""Fit the answerability model of the fact retriever on the DEV shops (never the held-out ones).

    .venv/bin/python benchmarks/calibrate_answers.py [--features 6] [--e2e]

For every dev comment whose label asks for a product statement (spec, usage, safety, unknown)
the retriever's best item and features are computed; the target is 1 when the label says
"answer" and the item holds every ``must`` group (the item really answers), 0 when the label
says "check" (the catalog does not hold it). A small L2-regularised logistic regression gives
the weights pasted into ``ANSWERABLE_W`` in src/twincast/show/answers/retrieval.py; the script
prints them with the cross-validated accuracy so a change can be judged before it is pasted.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings

import numpy as np
from scipy.optimize import minimize

warnings.filterwarnings("ignore", category=UserWarning)

from twincast.show.answers.evaluate_shops import DATA, contains, load_splits  # noqa: E402
from twincast.show.answers.retrieval import Retriever  # noqa: E402
from twincast.show.catalog_io import load_catalog  # noqa: E402

ASKS_FACT = {"spec", "usage", "safety", "unknown"}
N_FEATURES = 8  # bias + hint, bm25, cos, margin, coverage, rank margin, field-name overlap


def samples(only: tuple[str, ...] = ()) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xs, ys, gs = [], [], []
    for shop, split in load_splits().items():
        if split != "dev" or (only and shop not in only):
            continue
        catalog = load_catalog(DATA / shop / "catalog.yaml")
        retriever = Retriever(catalog)
        for line in (DATA / shop / "comments.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            intents = row.get("intents") or []
            if row["action"] not in ("answer", "check") or not intents or intents[0] not in ASKS_FACT:
                continue
            ids = row.get("products") or ([row["on_screen"]] if row.get("on_screen") else [])
            if len(ids) != 1:
                continue
            found = retriever.features(row["text"], catalog.get(ids[0]))
            if found is None:
                continue
            item, feats = found
            if row["action"] == "check":
                y = 0.0
            elif all(any(contains(item.zh + " " + item.en, t) for t in g) for g in row.get("must") or []):
                y = 1.0
            else:
                continue  # the answer is elsewhere (a policy, a reasoner): not this model's question
            xs.append(np.concatenate([[1.0], feats[1:]]))
            ys.append(y)
            gs.append(shop)
        retriever.embedder.save()
    return np.array(xs), np.array(ys), np.array(gs)


def fit(x: np.ndarray, y: np.ndarray, l2: float = 0.01) -> np.ndarray:
    """Fit on standardised features (so the penalty treats them alike), return raw weights."""
    mu, sd = x[:, 1:].mean(0), x[:, 1:].std(0) + 1e-9
    xs = np.column_stack([x[:, 0], (x[:, 1:] - mu) / sd])

    def loss(w):
        z = xs @ w
        return float(np.mean(np.logaddexp(0, z) - y * z) + l2 * np.sum(w[1:] ** 2))

    ws = minimize(loss, np.zeros(x.shape[1]), method="L-BFGS-B").x
    raw = ws[1:] / sd
    return np.concatenate([[ws[0] - float(raw @ mu)], raw])


def e2e(shop: str, w: np.ndarray) -> str:
    """The answer benchmark on ``shop`` with answerability weights ``w`` (wrong or missing fact,
    'let me check' when answerable): what a change of weights does to replies, not only to the
    model's own accuracy."""
    from twincast.show.answers import retrieval
    from twincast.show.answers.evaluate_shops import score_shop

    old = retrieval.ANSWERABLE_W
    retrieval.ANSWERABLE_W = w
    try:
        s = score_shop(shop, "dev")
    finally:
        retrieval.ANSWERABLE_W = old
    return (f"wrong or missing {s.wrong_or_missing / s.n:.1%}, 'let me check' when answerable "
            f"{s.needless_check / max(1, s.answerable):.1%}, false claims {s.false_claims}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("shops", nargs="*", help="only these dev shops")
    ap.add_argument("--features", type=int, default=N_FEATURES,
                    help=f"use the first N features (6: session 10's, {N_FEATURES}: + rank margin, field name)")
    ap.add_argument("--e2e", action="store_true", help="also run the answer benchmark per left-out shop")
    args = ap.parse_args()
    x, y, groups = samples(tuple(args.shops))
    x = x[:, : args.features]
    print(f"{len(y)} dev samples, {int(y.sum())} answerable by the best item; {args.features - 1} features")
    from twincast.show.answers.retrieval import ANSWERABLE_AT, ANSWERABLE_W

    def hits(w: np.ndarray, m: np.ndarray) -> float:
        xm = x[m][:, : len(w)]
        return float(np.mean((1 / (1 + np.exp(-(xm @ w))) >= ANSWERABLE_AT) == (y[m] > 0.5)))

    for g in sorted(set(groups)):  # leave one shop out: the honest estimate for a stranger's shop
        test = groups == g
        if test.all():
            break
        w = fit(x[~test], y[~test])
        print(f"leave-one-shop-out {g}: accuracy {hits(w, test):.3f} (shipped weights {hits(ANSWERABLE_W, test):.3f}); "
              "weights " + ", ".join(f"{v:.2f}" for v in w))
        if args.e2e:
            print(f"  end to end, weights fit without {g}: {e2e(g, w)}")
            print(f"  end to end, shipped weights:        {e2e(g, ANSWERABLE_W)}")
    rng = np.random.default_rng(7)
    order = rng.permutation(len(y))
    folds = np.array_split(order, 5)
    acc = []
    for k in range(5):
        test = folds[k]
        train = np.concatenate([folds[j] for j in range(5) if j != k])
        w = fit(x[train], y[train])
        acc.append(np.mean(((x[test] @ w) > 0) == (y[test] > 0.5)))
    w = fit(x, y)
    print(f"5-fold accuracy {np.mean(acc):.3f}; weights [bias, hint, bm25, cos, margin, coverage, rank margin, "
          "field name]:")
    print("ANSWERABLE_W = np.array([" + ", ".join(f"{v:.2f}" for v in w) + "])")
    return 0


if __name__ == "__main__":
    sys.exit(main())
