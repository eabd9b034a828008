"""Command-line interface. Every user-caused problem prints what happened and how to fix it."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from . import __version__
from .errors import TwincastError
from .output.paths import writable_output

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="twincast: CPU-first digital humans that speak Chinese and English.")
avatar_app = typer.Typer(no_args_is_help=True, help="Build and inspect avatars.")
app.add_typer(avatar_app, name="avatar")
from .voice.profile.commands import voice_app  # noqa: E402 - `twincast voice build/attach`

app.add_typer(voice_app, name="voice")
console = Console(stderr=True)

SIZES = {"720x1280": (720, 1280), "1080x1920": (1080, 1920)}
CONFIG_HELP = "twincast.yaml: avatars, voices, LLM, stage, outputs (docs/configuration.md); flags typed here win."


def _progress(label: str) -> Progress:
    return Progress(TextColumn(f"[bold blue]{label}"), BarColumn(), TextColumn("{task.description}"),
                    TimeElapsedColumn(), console=console, transient=False)


@avatar_app.command("build")
def avatar_build(photo: Path = typer.Argument(..., help="Portrait photo (JPEG/PNG) of a consenting person, or "
                                             "a 3-5 minute video (MP4/MOV) of them talking to camera."),
                 output: Path = typer.Option(..., "-o", "--output", help="Where to write NAME.twin."),
                 voice: str = typer.Option("female", help="Voice preset matching the person: female or male."),
                 size: int = typer.Option(512, help="Rendered face canvas in pixels (512-1024)."),
                 voice_profile: Optional[Path] = typer.Option(None, help="A .voice profile (`twincast voice "
                                                              "build`): the avatar speaks in that voice."),
                 relight: Optional[str] = typer.Option(None, help="Face lighting: none, soft, warm or studio (docs/realism.md)."),
                 lang: str = typer.Option("auto", "--lang", help="Video only: language spoken in the footage "
                                          "(auto, en or zh), for the mouth library's viseme labels.")) -> None:
    """Build a .twin avatar from ONE photo with exactly one face, or from a video of the person talking."""
    from .avatar.build import build_from_photo
    from .voice.defaults import PRESETS

    if voice not in PRESETS:
        raise TwincastError(f"unknown voice preset {voice!r}", f"use --voice {' or --voice '.join(PRESETS)}")
    if not 256 <= size <= 1024:
        raise TwincastError(f"--size {size} is out of range", "use a value from 256 to 1024 (default 512)")
    if output.suffix != ".twin":
        output = output.with_suffix(".twin")
    from .avatar.video import is_video

    if is_video(photo):  # a video of the person talking: twincast.avatar.video (docs/video-avatar.md)
        from .avatar.video.commands import build_video_command

        if lang not in ("auto", "en", "zh"):
            raise TwincastError(f"unknown --lang {lang!r}", "use --lang auto, --lang en or --lang zh")
        return build_video_command(photo, output, voice, size, voice_profile, console, _progress, lang)
    model = build_from_photo(photo, render_size=size, relight=relight)
    model.meta["voice_preset"] = voice
    from .voice.profile.commands import load_for_avatar

    model.voice_profile = load_for_avatar(voice_profile)
    model.save(output)
    pose = model.meta["pose_deg"]
    spoken = (f"voice profile {voice_profile.name}" if model.voice_profile is not None
              else f"voice {voice} (change with --voice or --voice-profile)")
    console.print(f"[green]built[/] {output}  face {model.meta['face_px']:.0f}px, yaw {pose['yaw']:+.0f} deg, "
                  f"{spoken}, {model.meta['build_seconds']:.1f}s")
    rest = model.meta.get("neutral")
    if rest and "closed_gap" in rest:  # issue 19: say what was changed from the photo
        teeth = "the photo's own teeth" if rest.get("teeth_from_photo") else "painted teeth"
        console.print(f"the photo's mouth was open ({rest['closed_gap']:.0%} of its width): the "
                      f"resting face has it closed; speech opens it onto {teeth}")
    if rest and "relaxed_smile" in rest:
        r = rest["relaxed_smile"]
        console.print(f"the photo smiles (mouth {r['width_ratio']:.2f} eye widths wide): the resting "
                      f"face relaxes it to {r['width_ratio_rest']:.2f}; the smile comes back with "
                      f"the emotion (rig smile {r['photo_smile']:.2f} = the photo's)")
    if model.meta.get("mouth_checks", {}).get("colour") is False:
        console.print(f"[yellow]note:[/] {model.meta['mouth_checks']['note']}")
    console.print("[dim]Use only likenesses of people who consented. Outputs carry an AI label.[/]")


@app.command()
def say(text: str = typer.Option(..., "--text", "-t", help="What the avatar says (Chinese, English or mixed)."),
        output: Path = typer.Option(Path("out.mp4"), "-o", "--output", help="MP4 file to write."),
        avatar: Optional[Path] = typer.Option(None, help="A .twin file (default: the embedded demo avatar)."),
        lang: str = typer.Option("auto", help="zh, en or auto (detect per sentence)."),
        size: str = typer.Option("720x1280", help="Frame size: 720x1280 or 1080x1920."),
        subtitles: bool = typer.Option(True, help="Burn in subtitles."),
        ai_label: bool = typer.Option(True, help="Visible AI label (legally required; keep it on)."),
        precision: str = typer.Option("auto", help="Voice model precision: auto, fp32, int8 or int4 "
                                      "(auto = the measured default, docs/voice-engines.md)."),
        emotion: str = typer.Option("warm", help="Expression preset: neutral, warm or excited (docs/expression.md)."),
        pose_sweep: bool = typer.Option(False, "--pose-sweep", help="Sweep the head to yaw +-30, pitch +-15, "
                                        "roll +-10 degrees (renderer test)."),
        relight: Optional[str] = typer.Option(None, help="Face lighting: none, soft, warm or studio (docs/realism.md)."),
        config: Optional[Path] = typer.Option(None, "--config", help=CONFIG_HELP)) -> None:
    """Make a video of the avatar speaking TEXT."""
    from .assembly import load_avatar, voice_for
    from .config.flags import typed_on_command_line, with_flags
    from .pipeline import say as run_say
    from .render.compose import Layout

    if lang not in ("auto", "zh", "en"):
        raise TwincastError(f"unknown language {lang!r}", "use --lang zh, --lang en or --lang auto")
    if size not in SIZES:
        raise TwincastError(f"unknown size {size!r}", f"use one of: {', '.join(SIZES)}")
    from .voice.defaults import PRECISION_CHOICES

    if precision not in PRECISION_CHOICES:
        raise TwincastError(f"unknown precision {precision!r}",
                            f"use --precision {' or --precision '.join(PRECISION_CHOICES)}")
    cfg = with_flags(config, {"avatar": ("avatars.host.path", avatar), "size": ("stage.size", size),
                              "subtitles": ("stage.layout.subtitles", subtitles),
                              "ai_label": ("stage.layout.ai_label", ai_label), "emotion": ("stage.emotion", emotion),
                              "relight": ("stage.relight", relight)})
    size, ai_label, subtitles = cfg.stage.size, cfg.stage.layout.ai_label, cfg.stage.layout.subtitles
    if not ai_label:
        console.print("[bold yellow]warning:[/] the visible AI label is off. AI-generated content must be "
                      "labelled where you publish it; metadata labels stay on.")
    from .driving.drive import DriveConfig

    drive_config = DriveConfig(emotion=cfg.stage.emotion, pose_sweep=pose_sweep)  # unknown emotion: problem + fix
    writable_output(output)  # before minutes of loading and rendering, not after
    model = load_avatar(cfg, "host")  # stage.relight / --relight: this render only
    # --precision typed (or no file): it wins over every voices.*.precision of the file
    router = voice_for(model, cfg, "host", precision if config is None or typed_on_command_line("precision") else None)
    w, h = SIZES[size]
    with _progress("rendering") as bar:
        task = bar.add_task("", total=None)
        result = run_say(model, text, output, lang, Layout(w, h, ai_label=ai_label, subtitles=subtitles),
                         config=drive_config, progress=lambda sec: bar.update(task, description=f"{sec:5.1f}s of video"),
                         router=router)
    console.print(f"[green]wrote[/] {result.path}  {result.duration:.1f}s video ({result.lang}), "
                  f"made in {result.wall_seconds:.1f}s (RTF {result.rtf:.2f})")


DEMO_TEXT = ("大家好，欢迎来到直播间！今天给大家带来一款蓝牙5.3降噪耳机，到手价只要¥199.9，还送500ml保温杯。"
             " Hello everyone, welcome to the show! These noise-cancelling earbuds are only 199 yuan today.")


@app.command()
def demo(video: bool = typer.Option(False, "--video", help="Render the bilingual demo MP4 instead of going live."),
         output: Path = typer.Option(Path("out/demo.mp4"), "-o", "--output", help="Where --video writes the demo."),
         minutes: float = typer.Option(0.0, help="Live demo: stop after this many minutes (0: until Ctrl-C)."),
         port: int = typer.Option(8800, help="Live demo: port of the viewer page and console."),
         config: Optional[Path] = typer.Option(None, "--config", help=CONFIG_HELP)) -> None:
    """The demo on embedded defaults: the live show (viewer page + console on 127.0.0.1), or
    with --video the bilingual talking-avatar MP4."""
    if video:
        say(text=DEMO_TEXT, output=output, avatar=None, lang="auto", size="720x1280", subtitles=True, ai_label=True,
            precision="auto", emotion="warm", pose_sweep=False, relight=None, config=config)
        console.print(f"[bold]Demo video:[/] {output.resolve()}")
        return
    from .cli_live import run_live

    run_live(minutes=minutes, port=port, config=config)


@app.command()
def check(video: Path = typer.Argument(..., help="Talking-face video to check (ours or anyone's)."),
          reference: Optional[Path] = typer.Option(None, "--reference", help="Photo of the person (default: the video's first frames)."),
          text: Optional[str] = typer.Option(None, "--text", help="The script spoken, or a UTF-8 text file holding it: Whisper scores intelligibility (English WER; Chinese on toned syllables)."),
          json_out: Optional[Path] = typer.Option(None, "--json", help="Write the full report with time series as JSON."),
          chart: Optional[Path] = typer.Option(None, "--chart", help="Write a PNG chart of the metrics over time."),
          seconds: float = typer.Option(120.0, "--seconds", help="Analyse the first N seconds.")) -> None:
    """Quality-check a talking-face VIDEO; exit 0 all pass, 1 some fail, 2 bad input (docs/quality-check.md)."""
    from .evaluation.check import run_check, table

    if text is not None and len(text) < 4096 and text.endswith(".txt"):
        script = Path(text)
        if not script.is_file():
            raise TwincastError(f"script file {script} not found", "pass the script's text, or the path of an existing .txt file")
        text = script.read_text(encoding="utf-8")
    with console.status("checking (face tracking, identity, speech)..."):
        report = run_check(video, reference, text, seconds)
    Console().print(table(report))
    for note in report.notes:
        console.print(f"[dim]note: {note}[/]")
    if json_out is not None:
        import json

        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
    if chart is not None:
        from .evaluation.check_chart import save_chart

        save_chart(report, chart)
    console.print(f"[dim]checked in {report.runtime_s:.0f} s[/]")
    sys.exit(report.exit_code)  # typer.Exit's code is swallowed under standalone_mode=False


@app.command()
def show(catalog: Optional[Path] = typer.Option(None, help="Catalog (YAML/CSV/JSON); default: the sample shop."),
         minutes: float = typer.Option(5.0, help="Length of the show in minutes."),
         output: Path = typer.Option(Path("out/show.mp4"), "-o", "--output", help="MP4 file to write."),
         lang: str = typer.Option("zh", help="Show language: zh or en."),
         rundown: Optional[Path] = typer.Option(None, help="Rundown YAML (product order, minutes, hero slots)."),
         comments: Optional[Path] = typer.Option(None, help="Timed viewer comments, JSON lines {t, user, text} "
                                                  "(default: a few sample comments)."),
         host: Optional[Path] = typer.Option(None, help="Host avatar .twin (default: the demo host)."),
         assistant: Optional[Path] = typer.Option(None, help="Assistant-host avatar .twin (default: demo assistant)."),
         size: str = typer.Option("720x1280", help="Frame size: 720x1280 or 1080x1920."),
         config: Optional[Path] = typer.Option(None, "--config", help=CONFIG_HELP)) -> None:
    """Render a complete live-commerce show offline: host, assistant, cameras, answers."""
    from .assembly import drive_config, load_avatar
    from .config.flags import with_flags
    from .show.catalog_io import load_catalog
    from .show.rundown import Rundown
    from .show.runner import load_comments, run_show

    if lang not in ("zh", "en"):
        raise TwincastError(f"unknown show language {lang!r}", "use --lang zh or --lang en")
    if size not in SIZES:
        raise TwincastError(f"unknown size {size!r}", f"use one of: {', '.join(SIZES)}")
    if not 0.1 <= minutes <= 24 * 60:
        raise TwincastError(f"--minutes {minutes} is out of range", "use 0.1 to 1440 minutes")
    cfg = with_flags(config, {"catalog": ("catalog", catalog), "lang": ("stage.lang", lang), "size": ("stage.size", size),
                              "host": ("avatars.host.path", host), "assistant": ("avatars.assistant.path", assistant)})
    lang, size = cfg.stage.lang, cfg.stage.size
    writable_output(output)
    cat = load_catalog(cfg.catalog)
    plan = Rundown.load(rundown, cat) if rundown else None
    if comments is not None and not comments.is_file():
        raise TwincastError(f"comments file not found: {comments}", "pass a JSON-lines file of {t, user, text}")
    from .paths import package_assets

    # the sample viewers write in the show's language (one of them in the other, answered in theirs)
    sample = "sample_comments.jsonl" if lang == "zh" else "sample_comments_en.jsonl"
    timed = load_comments(comments or package_assets() / "show" / sample)
    h, a = load_avatar(cfg, "host"), load_avatar(cfg, "assistant")
    with _progress("show") as bar:
        task = bar.add_task("", total=minutes * 60)
        result = run_show(cat, h, a, output, minutes, lang, plan, timed, SIZES[size], ai_label=cfg.stage.layout.ai_label,
                          progress=lambda sec: bar.update(task, completed=sec, description=f"{sec:6.1f}s"),
                          drive=drive_config(cfg), config=cfg)
    console.print(f"[green]wrote[/] {result.path}  {result.duration:.1f}s, {len(result.beats)} beats "
                  f"(log: {result.path.with_suffix('.beats.json')}), RTF {result.rtf:.2f}")


@app.command()
def version() -> None:
    """Print the version."""
    print(__version__)


from . import cli_live  # noqa: E402,F401 - registers `twincast live`
from . import cli_video  # noqa: E402,F401 - registers `twincast video` and `twincast batch`
from . import cli_shop  # noqa: E402,F401 - registers `twincast ask` and `twincast catalog check`
from . import cli_config  # noqa: E402,F401 - registers `twincast config init` and `twincast config check`
from .fleet.commands import fleet_app  # noqa: E402 - `twincast fleet up/status/stop/down`

app.add_typer(fleet_app, name="fleet")


def _exit_now(code: int) -> None:
    """Exit an interrupted run without interpreter teardown: synthesis threads may still be
    inside onnxruntime, and finalising under them aborts the process ("terminate called
    without an active exception", exit 134) after the clean stop was already reported."""
    import logging

    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main() -> None:
    from .output.mp4 import abort_open_writers
    from .signals import Interrupted, install

    install()  # Ctrl-C / SIGTERM -> Interrupted: clean up, one line, exit 130 / 143
    try:
        app(standalone_mode=False)
    except Interrupted as exc:
        removed = abort_open_writers()  # safety net: no .part survives, whoever held the writer
        detail = exc.detail or "no output written" + (" (partial file removed)" if removed else "")
        console.print(f"[yellow]stopped by {exc.name}[/]: {detail}", soft_wrap=True)
        _exit_now(exc.exit_code)
    except TwincastError as exc:
        console.print(f"[bold red]error:[/] {exc.problem}")
        if exc.fix:
            console.print(f"[bold]fix:[/] {exc.fix}")
        sys.exit(2)
    except (typer.Abort, KeyboardInterrupt):  # a library that installed its own SIGINT handler
        abort_open_writers()
        console.print("[yellow]stopped by Ctrl-C (SIGINT)[/]: no output written")
        _exit_now(130)
    except Exception as exc:  # noqa: BLE001 - last resort: no raw traceback for users
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if isinstance(exc, click.exceptions.Exit):
            sys.exit(exc.exit_code)
        if os.environ.get("TWINCAST_DEBUG"):
            raise
        console.print(f"[bold red]unexpected error:[/] {exc.__class__.__name__}: {exc}")
        console.print("[bold]fix:[/] rerun with TWINCAST_DEBUG=1 for details and report it")
        sys.exit(1)


if __name__ == "__main__":  # `python -m twincast.cli`: run the package's module, where every command registered
    from twincast.cli import main as _main

    _main()
