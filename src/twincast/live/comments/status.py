"""What the operator sees of the comment sources: /metrics lines and the numbers per platform.

Why here and not in analytics.py or report.py: those are shared and already long; this module
reads the same SQLite file through ``Analytics.query`` and the show's ``comment_sources()``.
A comment's platform is known from the ``comment_origin`` event the manager emits after the
show decided on it (joined on the show's comment id); a comment without one came from the
built-in viewer page.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any


def source_status(show) -> list[dict[str, Any]]:
    """``show.comment_sources()`` when the show has it (LiveShow), else nothing."""
    getter = getattr(show, "comment_sources", None)
    try:
        return list(getter()) if callable(getter) else []
    except Exception:  # noqa: BLE001 - a status page must render even if a source misbehaves
        return []


def by_platform(analytics, session_id: str) -> dict[str, dict[str, Any]]:
    """Per platform: comments by moderation action, comments answered on air, gifts and likes."""
    origin: dict[int, str] = {}
    for (data,) in analytics.query("SELECT data FROM events WHERE session=? AND kind='comment_origin'", (session_id,)):
        d = json.loads(data or "{}")
        if d.get("id") is not None:
            origin[int(d["id"])] = str(d.get("platform") or "?")
    out: dict[str, dict[str, Any]] = defaultdict(lambda: {"comments": 0, "answered": 0, "actions": defaultdict(int),
                                                          "gifts": 0, "gift_value": 0.0, "likes": 0})
    for cid, action in analytics.query("SELECT cid, action FROM comments WHERE session=?", (session_id,)):
        p = origin.get(int(cid or 0), "page")
        out[p]["comments"] += 1
        out[p]["actions"][action or "unknown"] += 1
    answered: set[int] = set()
    for (ans,) in analytics.query("SELECT answers FROM says WHERE session=?", (session_id,)):
        answered.update(int(c) for c in json.loads(ans or "[]"))
    for cid in answered:
        out[origin.get(cid, "page")]["answered"] += 1
    for kind, data in analytics.query("SELECT kind, data FROM events WHERE session=? AND kind IN ('gift', 'like')",
                                      (session_id,)):
        d = json.loads(data or "{}")
        p = out[str(d.get("platform") or "?")]
        if kind == "gift":
            p["gifts"] += int(d.get("count") or 1)
            p["gift_value"] += float(d.get("value") or 0.0)
        else:
            p["likes"] += int(d.get("count") or 1)
    return {k: {**v, "actions": dict(v["actions"])} for k, v in sorted(out.items())}


def _label(v: Any) -> str:
    return str(v).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def metrics_text(statuses: list[dict[str, Any]], platforms: dict[str, dict[str, Any]]) -> str:
    """Prometheus text exposition lines for the sources (appended to /metrics)."""
    out: list[str] = []

    def metric(name: str, kind: str, help_: str, samples: list[tuple[dict[str, str], float]]) -> None:
        if not samples:
            return
        out.append(f"# HELP twincast_{name} {help_}")
        out.append(f"# TYPE twincast_{name} {kind}")
        for labels, v in samples:
            lab = ",".join(f'{k}="{_label(x)}"' for k, x in labels.items())
            out.append(f"twincast_{name}{{{lab}}} {float(v):g}")

    def per_source(key: str) -> list[tuple[dict[str, str], float]]:
        return [({"source": s["source"], "platform": s["platform"]}, float(s.get(key) or 0)) for s in statuses]

    metric("comment_source_up", "gauge", "1 while a comment source is connected.",
           [({"source": s["source"], "platform": s["platform"]}, 1.0 if s.get("connected") else 0.0) for s in statuses])
    metric("comment_source_messages_total", "counter", "Comments a source passed on to the show.",
           per_source("messages_total"))
    metric("comment_source_messages_per_minute", "gauge", "Comments a source passed on in the last minute.",
           per_source("per_minute"))
    for key, help_ in (("duplicates", "Messages seen before (replays after reconnects), dropped."),
                       ("rate_limited", "Comments over the source's rate, dropped."),
                       ("malformed", "Messages the source could not read, skipped."),
                       ("expired", "Comments that waited too long for the show, dropped."),
                       ("reconnects", "Reconnects after a lost connection or an error."),
                       ("replies_sent", "Answers posted back to the platform chat.")):
        metric(f"comment_source_{key}_total", "counter", help_, per_source(key))
    metric("comments_by_platform_total", "counter", "Comments in the show by platform and moderation action.",
           [({"platform": p, "action": a}, n) for p, v in platforms.items() for a, n in sorted(v["actions"].items())])
    metric("answered_by_platform_total", "counter", "Comments answered on air, by platform.",
           [({"platform": p}, v["answered"]) for p, v in platforms.items()])
    return "\n".join(out) + ("\n" if out else "")
