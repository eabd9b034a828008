"""Does an avatar on stage show a hard rectangular edge? A check on composited frames.

Why: a person pasted as a rectangle (its own background and all, or a photo cut by a straight
line) is the first thing a viewer notices. Its tell is geometric: a long, straight run of
strong colour jumps exactly along the avatar's bounding box. A cut-out person touches its
bounding box only at a few points (the top of the head, the widest point of a shoulder), so
the longest run of jumps along each side stays short.

The sides to check are the bounding box of the person as the stage placed it
(:meth:`twincast.render.stage.Stage.actor_boxes`), minus sides that lie on a legitimate
straight boundary (the frame's edge, the table top, a picture-in-picture tile's border).
"""

from __future__ import annotations

import numpy as np

JUMP = 28.0  # grey levels (max over channels) across the side line that count as an edge
MAX_RUN = 0.2  # of the side's length: a longer straight run is a hard rectangular edge
MIN_PX = 16  # ...and at least this many pixels


def _longest_run(hits: np.ndarray) -> int:
    best = cur = 0
    for h in hits:
        cur = cur + 1 if h else 0
        best = max(best, cur)
    return best


def _jumps(img: np.ndarray, box, side: str) -> np.ndarray | None:
    h, w = img.shape[:2]
    x0, y0, x1, y1 = box
    if side in ("left", "right"):
        x = x0 if side == "left" else x1
        cols = [c for c in (x - 1, x, x + 1) if 1 <= c < w]
        if not cols or y1 - y0 < 2:
            return None
        return np.max([np.abs(img[y0:y1, c] - img[y0:y1, c - 1]).max(1) for c in cols], 0)
    y = y0 if side == "top" else y1
    rows = [r for r in (y - 1, y, y + 1) if 1 <= r < h]
    if not rows or x1 - x0 < 2:
        return None
    return np.max([np.abs(img[r, x0:x1] - img[r - 1, x0:x1]).max(1) for r in rows], 0)


def side_runs(frame: np.ndarray, box: tuple[int, int, int, int], sides: tuple[str, ...],
              background: np.ndarray | None = None) -> dict[str, float]:
    """For each of ``sides`` ("left", "right", "top", "bottom") of ``box`` (x0, y0, x1, y1;
    x1, y1 exclusive): the longest run of colour jumps along that side line as a fraction of
    its length. A jump is taken across the line at offsets -1..+1 px (the side of a resampled
    rectangle falls between two pixels). With ``background`` (the set without the actors),
    jumps the set has there itself (a shelf board behind a head) do not count."""
    img = frame.astype(np.int16)
    bg = background.astype(np.int16) if background is not None else None
    out = {}
    for side in sides:
        jump = _jumps(img, box, side)
        if jump is None:
            continue
        hits = jump > JUMP
        if bg is not None:
            hits &= _jumps(bg, box, side) < JUMP / 2
        out[side] = _longest_run(hits) / max(1, len(jump))
    return out


def hard_edges(frame: np.ndarray, boxes: dict[str, tuple[tuple[int, int, int, int], tuple[str, ...]]],
               background: np.ndarray | None = None) -> dict[str, dict[str, float]]:
    """actor -> {side: run fraction} for the sides whose straight run of jumps is longer than
    :data:`MAX_RUN` of the side and :data:`MIN_PX` pixels; empty when no avatar shows a hard
    rectangular edge. ``boxes``: actor -> (bounding box, sides to check); ``background``: the
    set without actors (see :func:`side_runs`)."""
    bad = {}
    for name, (box, sides) in boxes.items():
        runs = side_runs(frame, box, sides, background)
        length = {"left": box[3] - box[1], "right": box[3] - box[1], "top": box[2] - box[0], "bottom": box[2] - box[0]}
        found = {s: r for s, r in runs.items() if r > MAX_RUN and r * length[s] >= MIN_PX}
        if found:
            bad[name] = found
    return bad


# ------------------------------------------------------------------ without the stage's boxes
SIDE_PX = 3  # person / not person is read this far either side of a line
CONTINUES = 0.04  # of the frame's short side: a line running this far past both ends of a cut is the set's
PANEL_PX, PANEL_STD = 8, 6.0  # a strip this deep beside a cut, flatter than this (levels): an overlay panel
MIN_CUT = 0.15  # of the frame's short side (a person's scale in either orientation): shorter cuts pass


def _runs(hits: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of the runs of True in a 1-D bool array."""
    d = np.diff(np.concatenate(([0], hits.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1)))


def _straight_cuts(img: np.ndarray, person: np.ndarray, min_len: int, margin: int) -> list[tuple[int, int, int, float]]:
    """Rows of ``img`` along which the person ends on a straight line: (row, start, end, share).
    A pixel of the line is a cut when the colour jumps across it (rows -1..+1) and the person
    mask holds on exactly one side of it (read :data:`SIDE_PX` away). Runs of cuts at least
    ``min_len`` long are kept unless the colour line they lie on runs on more than ``margin``
    past both ends (a table top or shelf the person stands behind; the frame's edge counts as
    running on). ``share``: the run's length in pixels (the caller scales it)."""
    h, w = person.shape
    jump = np.abs(np.diff(img, axis=0)).max(2) > JUMP  # jump[y] is between rows y and y+1
    jump3 = jump.copy()
    jump3[1:] |= jump[:-1]
    jump3[:-1] |= jump[1:]
    above = np.zeros_like(person)
    below = np.zeros_like(person)
    above[SIDE_PX:] = person[:-SIDE_PX]  # above[y] = person SIDE_PX rows up
    below[:-SIDE_PX] = person[SIDE_PX:]
    one_side = (above ^ below)[1:]  # align with jump (boundary between y and y+1 ~ row y+1)
    cut = jump3 & one_side
    faint = np.abs(np.diff(img, axis=0)).max(2) > JUMP / 2  # the set's line may be fainter away from the person
    line = faint.copy()
    line[1:] |= faint[:-1]
    line[:-1] |= faint[1:]
    out = []
    for y in np.flatnonzero(cut.sum(1) >= min_len):
        for a, b in _runs(cut[y]):
            if b - a < min_len:
                continue
            lo, hi = a, b  # extend along the colour line itself
            while lo > 0 and line[y, lo - 1]:
                lo -= 1
            while hi < w and line[y, hi]:
                hi += 1
            if lo <= max(0, a - margin) and hi >= min(w, b + margin):
                continue
            up = above[y + 1, a:b].mean() > 0.5  # the person side of this cut
            strip = img[max(0, y - PANEL_PX):y + 1, a:b] if up else img[y + 2:y + 3 + PANEL_PX, a:b]
            if strip.size and float(strip.reshape(-1, 3).std(0).max()) < PANEL_STD:
                continue  # a flat panel on the person's side: a drawn overlay (card, tile border), not a photo
            out.append((int(y) + 1, int(a), int(b), float(b - a)))
    return out


def person_cuts(frame: np.ndarray, person: np.ndarray) -> list[tuple[str, int, int, int, float]]:
    """The hard-edge test without the stage's boxes, for any video: places where a person (a
    segmenter's mask) ends on a straight horizontal or vertical line with a colour jump, the
    tell of a picture pasted with its frame cutting the body or its own background meeting the
    set. A cut-out person's outline is curved, so its straight stretches stay short. Returns
    ("row"/"column", position, start, end, length over the frame's short side) for every
    straight cut of at least :data:`MIN_CUT`, lines on the frame's edge excluded.

    Calibrated (docs/quality-check.md#hard-edges) on the stage's composited cameras at 9:16
    and 16:9 (no cut; with card and subtitle one in 8 frames) against the host's photo pasted
    at her box (7 of 8 frames, 0.15-0.88), and on real footage: the SyncNet clip (none) and
    Grace Hopper's photo, whose cap has straight sides (0.139: why the bar is 0.15)."""
    img = frame.astype(np.int16)
    short = min(person.shape)
    margin = max(8, int(CONTINUES * short))
    out = []
    for axis, im, pm in (("row", img, person), ("column", img.transpose(1, 0, 2), person.T)):
        for pos, a, b, length in _straight_cuts(im, pm, max(MIN_PX, int(MIN_CUT * short)), margin):
            if 3 < pos < pm.shape[0] - 3:
                out.append((axis, pos, a, b, length / short))
    return out
