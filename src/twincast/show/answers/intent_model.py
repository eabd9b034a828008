"""A learned intent model beside the rules: multinomial logistic regression over the comment's
embedding and the rules' own votes.

Why: the rules (:mod:`.intents`) were written against the shops their author read, and on a
stranger's shop a third of the main intents came out wrong (open questions about a product read
as nothing, praise read as a question). The multilingual-e5-small embedding the retriever already
loads says what a comment is *like* whatever its words; the rule votes say what the patterns
saw. A linear model over both, trained on every dev label, learns when to trust which. It is
judged by leave-one-shop-out (trained on the other dev shops, scored on the one left out), the
honest estimate of a shop nobody read. Weights are ours, small (a few hundred KB) and ship in the
package (``assets/answers/intent_model.npz``); ``scripts/train_intents.py`` retrains them.

Moderation outcomes (spam, abuse, injection) and ``unknown`` (the catalog does not hold the
fact) are not this model's question: the moderator and the answerability model decide those.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from . import slots as slot_rules
from .intents import _EMOJI_ONLY, _OFF_TOPIC, _QUESTION, asks_for_unsold, rule_scores
from .types import IntentResult

log = logging.getLogger("twincast.show.answers")
log.addHandler(logging.NullHandler())

WEIGHTS = Path(__file__).resolve().parents[2] / "assets" / "answers" / "intent_model.npz"
# What the model may say; moderation and "not in the catalog" are decided elsewhere.
CLASSES = ("price", "promo", "stock", "spec", "size", "colour", "shipping", "shipping_exception", "delivery_time",
           "returns", "warranty", "how_to_buy", "compare", "usage", "safety", "ai_disclosure", "greeting", "off_topic")
_VOTED = CLASSES  # the rules vote over the same names


def rule_features(text: str, rules: IntentResult, n_named: int) -> np.ndarray:
    """The rules' view of the comment as numbers: each intent's pattern score, which intent the
    rules chose (one-hot) and which they also kept, slots found, and a few surface cues."""
    scores = rule_scores(text)
    votes = [min(scores.get(k, 0.0), 6.0) / 6.0 for k in _VOTED]
    main = [1.0 if rules.intent == k else 0.0 for k in _VOTED]
    kept = [1.0 if k in rules.all else 0.0 for k in _VOTED]
    s = slot_rules.extract(text)
    cues = [
        float(s.region is not None), float(s.height_cm is not None), float(s.weight_kg is not None),
        float(s.gap_cm is not None), float(s.size is not None), float(s.colour is not None),
        float(bool(_QUESTION.search(text))), float(bool(_OFF_TOPIC.search(text))),
        float(bool(_EMOJI_ONLY.match(text))), float(asks_for_unsold(text)),
        min(n_named, 2) / 2.0, min(len(text), 80) / 80.0, float(rules.score == 0),
    ]
    return np.array(votes + main + kept + cues, dtype=np.float32)


EMB_DIM = 384


def features(embedding: Optional[np.ndarray], text: str, rules: IntentResult, n_named: int) -> np.ndarray:
    """[embedding (384, zeros when embeddings are unavailable), rule features]."""
    emb = np.zeros(EMB_DIM, dtype=np.float32) if embedding is None else np.asarray(embedding, dtype=np.float32)
    return np.concatenate([emb, rule_features(text, rules, n_named)])


def fit(x: np.ndarray, y: np.ndarray, n_classes: int, l2: float = 1e-3, sample_weight: Optional[np.ndarray] = None
        ) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression, L2 on the weights (not the bias), L-BFGS. Returns (W, b)."""
    from scipy.optimize import minimize

    n, d = x.shape
    onehot = np.eye(n_classes)[y]
    sw = np.ones(n) if sample_weight is None else sample_weight
    sw = sw / sw.mean()

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[: d * n_classes].reshape(d, n_classes), theta[d * n_classes:]
        z = x @ w + b
        z -= z.max(1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(1, keepdims=True)
        nll = -np.sum(sw * np.log(np.maximum((p * onehot).sum(1), 1e-12))) / n
        g = (p - onehot) * sw[:, None] / n
        gw = x.T @ g + 2 * l2 * w
        return nll + l2 * float(np.sum(w * w)), np.concatenate([gw.ravel(), g.sum(0)])

    theta = minimize(loss, np.zeros(d * n_classes + n_classes), jac=True, method="L-BFGS-B",
                     options={"maxiter": 500}).x
    return theta[: d * n_classes].reshape(d, n_classes), theta[d * n_classes:]


def embedding_scale(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and spread of each embedding dimension over the training rows (zero rows, where
    embeddings were unavailable, left out).

    Why: e5 vectors are unit length and share one large common direction, so each dimension
    moves by ~0.02 between comments while the rule features move by ~1. Under one L2 penalty the
    fit could not afford the weights the embedding needs and the "learned" model was a linear
    function of the rules' votes (usage vs spec, whether a comment asks or reacts: unseen). On
    standardised dimensions the penalty weighs both kinds of feature alike (dev leave-one-shop-
    out main intent +0.025 over the unstandardised fit on the same rules; docs/answers.md,
    session 15)."""
    emb = x[:, :EMB_DIM]
    emb = emb[np.any(emb != 0, axis=1)]
    sd = emb.std(0)
    return emb.mean(0).astype(np.float32), np.where(sd > 1e-6, sd, 1.0).astype(np.float32)


def standardised(x: np.ndarray, mu: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """A copy of ``x`` with its embedding part standardised; an all-zero embedding (embeddings
    unavailable) is read as the average comment, so the rule features alone decide."""
    x = np.array(x, dtype=np.float32)
    emb = x[..., :EMB_DIM]
    known = np.any(emb != 0, axis=-1, keepdims=True)
    x[..., :EMB_DIM] = np.where(known, (emb - mu) / sd, 0.0)
    return x


@dataclass(frozen=True)
class IntentModel:
    """Trained weights: ``probs(x)`` over :data:`CLASSES` (or the subset it was trained on).
    ``mu``/``sd``: the embedding's standardisation (see :func:`embedding_scale`); None for
    weights fit on raw features."""

    w: np.ndarray
    b: np.ndarray
    classes: tuple[str, ...]
    trust_at: float = 0.5  # the model's main intent replaces the rules' from this probability on
    mu: Optional[np.ndarray] = None
    sd: Optional[np.ndarray] = None

    def scaled(self, x: np.ndarray) -> np.ndarray:
        """``x`` as the weights expect it (:func:`standardised`)."""
        return x if self.mu is None or self.sd is None else standardised(x, self.mu, self.sd)

    def probs(self, x: np.ndarray) -> np.ndarray:
        z = self.scaled(x) @ self.w + self.b
        z = z - z.max(-1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(-1, keepdims=True)

    def save(self, path: Path = WEIGHTS) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        scale = {} if self.mu is None else {"mu": self.mu.astype(np.float32), "sd": self.sd.astype(np.float32)}
        np.savez_compressed(path, w=self.w.astype(np.float16), b=self.b.astype(np.float32),
                            classes=np.array(self.classes), trust_at=np.array(self.trust_at), **scale)

    @classmethod
    def load(cls, path: Path = WEIGHTS) -> Optional["IntentModel"]:
        if not path.is_file():
            return None
        try:
            with np.load(path) as z:
                mu, sd = (z["mu"], z["sd"]) if "mu" in z.files else (None, None)
                return cls(z["w"].astype(np.float32), z["b"].astype(np.float32),
                           tuple(str(c) for c in z["classes"]), float(z["trust_at"]), mu, sd)
        except (OSError, KeyError, ValueError) as exc:
            log.warning("intent model %s unreadable (%s): rules only", path, exc)
            return None

    @classmethod
    def trained(cls, x: np.ndarray, y: np.ndarray, classes: tuple[str, ...], trust_at: float, l2: float = 1e-2,
                sample_weight: Optional[np.ndarray] = None) -> "IntentModel":
        """Fit on standardised embeddings (:func:`embedding_scale`) and the rule features."""
        mu, sd = embedding_scale(x)
        w, b = fit(standardised(x, mu, sd), y, len(classes), l2=l2, sample_weight=sample_weight)
        return cls(w.astype(np.float32), b.astype(np.float32), classes, trust_at, mu, sd)


# "粉尘大不大", "吵不吵", "多粗", "how thick?": a question, whatever else the comment says
_ASKS = re.compile(r"([\u4e00-\u9fff])不\1|多[\u4e00-\u9fff]|吗|呢|(?<![这那])么|几|啥|什么|怎|咋|哪|[?？]|"
                   r"^(what|how|which|when|where|is|are|does|do|can|will|should|any)\b", re.I)


# Where the rules are weakest on the dev shops (generic "spec" for any open question, praise read
# as nothing, colour/size words that ask for stock): only there is the model consulted. A strong
# rule hit on a price, shipping or returns question stays the rules' (and costs no embedding).
CONSULT = ("spec", "off_topic", "greeting", "colour", "size")


def consult(rules: IntentResult) -> bool:
    return rules.intent in CONSULT or rules.score < 3


def asks(text: str) -> bool:
    return bool(_ASKS.search(text))


def combine(rules: IntentResult, probs: np.ndarray, classes: tuple[str, ...], trust_at: float,
            question: bool = False) -> IntentResult:
    """The model's main intent when it is sure enough, else the rules'; the rules' other intents
    stay (several questions in one comment are the rules' strength: each pattern fires alone).
    A ``question`` is never turned into small talk: a greeting in reply to a question loses the
    viewer's answer, while a question reply to praise costs only a "let me check"."""
    k = int(np.argmax(probs))
    main, p = classes[k], float(probs[k])
    if not consult(rules) or p < trust_at or main == rules.intent or (question and main in ("greeting", "off_topic")):
        return rules
    if rules.intent in ("greeting", "off_topic") and not question and main not in ("greeting", "off_topic", "ai_disclosure"):
        return rules  # "lmao this price is a steal", "cooker looks decent tbh": a reaction that asks nothing wants no answer
    rest = tuple(i for i in rules.all if i != main and i not in ("greeting", "off_topic"))
    if main in ("greeting", "off_topic", "ai_disclosure"):
        rest = ()
    return IntentResult(main, p, rules.slots, method="model", intents=(main, *rest))
