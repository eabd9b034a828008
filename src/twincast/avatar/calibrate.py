"""The jaw calibrated in the metric's own units: eye widths of opening, as the tracker reads it.

Why (issue 19): the rig drops the jaw by a fraction of the mouth width (rig.py), and the
viseme table (driving/visemes.py) was tuned on a handful of photos. But the opening is judged,
and seen, relative to the face: the inner-lip gap over the outer-eye-corner distance, read by
the face mesh on the rendered frame. A narrow or relaxed mouth, a closed-mouth photo in hard
light, stubble or a small upscaled face all open *less* in those units for the same control
(held-out run 3: ranges 0.088-0.096 eye widths on three such photos, against 0.13-0.16 on the
dev smiles). So at build time the avatar's own face is rendered at a few jaw values, the
opening is read by the same face mesh and formula as the check (``lipsync.mouth_opening``), and
the jaw's displacement is scaled so that one unit of jaw opens the lips by
:data:`JAW_OPEN_EW` eye widths. Every avatar then answers the viseme table the same way.

:data:`JAW_OPEN_EW` is set from real speech and the dev photos: on the SyncNet clip the
opening's 95th percentile is 0.158 eye widths (the open vowels); the dev avatars' tracked
slope was 0.24-0.29 per jaw unit and their English ranges 0.107-0.160, about 0.5x the slope.
0.28 puts an English sentence's range near 0.14 (0.9x real), and the Mandarin one (whose
vowels are held longer and reach further) near 0.17-0.19, under 1.3x real (0.205).
"""

from __future__ import annotations

import numpy as np

#: Tracked inner-lip opening per unit of jaw, in outer-eye-corner distances.
JAW_OPEN_EW = 0.28
#: Jaw values rendered to measure the slope (where the open vowels land after blending).
PROBES = (0.6, 1.0)
#: The scale is kept inside this band; outside it the measurement is not trusted.
SCALE_LIMITS = (0.7, 1.6)


def _tracked_opening(img: np.ndarray) -> float:
    """The check's opening (``lipsync.mouth_opening``) on one rendered frame; NaN if no face."""
    from ..evaluation.lipsync import mouth_opening
    from .detect import detect_faces

    faces = detect_faces(np.ascontiguousarray(img), max_faces=1)
    if not faces:
        return float("nan")
    return mouth_opening(faces[0].landmarks.astype(np.float64))


def jaw_slope(model) -> tuple[float, float]:
    """(tracked opening at rest, least-squares slope of the opening per jaw unit through it)."""
    from ..render.face import FaceRenderer

    renderer = FaceRenderer(model)
    ji = renderer.controls.index("jaw")
    c = np.zeros(len(renderer.controls), np.float32)
    rest = _tracked_opening(renderer.render(c))
    opened = []
    for j in PROBES:
        c[ji] = j
        opened.append(_tracked_opening(renderer.render(c)))
    js = np.asarray(PROBES)
    o = np.asarray(opened) - rest
    slope = float((js * o).sum() / (js * js).sum())
    return rest, slope


#: Frames of a listening clip whose resting face is read by the check's tracker (``idle_rest``):
#: two seconds, enough for the idle's head motion to move a few degrees and to blink.
IDLE_FRAMES = 50


def idle_rest(model) -> float:
    """The median opening the quality check's own tracker reads on a listening clip.

    Why: the build's rest reading renders every control at zero and reads it with a still-image
    face mesh, but no clip shows that face to that tracker: silence carries the idle's base
    smile (``emotion.smile_base``, 0.12), head motion of a few degrees and blinks, and the check
    reads every frame with the face mesh in tracking mode (``lipsync.mouth_openings``). A mouth
    read as closed only in that one frontal, smile-free still is not closed for viewers (issue
    19, held-out run 4: a build whose still rest read 0.008 eye widths never closed in its clips,
    lead-in and tail silences included). So the first :data:`IDLE_FRAMES` of a listening clip
    are rendered and read exactly as the check reads a video."""
    from ..driving.drive import drive
    from ..evaluation.lipsync import mouth_openings
    from ..render.face import FaceRenderer

    renderer = FaceRenderer(model)
    track = drive(None, IDLE_FRAMES).reorder(renderer.controls)
    o = mouth_openings(renderer.render(c) for c in track)
    o = o[np.isfinite(o)]
    return float(np.median(o)) if len(o) else float("nan")


def calibrate_jaw(model) -> dict:
    """Scale ``model.rig``'s jaw so one unit opens :data:`JAW_OPEN_EW` eye widths on the
    tracker; returns a note for the manifest (the scale is 1 when nothing could be read)."""
    rest, slope = jaw_slope(model)
    note = {"target_ew_per_jaw": JAW_OPEN_EW, "rest_ew": _round(rest),
            "idle_rest_ew": _round(idle_rest(model)), "measured_ew_per_jaw": _round(slope)}
    if not np.isfinite(slope) or slope <= 0.02:
        note["scale"] = 1.0
        note["why"] = "the face mesh did not read the rendered mouth; jaw left as built"
        return note
    lo, hi = SCALE_LIMITS
    scale = float(np.clip(JAW_OPEN_EW / slope, lo, hi))
    k = model.rig.index("jaw")
    model.rig.displacements[k] *= np.float32(scale)
    note["scale"] = round(scale, 3)
    return note


def require_closed_rest(note: dict, source: str) -> None:
    """Refuse an avatar whose resting face the tracker does not read as closed.

    The build closes a smiling or parted mouth for the resting face; when something the
    closure cannot see as lips sits between them (a tongue, food, a pen), the rest stays open
    and every pause and p/b/m of every clip would show it (issue 19: such a build rendered a
    mouth that never closed, lip sync r ~0.1). The measure is the one the quality check uses
    for "closed" (``mouth_dynamics.CLOSED_GAP``, from real speech), read on the rendered rest
    face, so any cause is caught, not only the kinds someone thought of; the dev portraits
    read 0.002-0.017 at rest. The rest is read twice: every control at zero (``rest_ew``) and
    as a listening clip shows it, with the idle's smile and head motion (``idle_rest_ew``,
    :func:`idle_rest`); the larger reading counts."""
    from ..errors import TwincastError
    from ..evaluation.mouth_dynamics import CLOSED_GAP

    readings = [r for r in (note.get("rest_ew"), note.get("idle_rest_ew")) if r is not None]
    rest = max(readings) if readings else None
    if rest is not None and rest >= CLOSED_GAP:
        raise TwincastError(
            f"the mouth in {source} could not be closed for the resting face (the lips stay {rest:.3f} eye widths "
            f"apart; closed is under {CLOSED_GAP}): something between the lips, such as a tongue, food or an object?",
            "use a photo with the lips closed or slightly parted and nothing between them")


def _round(x: float) -> float | None:
    return round(float(x), 4) if np.isfinite(x) else None


__all__ = ["JAW_OPEN_EW", "PROBES", "IDLE_FRAMES", "calibrate_jaw", "idle_rest", "jaw_slope",
           "require_closed_rest"]
