"""Which of a product's statements answers a comment, and whether it answers it at all.

Two small models over the retriever's per-statement features, fit on the dev shops only by
``scripts/train_fact_model.py`` and shipped as ``assets/answers/fact_model.json`` (made here, no weights
from elsewhere):

1. a **ranker**: a linear score per statement, trained listwise (softmax over the product's
   statements, the labelled answers as targets). A hand-weighted sum picked the right
   statement first for 517 of 648 answerable dev comments leave-one-shop-out; the ranker 560.
2. an **answerability** model: a logistic regression on the ranker's winner (its score, its
   margin over the runner-up, its softmax share and its own features). Its target is "the
   winner really answers"; a comment whose answer the catalog lacks is a negative, so the bar
   also decides when the host says "let me check" instead of a neighbouring fact.

Why not one model: a per-statement classifier is calibrated per statement, and "the best of
thirty is good enough" is a different question from "is this one relevant" (leave-one-shop-
out it answered more comments but also more comments the catalog does not cover).

Pure functions of their inputs; the model file is read once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

MODEL_PATH = Path(__file__).resolve().parents[2] / "assets" / "answers" / "fact_model.json"

# per-statement features, in the order the retriever computes them (Retriever.statement_features)
FEATURES = ("topic hint", "bm25 share of best", "bm25", "cosine", "cosine over median", "cosine to field name",
            "field-name cosine over median", "asks another kind of quantity", "partial figure", "coverage of words",
            "words in field name", "hand score over runner-up", "hand score below best", "asks a number it lacks",
            "is spec", "is usage", "is safety", "is faq", "is selling point", "is gift", "content words",
            "preferred topic", "comment words no statement uses", "comment words only other statements use")
# the answerability model's inputs: these three, then the winner's FEATURES
WINNER = ("rank score", "rank margin", "softmax share")


@dataclass(frozen=True)
class Standardiser:
    mu: np.ndarray
    sd: np.ndarray

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return (x - self.mu) / self.sd

    @classmethod
    def fit(cls, x: np.ndarray) -> "Standardiser":
        sd = x.std(0)
        return cls(x.mean(0), np.where(sd > 1e-6, sd, 1.0))  # a constant column stays 0, never explodes


@dataclass(frozen=True)
class FactModel:
    rank_scale: Standardiser
    rank_w: np.ndarray
    answer_scale: Standardiser
    answer_w: np.ndarray  # bias first
    bar: float

    def rank(self, feats: np.ndarray) -> np.ndarray:
        """A score per statement (rows of ``feats``); the highest is the answer candidate."""
        return self.rank_scale(feats) @ self.rank_w

    def answers(self, feats: np.ndarray, same: np.ndarray) -> tuple[int, float]:
        """The best statement's index and the probability that it answers the comment
        (``same[k, j]``: statement j says what k says, see :func:`winner_inputs`)."""
        k, x = winner_inputs(self.rank(feats), feats, same)
        z = float(self.answer_scale(x) @ self.answer_w[1:] + self.answer_w[0])
        return k, 1.0 / (1.0 + np.exp(-z))

    def to_json(self) -> dict:
        return {"features": list(FEATURES), "winner": list(WINNER), "bar": self.bar,
                "rank": {"mu": self.rank_scale.mu.tolist(), "sd": self.rank_scale.sd.tolist(), "w": self.rank_w.tolist()},
                "answer": {"mu": self.answer_scale.mu.tolist(), "sd": self.answer_scale.sd.tolist(),
                           "w": self.answer_w.tolist()}}

    @classmethod
    def from_json(cls, d: dict) -> "FactModel":
        if tuple(d["features"]) != FEATURES:
            raise ValueError("fact_model.json was fit on other features: run scripts/train_fact_model.py")
        arr = lambda k, f: np.asarray(d[k][f], dtype=float)  # noqa: E731
        return cls(Standardiser(arr("rank", "mu"), arr("rank", "sd")), arr("rank", "w"),
                   Standardiser(arr("answer", "mu"), arr("answer", "sd")), arr("answer", "w"), float(d["bar"]))


def winner_inputs(z: np.ndarray, feats: np.ndarray, same: np.ndarray) -> tuple[int, np.ndarray]:
    """The answerability model's inputs for the ranker's winner k. Its margin and softmax share
    are taken against the statements that say something else: a catalog that states the HDMI
    port three times, or the weight as a spec and again in a selling point, is surer of its
    answer, not less sure (a plain runner-up margin read such repeats as a toss-up)."""
    k = int(np.argmax(z))
    other = ~same[k]
    other[k] = False
    runner_up = float(z[other].max()) if other.any() else float(z[k]) - 5.0
    e = np.exp(z - z[k])
    share = float(e[~other].sum() / e.sum())
    return k, np.concatenate([[z[k], z[k] - runner_up, share], feats[k]])


@lru_cache(maxsize=1)
def shipped_model() -> FactModel:
    return FactModel.from_json(json.loads(MODEL_PATH.read_text(encoding="utf-8")))


# ------------------------------------------------------------------ fitting (dev shops only)
@dataclass(frozen=True)
class Sample:
    """One labelled comment: its product's statement features and which statements answer it
    (all zero when the label says the catalog lacks the answer)."""
    feats: np.ndarray
    same: np.ndarray
    answers: np.ndarray
    group: str


def fit_ranker(samples: list[Sample], l2: float = 0.001) -> tuple[Standardiser, np.ndarray]:
    from scipy.optimize import minimize

    scale = Standardiser.fit(np.vstack([s.feats for s in samples]))
    data = [(scale(s.feats), s.answers > 0) for s in samples if s.answers.any()]
    d = data[0][0].shape[1]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = 0.0, np.zeros(d)
        for x, good in data:  # -log of the softmax mass on the statements that answer
            z = x @ w
            p = np.exp(z - z.max())
            p /= p.sum()
            q = p * good
            total -= np.log(q.sum() + 1e-12)
            grad += x.T @ (p - q / (q.sum() + 1e-12))
        return total / len(data) + l2 * float(w @ w), grad / len(data) + 2 * l2 * w

    return scale, minimize(loss, np.zeros(d), jac=True, method="L-BFGS-B").x


def fit_answerability(x: np.ndarray, y: np.ndarray, l2: float = 0.001) -> tuple[Standardiser, np.ndarray]:
    from scipy.optimize import minimize

    scale = Standardiser.fit(x)
    xs = scale(x)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = xs @ w[1:] + w[0]
        g = 1.0 / (1.0 + np.exp(-z)) - y
        value = float(np.mean(np.logaddexp(0, z) - y * z) + l2 * w[1:] @ w[1:])
        return value, np.concatenate([[g.mean()], xs.T @ g / len(y) + 2 * l2 * w[1:]])

    return scale, minimize(loss, np.zeros(x.shape[1] + 1), jac=True, method="L-BFGS-B").x


def fit(samples: list[Sample], bar: float, l2: float = 0.001) -> FactModel:
    rank_scale, rank_w = fit_ranker(samples, l2)
    xs, ys = [], []
    for s in samples:
        k, x = winner_inputs(rank_scale(s.feats) @ rank_w, s.feats, s.same)
        xs.append(x)
        ys.append(float(s.answers[k] > 0))
    answer_scale, answer_w = fit_answerability(np.array(xs), np.array(ys), l2)
    return FactModel(rank_scale, rank_w, answer_scale, answer_w, bar)
