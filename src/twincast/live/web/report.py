"""The session report (/report, /report/{id}) with server-drawn SVG charts, and /metrics.

Why hand-drawn SVG: a report must open offline, years later, from a saved file; no chart
library, no script (the page runs under a CSP with no inline script). Every piece of text goes
through ``html.escape`` because product names and nicknames come from outside.
Both are operator pages: GMV and viewer numbers are business data, so they need the token.
"""

from __future__ import annotations

import html
import math
import time
from decimal import Decimal
from typing import Any, Iterable, Optional

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse

W, H, PAD_L, PAD_B, PAD_T, PAD_R = 640, 220, 48, 34, 26, 12
COLOURS = ("#e4572e", "#2e86ab", "#76b041", "#f3a712", "#8e44ad")
SYMBOL = {"CNY": "¥", "USD": "$", "EUR": "€"}
e = html.escape


def _axis(v: float) -> str:
    """Axis tick text: plain digits with thousands separators (never 2e+06)."""
    return f"{v:,.0f}" if float(v).is_integer() or abs(v) >= 100 else f"{v:,.2f}".rstrip("0").rstrip(".")


def _nice_max(v: float) -> float:
    if v <= 0:
        return 1.0
    mag = 10 ** len(str(int(v))) / 10
    for m in (1, 2, 2.5, 5, 10):
        if v <= m * mag:
            return m * mag
    return v


def _frame(title: str, ymax: float, body: str, xlabels: Iterable[tuple[float, str]], unit: str = "") -> str:
    ph = H - PAD_T - PAD_B
    grid = []
    for i in range(5):
        y = PAD_T + ph - ph * i / 4
        val = ymax * i / 4
        grid.append(f'<line x1="{PAD_L}" y1="{y:.1f}" x2="{W - PAD_R}" y2="{y:.1f}" stroke="#ddd"/>'
                    f'<text x="{PAD_L - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#555">'
                    f'{e(_axis(val))}{e(unit)}</text>')
    xl = "".join(f'<text x="{x:.1f}" y="{H - PAD_B + 16}" text-anchor="middle" font-size="11" fill="#555">{e(t)}</text>'
                 for x, t in xlabels)
    return (f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}"'
            f' role="img" aria-label="{e(title)}"><text x="{PAD_L}" y="16" font-size="13" font-weight="bold">{e(title)}</text>'
            f'{"".join(grid)}{body}{xl}<line x1="{PAD_L}" y1="{H - PAD_B}" x2="{W - PAD_R}" y2="{H - PAD_B}" stroke="#888"/></svg>')


def step_chart(points: list[tuple[float, float]], title: str) -> str:
    """A step line (viewers change in steps); x in seconds since the start."""
    xmax = max((p[0] for p in points), default=1.0) or 1.0
    ymax = _nice_max(max((p[1] for p in points), default=0))
    ph, pw = H - PAD_T - PAD_B, W - PAD_L - PAD_R
    X = lambda x: PAD_L + pw * x / xmax  # noqa: E731
    Y = lambda y: PAD_T + ph - ph * y / ymax  # noqa: E731
    d, prev = [], None
    for x, y in points:
        if prev is None:
            d.append(f"M{X(x):.1f},{Y(y):.1f}")
        else:
            d.append(f"H{X(x):.1f}V{Y(y):.1f}")
        prev = y
    ticks = [(X(xmax * i / 4), _mmss(xmax * i / 4)) for i in range(5)]
    body = f'<path d="{" ".join(d)}" fill="none" stroke="{COLOURS[1]}" stroke-width="2"/>'
    return _frame(title, ymax, body, ticks)


def bar_chart(labels: list[str], series: dict[str, list[float]], title: str, unit: str = "") -> str:
    """Grouped bars, one group per label, one colour per series (with a legend)."""
    n, k = max(1, len(labels)), max(1, len(series))
    ymax = _nice_max(max((v for vals in series.values() for v in vals), default=0))
    ph, pw = H - PAD_T - PAD_B, W - PAD_L - PAD_R
    gw = pw / n
    bw = max(1.0, gw * 0.8 / k)
    bars = []
    for si, (name, vals) in enumerate(series.items()):
        for i, v in enumerate(vals):
            h = ph * v / ymax
            x = PAD_L + gw * i + gw * 0.1 + bw * si
            bars.append(f'<rect x="{x:.1f}" y="{PAD_T + ph - h:.1f}" width="{bw:.1f}" height="{h:.1f}" '
                        f'fill="{COLOURS[si % len(COLOURS)]}"><title>{e(labels[i])} {e(name)}: {e(number(v))}</title></rect>')
    legend = "".join(f'<rect x="{W - PAD_R - 90 * (k - si)}" y="6" width="9" height="9" fill="{COLOURS[si % len(COLOURS)]}"/>'
                     f'<text x="{W - PAD_R - 90 * (k - si) + 13}" y="14" font-size="11">{e(name)}</text>'
                     for si, name in enumerate(series) if k > 1)
    every = max(1, n // 12)
    xl = [(PAD_L + gw * (i + 0.5), lab[:14]) for i, lab in enumerate(labels) if i % every == 0]
    return _frame(title, ymax, "".join(bars) + legend, xl, unit)


def histogram(values: list[float], title: str, edges: tuple[float, ...] = (0, 30, 60, 120, 300, 600, 1800)) -> str:
    counts = [0] * len(edges)
    for v in values:
        i = max(j for j, lo in enumerate(edges) if v >= lo)
        counts[i] += 1
    labels = [f"{_mmss(lo)}-{_mmss(edges[i + 1])}" if i + 1 < len(edges) else f">{_mmss(lo)}"
              for i, lo in enumerate(edges)]
    return bar_chart(labels, {"viewers": counts}, title)


def _mmss(s: Optional[float]) -> str:
    if s is None:
        return "–"
    s = int(round(s))
    return f"{s // 60}:{s % 60:02d}" if s < 3600 else f"{s // 3600}h{s % 3600 // 60:02d}"


def _money(v: float, currency: Optional[str]) -> str:
    return f"{SYMBOL.get(currency or '', (currency or '') + ' ')}{v:,.2f}"


def render_report(s: dict[str, Any], names: dict[str, str], sessions: list[dict[str, Any]]) -> str:
    sess = s["session"]
    ret = s["retention"]
    share = "–" if ret["share"] is None else f"{ret['share'] * 100:.0f}%"
    cur = s["orders"][0]["currency"] if s["orders"] else "CNY"
    comments_total = sum(s["comments"].values())
    tiles = [
        ("viewers now", s["viewers_current"]), ("peak viewers", s["viewers_peak"]),
        ("unique viewers", s["viewers_unique"]), ("median watch time", _mmss(s["watch_median_s"])),
        ("retention at 120 s", f"{share} ({ret['retained']}/{ret['viewers']})"),
        ("comments", comments_total), ("answers spoken", s["answers_total"]),
        ("median answer delay", "–" if s["answer_delay_median_s"] is None else f"{s['answer_delay_median_s']:.1f} s"),
        ("orders", s["orders_total"]), ("GMV", _money(s["gmv_total"], cur)),
        ("conversion", "–" if s["conversion"] is None else f"{s['conversion'] * 100:.1f}%"),
    ]
    tiles_html = "".join(f'<div class="tile"><div class="k">{e(k)}</div><div class="v">{e(str(v))}</div></div>'
                         for k, v in tiles)
    pm = s["per_minute"]
    orders = s["orders"]
    plabels = [names.get(o["product"], o["product"]) for o in orders]
    charts = [
        step_chart(s["viewers_curve"], "Viewers over time (m:ss since start)"),
        bar_chart([str(m["minute"]) for m in pm], {"comments": [m["comments"] for m in pm],
                                                   "answers": [m["answers"] for m in pm]},
                  "Comments and spoken answers per minute"),
        bar_chart(plabels, {"orders": [o["orders"] for o in orders]}, "Orders per product"),
        bar_chart(plabels, {"GMV": [o["gmv"] for o in orders]}, f"GMV per product ({cur})"),
        histogram(list(s["watch_times"].values()), "Watch time per viewer (m:ss)"),
    ]
    decisions = "".join(f"<tr><td>{e(str(a))}</td><td>{n}</td></tr>" for a, n in sorted(s["comments"].items()))
    order_rows = "".join(f"<tr><td>{e(names.get(o['product'], o['product']))}</td><td>{o['orders']}</td>"
                         f"<td>{o['qty']}</td><td>{e(_money(o['gmv'], o['currency']))}</td></tr>" for o in orders)
    others = "".join(f'<li><a href="/report/{e(x["id"])}">{e(x["id"])}</a> {e(time.strftime("%Y-%m-%d %H:%M", time.localtime(x["started"])))}'
                     f'{"" if x["ended"] else " (live)"}</li>' for x in sessions[:30])
    started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(sess["started"]))
    return f"""<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>Report {e(sess['id'])}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="stylesheet" href="/static/style.css"></head>
<body class="report"><h1>Show report <code>{e(sess['id'])}</code></h1>
<p>{e(sess.get('title') or '')} · started {e(started)} · duration {e(_mmss(s['duration_s']))} · {'ended' if s['ended'] else 'live'}</p>
<div class="tiles">{tiles_html}</div>
<div class="charts">{''.join(charts)}</div>
<h2>Comment decisions</h2><table><tr><th>action</th><th>comments</th></tr>{decisions}</table>
<h2>Orders per product</h2><table><tr><th>product</th><th>orders</th><th>qty</th><th>GMV</th></tr>{order_rows}</table>
<p class="defs">Retention at 120 s: share of viewers whose first stay lasted at least 120 s, among viewers whose outcome is
known. Stays merge reconnects within 5 s. Watch time: summed stays per viewer. GMV: catalog price × quantity.</p>
<h2>Sessions</h2><ul>{others}</ul></body></html>"""


def number(v: float) -> str:
    """A sample value exactly, as a plain decimal: 1966142.5 stays 1966142.5 (``%g`` printed
    1.96614e+06 and lost the last digits); integral values print without a fraction; NaN and
    infinities use the exposition format's spellings."""
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, int):
        return str(v)
    f = float(v)
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    if f.is_integer():
        return str(int(f))
    return format(Decimal(repr(f)), "f")


def _label(v: str) -> str:
    return str(v).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def render_metrics(analytics, session_id: str, on_air: dict[str, Any], viewers_now: int) -> str:
    """Prometheus text exposition format 0.0.4; counters are per session (they restart with it)."""
    out: list[str] = []

    def metric(name: str, kind: str, help_: str, samples: list[tuple[dict[str, str], float]]) -> None:
        out.append(f"# HELP twincast_{name} {help_}")
        out.append(f"# TYPE twincast_{name} {kind}")
        for labels, v in samples:
            lab = ",".join(f'{k}="{_label(x)}"' for k, x in labels.items())
            out.append(f"twincast_{name}{{{lab}}} {number(v)}" if lab else f"twincast_{name} {number(v)}")

    metric("session_info", "gauge", "The session these numbers belong to.", [({"session": session_id}, 1)])
    metric("viewers_current", "gauge", "Viewers connected now (distinct viewer ids).", [({}, viewers_now)])
    metric("comments_total", "counter", "Viewer comments by moderation/answer action.",
           [({"action": a}, n) for a, n in sorted(analytics.comments_summary(session_id).items())])
    metric("answers_total", "counter", "Spoken lines that answer viewer comments.",
           [({}, analytics.answers_total(session_id))])
    orders = analytics.orders_by_product(session_id)
    metric("orders_total", "counter", "Orders placed on the viewer page, per product.",
           [({"product": o["product"]}, o["orders"]) for o in orders])
    metric("gmv_total", "counter", "Gross merchandise value of those orders (catalog prices).",
           [({}, round(sum(o["gmv"] for o in orders), 2))])
    metric("stream_up", "gauge", "1 while the show is on air.", [({}, 1 if on_air.get("status") == "on_air" else 0)])
    if "frames" in on_air:
        metric("frames_total", "counter", "Frames encoded.", [({}, on_air.get("frames") or 0)])
    if "dropped_frames" in on_air:
        metric("dropped_frames_total", "counter", "Frames repeated or skipped to keep real time.",
               [({}, on_air.get("dropped_frames") or 0)])
    if "late_frames" in on_air:
        metric("late_frames_total", "counter", "Frames rendered later than their due time.",
               [({}, on_air.get("late_frames") or 0)])
    if "rtmp_up" in on_air:
        metric("rtmp_up", "gauge", "1 while the RTMP push is connected.", [({}, 1 if on_air.get("rtmp_up") else 0)])
    if "t" in on_air:
        metric("media_seconds", "gauge", "The show's media clock.", [({}, on_air.get("t") or 0)])
    return "\n".join(out) + "\n"


def install(app, show, analytics, session_id: str, guard, hub) -> None:
    page = [Depends(guard.page)]

    def names() -> dict[str, str]:
        try:
            return {p.id: p.name for p in show.products()}
        except Exception:  # noqa: BLE001 - an old session's report must render without the show
            return {}

    def one(sid: str, request: Request):
        if analytics.session(sid) is None:
            raise HTTPException(404, f"no session {sid}")
        s = analytics.summary(sid)
        if request.query_params.get("format") == "json":
            return JSONResponse({k: v for k, v in s.items() if k != "watch_times"} |
                                {"watch_times": sorted(s["watch_times"].values())})
        return HTMLResponse(render_report(s, names(), analytics.sessions()))

    @app.get("/report", dependencies=page, include_in_schema=False)
    def report_latest(request: Request):
        sid = analytics.latest_session()
        if sid is None:
            raise HTTPException(404, "no sessions recorded yet")
        return one(sid, request)

    @app.get("/report/{sid}", dependencies=page, include_in_schema=False)
    def report(sid: str, request: Request):
        return one(sid, request)

    @app.get("/metrics", dependencies=page, include_in_schema=False)
    def metrics() -> PlainTextResponse:
        from ..comments.status import by_platform, metrics_text, source_status

        text = render_metrics(analytics, session_id, show.on_air(), hub.viewer_count())
        text += metrics_text(source_status(show), by_platform(analytics, session_id))  # issue 22
        return PlainTextResponse(text, media_type="text/plain; version=0.0.4; charset=utf-8")
