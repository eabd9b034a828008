"""Which frames may become the avatar: clean segments, the crop, and the frames to keep.

All pure functions of the pass-1 measurements (:class:`TrackChunk`), so they are cheap to
rerun and easy to test. A frame is *clean* when a face is tracked, sharp (not motion blur),
unoccluded, facing the camera, alone in the picture and away from a cut; clean runs shorter
than a second are dropped, because the base loop and the mouth library both need motion that
continues from frame to frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...errors import TwincastError
from .. import topology as T
from .geometry import head_pose
from .track import TrackChunk

MAX_YAW, MAX_PITCH = 25.0, 20.0
MIN_RUN = 25  # frames (1 s)
TRIM = 2  # frames dropped at each end of a run: cuts and blinks of the tracker live there


@dataclass
class Cleaned:
    n: int
    found: np.ndarray  # face tracked
    clean: np.ndarray  # usable frame
    pose: np.ndarray  # (n, 3) yaw, pitch, roll
    segments: list[tuple[int, int]]  # [start, stop) runs of clean frames
    reasons: dict[str, int] = field(default_factory=dict)  # frames dropped, by first reason

    @property
    def clean_seconds(self) -> float:
        return sum(b - a for a, b in self.segments) / 25.0


def _robust_z(x: np.ndarray, ok: np.ndarray) -> np.ndarray:
    med = np.nanmedian(x[ok], axis=0)
    mad = np.nanmedian(np.abs(x[ok] - med), axis=0) * 1.4826 + 1e-6
    return np.abs(x - med) / mad


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)))


def check_people(track: TrackChunk, source: str = "the video", partial: bool = False) -> None:
    """Exactly one person, or a clear error. ``partial``: only the first chunks are tracked, so
    refuse only on overwhelming evidence (saves minutes of tracking on a long wrong video)."""
    found = np.isfinite(track.landmarks[:, 0, 0])
    sampled = track.faces >= 0
    faced = (track.faces[sampled] >= 1).mean() if sampled.any() else found.mean()
    crowded = (track.faces[sampled] >= 2).mean() if sampled.any() else 0.0
    few, many = (0.02, 0.6) if partial else (0.2, 0.25)
    if found.mean() < few or faced < few:
        raise TwincastError(f"no face found in most of {source} (a face in {found.mean():.0%} of the frames)",
                            "film the person facing the camera, face well lit and filling a good part of the frame")
    if crowded > many:
        raise TwincastError(f"{source} shows two or more people ({crowded:.0%} of the sampled frames); "
                            "a video avatar is built from one person",
                            "record the person alone in the frame, or crop the video to them")


def clean_frames(track: TrackChunk, source: str = "the video") -> Cleaned:
    """Flag usable frames; raises :class:`TwincastError` for footage that cannot make an avatar."""
    lm = track.landmarks
    n = len(lm)
    found = np.isfinite(lm[:, 0, 0])
    check_people(track, source)
    pose = np.array([head_pose(p) for p in lm], np.float32).reshape(n, 3)
    width = np.where(found, np.linalg.norm(lm[:, T.CHEEK_RIGHT, :2] - lm[:, T.CHEEK_LEFT, :2], axis=1), np.nan)
    centre = np.nanmean(lm[:, :, :2], axis=1)
    reasons: dict[str, int] = {}
    clean = found.copy()

    def drop(name: str, bad: np.ndarray) -> None:
        bad = bad & clean
        reasons[name] = int(bad.sum())
        clean[bad] = False

    drop("no face", ~found)
    # several people: spread each sampled count over the frames around it
    crowd = np.zeros(n, bool)
    for k in np.flatnonzero(track.faces >= 2):
        crowd[max(0, k - 6):k + 7] = True
    drop("another person", crowd)
    drop("looking away", (np.abs(pose[:, 0]) > MAX_YAW) | (np.abs(pose[:, 1]) > MAX_PITCH))
    sharp = track.sharpness
    drop("blur", np.nan_to_num(sharp / (np.nanmedian(sharp[found]) + 1e-6), nan=0) < 0.45)
    skin_ok = found & np.isfinite(track.skin[:, 0])
    if skin_ok.sum() > 10:
        z = _robust_z(track.skin, skin_ok)
        drop("occlusion", np.nan_to_num(z.max(1), nan=99) > 6.0)
    cut_level = max(18.0, 6.0 * float(np.median(track.cut[1:])) if n > 1 else 18.0)
    jump = np.zeros(n, bool)
    moved = np.linalg.norm(np.diff(centre, axis=0), axis=1) / np.nanmedian(width)
    jump[1:] = (track.cut[1:] > cut_level) | (np.nan_to_num(moved, nan=0) > 0.25)
    near_cut = np.zeros(n, bool)
    for k in np.flatnonzero(jump):
        near_cut[max(0, k - 2):k + 3] = True
    drop("cut or jump", near_cut)
    segments = []
    for a, b in _runs(clean):
        a, b = a + TRIM, b - TRIM
        if b - a >= MIN_RUN:
            segments.append((int(a), int(b)))
    keep = np.zeros(n, bool)
    for a, b in segments:
        keep[a:b] = True
    reasons["short run"] = int((clean & ~keep).sum())
    result = Cleaned(n, found, keep, pose, segments, reasons)
    if result.clean_seconds < 10.0:
        why = ", ".join(f"{k} {v / 25:.0f} s" for k, v in reasons.items() if v)
        raise TwincastError(f"only {result.clean_seconds:.1f} s of {source} are usable (dropped: {why})",
                            "record more footage with the face steady, sharp, unobstructed and looking at the camera")
    return result


def crop_box(track: TrackChunk, cleaned: Cleaned, width: int, height: int,
             scale: float = 2.4) -> tuple[int, int, int]:
    """A fixed square (x0, y0, side) in upright source pixels around head and shoulders that
    holds the face in every clean frame."""
    lm = track.landmarks[cleaned.clean]
    face_h = float(np.median(np.linalg.norm(lm[:, T.CHIN, :2] - lm[:, T.FOREHEAD, :2], axis=1)))
    centres = lm[:, :, :2].mean(1)
    cx, cy = np.median(centres, axis=0)
    spread = np.percentile(centres, 98, axis=0) - np.percentile(centres, 2, axis=0)
    side = int(min(max(scale * face_h, 1.7 * face_h + spread.max()), width, height))
    cy += 0.22 * face_h  # some shoulders below, a little less room above the hair
    x0 = int(np.clip(round(cx - side / 2), 0, width - side))
    y0 = int(np.clip(round(cy - side / 2), 0, height - side))
    return x0, y0, side


def mouth_opening(lm: np.ndarray) -> np.ndarray:
    """Inner-lip gap over mouth width, per frame (works on (n, 478, 3) or (478, 3))."""
    lm = np.asarray(lm)
    gap = np.linalg.norm(lm[..., T.LOWER_INNER_MID, :2] - lm[..., T.UPPER_INNER_MID, :2], axis=-1)
    mw = np.linalg.norm(lm[..., T.MOUTH_RIGHT, :2] - lm[..., T.MOUTH_LEFT, :2], axis=-1)
    return gap / np.maximum(mw, 1e-6)


def representative_frame(track: TrackChunk, cleaned: Cleaned) -> int:
    """The clean frame that looks most like a neutral portrait: frontal, mouth closed, head
    near its usual place. The avatar's landmarks, rig and photo come from it."""
    idx = np.flatnonzero(cleaned.clean)
    lm = track.landmarks[idx]
    centres = lm[:, :, :2].mean(1)
    width = np.linalg.norm(lm[:, T.CHEEK_RIGHT, :2] - lm[:, T.CHEEK_LEFT, :2], axis=1)
    off = np.linalg.norm(centres - np.median(centres, 0), axis=1) / np.median(width)
    pose = cleaned.pose[idx]
    score = np.abs(pose[:, 0]) / 10 + np.abs(pose[:, 1]) / 10 + np.abs(pose[:, 2]) / 10 + 4 * mouth_opening(lm) + off
    return int(idx[np.argmin(score)])


def base_windows(track: TrackChunk, cleaned: Cleaned, seconds: float, window: int = 200) -> list[tuple[int, int]]:
    """Clips of the base loop: the calmest windows of clean footage (mouth mostly closed,
    head near frontal) up to ``seconds`` in all, at most ``window`` frames each so the loop
    draws on several moments of the recording."""
    openness = mouth_opening(np.nan_to_num(track.landmarks))
    candidates = []
    for a, b in cleaned.segments:
        for s in range(a, b, window):
            e = min(s + window, b)
            if e - s >= 50 or (e - s >= MIN_RUN and b - a < 50):
                score = float(np.mean(openness[s:e]) * 4 + np.mean(np.abs(cleaned.pose[s:e, :2])) / 15)
                candidates.append((score, s, e))
    budget = int(seconds * 25)
    chosen = []
    for score, s, e in sorted(candidates):
        if budget <= 0:
            break
        e = min(e, s + max(budget, MIN_RUN))
        chosen.append((s, e))
        budget -= e - s
    return sorted(chosen)


def library_frames(cleaned: Cleaned, cap: int, block: int = 50) -> np.ndarray:
    """Frames of the mouth library: every clean frame, or when there are more than ``cap``,
    whole blocks of ``block`` frames spread over the recording (consecutive frames let the
    renderer play real mouth motion when the target allows it)."""
    idx = np.flatnonzero(cleaned.clean)
    if len(idx) <= cap:
        return idx
    blocks = [idx[i:i + block] for i in range(0, len(idx), block)]
    keep = np.linspace(0, len(blocks) - 1, max(1, cap // block)).round().astype(int)
    return np.concatenate([blocks[i] for i in np.unique(keep)])
