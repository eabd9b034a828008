"""Is it still the same person? 128-d face embeddings from dlib's ResNet, head yaw from the mesh.

Why dlib: ``dlib-bin`` + ``face_recognition_models`` are the only packages that ship a metric
face-identity model with its weights (notes/ASSETS.md). The embedding is the one the
``face_recognition`` package computes (HOG detector, 5-point aligner, ResNet descriptor), called
on dlib directly so that package's ``--no-deps`` install and its ``pkg_resources`` import are not
needed. dlib documents a Euclidean distance below 0.6 as "same person" (99.38 % on LFW).

Only the 5-point aligner is used: the 68-point model carries a no-commercial-use note.
Model files are located with :func:`importlib.util.find_spec`, without importing the package.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import cv2
import numpy as np

from twincast.errors import TwincastError

#: dlib's documented decision threshold for its face-recognition ResNet (Euclidean distance).
SAME_PERSON_DISTANCE = 0.6
#: Faces are scaled so the mesh's face width is about this many pixels before detection and
#: alignment: the HOG detector misses faces under ~80 px, and the aligned chip is 150 px.
_FACE_PX = 200

_INSTALL = ("pip install dlib-bin==20.0.1.post1 face_recognition_models==0.3.0 "
            "(both are in requirements.txt)")

# A generic 3D face (mm-ish), the usual six points for a PnP head pose: nose tip, chin, outer eye
# corners, mouth corners. Mesh indices of the same points follow.
_MODEL_3D = np.array([[0.0, 0.0, 0.0], [0.0, -330.0, -65.0], [-225.0, 170.0, -135.0],
                      [225.0, 170.0, -135.0], [-150.0, -150.0, -125.0], [150.0, -150.0, -125.0]])
_MESH_IDS = [1, 152, 33, 263, 61, 291]


def _model_files() -> tuple[Path, Path]:
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise TwincastError("face identity needs the face_recognition_models package", _INSTALL)
    folder = Path(list(spec.submodule_search_locations)[0]) / "models"
    five = folder / "shape_predictor_5_face_landmarks.dat"
    resnet = folder / "dlib_face_recognition_resnet_model_v1.dat"
    for f in (five, resnet):
        if not f.exists():
            raise TwincastError(f"model file missing: {f}", _INSTALL)
    return five, resnet


def identity_available() -> bool:
    """True when dlib and the model files are installed (identity metrics are skipped if not)."""
    try:
        _model_files()
        return importlib.util.find_spec("dlib") is not None
    except TwincastError:
        return False


class FaceEmbedder:
    """dlib HOG detector + 5-point aligner + ResNet descriptor (about 0.1 s per face on CPU)."""

    def __init__(self) -> None:
        try:
            import dlib
        except ImportError as exc:
            raise TwincastError("face identity needs dlib", _INSTALL) from exc
        five, resnet = _model_files()
        self._dlib = dlib
        self._detector = dlib.get_frontal_face_detector()
        self._aligner = dlib.shape_predictor(str(five))
        self._encoder = dlib.face_recognition_model_v1(str(resnet))

    def _descriptor(self, rgb: np.ndarray, rect) -> np.ndarray:
        shape = self._aligner(rgb, rect)
        return np.asarray(self._encoder.compute_face_descriptor(rgb, shape, 0), dtype=np.float64)

    def embed_photo(self, rgb: np.ndarray) -> np.ndarray | None:
        """Embedding of the largest face in a photo, or None when dlib finds no face."""
        rgb = np.ascontiguousarray(rgb)
        scale = 1.0
        if max(rgb.shape[:2]) > 1600:  # HOG on a 4000 px photo is slow and gains nothing
            scale = 1600 / max(rgb.shape[:2])
            rgb = cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        rects = list(self._detector(rgb, 1))
        if not rects:
            return None
        rect = max(rects, key=lambda r: r.width() * r.height())
        return self._descriptor(rgb, rect)

    def embed_tracked(self, rgb: np.ndarray, points: np.ndarray) -> np.ndarray | None:
        """Embedding of the face whose mesh ``points`` (N x 3 pixels) are given.

        The frame is cropped around the mesh and scaled to a standard face size, then dlib's
        own detector places the box it was trained with; if it misses (profile, blur), a box
        derived from the mesh is used instead, which the 5-point aligner tolerates.
        """
        x0, y0 = points[:, :2].min(axis=0)
        x1, y1 = points[:, :2].max(axis=0)
        fw = max(x1 - x0, 1.0)
        h, w = rgb.shape[:2]
        cx0, cy0 = int(max(0, x0 - 0.6 * fw)), int(max(0, y0 - 0.6 * fw))
        cx1, cy1 = int(min(w, x1 + 0.6 * fw)), int(min(h, y1 + 0.6 * fw))
        if cx1 - cx0 < 16 or cy1 - cy0 < 16:
            return None
        scale = _FACE_PX / fw
        crop = cv2.resize(np.ascontiguousarray(rgb[cy0:cy1, cx0:cx1]), None, fx=scale, fy=scale,
                          interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
        rects = list(self._detector(crop, 0))
        if rects:
            rect = max(rects, key=lambda r: r.width() * r.height())
        else:
            bx0, by0 = (x0 - cx0) * scale, (y0 - cy0) * scale
            bx1, by1 = (x1 - cx0) * scale, (y1 - cy0) * scale
            top = by0 + 0.25 * (by1 - by0)  # the mesh reaches the hairline; dlib boxes start at the brows
            rect = self._dlib.rectangle(int(bx0), int(top), int(bx1), int(by1))
        return self._descriptor(crop, rect)


def distance(a: np.ndarray, b: np.ndarray) -> float:
    """Euclidean distance between two embeddings (dlib's metric)."""
    return float(np.linalg.norm(np.asarray(a) - np.asarray(b)))


def head_yaw(points: np.ndarray, width: int, height: int) -> float:
    """Head yaw in degrees (0 = frontal; the sign says which way) from six mesh points by PnP.

    A generic face model is enough to sort frames into yaw bins of 10-20 degrees, which is all
    the per-pose identity breakdown needs.
    """
    image_pts = np.ascontiguousarray(points[_MESH_IDS, :2], dtype=np.float64)
    f = float(max(width, height))
    cam = np.array([[f, 0, width / 2], [0, f, height / 2], [0, 0, 1]], dtype=np.float64)
    ok, rvec, _ = cv2.solvePnP(_MODEL_3D, image_pts, cam, np.zeros(4),
                               flags=cv2.SOLVEPNP_ITERATIVE)
    if not ok:
        return float("nan")
    rot, _ = cv2.Rodrigues(rvec)
    # image y points down while the model's y points up: flip y and z so the frontal pose is
    # near the identity rotation, then read the rotation about the vertical axis
    rot = np.diag([1.0, -1.0, -1.0]) @ rot
    return float(np.degrees(np.arctan2(-rot[2, 0], np.hypot(rot[0, 0], rot[1, 0]))))


#: Yaw bins (degrees) for the per-pose identity breakdown.
YAW_BINS: tuple[tuple[str, float, float], ...] = (
    ("yaw<-20", -90.0, -20.0), ("-20..-8", -20.0, -8.0), ("frontal", -8.0, 8.0),
    ("8..20", 8.0, 20.0), ("yaw>20", 20.0, 90.0))


def yaw_bin(yaw: float) -> str | None:
    for name, lo, hi in YAW_BINS:
        if lo <= yaw < hi:
            return name
    return None


__all__ = ["SAME_PERSON_DISTANCE", "FaceEmbedder", "identity_available", "distance", "head_yaw",
           "YAW_BINS", "yaw_bin"]
