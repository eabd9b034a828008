"""``twincast avatar build VIDEO.mp4``: the CLI side of the video builder (progress, summary)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

from rich.console import Console
from rich.progress import Progress


def build_video_command(video: Path, output: Path, voice: str, size: int, voice_profile: Optional[Path],
                        console: Console, progress_bar: Callable[[str], Progress], language: str = "auto") -> None:
    from ...voice.profile.commands import load_for_avatar
    from .build import VideoBuildOptions, build_from_video

    from ...native_logs import native_stderr_hidden

    profile = load_for_avatar(voice_profile)
    # mediapipe's C++ warnings would print into the progress display: only Python's output shows
    with native_stderr_hidden(), progress_bar("video avatar") as bar:
        task = bar.add_task("probing", total=None)
        stages = {"tracking": 0, "cutting frames": 1}

        def report(stage: str, done: int, total: int) -> None:
            if stage in stages:  # both passes share one bar: 0-50 % tracking, 50-100 % cutting
                bar.update(task, total=2 * total, completed=stages[stage] * total + done,
                           description=f"{stage} {done / 25:5.0f}/{total / 25:.0f} s")
            else:
                bar.update(task, description=stage)

        result = build_from_video(video, output, VideoBuildOptions(render_size=size, language=language), profile, voice, report)
    meta = result.model.meta
    vid = meta["video"]
    dropped = ", ".join(f"{k} {v / 25:.1f} s" for k, v in result.dropped.items() if v) or "nothing"
    console.print(f"[green]built[/] {output}  video avatar from {vid['duration_s']:.0f} s of footage "
                  f"({vid['width']}x{vid['height']}{', rotated' if vid['rotation'] else ''}"
                  f"{', variable frame rate resampled to 25 fps' if vid['variable_rate'] else ''}), "
                  f"{result.clean_seconds:.0f} s usable, {vid['base_frames'] / 25:.0f} s base loop, "
                  f"{vid['library_entries']} mouths, {result.seconds:.0f} s")
    if result.resumed_chunks:
        console.print(f"[dim]resumed: {result.resumed_chunks} tracked chunk(s) reused from the last run[/]")
    console.print(f"[dim]dropped: {dropped}[/]")
    labelled = vid.get("viseme_labels", {}).get("source") is not None
    console.print(f"[{'green' if labelled else 'yellow'}]mouth visemes:[/] {result.viseme_note}")
    colour = "yellow" if result.model.voice_profile is None or "rough" in result.voice_note else "green"
    console.print(f"[{colour}]voice:[/] {result.voice_note}")
    if result.model.voice_profile is not None and profile is None:
        from ...voice.defaults import _english
        from ...voice.profile.apply import calibration

        with console.status("calibrating the English voice (first time only)"):  # as `twincast voice build` does
            calibration(_english(), "en")
    console.print("[dim]Use only footage of people who consented. Outputs carry an AI label.[/]")
