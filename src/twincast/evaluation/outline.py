"""Does a turned head leave a ghost of where it was? Edge contrast along the person's old outline.

Why: a photo avatar's background behind the head is invented (the plate is filled where the
person stood). If the fill keeps a trace of the person's light halo or soft hair edge, the old
outline stays visible as a faint edge when the head turns away from it. Comparing the edge
contrast there with the background's own edge contrast far from the person gives 1 for no trace.
"""

from __future__ import annotations

import cv2
import numpy as np


def outline_trace(source_matte: np.ndarray, out: np.ndarray, matte: np.ndarray) -> tuple[float, int]:
    """(ratio, band pixels): edge contrast of ``out`` (RGB) along the old outline
    ``source_matte`` where it is background now (away from the turned person layer ``matte``),
    over the edge contrast of the background far from the person."""
    g = cv2.cvtColor(out, cv2.COLOR_RGB2GRAY).astype(np.float32)
    mag = np.hypot(cv2.Sobel(g, cv2.CV_32F, 1, 0), cv2.Sobel(g, cv2.CV_32F, 0, 1))
    person = (source_matte > 40).astype(np.uint8)
    d_out = cv2.distanceTransform(1 - person, cv2.DIST_L2, 5)
    d_in = cv2.distanceTransform(person, cv2.DIST_L2, 5)
    clear = cv2.dilate((matte > 3).astype(np.uint8), np.ones((9, 9), np.uint8)) == 0
    band = (d_out < 6) & (d_in < 10) & clear
    far = (d_out > 30) & clear
    if not band.any() or not far.any():
        return float("nan"), int(band.sum())
    return float(mag[band].mean() / mag[far].mean()), int(band.sum())
