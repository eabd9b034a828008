"""The "hard edges" row of ``twincast check``: does a person show a pasted rectangular edge?

Why in the check: a talking head pasted into a studio as a square (its own background and all,
or cut by the footage's straight frame line) is what a viewer notices first in a composited
show, and the stage's own test (evaluation/stage_edges.py) needs the stage's boxes, which an
outside video does not have. Here a person segmenter (mediapipe's selfie segmentation, the one
the stage benchmark and the warp check use) finds each person on sampled frames, and the
person's bounding box stands in for the actor's: a pasted picture cuts the person along the
box, so a long straight run of colour jumps lies along one of its sides; a cut-out person
touches its box only at a few points. Sides on the frame's edge are not judged (a person in
their own room fills the frame), nor lines that run on past both ends of a side (a table top
or a shelf behind the person).
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

from twincast.evaluation.check_metrics import FAIL, PASS, Metric, _na
from twincast.evaluation.stage_edges import MIN_CUT, person_cuts

SAMPLE_EVERY_S = 1.0  # one frame a second (at least MIN_SAMPLES over the analysed span)
MIN_SAMPLES, MAX_SAMPLES = 8, 60
SHORT_SIDE = 720  # frames are judged at this size (see _normalised)
PERSON_MIN = 0.5  # segmentation confidence counted as person
MIN_PERSON = 0.02  # of the frame: a sampled frame with less person is not judged
FAIL_SHARE = 0.5  # more than this share of the sampled frames with a straight cut fails the row: a pasted
# picture shows in (nearly) every frame of its camera; a drawn overlay the segmenter takes for the
# person gives a cut in some frames (stage cameras with card and subtitle: 1-2 of 8,
# docs/quality-check.md#hard-edges)
BAND = (f"straight cut along a person >= {MIN_CUT:.2f} of the short side in <= {FAIL_SHARE:.0%} "
        "of sampled frames")
SOURCE = ("project band (docs/quality-check.md#hard-edges): calibrated on composited stage renders (pass) "
          "and pasted rectangles (fail); people by mediapipe selfie segmentation")


def segmenter_available() -> str | None:
    """None when the person segmenter can run, else why not."""
    try:
        from mediapipe.python.solutions import selfie_segmentation  # noqa: F401
    except Exception as exc:  # noqa: BLE001 - any import failure means: no segmenter here
        return f"mediapipe selfie segmentation unavailable ({exc.__class__.__name__})"
    return None


def sample_frames(video: str | Path, seconds: float) -> list[tuple[float, np.ndarray]]:
    """(time, RGB frame) about every :data:`SAMPLE_EVERY_S` over the first ``seconds``,
    denser for short clips (at least :data:`MIN_SAMPLES`), at most :data:`MAX_SAMPLES`."""
    with av.open(str(video)) as c:
        stream = c.streams.video[0]
        stream.thread_type = "AUTO"
        total = float(stream.duration * stream.time_base) if stream.duration else (
            float(c.duration) / av.time_base if c.duration else seconds)
        span = max(min(seconds, total), 1e-3)
        step = min(SAMPLE_EVERY_S, span / MIN_SAMPLES)
        step = max(step, span / MAX_SAMPLES)
        out, next_t, t0 = [], 0.0, None
        for frame in c.decode(stream):
            if frame.pts is None:
                continue
            t = float(frame.pts * stream.time_base)
            t0 = t if t0 is None else t0
            if t - t0 > span:
                break
            if t - t0 + 1e-6 >= next_t:
                out.append((t - t0, _normalised(frame.to_ndarray(format="rgb24"))))
                next_t += step
    return out


def _normalised(rgb: np.ndarray) -> np.ndarray:
    """The frame at :data:`SHORT_SIDE` px on its short side: the +-1 px tolerance of a straight
    line then means the same in a 224 px clip as in a 1080p stream (measured small, a real
    face clip's hair and collar gave 'straight' 22 px runs in every frame)."""
    import cv2

    k = SHORT_SIDE / min(rgb.shape[:2])
    if abs(k - 1) < 0.02:
        return rgb
    size = (int(round(rgb.shape[1] * k)), int(round(rgb.shape[0] * k)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_LINEAR if k > 1 else cv2.INTER_AREA)


def frame_runs(frames: list[tuple[float, np.ndarray]]) -> list[dict]:
    """Per sampled frame: its time, whether a person was found, and its straight cuts."""
    from mediapipe.python.solutions import selfie_segmentation

    from twincast.native_logs import quiet_stderr

    with quiet_stderr():
        seg = selfie_segmentation.SelfieSegmentation(model_selection=0)
    rows = []
    try:
        for t, rgb in frames:
            person = seg.process(np.ascontiguousarray(rgb)).segmentation_mask > PERSON_MIN
            cuts = person_cuts(rgb, person)
            worst = max(cuts, key=lambda c: c[4], default=None)
            rows.append({"t": round(t, 2), "person": float(person.mean()), "cuts": len(cuts),
                         "worst": None if worst is None else {"along": worst[0], "at": worst[1], "from": worst[2],
                                                              "to": worst[3], "share": round(worst[4], 4)}})
    finally:
        seg.close()
    return rows


def edges_metric(video: str | Path, seconds: float) -> Metric:
    """The "hard edges" row: PASS when at most :data:`FAIL_SHARE` of the sampled frames (with a
    person on them) show a person ending on a straight cut (``stage_edges.person_cuts``)."""
    why = segmenter_available()
    if why:
        return _na("hard_edges", "hard edges", BAND, SOURCE, why)
    rows = frame_runs(sample_frames(video, seconds))
    judged = [r for r in rows if r["person"] >= MIN_PERSON]
    if not judged:
        return _na("hard_edges", "hard edges", BAND, SOURCE, "no person found on the sampled frames")
    hard = [r for r in judged if r["cuts"]]
    share = len(hard) / len(judged)
    worst = max(hard, key=lambda r: r["worst"]["share"], default=None)
    where = (f"; longest {worst['worst']['share']:.2f} of the short side along {worst['worst']['along']} "
             f"{worst['worst']['at']} at {worst['t']:.1f} s") if worst else ""
    display = f"straight cut in {len(hard)}/{len(judged)} frames{where}"
    return Metric("hard_edges", "hard edges", share, display, BAND, PASS if share <= FAIL_SHARE else FAIL, SOURCE,
                  {"frames": rows, "sampled": len(rows), "judged": len(judged)})
