"""``twincast voice ...``: build a voice profile and attach it to an avatar.

Lives here (not in twincast/cli.py) so the main CLI only mounts the sub-app; errors are
:class:`TwincastError` and the main CLI prints their problem and fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console

from twincast.errors import TwincastError

from .audio import RECOMMENDED_S

voice_app = typer.Typer(no_args_is_help=True,
                        help="Voice profiles: make an avatar sound like a person.")
console = Console(stderr=True)


@voice_app.command("build")
def build(recordings: List[Path] = typer.Argument(..., help="WAV/FLAC/MP3 recordings of ONE "
                                                  "consenting person, 1-5 minutes in all."),
          output: Path = typer.Option(..., "-o", "--output", help="Where to write NAME.voice."),
          name: Optional[str] = typer.Option(None, help="Profile name (default: the output name)."),
          warm: bool = typer.Option(True, help="Also prepare the English voice's calibration so "
                                    "the first `say` starts at once.")) -> None:
    """Build a .voice profile from 30 s or more of speech (1-5 min is best; silence trimmed)."""
    from .profile import build_profile

    if output.suffix != ".voice":
        output = output.with_suffix(".voice")
    with console.status("analysing recordings"):
        profile = build_profile(recordings, name=name or output.stem)
    profile.save(output)
    meta = profile.meta
    console.print(f"[green]built[/] {output}  {meta['speech_seconds']:.0f} s of speech from "
                  f"{len(meta['sources'])} file(s), F0 median {profile.f0_median:.0f} Hz, "
                  f"bandwidth {profile.bandwidth_hz / 1000:.1f} kHz, {meta['build_seconds']:.1f}s")
    if meta["speech_seconds"] < RECOMMENDED_S[0]:
        console.print(f"[yellow]note:[/] {RECOMMENDED_S[0]:.0f}-{RECOMMENDED_S[1]:.0f} s of speech "
                      "gives a closer voice; add recordings and rebuild when you can")
    if profile.bandwidth_hz < 7000:
        console.print("[yellow]note:[/] the recordings are narrow-band (telephone quality); "
                      "above that band the avatar keeps the synthetic voice's brightness")
    if warm:
        from ..defaults import _english
        from .apply import calibration

        with console.status("calibrating the English voice (first time only)"):
            calibration(_english(), "en")
    console.print(f"Use it: `twincast voice attach AVATAR.twin {output}` or "
                  f"`twincast avatar build PHOTO -o NAME.twin --voice-profile {output}`")
    console.print("[dim]Only clone the voice of a person who consented. Outputs carry an AI "
                  "label.[/]")


@voice_app.command("attach")
def attach(avatar: Path = typer.Argument(..., help="A .twin avatar."),
           profile: Optional[Path] = typer.Argument(None, help="A .voice profile; leave out with "
                                                    "--remove."),
           output: Optional[Path] = typer.Option(None, "-o", "--output",
                                                 help="Write here instead of in place."),
           remove: bool = typer.Option(False, help="Take the profile off (back to the preset).")
           ) -> None:
    """Make an avatar speak with a voice profile (stored inside the .twin file)."""
    from twincast.avatar.model import AvatarModel

    from .profile import VoiceProfile

    if profile is None and not remove:
        raise TwincastError("no voice profile given",
                            "pass NAME.voice after the avatar, or --remove to take it off")
    model = AvatarModel.load(avatar)
    model.voice_profile = None if remove else VoiceProfile.load(profile)
    out = model.save(output or avatar)
    what = "removed the voice profile from" if remove else f"attached {profile} to"
    console.print(f"[green]{what}[/] {out}")


def load_for_avatar(path: Optional[Path]):
    """The profile for ``avatar build --voice-profile`` (None when not given)."""
    if path is None:
        return None
    from .profile import VoiceProfile

    return VoiceProfile.load(path)
