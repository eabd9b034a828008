"""Find exactly one usable face in a photo, or explain why not.

Every rejection names the problem and what to do, because the person running
``avatar build`` is usually an operator with a folder of photos, not a developer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import TwincastError
from ..image_limits import check_image_size
from ..native_logs import quiet_stderr
from . import topology as T

MIN_FACE_PX = 120
MAX_YAW_DEG = 35.0
MAX_PITCH_DEG = 30.0


@dataclass(frozen=True)
class FaceFit:
    landmarks: np.ndarray  # (478, 3) in image pixels; z on the x scale, negative = nearer
    yaw: float
    pitch: float
    roll: float

    @property
    def width(self) -> float:
        return float(np.linalg.norm(self.landmarks[T.CHEEK_RIGHT, :2] - self.landmarks[T.CHEEK_LEFT, :2]))

    @property
    def height(self) -> float:
        return float(np.linalg.norm(self.landmarks[T.CHIN, :2] - self.landmarks[T.FOREHEAD, :2]))


def load_photo(path: str | Path, max_side: int = 2048) -> np.ndarray:
    """Read a photo as RGB uint8, honouring EXIF rotation, capped at ``max_side`` pixels."""
    path = Path(path)
    if not path.is_file():
        raise TwincastError(f"photo not found: {path}", "check the path and file name")
    check_image_size(path)  # header only: a 12000x12000 PNG must not be decoded
    try:
        with Image.open(path) as im:
            im = ImageOps.exif_transpose(im)
            rgb = np.asarray(im.convert("RGB"))
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise TwincastError(f"cannot read {path} as an image ({exc.__class__.__name__})",
                            "use a JPEG or PNG photo; re-export it if it came from a chat app") from None
    h, w = rgb.shape[:2]
    if min(h, w) < 64:
        raise TwincastError(f"{path} is only {w}x{h} pixels", "use a photo at least 512 pixels on each side")
    scale = max_side / max(h, w)
    if scale < 1:
        rgb = cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(rgb)


def _pose(lm: np.ndarray) -> tuple[float, float, float]:
    """Head yaw, pitch, roll in degrees from the 3D landmarks (0, 0, 0 = facing the camera)."""
    across = lm[T.CHEEK_RIGHT] - lm[T.CHEEK_LEFT]
    down = lm[T.CHIN] - lm[T.FOREHEAD]
    normal = np.cross(down, across)  # points at the camera (-z)
    normal /= np.linalg.norm(normal) + 1e-9
    yaw = math.degrees(math.atan2(normal[0], -normal[2]))
    pitch = math.degrees(math.atan2(normal[1], -normal[2]))
    eyes = lm[T.EYE_L_OUTER, :2] - lm[T.EYE_R_OUTER, :2]
    roll = math.degrees(math.atan2(eyes[1], eyes[0]))
    return yaw, pitch, roll


def detect_faces(rgb: np.ndarray, max_faces: int = 4) -> list[FaceFit]:
    from mediapipe.python.solutions import face_mesh

    h, w = rgb.shape[:2]
    with quiet_stderr(), face_mesh.FaceMesh(static_image_mode=True, max_num_faces=max_faces,
                                            refine_landmarks=True, min_detection_confidence=0.5) as fm:
        result = fm.process(rgb)
    fits = []
    for face in result.multi_face_landmarks or []:
        lm = np.array([(p.x * w, p.y * h, p.z * w) for p in face.landmark], dtype=np.float32)
        fits.append(FaceFit(lm, *_pose(lm)))
    return fits


def count_people(rgb: np.ndarray) -> int:
    """Faces in the photo at least 40 % as wide as the largest one (a poster far behind does
    not count), by mediapipe's full-range face detector.

    Why a second detector: the face mesh's own detector is short-range (faces near the camera),
    so in a group photo it may find just one small face, and the person was then told the face
    is too small instead of being told the photo shows several people."""
    from mediapipe.python.solutions import face_detection

    with quiet_stderr(), face_detection.FaceDetection(model_selection=1, min_detection_confidence=0.6) as det:
        result = det.process(rgb)
    widths = [d.location_data.relative_bounding_box.width for d in result.detections or []]
    return int(sum(w >= 0.4 * max(widths) for w in widths)) if widths else 0


def find_one_face(rgb: np.ndarray, source: str = "the photo", refit: bool = False) -> FaceFit:
    """The single usable face, or a :class:`TwincastError` that says what to change.

    ``refit``: the photo was already accepted and only its mouth was edited at build (closed,
    relaxed); the face is fitted again but not judged again, since a mesh fitted on the edited
    mouth may read the face a few pixels narrower or a degree more turned (a 125 px laughing face
    read 114 px once its mouth was closed) and the user would be told to change a photo that
    passed."""
    people = count_people(rgb)
    if people > 1:
        raise TwincastError(f"several people are in {source} ({people} faces found); an avatar needs exactly one",
                            "crop the photo so only the person who consented is in it")
    faces = detect_faces(rgb)
    if not faces:
        raise TwincastError(f"no face found in {source}",
                            "use a well-lit photo where one face looks at the camera, eyes and mouth visible")
    big = [f for f in faces if f.width >= MIN_FACE_PX * 0.5]
    if len(big) > 1:
        raise TwincastError(f"{len(big)} faces found in {source}; an avatar needs exactly one",
                            "crop the photo so only the person who consented is in it")
    best = max(faces, key=lambda f: f.width)
    return best if refit else check_face(best, source)


def check_face(face: FaceFit, source: str = "the photo") -> FaceFit:
    """Reject faces too small or turned too far to animate well."""
    if abs(face.yaw) > MAX_YAW_DEG or abs(face.pitch) > MAX_PITCH_DEG:
        raise TwincastError(
            f"the face in {source} is turned too far (yaw {face.yaw:.0f} deg, pitch {face.pitch:.0f} deg; "
            f"limits {MAX_YAW_DEG:.0f} and {MAX_PITCH_DEG:.0f})",
            "use a photo where the person faces the camera; the renderer turns the head itself")
    if face.width < MIN_FACE_PX:
        raise TwincastError(
            f"the face in {source} is only {face.width:.0f} px wide (need at least {MIN_FACE_PX})",
            "use a higher-resolution photo or one taken closer, with the face at least 120 px across")
    return face
