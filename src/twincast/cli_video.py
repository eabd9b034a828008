"""``twincast video`` (one short video from a template) and ``twincast batch`` (many, resumable,
local processes or a Ray cluster). See docs/video.md."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from .cli import CONFIG_HELP, _progress, app, console
from .errors import TwincastError
from .output.paths import writable_output
from .signals import Interrupted, on_signal


@app.command()
def video(template: str = typer.Argument(..., help="product-promo or property-tour."),
          data: Optional[Path] = typer.Argument(None, help="Catalog (product-promo) or listing YAML/JSON "
                                                "(property-tour); default: the bundled sample."),
          output: Path = typer.Option(Path("out/video.mp4"), "-o", "--output", help="MP4 to write (an .srt goes next to it)."),
          aspect: str = typer.Option("9:16", help="9:16 (720x1280, vertical) or 16:9 (1280x720)."),
          lang: Optional[str] = typer.Option(None, help="zh or en (default: the listing's language; zh for catalogs)."),
          product: Optional[str] = typer.Option(None, help="product-promo: the catalog product id (default: first in stock)."),
          avatar: Optional[Path] = typer.Option(None, help="Presenter .twin (default: the demo avatar)."),
          avatar_mode: str = typer.Option("pip", help="Presenter over photo scenes: pip, full or none."),
          music: str = typer.Option("auto", help="'auto' (built-in procedural bed), 'none', or an audio file; "
                                    "ducked under speech."),
          srt: bool = typer.Option(True, help="Write NAME.srt next to the video."),
          ai_label: bool = typer.Option(True, help="Visible AI label (legally required; keep it on)."),
          max_scenes: Optional[int] = typer.Option(None, help="Only the first N scenes (a quick preview)."),
          preset: str = typer.Option("ultrafast", help="libx264 preset: ultrafast (fastest, default) ... veryfast "
                                     "(~3x smaller files, 2x the encoding time) ... medium."),
          config: Optional[Path] = typer.Option(None, "--config", help=CONFIG_HELP)) -> None:
    """Make one short video from a TEMPLATE and DATA: B-roll with pan and zoom, presenter,
    captions, lower thirds, music, SRT and the AI label."""
    from .assembly import load_avatar, voice_for
    from .config.flags import with_flags
    from .video.render import render_video
    from .video.spec import VideoOptions
    from .video.templates import storyboard

    cfg = with_flags(config, {"avatar": ("avatars.host.path", avatar), "ai_label": ("stage.layout.ai_label", ai_label)})
    ai_label = cfg.stage.layout.ai_label
    if avatar is None and cfg.avatars.host.path is not None:
        avatar = cfg.avatars.host.path
    if not ai_label:
        console.print("[bold yellow]warning:[/] the visible AI label is off. AI-generated content must be "
                      "labelled where you publish it; metadata labels stay on.")
    if output.suffix.lower() != ".mp4":
        raise TwincastError(f"output {output} must end in .mp4", "e.g. -o out/tour.mp4")
    writable_output(output)  # a read-only folder: path + fix, before anything is rendered
    options = VideoOptions(aspect=aspect, lang=lang, avatar=str(avatar) if avatar else None, avatar_mode=avatar_mode,
                           music=music, product=product, srt=srt, ai_label=ai_label, preset=preset,
                           max_scenes=max_scenes).validated()
    if avatar is not None and not avatar.is_file():
        raise TwincastError(f"avatar file not found: {avatar}", "build one with `twincast avatar build PHOTO -o NAME.twin`")
    board = storyboard(template, data, options)
    for w in board.warnings:
        console.print(f"[yellow]note:[/] {w}")
    model = load_avatar(cfg, "host", avatar)
    with _progress("video") as bar:
        task = bar.add_task("", total=None)
        result = render_video(board, output, options, model, voice_for(model, cfg),
                              progress=lambda sec: bar.update(task, description=f"{sec:5.1f}s of video"))
    console.print(f"[green]wrote[/] {result.path}  {result.width}x{result.height}, {result.duration:.1f}s, "
                  f"{result.scenes} scenes, made in {result.wall_seconds:.1f}s (RTF {result.rtf:.2f})"
                  + (f"; captions {result.srt}" if result.srt else ""))


@app.command()
def batch(jobs_file: Path = typer.Argument(..., help="JOBS.yaml: defaults + a list of {template, data, output, options}."),
          workers: int = typer.Option(1, help="Local worker processes (1-8); each renders one video at a time."),
          ray: Optional[str] = typer.Option(None, "--ray", help="Run on the Ray cluster at HOST:PORT instead "
                                            "(needs `pip install 'twincast[ray]'`)."),
          force: bool = typer.Option(False, help="Render every job again, even finished ones."),
          config: Optional[Path] = typer.Option(None, "--config", help=CONFIG_HELP)) -> None:
    """Render many videos; finished outputs are skipped, partial ones redone, failures reported."""
    import dataclasses

    from .config.load import load_config
    from .video.batch import JobResult, load_jobs, run_batch

    if not 1 <= workers <= 8:
        raise TwincastError(f"--workers {workers} is out of range", "use 1 to 8 (this machine has "
                            f"{__import__('os').cpu_count()} cores)")
    jobs = load_jobs(jobs_file)
    if config is not None:  # checked here, read again in each worker (voices cannot be pickled)
        load_config(config)
        jobs = [dataclasses.replace(j, config=str(config.resolve())) for j in jobs]
    where = f"Ray cluster {ray}" if ray else f"{workers} local worker{'s' * (workers > 1)}"
    console.print(f"[bold]{len(jobs)} jobs[/] on {where}")
    progress = Progress(TextColumn("{task.fields[job]:<18}"), BarColumn(), TaskProgressColumn(),
                        TextColumn("{task.description}"), TimeElapsedColumn(), console=console)
    tasks = {}
    with progress:
        for job in jobs:
            tasks[job.id] = progress.add_task("queued", total=None, job=job.id[:18])

        def on_event(event) -> None:
            jid, kind, value = event
            task = tasks.get(jid)
            if task is None:
                return
            if kind == "plan":
                progress.update(task, total=float(value), completed=0, description="rendering")
            elif kind == "progress":
                progress.update(task, completed=float(value), description=f"{value:5.1f}s")
            elif kind == "done" and isinstance(value, JobResult):
                total = progress.tasks[task].total or 1.0
                colour = {"done": "green", "skipped": "cyan", "failed": "red"}[value.status]
                progress.update(task, total=total, completed=total, description=f"[{colour}]{value.status}")

        with on_signal(_stop_workers):
            try:
                results = run_batch(jobs, workers, ray, force, on_event)
            except Interrupted as exc:
                exc.detail = _resumable(jobs)
                raise
    table = Table(title="batch summary")
    for col in ("job", "status", "video s", "wall s", "output / reason"):
        table.add_column(col, overflow="fold")
    for r in results:
        colour = {"done": "green", "skipped": "cyan", "failed": "red"}[r.status]
        table.add_row(r.id, f"[{colour}]{r.status}", f"{r.duration:.1f}" if r.duration else "",
                      f"{r.wall:.1f}" if r.wall else "", r.reason if r.status == "failed" else r.output)
    Console().print(table)
    failed = [r for r in results if r.status == "failed"]
    counts = {s: sum(r.status == s for r in results) for s in ("done", "skipped", "failed")}
    console.print(f"{counts['done']} done, {counts['skipped']} skipped, {counts['failed']} failed")
    if failed:
        sys.exit(1)


def _stop_workers() -> None:
    """On Ctrl-C/SIGTERM: terminate the worker processes at once. Without this the process
    pool's exit would wait for the jobs running (and even start the queued ones)."""
    import multiprocessing

    for child in multiprocessing.active_children():
        child.terminate()


def _resumable(jobs) -> str:
    """Leave an interrupted batch in its documented resumable state: finished videos (MP4 +
    manifest) stay, every unfinished job's partial files are removed; say how to resume."""
    from .video.batch import clear_partial, finished

    done = 0
    for job in jobs:
        if job.error:
            continue
        if finished(job):
            done += 1
        else:
            clear_partial(job)
    return (f"{done} of {len(jobs)} videos finished, unfinished ones cleared; run the same command again to "
            "resume (finished videos are skipped)")
