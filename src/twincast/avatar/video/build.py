"""Video -> ``.twin``: two streaming passes with checkpoints, then assembly.

Pass 1 tracks every frame (:mod:`.track`), the plan picks clean segments, the crop, the
representative frame, the base-loop clips and the library frames (:mod:`.clean`), pass 2 cuts
them out (:mod:`.extract`), and the assembly builds the motion graph, the calibration, the
photo-style fields every ``.twin`` has (landmarks, rig, regions, colours from the
representative frame) and the voice profile from the soundtrack.

Both passes write one checkpoint per ``CHUNK`` frames into ``NAME.twin.build/`` next to the
output; a rerun after an interruption skips the finished chunks (the folder is removed when
the avatar is saved). Memory stays flat: frames are decoded one at a time.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

from ... import __version__
from ...errors import TwincastError
from .. import topology as T
from ..build import CONSENT_NOTE, person_mask, rest_controls, sample_colours
from ..model import FORMAT_VERSION, AvatarModel
from ..rig import build_rig
from . import clean as C
from .baseloop import transition_table
from .extract import Extractor, Plan, merge_chunks, smoothed_alignment
from .geometry import head_pose
from .labels import NAMES as VISEME_NAMES
from .labels import FrameLabels, label_frames
from .mouth import Calibration, patch_frame
from .probe import FPS, VideoInfo, constant_rate_frames, probe_video, read_audio_track
from .track import FaceTracker, TrackChunk, track_frames

log = logging.getLogger(__name__)
CHUNK = 250  # frames per checkpoint (10 s)
VOICE_SECONDS = 180  # soundtrack given to the voice-profile builder: plenty (it wants 1-5 min), and
# its analysis holds ~5 MB per second of audio, so a long video stays inside the memory budget
STATE_VERSION = 1
BUILD_VERSION = 2  # 2: mouth-library entries carry viseme labels (1: shape only; still rendered)
Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class VideoBuildOptions:
    render_size: int = 512
    base_seconds: float = 40.0  # footage in the base loop
    library_cap: int = 3000  # mouth-library entries
    voice_from_video: bool = True
    language: str = "auto"  # of the soundtrack, for the viseme labels: "auto", "en" or "zh"
    seed: int = 7


@dataclass
class VideoBuildReport:
    model: AvatarModel
    info: VideoInfo
    clean_seconds: float
    dropped: dict[str, int]
    voice_note: str
    viseme_note: str
    resumed_chunks: int
    seconds: float


def _fingerprint(info: VideoInfo, options: VideoBuildOptions) -> dict:
    st = info.path.stat()
    return {"version": STATE_VERSION, "source": info.path.name, "size": st.st_size, "mtime_ns": st.st_mtime_ns,
            "render_size": options.render_size, "base_seconds": options.base_seconds,
            "library_cap": options.library_cap}


def _work_dir(output: Path, info: VideoInfo, options: VideoBuildOptions) -> Path:
    work = output.with_name(output.name + ".build")
    state = work / "state.json"
    want = _fingerprint(info, options)
    if work.exists():
        try:
            same = json.loads(state.read_text()) == want
        except (OSError, json.JSONDecodeError):
            same = False
        if not same:  # another video or other settings: start over
            shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    state.write_text(json.dumps(want))
    return work


def _save_npz(path: Path, **arrays) -> None:
    """Atomic: a checkpoint either exists whole or not at all."""
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, **arrays)
    tmp.replace(path)


def _chunks(frames):
    """Group a ``(k, rgb)`` stream by checkpoint chunk, lazily: a chunk's frames stream through
    one at a time (250 frames of 1080p would be 1.5 GB if gathered)."""
    return itertools.groupby(frames, key=lambda item: item[0] // CHUNK)


def track_pass(info: VideoInfo, work: Path, progress: Progress | None) -> tuple[TrackChunk, int]:
    n = info.n_frames
    n_chunks = (n + CHUNK - 1) // CHUNK
    files = [work / f"track_{c:05d}.npz" for c in range(n_chunks)]
    done = sum(f.exists() for f in files)
    todo = [c for c in range(n_chunks) if not files[c].exists()]
    if todo:
        first = todo[0]
        with FaceTracker() as tracker:
            for c, group in _chunks(constant_rate_frames(info, first * CHUNK)):
                if files[c].exists():
                    continue
                chunk = track_frames(tracker, group, c * CHUNK)
                tmp = files[c].with_suffix(".tmp.npz")
                chunk.save(tmp)
                tmp.replace(files[c])
                if c == 0:  # refuse a clearly wrong video after 10 s, not after all of it
                    C.check_people(chunk, info.path.name, partial=True)
                if progress:
                    progress("tracking", min(n, (c + 1) * CHUNK), n)
    chunks = [TrackChunk.load(f) for f in files]
    return TrackChunk.concat(chunks), done


def make_plan(track: TrackChunk, cleaned: C.Cleaned, info: VideoInfo, options: VideoBuildOptions) -> tuple[Plan, int]:
    box = C.crop_box(track, cleaned, info.width, info.height)
    rep = C.representative_frame(track, cleaned)
    plan = Plan(box, options.render_size, np.zeros((478, 3), np.float32), None)  # type: ignore[arg-type]
    plan.rep_canvas = plan.to_canvas(track.landmarks[rep])
    plan.patch = patch_frame(plan.rep_canvas, options.render_size)
    windows = C.base_windows(track, cleaned, options.base_seconds)
    plan.base = {k for a, b in windows for k in range(a, b)}
    plan.library = set(C.library_frames(cleaned, options.library_cap).tolist())
    plan.to_canon = smoothed_alignment(plan, track.landmarks, cleaned.segments)
    return plan, rep


def extract_pass(info: VideoInfo, plan: Plan, rep: int, track: TrackChunk, work: Path,
                 progress: Progress | None) -> tuple[dict, np.ndarray]:
    n = info.n_frames
    n_chunks = (n + CHUNK - 1) // CHUNK
    files = [work / f"extract_{c:05d}.npz" for c in range(n_chunks)]
    rep_file = work / "representative.png"
    wanted = plan.base | plan.library | {rep}
    todo = [c for c in range(n_chunks) if not files[c].exists()
            or (c == rep // CHUNK and not rep_file.exists())]
    if todo:
        extractor = Extractor(plan)
        try:
            first = todo[0]
            def keep(group):
                for k, rgb in group:
                    if k == rep:
                        ok, png = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
                        rep_file.write_bytes(png.tobytes())
                    if k in wanted:
                        yield k, rgb

            for c, group in _chunks(constant_rate_frames(info, first * CHUNK)):
                if c not in todo:
                    continue
                result = extractor.chunk(keep(group), track.landmarks)
                _save_npz(files[c], **result)
                if progress:
                    progress("cutting frames", min(n, (c + 1) * CHUNK), n)
        finally:
            extractor.close()
    merged = merge_chunks([dict(np.load(f)) for f in files])
    full = cv2.cvtColor(cv2.imdecode(np.frombuffer(rep_file.read_bytes(), np.uint8), cv2.IMREAD_COLOR),
                        cv2.COLOR_BGR2RGB)
    return merged, full


def _successors(idx: np.ndarray) -> np.ndarray:
    """Index of the entry holding the next source frame, or -1."""
    succ = np.full(len(idx), -1, np.int32)
    consecutive = np.flatnonzero(np.diff(idx) == 1)
    succ[consecutive] = consecutive + 1
    return succ


def viseme_labels(info: VideoInfo, work: Path, options: VideoBuildOptions) -> FrameLabels:
    """Per-frame viseme labels from the soundtrack (:mod:`.labels`), checkpointed in ``work``
    so a resumed build does not transcribe again."""
    saved = work / "labels.npz"
    meta = json.loads(str(np.load(saved)["meta"])) if saved.exists() else {}
    if meta.get("requested") == options.language:  # same language setting as the interrupted run
        data = np.load(saved)
        return FrameLabels(data["labels"], meta["lang"], meta["words"], meta["seconds"], meta["source"],
                           meta["note"])
    if not info.has_audio:
        labels = FrameLabels(np.full(info.n_frames, -1, np.int8), "", 0, 0.0, None,
                             "no viseme labels: the video has no audio track; mouths are chosen by shape only")
    else:
        labels = label_frames(read_audio_track(info, 16_000), info.n_frames, FPS, options.language)
    if not labels.ok:
        log.warning("%s", labels.note)
    meta = {k: getattr(labels, k) for k in ("lang", "words", "seconds", "source", "note")}
    meta["requested"] = options.language
    _save_npz(saved, labels=labels.labels, meta=np.array(json.dumps(meta)))
    return labels


def voice_from_audio(info: VideoInfo, work: Path, name: str):
    """(profile or None, note): the soundtrack becomes the voice; a clear note when it cannot."""
    from ...voice.profile import MIN_SPEECH_S, build_profile

    import soundfile as sf

    audio = read_audio_track(info, 24_000)[: VOICE_SECONDS * 24_000]
    wav = work / "voice.wav"
    sf.write(str(wav), audio, 24_000)
    try:
        profile = build_profile([wav], name=name)
        return profile, f"voice profile from the video's sound ({profile.speech_seconds:.0f} s of speech)"
    except TwincastError as first:
        try:  # a short clip: a rougher profile from what there is, rather than none
            profile = build_profile([wav], name=name, min_speech_s=8.0)
            return profile, (f"voice profile from only {profile.speech_seconds:.0f} s of speech (under "
                             f"{MIN_SPEECH_S:.0f} s: rough); record longer footage for a closer voice")
        except TwincastError as exc:
            return None, (f"no voice profile: {exc.problem or first.problem}; the avatar speaks with the "
                          "preset voice (fix: `twincast voice build` from a clean recording, then "
                          "`twincast voice attach`)")


def assemble(info: VideoInfo, plan: Plan, rep: int, track: TrackChunk, cleaned: C.Cleaned, merged: dict,
             full: np.ndarray, options: VideoBuildOptions, started: float,
             labels: FrameLabels | None = None) -> AvatarModel:
    from .pack import Pack

    x0, y0, side = plan.box
    crop = full[y0:y0 + side, x0:x0 + side]
    img_side = min(side, 1024)
    image = cv2.resize(crop, (img_side, img_side), interpolation=cv2.INTER_AREA) if img_side != side else crop.copy()
    lm = plan.rep_canvas.astype(np.float32)
    size = options.render_size
    rig = build_rig(lm, size)
    model = AvatarModel(np.ascontiguousarray(image), (0, 0, img_side), size, lm, T.triangles(), rig, {}, {})
    model.regions = {**T.lip_arcs(lm[:, :2]), **T.eye_arcs(lm[:, :2]), "face_oval": T.face_oval(),
                     **{f"brow_{s}": v for s, v in T.brows().items()}}
    model.colors = sample_colours(model.canvas_image, lm)
    model.mask = person_mask(model.image)
    base_idx = merged["base_idx"]
    clip_of = np.cumsum(np.r_[0, np.diff(base_idx) != 1]).astype(np.int32)
    to, cost = transition_table(merged["base_desc"], clip_of)
    lib_feat = merged["lib_feat"]
    calib = Calibration.fit(lib_feat)
    index = io.BytesIO()
    vis = {}
    if labels is not None and labels.ok:  # the entry's frame's viseme (-1 where unknown)
        vis["lib_vis"] = labels.labels[np.clip(merged["lib_idx"], 0, len(labels.labels) - 1)].astype(np.int8)
    vis_meta = {"names": list(VISEME_NAMES), **(labels.summary() if labels is not None else {"source": None})}
    if "lib_vis" in vis:
        vis_meta["library_labelled"] = int((vis["lib_vis"] >= 0).sum())
    np.savez_compressed(index, **vis, base_idx=base_idx, clip_of=clip_of, base_m=merged["base_m"],
                        base_pose=merged["base_pose"], to=to, cost=cost, lib_idx=merged["lib_idx"],
                        lib_feat=lib_feat, lib_pose=merged["lib_pose"], lib_succ=_successors(merged["lib_idx"]),
                        patch_alpha=plan.patch.alpha, patch_inner=plan.patch.inner)
    video_meta = {"patch_origin": [plan.patch.x0, plan.patch.y0], "mouth_width": plan.patch.mouth_width,
                  "calibration": calib.to_dict(), "seed": options.seed, "fps": FPS,
                  "build_version": BUILD_VERSION, "visemes": vis_meta}
    model.extras = {"video/base.pack": merged["base_jpg"], "video/mattes.pack": merged["matte_jpg"],
                    "video/mouth.pack": merged["lib_jpg"], "video/index.npz": index.getvalue(),
                    "video/meta.json": json.dumps(video_meta).encode()}
    yaw, pitch, roll = head_pose(track.landmarks[rep])
    face_w = float(np.linalg.norm(track.landmarks[rep, T.CHEEK_RIGHT, :2] - track.landmarks[rep, T.CHEEK_LEFT, :2]))
    digest = hashlib.sha256()
    with open(info.path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    model.meta = {
        "kind": "video",
        "name": info.path.stem,
        "source": info.path.name,
        "source_sha256": digest.hexdigest(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "twincast_version": __version__,
        "format_version": FORMAT_VERSION,
        "pose_deg": {"yaw": yaw, "pitch": pitch, "roll": roll},
        "face_px": round(face_w, 1),
        "consent": CONSENT_NOTE,
        "rest_controls": rest_controls(lm, rig),
        "video": {"duration_s": round(info.duration, 2), "width": info.width, "height": info.height,
                  "rotation": info.rotation, "variable_rate": info.variable_rate,
                  "nominal_fps": round(info.nominal_fps, 3), "clean_s": round(cleaned.clean_seconds, 1),
                  "dropped_frames": cleaned.reasons, "base_frames": int(len(base_idx)),
                  "base_clips": int(clip_of.max() + 1) if len(clip_of) else 0,
                  "library_entries": int(len(Pack(merged["lib_jpg"]))), "crop_box": list(plan.box),
                  "representative_frame": rep, "build_version": BUILD_VERSION,
                  "viseme_labels": {k: v for k, v in vis_meta.items() if k != "names"}},
    }
    model.meta["build_seconds"] = round(time.perf_counter() - started, 2)
    return model


def build_from_video(video: str | Path, output: str | Path, options: VideoBuildOptions = VideoBuildOptions(),
                     voice_profile=None, voice_preset: str = "female",
                     progress: Progress | None = None) -> VideoBuildReport:
    """Build (or resume building) the avatar of the person in ``video`` and save it to ``output``."""
    started = time.perf_counter()
    output = Path(output)
    info = probe_video(video)
    if not info.has_audio and voice_profile is None and options.voice_from_video:
        raise TwincastError(f"{info.path.name} has no audio track; the avatar's voice is taken from it",
                            "use a recording with the person's voice, or give a voice with "
                            "--voice-profile NAME.voice (`twincast voice build`)")
    work = _work_dir(output, info, options)
    track, resumed = track_pass(info, work, progress)
    cleaned = C.clean_frames(track, info.path.name)
    plan, rep = make_plan(track, cleaned, info, options)
    merged, full = extract_pass(info, plan, rep, track, work, progress)
    if progress:
        progress("viseme labels", 0, 1)
    labels = viseme_labels(info, work, options)
    if progress:
        progress("assembling", 0, 1)
    model = assemble(info, plan, rep, track, cleaned, merged, full, options, started, labels)
    note = "voice profile given with --voice-profile"
    if voice_profile is not None:
        model.voice_profile = voice_profile
    elif options.voice_from_video:
        if progress:
            progress("voice profile", 0, 1)
        model.voice_profile, note = voice_from_audio(info, work, output.stem)
    model.meta["voice_preset"] = voice_preset  # the engine a profile converts from, or the voice
    if model.voice_profile is not None:
        model.meta["voice_preset"] = "male" if model.voice_profile.f0_median < 165 else "female"
    model.meta["build_seconds"] = round(time.perf_counter() - started, 2)
    model.save(output)
    shutil.rmtree(work, ignore_errors=True)
    return VideoBuildReport(model, info, cleaned.clean_seconds, cleaned.reasons, note, labels.note, resumed,
                            time.perf_counter() - started)
