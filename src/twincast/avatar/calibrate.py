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
opening's 95th percentile is 0.158 eye widths (the open vowels; 0.151 with the opening along
the face's axis, session 15); the dev avatars' tracked slope was 0.24-0.29 per jaw unit and their English ranges 0.107-0.160, about 0.5x the slope.
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


#: Frames of a listening clip whose resting face is read by the check's tracker
#: (:func:`read_motion`): two seconds, enough for the idle's head motion to move a few degrees.
IDLE_FRAMES = 50
#: Jaw values of the speech-like sweep played over the listening clip's second half: closes,
#: small and large openings, and closures right after them (where a tracker may stick).
SWEEP = (0.0, 0.0, 0.3, 0.7, 1.0, 0.7, 0.3, 0.0, 0.0, 0.0, 0.5, 0.9, 0.5, 0.0, 0.0, 0.2, 0.6,
         0.2, 0.0, 0.0, 1.0, 0.6, 0.1, 0.0, 0.0)
#: The tracked opening follows the sweep at least this well (Pearson r), and reads closed on at
#: least this share of its closed frames; see :func:`require_closed_rest` for the dev values.
MIN_FOLLOW_R = 0.8
MIN_SWEEP_CLOSED = 0.5


def read_motion(model) -> dict:
    """The resting face and a jaw sweep as a clip shows them, read by the check's own tracker.

    Why: the build's rest reading renders every control at zero and reads it with a still-image
    face mesh, but no clip shows that face to that tracker: silence carries the idle's base
    smile (``emotion.smile_base``, 0.12), head motion of a few degrees and blinks, speech opens
    and closes the jaw, and the check reads every frame with the face mesh in tracking mode
    (``lipsync.mouth_openings``). A mouth read as closed only in that one frontal, smile-free
    still is not a mouth that closes for viewers (issue 19, held-out run 4: a build whose still
    rest read 0.008 eye widths never closed in its clips, lead-in and tail included, and lip
    sync fell to r ~0.1). So a listening clip of :data:`IDLE_FRAMES` is rendered, the jaw plays
    :data:`SWEEP` over its second half, and the frames are read exactly as the check reads a
    video: ``idle_rest_ew`` is the median opening of the first half, ``follow_r`` the
    correlation of the opening with the sweep, ``sweep_closed`` the share of the sweep's closed
    frames read closed (``mouth_dynamics.CLOSED_GAP``)."""
    from ..driving.drive import drive
    from ..evaluation.lipsync import mouth_openings
    from ..evaluation.mouth_dynamics import CLOSED_GAP
    from ..render.face import FaceRenderer

    renderer = FaceRenderer(model)
    track = drive(None, IDLE_FRAMES).reorder(renderer.controls)
    half = IDLE_FRAMES - len(SWEEP)
    jaw = np.zeros(IDLE_FRAMES, np.float32)
    jaw[half:] = SWEEP
    track[:, renderer.controls.index("jaw")] = jaw
    o = mouth_openings(renderer.render(c) for c in track)
    rest, sw, j = o[:half], o[half:], jaw[half:]
    ok = np.isfinite(sw)
    note = {"idle_rest_ew": _round(np.nanmedian(rest)) if np.isfinite(rest).any() else None}
    if ok.sum() >= len(SWEEP) // 2 and np.std(sw[ok]) > 0:
        note["follow_r"] = round(float(np.corrcoef(sw[ok], j[ok])[0, 1]), 3)
        shut = ok & (j == 0)
        note["sweep_closed"] = round(float((sw[shut] < CLOSED_GAP).mean()), 3) if shut.any() else None
    return note


#: Jaw values of the curve clip (:func:`jaw_curve`), each held :data:`CURVE_HOLD` frames and
#: followed by as many closed ones (a tracker reads a held opening, and speech closes between).
CURVE_LEVELS = (0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0)
CURVE_HOLD = 5
#: The mapped jaw stays within these multiples of the asked one: outside, the reading is not
#: trusted. Dev maps (ten photos): 0.50-1.73x at jaw 0.1 (the two open smiles at the lower
#: limit), 0.82-1.11x at 1.0.
CURVE_LIMITS = (0.5, 2.0)


def held_openings(model, levels) -> np.ndarray:
    """The tracked opening (eye widths) at rest and at each jaw value of ``levels``, each held
    :data:`CURVE_HOLD` frames in a listening clip and followed by as many closed ones, read as
    the check reads a video (its tracking-mode mesh); the median of each hold after its first
    two frames, NaN where the face was lost. Through the avatar's jaw map if it has one."""
    from ..driving.drive import drive
    from ..evaluation.lipsync import mouth_openings
    from ..render.face import FaceRenderer

    renderer = FaceRenderer(model)
    lead = IDLE_FRAMES // 2
    n = lead + 2 * CURVE_HOLD * len(levels)
    track = drive(None, n).reorder(renderer.controls)
    jaw = np.zeros(n, np.float32)
    for i, level in enumerate(levels):
        jaw[lead + 2 * i * CURVE_HOLD: lead + (2 * i + 1) * CURVE_HOLD] = level
    track[:, renderer.controls.index("jaw")] = jaw
    o = mouth_openings(renderer.render(c) for c in track)
    spans = [o[lead - 5:lead]] + [o[lead + 2 * i * CURVE_HOLD + 2: lead + (2 * i + 1) * CURVE_HOLD]
                                  for i in range(len(levels))]
    return np.asarray([np.nanmedian(x) if np.isfinite(x).any() else np.nan for x in spans], np.float64)


def jaw_curve(model) -> tuple[list[float], list[float]] | None:
    """The jaw each asked jaw value is rendered at, so the tracked opening is
    :data:`JAW_OPEN_EW` per unit at *every* opening, not only at the probes' large ones.

    Why (issue 19): the slope (:func:`jaw_slope`) matches the open vowels, but small openings
    differ threefold between faces. Read as a clip shows them, jaw 0.1-0.2 opened 0.005-0.011
    eye widths on the dev photos with pressed or thin lips (closed, for the check) and
    0.067-0.110 on two open smiles; the closed share of their English clips followed (0.34-0.38
    against 0.27). Half a sentence's frames sit at such small openings, so a face's lips decide
    how often it reads closed, not the speech. The curve clip holds each of
    :data:`CURVE_LEVELS` after the listening clip's lead-in, going up and then down (one pass
    read up to 0.03 eye widths off at a level on a dev face, enough to bend the map), reads the
    median opening with the check's tracker, averages the two passes, makes the result monotone
    and inverts it. ``None`` when the tracker lost the face."""
    n = len(CURVE_LEVELS)
    both = held_openings(model, CURVE_LEVELS + CURVE_LEVELS[::-1])  # up, then down: a reading
    got = np.concatenate([both[:1], (both[1:n + 1] + both[:n:-1]) / 2])  # ±0.02 eye widths apart
    if not np.isfinite(got).all() or got[-1] <= got[0]:
        return None
    asked = np.asarray((0.0,) + CURVE_LEVELS)
    got = np.maximum.accumulate(got) + np.arange(len(got)) * 1e-6  # monotone, strictly
    want = JAW_OPEN_EW * asked[1:]
    slope = (got[-1] - got[-3]) / (asked[-1] - asked[-3])  # beyond the last level: its trend
    mapped = np.where(want <= got[-1], np.interp(want, got, asked), asked[-1] + (want - got[-1]) / slope)
    lo, hi = CURVE_LIMITS
    mapped = np.clip(mapped, lo * asked[1:], hi * asked[1:])
    return [0.0, *map(float, asked[1:])], [0.0, *(round(float(v), 4) for v in mapped)]


def calibrate_jaw(model) -> dict:
    """Scale ``model.rig``'s jaw so one unit opens :data:`JAW_OPEN_EW` eye widths on the
    tracker, then map every jaw value to the one that opens its share (:func:`jaw_curve`, kept
    in ``model.meta["jaw_map"]``, applied by the renderer); returns a note for the manifest
    (the scale is 1 when nothing could be read), with the calibrated avatar's resting face and
    jaw sweep as a clip shows them (:func:`read_motion`)."""
    rest, slope = jaw_slope(model)
    note = {"target_ew_per_jaw": JAW_OPEN_EW, "rest_ew": _round(rest),
            "measured_ew_per_jaw": _round(slope)}
    if not np.isfinite(slope) or slope <= 0.02:
        note["scale"] = 1.0
        note["why"] = "the face mesh did not read the rendered mouth; jaw left as built"
    else:
        lo, hi = SCALE_LIMITS
        scale = float(np.clip(JAW_OPEN_EW / slope, lo, hi))
        k = model.rig.index("jaw")
        model.rig.displacements[k] *= np.float32(scale)
        note["scale"] = round(scale, 3)
    curve = jaw_curve(model)
    if curve is not None:
        model.meta["jaw_map"] = {"asked": curve[0], "rendered": curve[1]}
    note.update(read_motion(model))
    return note


def require_closed_rest(note: dict, source: str) -> None:
    """Refuse an avatar whose mouth the tracker does not see closing and opening with the rig.

    The build closes a smiling or parted mouth for the resting face; when something the
    closure cannot see as lips sits between them (a tongue, food, a pen), the rest stays open
    and every pause and p/b/m of every clip would show it (issue 19: such a build rendered a
    mouth that never closed, lip sync r ~0.1). The measures are the quality check's own (its
    tracker, its opening, its "closed", ``mouth_dynamics.CLOSED_GAP`` from real speech), read
    on the avatar's own renders, so any cause is caught, not only the kinds someone thought of:

    * the still rest, every control at zero (``rest_ew``; dev portraits 0.002-0.017 eye widths);
    * the rest as a listening clip shows it (``idle_rest_ew``, :func:`read_motion`; dev
      0.001-0.019); the larger of the two must be under CLOSED_GAP;
    * a jaw sweep over that clip: the opening follows it (``follow_r`` >= :data:`MIN_FOLLOW_R`;
      dev 0.981-0.997) and its closed frames read closed (``sweep_closed`` >=
      :data:`MIN_SWEEP_CLOSED`; dev 1.0, a twisted pucker 0.82)."""
    from ..errors import TwincastError
    from ..evaluation.mouth_dynamics import CLOSED_GAP

    fix = "use a photo with the lips closed or slightly parted and nothing between them"
    readings = [r for r in (note.get("rest_ew"), note.get("idle_rest_ew")) if r is not None]
    rest = max(readings) if readings else None
    if rest is not None and rest >= CLOSED_GAP:
        # just over the line the lips nearly meet (a broad laugh whose lips do not cover the
        # teeth); far over it something holds them apart: say which, the fix is the same
        why = ("the lips nearly meet but not quite, as after a broad laugh" if rest < 2 * CLOSED_GAP
               else "something between the lips, such as a tongue, food or an object?")
        raise TwincastError(
            f"the mouth in {source} could not be closed for the resting face (the lips stay {rest:.3f} eye widths "
            f"apart; closed is under {CLOSED_GAP}): {why}", fix)
    follow, shut = note.get("follow_r"), note.get("sweep_closed")
    if (follow is not None and follow < MIN_FOLLOW_R) or (shut is not None and shut < MIN_SWEEP_CLOSED):
        shut_txt = "?" if shut is None else f"{shut:.0%}"
        raise TwincastError(
            f"the mouth in {source} does not open and close as the avatar moves it (seen by the quality check's "
            f"face tracker: opening follows the jaw r={follow}, closed on {shut_txt} of the closed frames): "
            "something at the lips, such as a tongue, food or an object?", fix)


def _round(x: float) -> float | None:
    return round(float(x), 4) if np.isfinite(x) else None


__all__ = ["CURVE_LEVELS", "IDLE_FRAMES", "JAW_OPEN_EW", "MIN_FOLLOW_R", "MIN_SWEEP_CLOSED", "PROBES", "SWEEP",
           "calibrate_jaw", "held_openings", "jaw_curve", "jaw_slope", "read_motion", "require_closed_rest"]
