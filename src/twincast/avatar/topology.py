"""Named landmark sets of the mediapipe face mesh, as ordered polylines.

mediapipe publishes its regions as unordered edge sets; the rig and the mouth renderer need
them as ordered curves (upper inner lip from corner to corner, eyelids, the face oval), so
this module chains the edges once and names the results.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from mediapipe.python.solutions import face_mesh_connections as fmc

MOUTH_LEFT, MOUTH_RIGHT = 61, 291  # outer corners (image left / image right)
INNER_LEFT, INNER_RIGHT = 78, 308
UPPER_INNER_MID, LOWER_INNER_MID = 13, 14
UPPER_OUTER_MID, LOWER_OUTER_MID = 0, 17
NOSE_TIP, CHIN, FOREHEAD = 1, 152, 10
CHEEK_LEFT, CHEEK_RIGHT = 234, 454
# Eye corners: the subject's right eye is on the image left.
EYE_R_OUTER, EYE_R_INNER, EYE_L_INNER, EYE_L_OUTER = 33, 133, 362, 263
IRIS_R, IRIS_L = 468, 473


def _loops(edges: frozenset) -> list[list[int]]:
    """Chain an undirected edge set into ordered paths/loops."""
    adj: dict[int, list[int]] = {}
    for a, b in edges:
        adj.setdefault(a, []).append(b)
        adj.setdefault(b, []).append(a)
    seen: set[int] = set()
    paths = []
    for start in sorted(adj, key=lambda v: (len(adj[v]) != 1, v)):
        if start in seen:
            continue
        path = [start]
        seen.add(start)
        while True:
            nxt = [n for n in adj[path[-1]] if n not in seen]
            if not nxt:
                break
            path.append(nxt[0])
            seen.add(nxt[0])
        paths.append(path)
    return paths


def _between(loop: list[int], a: int, b: int) -> list[list[int]]:
    """Split a closed loop into its two arcs from ``a`` to ``b`` (forward and backward)."""
    i = loop.index(a)
    rolled = loop[i:] + loop[:i]
    k = rolled.index(b)
    forward = rolled[: k + 1]
    backward = [a] + rolled[:k - 1:-1] if k > 0 else [a]
    return [forward, backward]


def _upper_lower(loop: list[int], left: int, right: int, pts_hint: np.ndarray | None = None) -> tuple[list[int], list[int]]:
    """Arcs of a closed contour between two corners; the one with smaller mean y is upper."""
    arcs = _between(loop, left, right)
    if pts_hint is None:
        return arcs[0], arcs[1]
    ys = [pts_hint[arc, 1].mean() for arc in arcs]
    return (arcs[0], arcs[1]) if ys[0] < ys[1] else (arcs[1], arcs[0])


@lru_cache(maxsize=1)
def _lip_loops() -> tuple[list[int], list[int]]:
    loops = _loops(fmc.FACEMESH_LIPS)
    outer = next(lp for lp in loops if MOUTH_LEFT in lp)
    inner = next(lp for lp in loops if INNER_LEFT in lp)
    return outer, inner


def lip_arcs(pts: np.ndarray) -> dict[str, list[int]]:
    """Ordered arcs, each from the image-left corner to the image-right corner."""
    outer, inner = _lip_loops()
    # which arc is upper is a fact of the mesh (landmarks 0 and 13 are the upper lip's middle),
    # not of the picture: on closed lips the two inner arcs coincide, and choosing by mean y
    # swapped them on a rest face whose inner lips met 0.2 px "upside down" (the jaw then
    # opened the mouth from the wrong lip)
    up_o, lo_o = _between(outer, MOUTH_LEFT, MOUTH_RIGHT)
    if UPPER_OUTER_MID not in up_o:
        up_o, lo_o = lo_o, up_o
    up_i, lo_i = _between(inner, INNER_LEFT, INNER_RIGHT)
    if UPPER_INNER_MID not in up_i:
        up_i, lo_i = lo_i, up_i
    return {"upper_outer": up_o, "lower_outer": lo_o, "upper_inner": up_i, "lower_inner": lo_i}


def eye_arcs(pts: np.ndarray) -> dict[str, list[int]]:
    """Upper and lower lid arcs per eye, corner to corner."""
    out = {}
    for side, edges, a, b in (("right", fmc.FACEMESH_RIGHT_EYE, EYE_R_OUTER, EYE_R_INNER),
                              ("left", fmc.FACEMESH_LEFT_EYE, EYE_L_INNER, EYE_L_OUTER)):
        loop = _loops(edges)[0]
        up, lo = _upper_lower(loop, a, b, pts)
        out[f"{side}_upper"], out[f"{side}_lower"] = up, lo
    return out


@lru_cache(maxsize=1)
def face_oval() -> list[int]:
    return _loops(fmc.FACEMESH_FACE_OVAL)[0]


def brows() -> dict[str, list[int]]:
    return {"right": sorted({v for e in fmc.FACEMESH_RIGHT_EYEBROW for v in e}),
            "left": sorted({v for e in fmc.FACEMESH_LEFT_EYEBROW for v in e})}


@lru_cache(maxsize=1)
def triangles() -> np.ndarray:
    """The canonical face-mesh triangles, recovered from mediapipe's tesselation edges."""
    adj: dict[int, set[int]] = {}
    for a, b in fmc.FACEMESH_TESSELATION:
        adj.setdefault(a, set()).add(b)
        adj.setdefault(b, set()).add(a)
    tris = set()
    for a, nbrs in adj.items():
        for b in nbrs:
            if b <= a:
                continue
            for c in nbrs & adj[b]:
                if c > b:
                    tris.add((a, b, c))
    return np.array(sorted(tris), dtype=np.int32)


def side_of_head(lm: np.ndarray, matte: np.ndarray, sign: int) -> np.ndarray:
    """Boolean mask of person pixels from the face contour outward on one side (sign +1: image
    right, -1: image left): temple, ear and side hair, between 0.3 face heights above the eyes
    and 0.15 above the chin. This is the part of the head a turn brings into view, where a
    frontal photo has the fewest pixels, so pose benchmarks and tests judge stretch there."""
    import cv2

    fw = float(np.linalg.norm(lm[CHEEK_RIGHT] - lm[CHEEK_LEFT]))
    fh = float(np.linalg.norm(lm[CHIN] - lm[FOREHEAD]))
    oval = lm[face_oval()]
    ys, xs = np.mgrid[0:matte.shape[0], 0:matte.shape[1]]
    inner = cv2.erode((matte > 200).astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    eye_y = float(lm[[EYE_R_OUTER, EYE_L_OUTER], 1].mean())
    rows = (ys > eye_y - 0.3 * fh) & (ys < lm[CHIN, 1] - 0.15 * fh)
    cols = xs > oval[:, 0].max() - 0.12 * fw if sign > 0 else xs < oval[:, 0].min() + 0.12 * fw
    return inner & rows & cols
