"""Photo -> ``.twin`` avatar: find the face, choose the animated square, fit the rig."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import cv2
import numpy as np

from .. import __version__
from . import topology as T
from .detect import FaceFit, find_one_face, load_photo
from ..native_logs import quiet_stderr
from .model import FORMAT_VERSION, AvatarModel
from .rig import build_rig

# Bumped when a build adds something renderers rely on (2: background plate for large head
# turns; 3: the plate also filled in a ring around the outline, so a turned head leaves no
# trace of it; 4: the plate continues the background's texture into the hole, mirrored from
# its edges; 5: under thin hair the plate keeps the scenery seen through it; 6: a smiling or
# open mouth is closed at build, neutral.py; 7: the smile is relaxed, relax.py; 8: the jaw is
# calibrated in tracked eye widths, calibrate.py; 9: and mapped so small openings match too,
# calibrate.jaw_curve; 10: the tracked opening is read along the face's vertical axis,
# lipsync.mouth_opening); cached default avatars older than this are rebuilt (defaults.py).
BUILD_VERSION = 10
CONSENT_NOTE = ("Build avatars only from people who gave their consent; outputs carry a visible "
                "AI label and AI metadata.")


def canvas_box(face: FaceFit, image_shape: tuple[int, ...], scale: float = 2.1) -> tuple[int, int, int]:
    """Square around the face with room for hair and chin movement, kept inside the image."""
    h, w = image_shape[:2]
    oval = face.landmarks[T.face_oval(), :2]
    cx, cy = oval.mean(0)
    cy -= 0.08 * face.height
    side = int(min(round(scale * face.height), w, h))
    x0 = int(np.clip(round(cx - side / 2), 0, w - side))
    y0 = int(np.clip(round(cy - side / 2), 0, h - side))
    return x0, y0, side


def _median_colour(rgb: np.ndarray, polygon: np.ndarray, hole: np.ndarray | None = None) -> list[float]:
    mask = np.zeros(rgb.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(polygon).astype(np.int32)], 255)
    if hole is not None:
        cv2.fillPoly(mask, [np.round(hole).astype(np.int32)], 0)
    pixels = rgb[mask > 0]
    if len(pixels) == 0:
        return [0.6, 0.4, 0.4]
    return [float(v) / 255 for v in np.median(pixels, axis=0)]


def sample_colours(canvas: np.ndarray, lm: np.ndarray) -> dict[str, list[float]]:
    """Lip and skin colours steer the synthetic mouth interior so it matches the lighting."""
    lips = T.lip_arcs(lm[:, :2])
    outer = lm[lips["upper_outer"] + lips["lower_outer"][::-1], :2]
    inner = lm[lips["upper_inner"] + lips["lower_inner"][::-1], :2]
    cheek = lm[[T.CHEEK_LEFT, T.NOSE_TIP, T.MOUTH_LEFT], :2]
    lip = _median_colour(canvas, outer, inner)
    skin = _median_colour(canvas, cheek)
    return {"lip": lip, "skin": skin}


def person_mask(rgb: np.ndarray) -> np.ndarray:
    """Soft person matte (uint8) from mediapipe's bundled selfie-segmentation model."""
    from mediapipe.python.solutions import selfie_segmentation

    with quiet_stderr(), selfie_segmentation.SelfieSegmentation(model_selection=0) as seg:
        matte = seg.process(rgb).segmentation_mask
    matte = cv2.GaussianBlur(np.clip(matte, 0, 1), (0, 0), 1.0)
    return (matte * 255).astype(np.uint8)


def rest_controls(lm: np.ndarray, rig) -> dict[str, float]:
    """A mouth photographed open (talking, smiling with teeth) is closed for the neutral pose
    by a negative jaw offset sized so the inner lips just meet."""
    gap = float(lm[T.LOWER_INNER_MID, 1] - lm[T.UPPER_INNER_MID, 1])
    jaw = rig.displacements[rig.index("jaw")]
    per_unit = float(jaw[T.LOWER_INNER_MID, 1] - jaw[T.UPPER_INNER_MID, 1])
    mw = float(np.linalg.norm(lm[T.MOUTH_RIGHT, :2] - lm[T.MOUTH_LEFT, :2]))
    if gap < 0.04 * mw or per_unit <= 0:
        return {}
    return {"jaw": -round(min(gap / per_unit, 0.8), 3)}


def add_background_plate(model: AvatarModel) -> None:
    """Store the canvas background with the person painted out, for head turns (layers.py)."""
    from ..render import layers

    plate = layers.fill_background(model.canvas_image, layers.canvas_matte(model))
    model.extras[layers.PLATE_EXTRA] = layers.encode_png(plate)


def _relax(rgb: np.ndarray, box: tuple[int, int, int], render_size: int, lm: np.ndarray,
           source: str):
    """The smile relaxed on the closed mouth (relax.py), the mesh fitted again; None when the
    mouth already rests."""
    from .relax import photo_smile, relax_photo

    got = relax_photo(rgb, box, render_size, lm)
    if got is None:
        return None
    mw_before = float(np.linalg.norm(lm[T.MOUTH_RIGHT, :2] - lm[T.MOUTH_LEFT, :2]))
    rgb, note = got
    x0, y0, side = box
    k = render_size / side
    face = find_one_face(rgb, source=source, refit=True)
    lm = face.landmarks.copy()
    lm[:, 0] = (lm[:, 0] - x0) * k
    lm[:, 1] = (lm[:, 1] - y0) * k
    lm[:, 2] *= k
    mw = float(np.linalg.norm(lm[T.MOUTH_RIGHT, :2] - lm[T.MOUTH_LEFT, :2]))
    note["photo_smile"] = photo_smile(note, mw)
    note["jaw_width_px"] = round(mw_before, 2)  # the jaw drops as far as before relaxing
    return rgb, face, lm, build_rig(lm, render_size, jaw_width=mw_before), note


def build_from_photo(photo: str | Path, render_size: int = 512, name: str | None = None,
                     relight: str | None = None, neutral: bool = True) -> AvatarModel:
    """``relight``: the lighting preset renders use by default (render/relight.py); None
    leaves the renderer's default. ``neutral=False`` skips the resting face (neutral.py) and
    animates the photo's own expression as before issue 19 (used to calibrate the check)."""
    started = time.perf_counter()
    photo = Path(photo)
    rgb = load_photo(photo)
    face = find_one_face(rgb, source=photo.name)
    x0, y0, side = canvas_box(face, rgb.shape)
    k = render_size / side
    lm = face.landmarks.copy()
    lm[:, 0] = (lm[:, 0] - x0) * k
    lm[:, 1] = (lm[:, 1] - y0) * k
    lm[:, 2] *= k
    rig = build_rig(lm, render_size)
    rest_note, teeth = None, None
    if neutral:  # start from rest: a smiling or open mouth is closed once, exactly (neutral.py)
        from .neutral import rest_photo

        got = rest_photo(rgb, (x0, y0, side), render_size, lm)
        if got is not None:  # the mesh is fitted again on the closed mouth
            rgb, rest_note, teeth = got
            face = find_one_face(rgb, source=photo.name, refit=True)
            lm = face.landmarks.copy()
            lm[:, 0] = (lm[:, 0] - x0) * k
            lm[:, 1] = (lm[:, 1] - y0) * k
            lm[:, 2] *= k
            rig = build_rig(lm, render_size)
        relaxed = _relax(rgb, (x0, y0, side), render_size, lm, photo.name)
        if relaxed is not None:
            rgb, face, lm, rig, relax_note = relaxed
            rest_note = {**(rest_note or {}), "relaxed_smile": relax_note}
    model = AvatarModel(rgb, (x0, y0, side), render_size, lm.astype(np.float32), T.triangles(), rig, {}, {})
    lips = T.lip_arcs(lm[:, :2])
    eyes = T.eye_arcs(lm[:, :2])
    model.regions = {**lips, **eyes, "face_oval": T.face_oval(), **{f"brow_{s}": v for s, v in T.brows().items()}}
    model.colors = sample_colours(model.canvas_image, lm)
    model.mask = person_mask(rgb)
    model.meta = {
        "name": name or photo.stem,
        "source": photo.name,
        "source_sha256": hashlib.sha256(photo.read_bytes()).hexdigest(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "twincast_version": __version__,
        "format_version": FORMAT_VERSION,
        "pose_deg": {"yaw": face.yaw, "pitch": face.pitch, "roll": face.roll},
        "face_px": round(face.width, 1),
        "build_seconds": round(time.perf_counter() - started, 3),
        "consent": CONSENT_NOTE,
        "rest_controls": rest_controls(lm, rig),
        "build_version": BUILD_VERSION,
    }
    if rest_note is not None:
        model.meta["neutral"] = rest_note
        if teeth is not None:
            from .neutral import TEETH_EXTRA, encode_rgba

            model.extras[TEETH_EXTRA] = encode_rgba(teeth)
    if relight is not None:
        from ..render.relight import check_preset

        model.meta["relight"] = check_preset(relight)
    add_background_plate(model)
    if neutral:  # one jaw unit opens the same share of the face on every avatar (calibrate.py)
        from .calibrate import calibrate_jaw, require_closed_rest

        model.meta["jaw_calibration"] = calibrate_jaw(model)
        require_closed_rest(model.meta["jaw_calibration"], photo.name)
        from .occlusion import colour_seen

        if not colour_seen(model.canvas_image, lm):  # say what could not be checked
            model.meta["mouth_checks"] = {
                "colour": False, "note": "greyscale photo: the mouth was not checked for a tongue "
                "out or a cover (those checks need colour); only its resting face was read"}
        model.meta["rest_controls"] = rest_controls(lm, rig)
    model.meta["build_seconds"] = round(time.perf_counter() - started, 3)
    return model
