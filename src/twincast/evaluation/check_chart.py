"""The quality check as a picture: what each metric saw, over time, on one page.

Why a chart: a number says that something failed; the time axis says where, so a person can
jump to that second of the video. Five panels share the time axis: mouth opening against
speech loudness (lip sync), landmark shake (jitter), eye openness with the detected blinks,
identity distance per sample (coloured by head yaw), and frame luminance with the flicker,
repeat and gap events. Uses matplotlib's Agg backend: no display needed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from twincast.evaluation import check_metrics as cm
from twincast.evaluation.identity import SAME_PERSON_DISTANCE

_COLOUR = {cm.PASS: "#2e7d32", cm.FAIL: "#c62828", cm.NA: "#757575"}


def _verdict(report, keys: tuple[str, ...]) -> tuple[str, str]:
    parts, worst = [], cm.NA
    for k in keys:
        try:
            m = report.metric(k)
        except KeyError:
            continue
        parts.append(f"{m.name}: {m.display} [{m.status}]")
        if m.status == cm.FAIL or (m.status == cm.PASS and worst == cm.NA):
            worst = m.status
    sep = "\n" if len(parts) > 2 else "   "
    return sep.join(parts), _COLOUR[worst]


def _title(ax, report, keys: tuple[str, ...]) -> None:
    text, colour = _verdict(report, keys)
    ax.set_title(text, fontsize=8.5, loc="left", color=colour)


def save_chart(report, path: str | Path) -> Path:
    """Write the five-panel PNG for a :class:`~twincast.evaluation.check.CheckReport`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    s = report.series
    t = np.asarray(s.get("t", []), dtype=float)
    fig, axes = plt.subplots(5, 1, figsize=(12, 13), sharex=True,
                             gridspec_kw={"hspace": 0.45})
    ax = axes[0]
    if "opening" in s and len(t):
        ax.plot(t, s["opening"], color="#1565c0", lw=0.9, label="mouth opening / eye distance")
        ax.set_ylabel("mouth opening")
    if "loudness" in s:
        ax2 = ax.twinx()
        ax2.plot(t[: len(s["loudness"])], s["loudness"], color="#ef6c00", lw=0.7, alpha=0.8,
                 label="speech loudness (dB)")
        ax2.set_ylabel("loudness dB", color="#ef6c00")
    _title(ax, report, ("lipsync", "av_offset"))

    ax = axes[1]
    if "jitter" in s:
        jit = 100 * np.asarray(s["jitter"], float)
        ax.plot(t, jit, color="#6a1b9a", lw=0.6)
        ax.axhline(100 * cm.JITTER_MAX, color="#c62828", ls="--", lw=0.8)
        if np.isfinite(jit).any():  # a cut or re-detection spike must not flatten the rest
            ax.set_ylim(0, max(300 * cm.JITTER_MAX, 1.2 * float(np.nanpercentile(jit, 99))))
    ax.set_ylabel("shake % eye dist.")
    _title(ax, report, ("jitter",))

    ax = axes[2]
    if "eye_openness" in s:
        ax.plot(t, s["eye_openness"], color="#00838f", lw=0.8)
        ax.axhline(cm.BLINK_CLOSED, color="#9e9e9e", ls=":", lw=0.8)
        ax.set_ylim(0, 1.4)
        for a, b in s.get("blinks", []):
            ax.axvspan(a / report.fps, (b + 1) / report.fps, color="#80deea", alpha=0.6)
    ax.set_ylabel("eye openness\n(1 = open)")
    _title(ax, report, ("blink_rate", "blink_duration"))

    ax = axes[3]
    if "identity" in s:
        times, dist = (np.asarray(v, float) for v in s["identity"])
        ax.scatter(times, dist, s=12, c=np.where(dist > SAME_PERSON_DISTANCE, "#c62828",
                                                   "#2e7d32"))
        ax.axhline(SAME_PERSON_DISTANCE, color="#c62828", ls="--", lw=0.8)
        ax.set_ylim(0, max(1.0, float(np.nanmax(dist)) + 0.05))
    if "warp" in s:  # frames whose head sides are stretched/squeezed (warp.py): purple ticks
        wt, low, high = (np.asarray(v, float) for v in s["warp"])
        from twincast.evaluation.warp import STRETCH_MIN

        bad = (low < STRETCH_MIN) | (high > 1 / STRETCH_MIN)
        ax.plot(wt[bad], np.full(int(bad.sum()), 0.03), "|", color="#6a1b9a", ms=8,
                label="warped frame")
    ax.set_ylabel("identity distance")
    _title(ax, report, ("identity", "identity_pose", "warp"))

    ax = axes[4]
    if "luma" in s:
        ax.plot(t, s["luma"], color="#424242", lw=0.8, label="frame luma")
    if "face_luma" in s:
        ft, fl = s["face_luma"]
        ax.plot(ft, fl, ".", color="#8d6e63", ms=3, label="face skin luma")
    for key, colour, mark in (("flicker", "#c62828", "x"), ("repeats", "#ff8f00", "|"),
                              ("gaps", "#6a1b9a", "v")):
        ev = np.asarray(s.get(key, []), float)
        if len(ev):
            y = np.nanmax(np.asarray(s.get("luma", [0]), float)) * 1.05
            ax.plot(ev, np.full(len(ev), y), mark, color=colour, ms=6, label=key)
    ax.set_ylabel("luma (0-255)")
    ax.set_xlabel("time (s)")
    ax.legend(loc="lower right", fontsize=7, ncol=5)
    _title(ax, report, ("light_balance", "skin_clipping", "dropped", "flicker"))

    failed = ", ".join(m.name for m in report.failed) or "none"
    fig.suptitle(f"{Path(report.video).name}: {report.seconds_analysed:.1f} s analysed; "
                 f"failed: {failed}", fontsize=11)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.subplots_adjust(top=0.93, bottom=0.05, left=0.08, right=0.93)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


__all__ = ["save_chart"]
