"""Large head poses (yaw +-30, pitch +-15, roll +-10 deg) through a 3D proxy of the head.

Why a proxy and not the face mesh alone: rotating only the 478-point mesh shows seams at
+-15 deg, where the hair, ears and neck stay put while the face turns. The proxy is a depth
map over the whole canvas: the face mesh's own depth inside the face, an ellipsoid behind the
face outline for the skull, hair and ears, whose sides are flattened so that they never fall
away steeper than a slope of 1.5 (the photo has few pixels of the side a turn brings into
view; a round rim spread them into streaks, see ``_slope_cap``), a neck column that twists
in place and follows the head partly, and a torso and background that stay still. Every
pixel also carries a *head weight* (1 = turns with the head, 0 = still), and the weight
reaches a little past the person's outline into the background, so the stretch between the
moving head and the still background happens on background pixels, which the renderer then
replaces with the filled background plate.

Why a grid of precomputed maps: the exact backward map (output pixel -> frontal pixel) needs a
depth-ordered rasterisation of ~15 000 triangles, ~60 ms; too slow for 50 fps. Rotations are
smooth in angle, so maps at a 7.5 deg grid of (yaw, pitch), blended bilinearly, are within
half a pixel of the exact map; roll is a rotation in the image plane, done per frame. The
grid is computed once per avatar and kept on disk, like the expression fields.

Conventions (the same as the rig's linear head controls): positive yaw moves the nose to
image right, positive pitch moves it down (a nod), positive roll turns the head clockwise on
screen. Depth ``D`` points toward the camera (mediapipe's z with the sign flipped).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from scipy.interpolate import LinearNDInterpolator

from .. import paths
from ..avatar import topology as T

POSE_CONTROLS = ("yaw", "pitch", "roll")
YAW_GRID = np.arange(-30.0, 30.01, 7.5)  # degrees; poses beyond the grid are clamped to it
PITCH_GRID = np.arange(-15.0, 15.01, 7.5)
ROLL_LIMIT = 15.0
MESH_STEP = 3  # proxy pixels between mesh vertices (6 canvas px at 512)
SIDE_SLOPE, TOP_SLOPE = 1.5, 2.5  # steepest fall of the head's depth sideways / up-down
CACHE_VERSION = 2


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


@dataclass
class HeadProxy:
    """Depth and head weight per proxy pixel (half the canvas resolution), and the pivot.

    Proxy pixel (i, j) sits at canvas position ``(k*j + (k-1)/2, k*i + (k-1)/2)`` with
    ``k = size / res``: the pixel-centre convention of ``cv2.resize``, so maps made here
    upsample to the canvas without a half-pixel shift.
    """

    size: int
    res: int
    depth: np.ndarray  # (res, res) float32, canvas px toward the camera
    weight: np.ndarray  # (res, res) float32 in [0, 1]
    pivot: np.ndarray  # (3,) x, y, depth in canvas px: where the neck turns the head

    @property
    def k(self) -> float:
        return self.size / self.res

    def canvas_coords(self, idx: np.ndarray) -> np.ndarray:
        return self.k * idx + (self.k - 1) / 2


def rotate(points: np.ndarray, pivot: np.ndarray, yaw: float, pitch: float, roll: float,
           weight: np.ndarray | float = 1.0) -> np.ndarray:
    """Turn (N, 3) points (x, y, D) about ``pivot``: yaw, then pitch, then roll (degrees),
    each scaled per point by ``weight``. Returns (N, 3); x, y are the on-screen position
    (weak perspective: the photo's own perspective is kept, only the turn is added)."""
    rel = points.astype(np.float64) - pivot
    w = np.asarray(weight, np.float64)
    a, b, c = (math.radians(v) * w for v in (yaw, pitch, roll))
    ca, sa, cb, sb, cc, sc = np.cos(a), np.sin(a), np.cos(b), np.sin(b), np.cos(c), np.sin(c)
    x1 = rel[:, 0] * ca + rel[:, 2] * sa
    d1 = -rel[:, 0] * sa + rel[:, 2] * ca
    y2 = rel[:, 1] * cb + d1 * sb
    d2 = -rel[:, 1] * sb + d1 * cb
    x3 = x1 * cc - y2 * sc
    y3 = x1 * sc + y2 * cc
    return np.stack([x3, y3, d2], 1) + pivot


def _slope_cap(depth: np.ndarray, seed: np.ndarray, sx: float, sy: float, k: float) -> np.ndarray:
    """The lowest surface over the ``seed`` pixels' depths that falls no faster than ``sx``
    sideways and ``sy`` up or down (canvas px of depth per canvas px): a grey dilation by an
    elliptic cone, as repeated 8-neighbour steps.

    Why: a turn by ``a`` spreads a photo pixel on a slope ``s`` over ``cos a + s sin a``
    output pixels on the side that comes into view. Near the outline a round head's slope
    grows without bound, so the few photo pixels of ear and temple smeared into streaks;
    capped at 1.5 the spread is at most 1.6x at 30 deg yaw (2.5 and 1.6x at 15 deg pitch),
    and the outline turns a little less (the head reads a little flatter, not smeared)."""
    z = np.where(seed, depth, -np.inf).astype(np.float32)
    if not seed.any():
        return z
    steps = {(dy * sgn_y, dx * sgn_x): np.float32(k * cost)
             for (dy, dx), cost in (((0, 1), sx), ((1, 0), sy), ((1, 1), math.hypot(sx, sy)))
             for sgn_y in (1, -1) for sgn_x in (1, -1)}  # the axis steps come twice: a set
    pad = np.full((z.shape[0] + 2, z.shape[1] + 2), -np.inf, np.float32)
    # after n steps the cone has fallen below every depth on the canvas: nothing more to raise
    n = int(math.ceil((float(depth[seed].max()) - float(depth.min())) / (k * min(sx, sy)))) + 1
    for _ in range(n):
        pad[1:-1, 1:-1] = z
        best = z.copy()
        for (dy, dx), cost in steps.items():
            np.maximum(best, pad[1 + dy:pad.shape[0] - 1 + dy, 1 + dx:pad.shape[1] - 1 + dx] - cost, out=best)
        if np.array_equal(best, z):
            break
        z = best
    return z


def _neck_depth(person: np.ndarray, gx: np.ndarray, gy: np.ndarray, cx: float, chin_y: float,
                dc: float, fw: float, fh: float, k: float) -> np.ndarray:
    """A neck that twists in place: a rounded column about the vertical axis through the
    pivot (parabolic, so its sides stay within a slope of 2), as wide as the matte's neck
    just below the chin. Its outline stays where it is when the head yaws, where a flat
    neck behind the chin was dragged sideways with the chin and sheared."""
    rows = np.nonzero((gy[:, 0] > chin_y + 0.08 * fh) & (gy[:, 0] < chin_y + 0.22 * fh))[0]
    col = int(np.clip(np.argmin(np.abs(gx[0] - cx)), 0, person.shape[1] - 1))
    halves = []
    for i in rows:
        row = person[i]
        if row[col]:
            left = col - int(np.argmin(row[col::-1])) if not row[:col + 1].all() else 0
            right = col + int(np.argmin(row[col:])) if not row[col:].all() else len(row)
            halves.append(0.5 * (right - left) * k)
    # the narrowest rows are the neck (lower ones may already be collar or shoulders)
    rn = float(np.clip(np.percentile(halves, 20) if halves else 0.36 * fw, 0.25 * fw, 0.5 * fw))
    u = (gx - cx) / rn
    return dc + rn * (1 - u * u)


def _head_ellipse(lm: np.ndarray) -> tuple[float, float, float, float, float, float]:
    """(cx, cy, a, b, fw, fh): the skull's outline seen from the front, from face proportions
    (the skull top sits ~0.3 face heights above the forehead landmark, the ears just outside
    the cheek landmarks)."""
    xy = lm[:, :2]
    fw = float(np.linalg.norm(xy[T.CHEEK_RIGHT] - xy[T.CHEEK_LEFT]))
    fh = float(np.linalg.norm(xy[T.CHIN] - xy[T.FOREHEAD]))
    oval = xy[T.face_oval()]
    cx = float((xy[T.CHEEK_LEFT, 0] + xy[T.CHEEK_RIGHT, 0]) / 2)
    top = float(xy[T.FOREHEAD, 1]) - 0.3 * fh
    cy = (top + float(xy[T.CHIN, 1])) / 2
    a = max(0.58 * fw, 1.06 * float(np.abs(oval[:, 0] - cx).max()))
    b = max(float(xy[T.CHIN, 1]) - cy, 1.06 * float(np.abs(oval[:, 1] - cy).max()))
    return cx, cy, a, b, fw, fh


def head_proxy(lm: np.ndarray, matte: np.ndarray, size: int) -> HeadProxy:
    """Build the proxy from (478, 3) canvas landmarks and the canvas person matte (uint8)."""
    res = size // 2
    k = size / res
    grid = k * np.arange(res, dtype=np.float64) + (k - 1) / 2
    gx, gy = np.meshgrid(grid, grid)
    xy, depth_lm = lm[:, :2].astype(np.float64), -lm[:, 2].astype(np.float64)
    cx, cy, a, b, fw, fh = _head_ellipse(lm)
    chin_y = float(xy[T.CHIN, 1])
    u2 = ((gx - cx) / a) ** 2 + ((gy - cy) / b) ** 2
    shell = np.sqrt(np.clip(1 - u2, 0, 1))
    # skull depth: ellipsoid whose rim matches the face outline's depth; its depth semi-axis
    # is a little more than its half width, as on a real head
    oval = T.face_oval()
    uo = ((xy[oval, 0] - cx) / a) ** 2 + ((xy[oval, 1] - cy) / b) ** 2
    so = np.sqrt(np.clip(1 - uo, 0, 1))
    c = 1.1 * a
    dc = float(np.median(depth_lm[oval] - c * so))
    d_skull = dc + c * shell
    # face: the mesh's own depth, blended into the skull over a short band inside the outline
    interp = LinearNDInterpolator(xy[:468], depth_lm[:468])
    d_face = interp(gx, gy)
    inside = np.isfinite(d_face)
    band = cv2.distanceTransform(inside.astype(np.uint8), cv2.DIST_L2, 5) * k
    t = _smoothstep(band / (0.06 * fw))
    d_head = np.where(inside, t * np.nan_to_num(d_face) + (1 - t) * d_skull, d_skull)

    m = cv2.resize(matte, (res, res), interpolation=cv2.INTER_AREA).astype(np.float64) / 255
    person = (m > 0.5) | inside
    # head weight: the whole person above the chin near the skull (hair, hat, ears) turns
    # fully; below the chin the neck and hanging hair follow less and less; shoulders stay
    zone = 1 - _smoothstep((np.sqrt(u2) - 1.25) / 0.35)
    below = 1 - _smoothstep((gy - chin_y) / (0.3 * fh))
    w_person = person * zone * below
    w_person[inside] = 1.0
    # reach past the outline into the background: dilate, then soften
    r = max(3, int(round(0.035 * size / k)))
    grown = cv2.dilate(w_person.astype(np.float32), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1,) * 2))
    soft = cv2.GaussianBlur(grown, (0, 0), 0.45 * r)
    weight = np.maximum(w_person, soft)
    # the canvas border never moves, so a render pastes back into the photo without a seam
    edge = np.minimum(np.minimum(gx, size - 1 - gx), np.minimum(gy, size - 1 - gy))
    weight *= np.clip(edge / (0.05 * size), 0, 1)
    # depth: head in front, body at the skull's middle plane, background just behind the
    # head's outline where it turns with the head (a far depth with a full head weight would
    # swing it the opposite way and tear the soft hair edge into streaks), further back away
    head_core = (w_person > 0.5) & (gy < chin_y + 0.05 * fh) | inside
    # the neck (below the mouth, outside the face): a column in front of the pivot, not the
    # skull's depth nor the flat body's, and left out of the side cap below (it twists)
    neck = _neck_depth(m > 0.5, gx, gy, cx, chin_y, dc, fw, fh, k)
    low = dc - 0.1 * c + (neck - dc + 0.1 * c) * _smoothstep((gy - chin_y + 0.25 * fh) / (0.15 * fh))
    neckish = person & ~inside & (low > np.where(head_core, d_head, dc - 0.1 * c))
    d_head = np.where(neckish, low, d_head)
    d_body = np.where(neckish, low, dc - 0.1 * c)
    d_back = dc - 0.05 * c - 0.5 * c * (1 - weight)
    depth = np.where(head_core, d_head, np.where(person, d_body, d_back))
    depth = np.where(head_core, depth, cv2.GaussianBlur(depth.astype(np.float32), (0, 0), 1.5))
    # flatter sides: the head never falls away faster than SIDE_SLOPE (see _slope_cap); the
    # inner face keeps the mesh's own depth (the painted lips and lids turn with that depth)
    capped = np.maximum(depth, _slope_cap(depth, head_core & ~neckish, SIDE_SLOPE, TOP_SLOPE, k))
    above = 1 - _smoothstep((gy - chin_y - 0.05 * fh) / (0.1 * fh))
    keep = _smoothstep((band - 0.04 * fw) / (0.1 * fw)) * inside
    free = 1 - cv2.GaussianBlur(neckish.astype(np.float32), (0, 0), 2.0)
    raise_w = np.where(head_core, 1.0, above) * (1 - keep) * np.where(neckish, 0.0, free)
    depth = depth + (capped - depth) * raise_w
    pivot = np.array([cx, chin_y, dc], np.float64)
    return HeadProxy(size, res, depth.astype(np.float32), weight.astype(np.float32), pivot)


def _mesh(res: int, step: int) -> tuple[np.ndarray, np.ndarray]:
    """Regular triangle mesh over the proxy: vertex proxy indices (V, 2) and triangles."""
    idx = np.arange(0, res, step)
    if idx[-1] != res - 1:
        idx = np.append(idx, res - 1)
    n = len(idx)
    iy, ix = np.meshgrid(idx, idx, indexing="ij")
    verts = np.stack([ix.ravel(), iy.ravel()], 1)
    v = np.arange(n * n).reshape(n, n)
    a, b, c, d = v[:-1, :-1].ravel(), v[:-1, 1:].ravel(), v[1:, :-1].ravel(), v[1:, 1:].ravel()
    tris = np.concatenate([np.stack([a, b, d], 1), np.stack([a, d, c], 1)])
    return verts, tris


def backward_offsets(proxy: HeadProxy, yaw: float, pitch: float, step: int = MESH_STEP) -> np.ndarray:
    """Exact backward map for one (yaw, pitch), as offsets (res, res, 2) in canvas px: output
    pixel + offset = the frontal pixel seen there. Depth-ordered (painter's algorithm) so the
    nose hides the far cheek and the chin hides the neck."""
    verts, tris = _mesh(proxy.res, step)
    src_xy = proxy.canvas_coords(verts.astype(np.float64))
    d = proxy.depth[verts[:, 1], verts[:, 0]].astype(np.float64)
    w = proxy.weight[verts[:, 1], verts[:, 0]].astype(np.float64)
    moved = rotate(np.column_stack([src_xy, d]), proxy.pivot, yaw, pitch, 0.0, w)
    dst = (moved[:, :2] - (proxy.k - 1) / 2) / proxy.k  # proxy pixel coordinates
    # per-triangle inverse affine: destination pixel -> source canvas position
    d0, d1, d2 = dst[tris[:, 0]], dst[tris[:, 1]], dst[tris[:, 2]]
    s0, s1, s2 = src_xy[tris[:, 0]], src_xy[tris[:, 1]], src_xy[tris[:, 2]]
    dm = np.stack([d1 - d0, d2 - d0], 2)  # (T, 2, 2) columns = edges
    det = dm[:, 0, 0] * dm[:, 1, 1] - dm[:, 0, 1] * dm[:, 1, 0]
    # a sliver (under a thousandth of a proxy pixel's area) has no inverse worth the name: its
    # offsets ran past float16's range on a tiny upscaled face (takeo) and were cached as inf
    ok = np.abs(det) > 1e-3
    inv = np.zeros_like(dm)
    inv[ok, 0, 0], inv[ok, 1, 1] = dm[ok, 1, 1] / det[ok], dm[ok, 0, 0] / det[ok]
    inv[ok, 0, 1], inv[ok, 1, 0] = -dm[ok, 0, 1] / det[ok], -dm[ok, 1, 0] / det[ok]
    lin = np.stack([s1 - s0, s2 - s0], 2) @ inv  # (T, 2, 2)
    # painter's algorithm: far triangles first, near ones drawn over them
    order = np.argsort(moved[tris, 2].mean(1), kind="stable")
    order = order[ok[order]]
    ids = np.full((proxy.res, proxy.res), -1.0, np.float32)
    polys = np.round(dst[tris] * 16).astype(np.int32)
    for t in order:
        cv2.fillConvexPoly(ids, polys[t], float(t), lineType=cv2.LINE_8, shift=4)
    tid = ids.astype(np.int64)
    covered = tid >= 0
    pj, pi = np.meshgrid(np.arange(proxy.res, dtype=np.float64), np.arange(proxy.res, dtype=np.float64))
    q = np.stack([pj[covered], pi[covered]], 1)
    tc = tid[covered]
    src = s0[tc] + np.einsum("nij,nj->ni", lin[tc], q - d0[tc])
    off = np.zeros((proxy.res, proxy.res, 2), np.float32)
    off[covered] = (src - proxy.canvas_coords(q)).astype(np.float32)
    bound = 2.0 * proxy.res * proxy.k  # no pixel comes from further than twice the canvas
    return np.clip(off, -bound, bound)


def local_stretch(map_x: np.ndarray, map_y: np.ndarray) -> np.ndarray:
    """Local magnification of a backward map (canvas size, like ``PoseMaps.full_map``): 1 over
    the smallest singular value of its Jacobian, i.e. over how many output pixels one photo
    pixel is spread in its worst direction (1 = no stretch; above ~2 texture looks smeared)."""
    mx, my = map_x.astype(np.float64), map_y.astype(np.float64)
    a, b, c, d = np.gradient(mx, axis=1), np.gradient(mx, axis=0), np.gradient(my, axis=1), np.gradient(my, axis=0)
    s1, det = a * a + b * b + c * c + d * d, np.abs(a * d - b * c)
    return 1 / np.sqrt(np.maximum((s1 - np.sqrt(np.maximum(s1 * s1 - 4 * det * det, 0))) / 2, 1e-12))


class PoseMaps:
    """Per-avatar grid of backward maps and the per-frame blend (see the module docstring)."""

    def __init__(self, proxy: HeadProxy, grid: np.ndarray) -> None:
        self.proxy = proxy
        self.grid = grid  # (len(YAW_GRID), len(PITCH_GRID), res, res, 2) float32 offsets
        res, size, k = proxy.res, proxy.size, proxy.k
        pc = proxy.canvas_coords(np.arange(res, dtype=np.float32))
        self._px, self._py = np.meshgrid(pc, pc)
        self._ones = np.ones((res, res), np.float32)
        full = np.arange(size, dtype=np.float32)
        self.grid_x, self.grid_y = np.meshgrid(full, full)
        self._k = k

    @staticmethod
    def clamp(yaw: float, pitch: float, roll: float) -> tuple[float, float, float]:
        return (float(np.clip(yaw, YAW_GRID[0], YAW_GRID[-1])), float(np.clip(pitch, PITCH_GRID[0], PITCH_GRID[-1])),
                float(np.clip(roll, -ROLL_LIMIT, ROLL_LIMIT)))

    def proxy_offsets(self, yaw: float, pitch: float, roll: float) -> np.ndarray:
        """Backward offsets at proxy resolution (res, res, 2) for a (clamped) pose."""
        yaw, pitch, roll = self.clamp(yaw, pitch, roll)
        fy = (yaw - YAW_GRID[0]) / (YAW_GRID[1] - YAW_GRID[0])
        fp = (pitch - PITCH_GRID[0]) / (PITCH_GRID[1] - PITCH_GRID[0])
        i = min(int(fy), len(YAW_GRID) - 2)
        j = min(int(fp), len(PITCH_GRID) - 2)
        ty, tp = fy - i, fp - j
        g = self.grid
        off = (g[i, j] * ((1 - ty) * (1 - tp)) + g[i + 1, j] * (ty * (1 - tp))
               + g[i, j + 1] * ((1 - ty) * tp) + g[i + 1, j + 1] * (ty * tp))
        if abs(roll) > 1e-3:
            off = self._roll(off, roll)
        return off

    def _roll(self, off: np.ndarray, roll: float) -> np.ndarray:
        """Roll last, in the image plane about the pivot, by each pixel's head weight: for an
        output pixel q the yaw/pitch picture is sampled at q turned back by -w*roll (w read at
        q itself: it is 1 all over the head and smooth elsewhere)."""
        p = self.proxy
        k = self._k
        c, s = cv2.polarToCart(self._ones, p.weight * np.float32(-math.radians(roll)))
        rx, ry = self._px - np.float32(p.pivot[0]), self._py - np.float32(p.pivot[1])
        ux = (rx * c - ry * s + np.float32(p.pivot[0] - (k - 1) / 2)) * np.float32(1 / k)
        uy = (rx * s + ry * c + np.float32(p.pivot[1] - (k - 1) / 2)) * np.float32(1 / k)
        turned = cv2.remap(off, ux, uy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        turned[..., 0] += ux * np.float32(k) + np.float32((k - 1) / 2) - self._px
        turned[..., 1] += uy * np.float32(k) + np.float32((k - 1) / 2) - self._py
        return turned

    def full_map(self, yaw: float, pitch: float, roll: float) -> tuple[np.ndarray, np.ndarray] | None:
        """Absolute backward map (map_x, map_y) at canvas size, or None for the frontal pose."""
        if abs(yaw) < 1e-3 and abs(pitch) < 1e-3 and abs(roll) < 1e-3:
            return None
        off = self.proxy_offsets(yaw, pitch, roll)
        size = self.proxy.size
        up = cv2.resize(off, (size, size), interpolation=cv2.INTER_LINEAR)
        return self.grid_x + up[..., 0], self.grid_y + up[..., 1]


_MEMORY: dict[str, PoseMaps] = {}
_SOURCE_HASH = hashlib.sha256(Path(__file__).read_bytes()).digest()


def pose_maps(lm: np.ndarray, matte: np.ndarray, size: int) -> PoseMaps:
    """The avatar's pose maps, computed once (a few seconds) and then loaded from disk."""
    h = hashlib.sha256()
    for part in (np.ascontiguousarray(lm, np.float32), np.ascontiguousarray(matte, np.uint8),
                 np.array([size, CACHE_VERSION, MESH_STEP]), YAW_GRID, PITCH_GRID):
        h.update(part.tobytes())
    h.update(_SOURCE_HASH)
    key = h.hexdigest()[:24]
    if key in _MEMORY:
        return _MEMORY[key]
    proxy = head_proxy(lm, matte, size)
    path = paths.home() / "pose" / f"{key}.npz"
    grid = None
    if path.exists():
        try:
            with np.load(path) as z:
                grid = z["grid"].astype(np.float32)
        except (OSError, ValueError, KeyError):
            grid = None  # a damaged cache file is simply recomputed
    if grid is None or grid.shape[:2] != (len(YAW_GRID), len(PITCH_GRID)):
        grid = np.zeros((len(YAW_GRID), len(PITCH_GRID), proxy.res, proxy.res, 2), np.float32)
        for i, yaw in enumerate(YAW_GRID):
            for j, pitch in enumerate(PITCH_GRID):
                if yaw != 0 or pitch != 0:  # the frontal map is exactly the identity
                    grid[i, j] = backward_offsets(proxy, float(yaw), float(pitch))
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = paths.temp_sibling(path, ".npz")
        np.savez_compressed(tmp, grid=grid.astype(np.float16))
        tmp.replace(path)
        grid = grid.astype(np.float16).astype(np.float32)  # the same values a later load gives
    maps = PoseMaps(proxy, grid)
    _MEMORY[key] = maps
    return maps
