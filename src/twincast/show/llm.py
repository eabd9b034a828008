"""Optional LLM rephrasing through any OpenAI-compatible server, checked against the catalog.

Off by default: no usable local model ships in a package, and models invent prices. When a
server is configured (llama.cpp server, Ollama, vLLM ...), each template line may be rephrased
for variety, but the rephrasing is used only if

- every number, price, percentage, duration and model code in it is backed by the product's
  catalog entry (:mod:`twincast.show.facts`),
- it makes no free/gift/shipping claim the template line did not make,
- it is in the requested language, not much longer than the line, and
- it passes the ad-law filter.

Otherwise the caller keeps the template line. Failures (timeout, HTTP error, bad JSON) are
logged and never stop the show.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Optional

import httpx

from ..text.segment import detect_language
from .catalog import Product
from .compliance import Compliance, default_checker
from .facts import product_facts, untraceable

log = logging.getLogger("twincast.show.llm")
log.addHandler(logging.NullHandler())

_CLAIMS = {
    "free": re.compile(r"免费|白送|0元|零元|\bfree\b|for nothing", re.I),
    "gift": re.compile(r"送|赠|礼品|\bgifts?\b|\bbonus\b|giveaway|thrown in", re.I),
    "shipping": re.compile(r"包邮|免运费|free shipping|free delivery", re.I),
    "refund": re.compile(r"退款|退货|refund|return", re.I),
    "time_limit": re.compile(r"限时|今天之内|仅剩|最后\d|只剩|only \d+ left|today only|ends (?:tonight|soon)|countdown", re.I),
}


@dataclass(frozen=True)
class LLMConfig:
    base_url: str
    model: str
    api_key: str = "none"
    timeout_s: float = 8.0
    temperature: float = 0.7


def _facts_json(product: Optional[Product], lang: str) -> str:
    if product is None:
        return "{}"
    data = product.model_dump(mode="json", exclude={"images", "aliases"}, exclude_none=True)
    return json.dumps(data, ensure_ascii=False)


def validate_rewrite(candidate: str, original: str, product: Optional[Product], lang: str,
                     checker: Optional[Compliance] = None) -> tuple[Optional[str], list[str]]:
    """(text to use or None, reasons for rejection). Public so tests and tools can reuse it."""
    reasons: list[str] = []
    text = candidate.strip().strip('"“”').strip()
    if not text:
        return None, ["empty"]
    if len(text) > 2.5 * len(original) + 20:
        reasons.append("too long")
    if detect_language(text) != lang:
        reasons.append(f"not in {lang}")
    if product is not None:
        bad = untraceable(text, product, product_facts(product))
    else:  # lines about no product may only repeat the numbers of the template line
        allowed = {(m.kind, m.value) for m in untraceable(original, None)}
        bad = [m for m in untraceable(text, None) if (m.kind, m.value) not in allowed]
    if bad:
        reasons.append("numbers not in the catalog: " + ", ".join(m.raw for m in bad))
    for name, rx in _CLAIMS.items():
        if rx.search(text) and not rx.search(original):
            reasons.append(f"new {name} claim")
    verdict = (checker or default_checker()).check(text, lang, allow=[product.name.zh, product.name.en] if product else [])
    if not verdict.ok:
        reasons.append("compliance: " + ", ".join(verdict.terms))
    if reasons:
        return None, reasons
    return verdict.text, []


def chat_completion(client: httpx.Client, config: LLMConfig, system: str, user: str,
                    max_tokens: int = 160) -> Optional[str]:
    """One OpenAI-compatible ``POST {base_url}/chat/completions``; None on any failure (logged
    without the request, which may hold viewer text)."""
    body = {"model": config.model, "temperature": config.temperature, "max_tokens": max_tokens,
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}]}
    url = config.base_url.rstrip("/") + "/chat/completions"
    try:
        resp = client.post(url, json=body, headers={"Authorization": f"Bearer {config.api_key}"})
        resp.raise_for_status()
        return str(resp.json()["choices"][0]["message"]["content"])
    except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as exc:
        log.warning("llm request failed: %s", type(exc).__name__, extra={"llm": {"event": "error", "error": str(exc)}})
        return None


class LLMRewriter:
    """Rephrases lines through ``POST {base_url}/chat/completions``; returns None on any doubt."""

    def __init__(self, config: LLMConfig, checker: Optional[Compliance] = None,
                 client: Optional[httpx.Client] = None) -> None:
        self.config = config
        self.checker = checker or default_checker()
        self._client = client or httpx.Client(timeout=config.timeout_s)
        self.accepted = 0
        self.rejected = 0

    def _ask(self, line: str, product: Optional[Product], lang: str) -> Optional[str]:
        language = "Simplified Chinese" if lang == "zh" else "English"
        system = ("You rephrase one sentence for a live-commerce host. Keep its meaning. Add no numbers, prices, "
                  "durations, percentages, gifts, promises or claims that are not in the sentence. No superlatives "
                  f"(best, No. 1, 最好, 第一). Answer with the sentence only, in {language}.")
        user = f"Product facts (JSON): {_facts_json(product, lang)}\nSentence: {line}"
        return chat_completion(self._client, self.config, system, user, max_tokens=160)

    def rewrite(self, line: str, product: Optional[Product], lang: str) -> Optional[str]:
        raw = self._ask(line, product, lang)
        if raw is None:
            return None
        text, reasons = validate_rewrite(raw, line, product, lang, self.checker)
        record = {"event": "rewrite", "accepted": text is not None, "reasons": reasons, "line": line, "candidate": raw,
                  "product": product.id if product else None}
        if text is None:
            self.rejected += 1
            log.info("llm rewrite rejected: %s", "; ".join(reasons), extra={"llm": record})
        else:
            self.accepted += 1
            log.info("llm rewrite accepted", extra={"llm": record})
        return text

    def close(self) -> None:
        self._client.close()
