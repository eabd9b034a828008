"""``twincast batch JOBS.yaml``: many videos, resumable, failures isolated, local or on Ray.

Resumable by construction: a video is written as ``NAME.mp4.part`` and renamed when complete
(:class:`~twincast.output.mp4.Mp4Writer`), then its SRT, and *last* a sidecar manifest
``NAME.mp4.json`` holding the job's key (template, options and a hash of the data file), the
duration and the file size. A job counts as finished only if the manifest exists, its key
matches the job as written now, and the MP4 opens with that duration; anything else (a
``.part``, an MP4 without manifest, a changed listing) is removed and rendered again.

One job's failure never stops the others: every job runs inside :func:`run_job`, which turns
any exception into a :class:`JobResult` with the reason (a :class:`TwincastError`'s problem and
fix, else the exception), and the runner reports them all in the summary.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import yaml

from .. import __version__
from ..errors import TwincastError
from ..yaml_limits import load_yaml
from .spec import VideoOptions

Event = tuple[str, str, Any]  # (job id, kind, value): kind = plan | progress | done
OPTION_FIELDS = {f.name for f in dataclasses.fields(VideoOptions)}


@dataclass(frozen=True)
class Job:
    id: str
    template: str
    data: Optional[str]  # absolute path, or None for the template's sample
    output: str  # absolute path
    options: VideoOptions = VideoOptions()
    error: Optional[str] = None  # set when the job entry itself is invalid
    config: Optional[str] = None  # twincast.yaml (absolute path): voices and avatar for every job


@dataclass
class JobResult:
    id: str
    status: str  # done, skipped, failed
    output: str
    reason: str = ""
    duration: float = 0.0
    wall: float = 0.0
    warnings: list[str] = field(default_factory=list)


def load_jobs(path: Path | str) -> list[Job]:
    """Jobs from YAML: ``defaults`` (options for every job) and ``jobs`` (template, data, output,
    options, id). Paths are relative to the jobs file. A broken entry becomes a job that fails
    with its reason; only an unreadable file stops the batch."""
    path = Path(path)
    if not path.is_file():
        raise TwincastError(f"jobs file not found: {path}", "pass a YAML file with a 'jobs:' list (docs/video.md)")
    try:
        data = load_yaml(path.read_text(encoding="utf-8-sig"), str(path))  # alias bombs refused
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        raise TwincastError(f"{path}{f':{mark.line + 1}' if mark else ''}: not valid YAML",
                            "check indentation and the '- template: ...' entries") from None
    if not isinstance(data, dict) or not isinstance(data.get("jobs"), list) or not data["jobs"]:
        raise TwincastError(f"{path}: needs a non-empty 'jobs:' list", "see the example in docs/video.md")
    base = path.resolve().parent
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise TwincastError(f"{path}: 'defaults' must be a mapping of options", "e.g. defaults: {aspect: '9:16'}")
    jobs: list[Job] = []
    seen: set[str] = set()
    for n, entry in enumerate(data["jobs"], 1):
        jobs.append(_job(entry, n, base, defaults, seen))
    return jobs


def _job(entry: Any, n: int, base: Path, defaults: dict, seen: set[str]) -> Job:
    if not isinstance(entry, dict):
        return Job(f"job{n}", "?", None, str(base / f"job{n}.mp4"), error=f"job #{n} is not a mapping")
    output = entry.get("output") or f"out/{entry.get('id') or f'job{n}'}.mp4"
    out = (base / str(output)).resolve()
    jid = str(entry.get("id") or out.stem)
    while jid in seen:  # ids name jobs in the summary: keep them unique
        jid += f"-{n}"
    seen.add(jid)
    template = str(entry.get("template") or "")
    data = entry.get("data")
    opts = {**defaults, **(entry.get("options") or {})}
    unknown = sorted(set(entry) - {"id", "template", "data", "output", "options"}) + sorted(set(opts) - OPTION_FIELDS)
    error = None
    if not template:
        error = "no 'template' given (product-promo or property-tour)"
    elif unknown:
        error = f"unknown key(s) {', '.join(unknown)}; options are {', '.join(sorted(OPTION_FIELDS))}"
    elif str(out) in seen:
        error = f"output {out} is also written by an earlier job; give each job its own output"
    elif out.suffix.lower() != ".mp4":
        error = f"output {out.name} must end in .mp4"
    seen.add(str(out))
    for key in ("avatar", "music"):
        if opts.get(key) not in (None, "auto", "none"):
            opts[key] = str((base / str(opts[key])).resolve())
    try:
        options = VideoOptions(**{k: v for k, v in opts.items() if k in OPTION_FIELDS})
    except TypeError as exc:
        options, error = VideoOptions(), error or str(exc)
    return Job(jid, template, str((base / str(data)).resolve()) if data else None, str(out), options, error)


# ---------------------------------------------------------------- resuming
def job_key(job: Job) -> str:
    """Changes whenever the video would change: template, options, data file bytes, version."""
    h = hashlib.sha256()
    h.update(json.dumps([job.template, dataclasses.asdict(job.options), __version__], sort_keys=True).encode())
    for p in (job.data, job.options.avatar, job.options.music):
        if p and Path(p).is_file():
            st = Path(p).stat()
            h.update(f"{p}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


def manifest_path(output: str | Path) -> Path:
    return Path(str(output) + ".json")


def finished(job: Job) -> bool:
    """True when the output is complete for this exact job (see the module docstring)."""
    out, man = Path(job.output), manifest_path(job.output)
    if not out.is_file() or not man.is_file():
        return False
    try:
        m = json.loads(man.read_text(encoding="utf-8"))
        if m.get("key") != job_key(job) or m.get("size") != out.stat().st_size:
            return False
        import av

        with av.open(str(out)) as c:
            if not c.streams.video or not c.streams.audio:
                return False
            duration = (c.duration or 0) / 1_000_000
            next(c.decode(video=0))
        return abs(duration - float(m["duration"])) < 0.15
    except Exception:  # noqa: BLE001 - anything unreadable is simply not finished
        return False


def clear_partial(job: Job) -> None:
    """Remove what an interrupted run left, so the job starts clean."""
    out = Path(job.output)
    for p in (out.with_name(out.name + ".part"), out, manifest_path(out), out.with_suffix(".srt")):
        if p.exists():
            p.unlink()


# ---------------------------------------------------------------- one job (in a worker)
_CACHE: dict[str, Any] = {}


def _avatar_and_router(avatar: Optional[str], config: Optional[str] = None):
    """Per worker process: load each avatar and its voices once, however many jobs it runs.
    ``config``: twincast.yaml, whose voices (and host avatar, unless the job names one) apply."""
    from ..assembly import load_avatar, voice_for
    from ..config.load import load_config

    key = (avatar or "default", config)
    if key not in _CACHE:
        cfg = load_config(config)
        model = load_avatar(cfg, "host", Path(avatar) if avatar else None)
        _CACHE[key] = (model, voice_for(model, cfg))
    return _CACHE[key]


def run_job(job: Job, events=None) -> JobResult:
    """Render one job; never raises (the reason of a failure is in the result)."""
    started = time.perf_counter()

    def emit(kind: str, value: Any) -> None:
        if events is not None:
            try:
                events.put((job.id, kind, value))
            except Exception:  # noqa: BLE001 - progress is best effort
                pass

    try:
        if job.error:
            raise TwincastError(job.error)
        from ..show.scripts import speaking_seconds
        from .render import render_video
        from .templates import storyboard

        board = storyboard(job.template, job.data, job.options)
        emit("plan", sum(speaking_seconds(x, board.lang) + 0.5 for s in board.scenes for x in s.lines))
        model, router = _avatar_and_router(job.options.avatar, job.config)
        clear_partial(job)
        result = render_video(board, job.output, job.options, model, router, progress=lambda sec: emit("progress", sec))
        out = Path(job.output)
        manifest = {"key": job_key(job), "template": job.template, "duration": result.duration,
                    "frames": result.frames, "width": result.width, "height": result.height,
                    "size": out.stat().st_size, "srt": str(result.srt) if result.srt else None,
                    "cues": len(result.cues), "warnings": result.warnings, "wall_seconds": round(result.wall_seconds, 2)}
        tmp = manifest_path(out).with_suffix(".json.tmp")
        tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, manifest_path(out))  # written last: its presence means "complete"
        return JobResult(job.id, "done", job.output, duration=result.duration,
                         wall=time.perf_counter() - started, warnings=result.warnings)
    except TwincastError as exc:
        reason = exc.problem + (f" (fix: {exc.fix})" if exc.fix else "")
        return JobResult(job.id, "failed", job.output, reason, wall=time.perf_counter() - started)
    except Exception as exc:  # noqa: BLE001 - a batch reports, it does not crash
        return JobResult(job.id, "failed", job.output, f"unexpected {exc.__class__.__name__}: {exc}",
                         wall=time.perf_counter() - started)


# ---------------------------------------------------------------- runners
def _init_worker(cv_threads: int, home: Optional[str]) -> None:
    import cv2

    cv2.setNumThreads(cv_threads)
    if home:
        os.environ["TWINCAST_HOME"] = home


def run_local(jobs: list[Job], workers: int, on_event: Callable[[Event], None]) -> list[JobResult]:
    """A spawn-context process pool; progress comes back through a manager queue."""
    import multiprocessing as mp
    import queue as queue_mod
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    ctx = mp.get_context("spawn")
    results: dict[str, JobResult] = {}
    threads = max(1, (os.cpu_count() or 2) // max(workers, 1))
    with ctx.Manager() as manager:
        events = manager.Queue()
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                                 initargs=(threads, os.environ.get("TWINCAST_HOME"))) as pool:
            futures = {pool.submit(run_job, job, events): job for job in jobs}
            pending = set(futures)
            while pending:
                done, pending = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
                _drain(events, on_event, queue_mod.Empty)
                for fut in done:
                    job = futures[fut]
                    try:
                        results[job.id] = fut.result()
                    except BrokenProcessPool:
                        results[job.id] = JobResult(job.id, "failed", job.output,
                                                    "the worker process died (out of memory or killed)")
                    on_event((job.id, "done", results[job.id]))
            _drain(events, on_event, queue_mod.Empty)
    return [results[j.id] for j in jobs]


def _drain(events, on_event, empty) -> None:
    for _ in range(10_000):
        try:
            ev = events.get_nowait()
        except (empty, EOFError, OSError):
            return
        on_event(ev)


def run_batch(jobs: list[Job], workers: int = 1, ray_address: Optional[str] = None, force: bool = False,
              on_event: Callable[[Event], None] = lambda e: None) -> list[JobResult]:
    """Skip finished jobs, clear partial ones, run the rest; results in job order."""
    results: dict[str, JobResult] = {}
    todo = []
    for job in jobs:
        if job.error:  # an invalid entry fails here, without occupying a worker
            results[job.id] = run_job(job)
            on_event((job.id, "done", results[job.id]))
        elif not force and finished(job):
            results[job.id] = JobResult(job.id, "skipped", job.output, "already finished (manifest and MP4 valid)")
            on_event((job.id, "done", results[job.id]))
        else:
            todo.append(job)
    if todo:
        if ray_address:
            from .ray_runner import run_on_ray

            ran = run_on_ray(todo, ray_address, on_event)
        else:
            ran = run_local(todo, workers, on_event)
        results.update({r.id: r for r in ran})
    return [results[j.id] for j in jobs]
