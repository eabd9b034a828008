"""Benchmark the comment -> answer pipeline: labelled shops (dev vs held-out), the ad-law filter
on labelled host lines (dev vs held-out), the v1 labelled stream, and replay speed.

    .venv/bin/python benchmarks/answers.py [--errors dev|heldout|all] [--v1]

Shops: data/answers/<shop>/ (catalog v2 + comments, see data/answers/README.md), split by
data/answers/splits.yaml; ad-law lines: adlaw_dev.jsonl (tune on it) and adlaw_heldout.jsonl;
moderation_dev.jsonl: single comments labelled hidden or shown (dev).
Both were written by people who had not seen the engine; tune on dev only. ``--v1`` also scores data/comments_labelled.jsonl on the
sample catalog (one more dev set).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", category=UserWarning)  # jieba's pkg_resources notice

from twincast.show.answers.evaluate import evaluate, load_labelled  # noqa: E402
from twincast.show.answers.evaluate import table as v1_table
from twincast.show.answers.evaluate_shops import DATA, evaluate_all, load_splits, table  # noqa: E402
from twincast.show.ask import replay  # noqa: E402
from twincast.show.catalog_io import load_catalog  # noqa: E402
from twincast.show.compliance import default_checker  # noqa: E402


def _labelled(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def _precision_recall(what: str, path: Path, judged: list[tuple[bool, bool, str]]) -> str:
    """(said positive, labelled positive, how to show a miss) per row -> one summary line + misses."""
    tp = sum(got and want for got, want, _ in judged)
    fp = sum(got and not want for got, want, _ in judged)
    fn = sum(want and not got for got, want, _ in judged)
    misses = [f"  {'FP' if got else 'FN'} {shown}" for got, want, shown in judged if got != want]
    return (f"{what} on {path.name}: {len(judged)} rows, precision {tp / max(1, tp + fp):.3f}, "
            f"recall {tp / max(1, tp + fn):.3f}\n" + "\n".join(misses))


def adlaw(path: Path) -> str:
    """Precision/recall of "this line needs a change" (rewritten or blocked) against the labels."""
    judged = []
    for r in _labelled(path):
        lang = "zh" if r["lang"] in ("zh", "mixed") else "en"
        judged.append((default_checker().check(r["text"], lang).decision != "ok", r["violation"], r["text"]))
    return _precision_recall("ad-law", path, judged)


def moderation_lines(path: Path) -> str:
    """Precision/recall of hiding (abuse, spam, contact, injection) on labelled single comments,
    each from its own viewer, through the whole engine (so an answered comment counts as shown)."""
    from twincast.show.answers import AnswerEngine, Comment

    engine = AnswerEngine(load_catalog())
    judged = []
    for i, r in enumerate(_labelled(path)):
        d = engine.handle(Comment(r["user"], r["text"], float(i * 100)))
        hidden = d.action == "silent" and d.reason in ("abuse", "spam", "contact", "injection")
        judged.append((hidden, r["hidden"], f"[{r['reason']} -> {d.reason}] {r['text']}"))
    return _precision_recall("moderation", path, judged)


def replay_speed(n: int = 400) -> str:
    """n comments of the held-out shops through one session, as `twincast ask --replay` runs them."""
    shops = [d for d in sorted(DATA.iterdir()) if (d / "comments.jsonl").is_file()]
    lines: list[str] = []
    for d in shops:
        lines += (d / "comments.jsonl").read_text(encoding="utf-8").splitlines()
    shop = shops[0]
    own = (shop / "comments.jsonl").read_text(encoding="utf-8").splitlines()
    batch = (own * (n // max(1, len(own)) + 1))[:n]
    t0 = time.perf_counter()
    out = list(replay(shop / "catalog.yaml", iter(batch)))
    wall = time.perf_counter() - t0
    return f"replay: {len(out)} comments of {shop.name} in {wall:.1f} s (target < 30 s)"


def phrasing_latency(n: int = 40) -> str:
    """Cost of the optional LLM phrasing beyond the model itself: a loopback endpoint that
    answers at once (an OpenAI-shaped echo of the facts), so what is measured is the HTTP round
    trip plus the verifier."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from twincast.show.answers import AnswerEngine, Comment
    from twincast.show.answers.phrasing import AnswerPhraser
    from twincast.show.llm import LLMConfig

    class Echo(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            facts = body["messages"][1]["content"].split("Facts: ", 1)[1].split("\nViewer comment:", 1)[0]
            data = json.dumps({"id": "x", "object": "chat.completion", "created": 0, "model": "echo",
                               "choices": [{"index": 0, "message": {"role": "assistant", "content": facts},
                                            "finish_reason": "stop"}]}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *a):
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    catalog = load_catalog()
    phraser = AnswerPhraser(LLMConfig(base_url=f"http://127.0.0.1:{srv.server_address[1]}/v1", model="echo"), catalog)
    engine = AnswerEngine(catalog, phraser=phraser)
    texts = ["多少钱", "能发新疆吗", "保修多久", "how much?", "ship to Tibet?"]
    times = []
    for i in range(n):
        t = time.perf_counter()
        engine.handle(Comment(f"v{i}", texts[i % len(texts)], float(i * 200)), on_screen="air-fryer")
        times.append((time.perf_counter() - t) * 1000)
    srv.shutdown()
    return (f"LLM phrasing overhead (loopback echo endpoint + verifier): median {statistics.median(times):.1f} ms, "
            f"max {max(times):.1f} ms per answer, {phraser.accepted}/{n} accepted; a real model adds its own latency")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--errors", choices=("dev", "heldout", "all"), default=None, help="list disagreements of a split")
    ap.add_argument("--v1", action="store_true", help="also score the v1 labelled stream on the sample catalog")
    ap.add_argument("--dev-only", action="store_true", help="score the dev shops only (while tuning)")
    args = ap.parse_args()
    t0 = time.perf_counter()
    splits = {k: v for k, v in load_splits().items() if v == "dev" or not args.dev_only}
    scores = evaluate_all(splits=splits)
    print(table(scores))
    ms = [m for s in scores for m in s.ms]
    print(f"\n{len(ms)} comments in {time.perf_counter() - t0:.1f} s; decision median {statistics.median(ms):.1f} ms, "
          f"p95 {sorted(ms)[int(0.95 * len(ms))]:.1f} ms (target p95 <= 50 ms)")
    for name, split in (("adlaw_dev.jsonl", "dev"), ("adlaw_heldout.jsonl", "heldout")):
        lines = DATA / name
        if lines.is_file() and (split == "dev" or not args.dev_only):
            report = adlaw(lines)
            print("\n" + (report if args.errors in (split, "all") else report.splitlines()[0]))
    mod = DATA / "moderation_dev.jsonl"
    if mod.is_file():
        report = moderation_lines(mod)
        print("\n" + (report if args.errors in ("dev", "all") else report.splitlines()[0]))
    print("\n" + replay_speed())
    print(phrasing_latency())
    if args.v1:
        rep = evaluate(load_catalog(), load_labelled())
        print("\nv1 labelled stream (sample catalog; both splits are dev now):\n" + v1_table(rep))
    if args.errors:
        for s in scores:
            if args.errors in ("all", s.split):
                for e in s.errors:
                    print(f"[{s.split}] {e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
