"""The ``.twin`` avatar file: everything the renderer needs, in one zip.

Layout: ``manifest.json`` (format version, metadata, regions, colours, rig control names),
``image.png`` (the source photo, RGB) and ``arrays.npz`` (landmarks, mesh, rig). A zip keeps
it inspectable with ordinary tools and lets later formats add members without breaking old
readers; the version number is checked on load so a stale file gets a clear message.
Optional members: ``mask.png`` (person matte) and ``voice.voice`` (a voice profile, the same
bytes as a ``.voice`` file: the avatar then speaks in that person's voice; see
twincast.voice.profile), and ``extra/NAME`` members (``AvatarModel.extras``: named byte blobs a
renderer or builder adds, e.g. a background plate or a video avatar's frame library; readers
that do not know a member ignore it).
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ..paths import temp_sibling
from ..errors import TwincastError

FORMAT_VERSION = 1
CONTROLS = ("jaw", "wide", "round", "press", "smile", "brow",
            "blink_r", "blink_l", "yaw", "pitch", "roll", "gaze_x", "gaze_y")
# gaze_x/gaze_y came later: a .twin saved before them stores its own (shorter) control list,
# loads as it is, and renders without eye movement (a control the rig lacks has no field).


@dataclass
class Rig:
    """Deformation rig: per-control displacement of every rig vertex at control value 1.

    Vertices are the 478 landmarks followed by anchor rings around the face and points on the
    canvas border (whose displacement is always zero, so a render pastes back without seams).
    Head controls (yaw/pitch/roll) are per degree.
    """

    vertices: np.ndarray  # (V, 2) float32, canvas pixels
    displacements: np.ndarray  # (K, V, 2) float32
    controls: tuple[str, ...] = CONTROLS
    n_landmarks: int = 478

    def index(self, name: str) -> int:
        return self.controls.index(name)


@dataclass
class AvatarModel:
    image: np.ndarray  # (H, W, 3) uint8 RGB: the whole source picture
    canvas_box: tuple[int, int, int]  # x0, y0, side in image pixels: the animated square
    render_size: int  # canvas side in rendered pixels
    landmarks: np.ndarray  # (478, 3) float32, canvas render pixels (z on the x scale)
    triangles: np.ndarray  # (T, 3) int32 canonical face-mesh triangles
    rig: Rig
    regions: dict[str, list[int]]
    colors: dict[str, list[float]]
    meta: dict = field(default_factory=dict)
    mask: np.ndarray | None = None  # (H, W) uint8 person matte of ``image``: lets a show cut the person out
    voice_profile: Any = None  # twincast.voice.profile.VoiceProfile: the voice it speaks with
    extras: dict[str, bytes] = field(default_factory=dict)  # stored as ``extra/NAME`` zip members

    @property
    def rest(self) -> dict[str, float]:
        """Control offsets that bring the photo to a neutral closed-mouth pose (e.g. a photo
        taken mid-smile with the teeth showing gets a negative jaw offset)."""
        return dict(self.meta.get("rest_controls", {}))

    @property
    def canvas_image(self) -> np.ndarray:
        """The animated square cut from the photo and scaled to the render size."""
        x0, y0, side = self.canvas_box
        crop = self.image[y0:y0 + side, x0:x0 + side]
        return cv2.resize(crop, (self.render_size, self.render_size), interpolation=cv2.INTER_AREA
                          if side > self.render_size else cv2.INTER_CUBIC)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        manifest = {
            "format": "twincast-avatar",
            "format_version": FORMAT_VERSION,
            "canvas_box": list(self.canvas_box),
            "render_size": self.render_size,
            "controls": list(self.rig.controls),
            "n_landmarks": self.rig.n_landmarks,
            "regions": self.regions,
            "colors": self.colors,
            "meta": self.meta,
        }
        if self.voice_profile is not None:
            vp = self.voice_profile
            manifest["voice_profile"] = {"name": vp.name, "f0_median_hz": round(vp.f0_median, 1),
                                         "speech_seconds": round(vp.speech_seconds, 1)}
        ok, png = cv2.imencode(".png", cv2.cvtColor(self.image, cv2.COLOR_RGB2BGR))
        if not ok:
            raise TwincastError("could not encode the avatar texture", "check free disk space and memory")
        arrays = io.BytesIO()
        np.savez_compressed(arrays, landmarks=self.landmarks, triangles=self.triangles,
                            vertices=self.rig.vertices, displacements=self.rig.displacements)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = temp_sibling(path)
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
            zf.writestr("image.png", png.tobytes(), compress_type=zipfile.ZIP_STORED)
            zf.writestr("arrays.npz", arrays.getvalue(), compress_type=zipfile.ZIP_STORED)
            if self.mask is not None:
                ok, mask_png = cv2.imencode(".png", self.mask)
                zf.writestr("mask.png", mask_png.tobytes(), compress_type=zipfile.ZIP_STORED)
            if self.voice_profile is not None:
                zf.writestr("voice.voice", self.voice_profile.to_bytes(),
                            compress_type=zipfile.ZIP_STORED)
            for name, blob in self.extras.items():
                zf.writestr(f"extra/{name}", blob, compress_type=zipfile.ZIP_STORED)
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> "AvatarModel":
        path = Path(path)
        if not path.is_file():
            raise TwincastError(f"avatar file not found: {path}",
                                "build one with `twincast avatar build PHOTO -o NAME.twin`")
        try:
            with zipfile.ZipFile(path) as zf:
                manifest = json.loads(zf.read("manifest.json"))
                png = np.frombuffer(zf.read("image.png"), np.uint8)
                arrays = np.load(io.BytesIO(zf.read("arrays.npz")))
                arrays = {k: arrays[k] for k in arrays.files}
                mask_png = zf.read("mask.png") if "mask.png" in zf.namelist() else None
                voice = zf.read("voice.voice") if "voice.voice" in zf.namelist() else None
                extras = {n[len("extra/"):]: zf.read(n) for n in zf.namelist()
                          if n.startswith("extra/") and len(n) > len("extra/")}
        except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, ValueError) as exc:
            raise TwincastError(f"{path} is not a readable .twin avatar ({exc})",
                                "rebuild it with `twincast avatar build`") from None
        if manifest.get("format") != "twincast-avatar":
            raise TwincastError(f"{path} is not a twincast avatar", "pass a file made by `twincast avatar build`")
        if manifest.get("format_version") != FORMAT_VERSION:
            raise TwincastError(
                f"{path} has avatar format {manifest.get('format_version')}, this twincast reads {FORMAT_VERSION}",
                "rebuild the avatar from its photo with `twincast avatar build`")
        image = cv2.cvtColor(cv2.imdecode(png, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
        rig = Rig(arrays["vertices"], arrays["displacements"], tuple(manifest["controls"]),
                  manifest["n_landmarks"])
        mask = cv2.imdecode(np.frombuffer(mask_png, np.uint8), cv2.IMREAD_GRAYSCALE) if mask_png else None
        profile = None
        if voice is not None:
            from ..voice.profile import VoiceProfile

            profile = VoiceProfile.from_bytes(voice, f"the voice profile inside {path}")
        return cls(image, tuple(manifest["canvas_box"]), manifest["render_size"], arrays["landmarks"],
                   arrays["triangles"], rig, manifest["regions"], manifest["colors"], manifest["meta"], mask,
                   profile, extras)
