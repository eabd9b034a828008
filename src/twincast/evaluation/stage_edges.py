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
