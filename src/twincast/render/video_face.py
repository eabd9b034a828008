"""The video-avatar renderer: the person's own footage, with the mouth chosen per frame.

Same surface as :class:`twincast.render.face.FaceRenderer` (``controls``, ``render``,
``mask``; see :mod:`twincast.render.factory`). Each call renders the next frame of an endless
base loop (:class:`twincast.avatar.video.baseloop.BaseLoop`, a pure function of the frame
number) and pastes the real mouth that best fits the mouth controls
(:mod:`twincast.render.video_mouth`). Head turns and blinks in the controls are ignored: the
footage already moves and blinks naturally, and warping it would only add seams.

The frame number is the count of ``render`` calls: performers render every frame once, in
order, so the count is the absolute frame index for offline and live alike.
"""

from __future__ import annotations

import io
import json
from collections import OrderedDict

import cv2
import numpy as np

from ..avatar.model import AvatarModel
from ..avatar.video.baseloop import BaseLoop
from ..avatar.video.mouth import Calibration
from ..avatar.video.pack import Pack
from ..driving.track import CONTROL_NAMES
from ..errors import TwincastError
from ..driving.visemes import MOUTH
from .video_mouth import MouthPaster, MouthSelector, wanted_viseme

CACHE = 8  # decoded base frames kept (a cross-fade needs two, a jump back a few more)
LEAD = 0.5  # frames of linear look-ahead on the mouth controls


class VideoFaceRenderer:
    pure = False  # each call plays the footage on by a frame: never reuse a drawing

    def __init__(self, model: AvatarModel) -> None:
        try:
            meta = json.loads(model.extras["video/meta.json"])
            index = np.load(io.BytesIO(model.extras["video/index.npz"]))
            self._base = Pack(model.extras["video/base.pack"])
            self._mattes = Pack(model.extras["video/mattes.pack"])
            self._mouths = Pack(model.extras["video/mouth.pack"])
        except (KeyError, ValueError, json.JSONDecodeError) as exc:
            raise TwincastError(f"the video avatar {model.meta.get('name', '')!r} is incomplete ({exc})",
                                "rebuild it with `twincast avatar build VIDEO.mp4 -o NAME.twin`") from None
        self.model = model
        self.size = model.render_size
        self.controls: tuple[str, ...] = CONTROL_NAMES
        self._col = {name: i for i, name in enumerate(self.controls)}
        self._base_m = index["base_m"].astype(np.float32)
        self._base_pose = index["base_pose"].astype(np.float32)
        self.loop = BaseLoop(index["clip_of"], index["to"], index["cost"], seed=int(meta.get("seed", 7)))
        calib = Calibration.from_dict(meta["calibration"])
        self.calibration = calib
        names = meta.get("visemes", {}).get("names")  # build version 2+: labelled mouths
        labels = index["lib_vis"] if "lib_vis" in index.files and names else None
        self.library = {"feat": index["lib_feat"], "pose": index["lib_pose"], "succ": index["lib_succ"],
                        "vis": labels if labels is not None else np.full(len(index["lib_feat"]), -1, np.int8)}
        self.selector = MouthSelector(self.library["feat"], self.library["pose"], self.library["succ"], calib,
                                      labels, names)
        self.paster = MouthPaster(index["patch_alpha"], tuple(meta["patch_origin"]), self.size)
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()
        self._n = 0
        self._prev_controls: np.ndarray | None = None
        self.last_choice = (-1, -1, 0.0, -1)  # base a, base b, weight, mouth entry (for tests)
        self.last_viseme = -1  # the viseme the last controls asked for (VISEMES order)
        self.mask = np.full((self.size, self.size), 255, np.uint8)

    @property
    def frame_index(self) -> int:
        return self._n

    def _frame(self, i: int) -> np.ndarray:
        if i in self._cache:
            self._cache.move_to_end(i)
            return self._cache[i]
        img = self._base.image(i)
        if img.shape[0] != self.size:
            img = cv2.resize(img, (self.size, self.size), interpolation=cv2.INTER_LINEAR)
        self._cache[i] = img
        while len(self._cache) > CACHE:
            self._cache.popitem(last=False)
        return img

    def _matte(self, a: int, b: int, w: float) -> np.ndarray:
        m = self._mattes.image(a, gray=True).astype(np.float32)
        if w > 0:
            m += (self._mattes.image(b, gray=True).astype(np.float32) - m) * w
        return cv2.resize(m, (self.size, self.size), interpolation=cv2.INTER_LINEAR).astype(np.uint8)

    def target(self, controls: np.ndarray) -> tuple[np.ndarray, int]:
        """(target mouth features, wanted viseme), half a frame ahead of the controls: the
        chosen footage and the one-frame blend after a switch trail the target by about that much."""
        now = np.asarray(controls, np.float32)
        prev = self._prev_controls if self._prev_controls is not None else now
        self._prev_controls = now.copy()
        ahead = now + LEAD * (now - prev)
        c = lambda name: float(ahead[self._col[name]])  # noqa: E731
        viseme = wanted_viseme(np.array([c(name) for name in MOUTH], np.float32))
        return self.calibration.target(c("jaw"), c("wide"), c("round"), c("press"), c("teeth"), c("smile")), viseme

    def render(self, controls: np.ndarray, with_mask: bool = False, cutout: bool = False) -> np.ndarray:
        a, b, w = self.loop.frame(self._n)
        self._n += 1
        out = self._frame(a).copy()
        to_canon, pose = self._base_m[a], self._base_pose[a]
        if w > 0:
            nb = self._frame(b)
            out = cv2.addWeighted(out, 1 - w, nb, w, 0)
            to_canon = to_canon + (self._base_m[b] - to_canon) * w
            pose = pose + (self._base_pose[b] - pose) * w
        target, viseme = self.target(controls)
        entry, continuous = self.selector.choose(target, pose, viseme)
        self.last_viseme = viseme
        patch = self.paster.smooth(self._mouths.image(entry), continuous)
        self.paster.paste(out, patch, to_canon)
        if with_mask:
            self.mask = self._matte(a, b, w)
        self.last_choice = (a, b, w, entry)
        return out
