"""``twincast live``: the show on air (RTMP, viewer page, console, recording, analytics)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer

from .cli import CONFIG_HELP, SIZES, app, console
from .errors import TwincastError
from .output.paths import writable_output
from .signals import Interrupted


def run_live(catalog: Optional[Path] = None, rtmp: Optional[str] = None, size: str = "720x1280", lang: str = "zh",
             port: int = 8800, bind: str = "127.0.0.1", token: Optional[str] = None, minutes: float = 0.0,
             rundown: Optional[Path] = None, record_dir: Path = Path("out/live"),
             host_avatar: Optional[Path] = None, assistant: Optional[Path] = None, comments: Optional[str] = None,
             comment_replies: bool = False, comments_config=None, config: Optional[Path] = None) -> None:
    """``comments``: the --comments spec; ``comments_config``: a CommentsConfig (twincast.yaml's
    ``comments:`` section) used instead when given. ``config``: twincast.yaml (flags typed on
    the command line win over it)."""
    from .assembly import drive_config, load_avatar
    from .config.flags import with_flags
    from .config.load import expand_env
    from .live.engine import LiveShow
    from .live.web.process import serve_process
    from .show.catalog_io import load_catalog
    from .show.rundown import Rundown

    if lang not in ("zh", "en"):
        raise TwincastError(f"unknown show language {lang!r}", "use --lang zh or --lang en")
    if size not in SIZES:
        raise TwincastError(f"unknown size {size!r}", f"use one of: {', '.join(SIZES)}")
    if rtmp and not rtmp.startswith(("rtmp://", "rtmps://")):
        raise TwincastError(f"--rtmp {rtmp!r} is not an RTMP URL",
                            "copy the push URL and stream key from your platform: rtmp://HOST/APP/KEY")
    cfg = with_flags(config, {"catalog": ("catalog", catalog), "size": ("stage.size", size), "lang": ("stage.lang", lang),
                              "port": ("outputs.viewer_port", port), "bind": ("outputs.viewer_bind", bind),
                              "record_dir": ("outputs.recording_dir", record_dir),
                              "host_avatar": ("avatars.host.path", host_avatar),
                              "assistant": ("avatars.assistant.path", assistant),
                              "rtmp": ("outputs.rtmp", [rtmp] if rtmp else None)})
    size, lang, port, bind, record_dir = (cfg.stage.size, cfg.stage.lang, cfg.outputs.viewer_port,
                                          cfg.outputs.viewer_bind, cfg.outputs.recording_dir)
    urls = [expand_env(u, f"outputs.rtmp[{i}]") for i, u in enumerate(cfg.outputs.rtmp)]  # keys from the environment
    rtmp = urls[0] if urls else None
    if comments_config is None and config is not None and cfg.comments.sources and not comments:
        comments_config = cfg.comments
    writable_output(record_dir / "live.mp4", "--record-dir")  # before minutes of warm-up
    from .live.comments.cli import comments_setup

    comment_conf = comments_setup(comments, comment_replies, comments_config)  # bad spec or missing key: fails now
    cat = load_catalog(cfg.catalog)
    plan = Rundown.load(rundown, cat) if rundown else None
    show = LiveShow(cat, load_avatar(cfg, "host"), load_avatar(cfg, "assistant"), lang=lang, rundown=plan, size=size,
                    rtmp_url=rtmp, record_dir=record_dir, drive=drive_config(cfg), config=cfg)
    for url in urls[1:]:  # more platforms: the same encode, copied (LiveEncoder opens extras later)
        from .live.outputs import RtmpOutput

        show.encoder.extra.append(RtmpOutput(url, show._rtmp_event))
    server = None
    interrupted: Optional[Interrupted] = None
    try:
        console.print("[bold]warming up voices and models...[/]")
        try:
            server = serve_process(show, host=bind, port=port, token=token,  # its own process: docs/live.md
                                   on_restart=_web_restarted)
        except RuntimeError as exc:
            raise TwincastError(str(exc), f"choose another port with --port (now {port})") from None
        show.start()
        if comment_conf is not None:
            from .live.comments.manager import CommentManager

            show.comments = CommentManager(show, comment_conf, say=console.print).start()
        _announce(server, show, rtmp)
        _wait_on_air(show, minutes, server)
    except Interrupted as exc:  # Ctrl-C / SIGTERM (twincast.signals): stop cleanly, then exit 130 / 143
        interrupted = exc
    finally:
        console.print("stopping...")
        if show.comments is not None:
            show.comments.stop()
        show.stop()  # closes the recording (fragmented MP4: decodable even without this)
        state = show.on_air()
        if server is not None:
            server.stop()
    summary = (f"{state['t']:.0f}s on air, {state['frames']} frames ({state['dropped_frames']} repeated to keep "
               f"real time); recording {show.recording if state['frames'] else 'none (never on air)'}")
    if interrupted is not None:
        interrupted.detail = summary
        raise interrupted
    console.print(f"[green]stopped[/]  {summary}")


def _announce(server, show, rtmp: Optional[str]) -> None:
    console.print(f"[green]on air[/]  viewer page: [bold]{server.url}/[/]")
    console.print(f"          console:     [bold]{server.console_url}[/]")
    console.print(f"          metrics:     {server.url}/metrics    report: {server.url}/report")
    from .live.api import mask_secrets

    shown = mask_secrets(rtmp) if rtmp else None  # the stream key never reaches a terminal or its log
    console.print(f"          recording:   {show.recording}" + (f"\n          RTMP:        {shown}" if shown else ""))
    console.print("[dim]AI label on. Ctrl-C stops the show.[/]")


def _web_restarted(restarts: int, code) -> None:
    console.print(f"[yellow]the viewer page's process ended (code {code}) and was started again[/] "
                  f"(restart {restarts}); viewers' pages reconnect by themselves")


def _wait_on_air(show, minutes: float, server=None) -> None:
    """Until the show ends, ``minutes`` pass (0: no limit) or a signal raises Interrupted. A web
    process that keeps ending (past its restarts) is said once: the stream and recording go on."""
    deadline = time.monotonic() + minutes * 60 if minutes > 0 else None
    told = False
    while show.state.get("status") not in ("stopped", "error"):
        if deadline and time.monotonic() > deadline:
            return
        if server is not None and not told and not server.alive and server.restarts >= server.MAX_RESTARTS:
            told = True
            console.print(f"[red]the viewer page and console stopped[/] (their process kept ending: {server.restarts} "
                          "restarts); the stream and the recording go on. Restart the show to get them back; "
                          "the log above says why it ended.")
        time.sleep(0.5)


@app.command()
def live(catalog: Optional[Path] = typer.Option(None, help="Catalog (YAML/CSV/JSON); default: the sample shop."),
         rtmp: Optional[str] = typer.Option(None, help="RTMP push URL with stream key (Douyin, Taobao, YouTube...)."),
         size: str = typer.Option("720x1280", help="720x1280 (2.5 Mbps) or 1080x1920 (4.5 Mbps)."),
         lang: str = typer.Option("zh", help="Show language: zh or en."),
         port: int = typer.Option(8800, help="Port of the viewer page and console."),
         bind: str = typer.Option("127.0.0.1", help="Address to serve on (127.0.0.1 keeps it on this machine)."),
         token: Optional[str] = typer.Option(None, help="Console token (default: a new random one)."),
         minutes: float = typer.Option(0.0, help="Stop after this many minutes (0: run until Ctrl-C)."),
         rundown: Optional[Path] = typer.Option(None, help="Rundown YAML (order, minutes, hero slots)."),
         record_dir: Path = typer.Option(Path("out/live"), help="Where the local recording goes."),
         host_avatar: Optional[Path] = typer.Option(None, "--host-avatar", help="Host .twin (default: demo host)."),
         assistant: Optional[Path] = typer.Option(None, help="Assistant .twin (default: demo assistant)."),
         comments: Optional[str] = typer.Option(None, help="Platform comments: bilibili:CODE,youtube:VIDEO_ID,"
                                                "twitch:CHANNEL,webhook (keys from env; docs/comments.md)."),
         comment_replies: bool = typer.Option(False, help="Also post the host's answers in those chats "
                                              "(AI-labelled, rate-limited; where the platform allows)."),
         config: Optional[Path] = typer.Option(None, "--config", help=CONFIG_HELP)) -> None:
    """Go live: stream the show to RTMP and the built-in viewer page, with an operator console."""
    run_live(catalog, rtmp, size, lang, port, bind, token, minutes, rundown, record_dir, host_avatar, assistant,
             comments, comment_replies, config=config)
