"""Check an output path before minutes of rendering go into it.

Why: a read-only or missing folder used to surface as a bare ``PermissionError`` (no path, no
fix) from deep inside the writer, sometimes after the voices and avatars had loaded. Every
command that writes (``say``, ``show``, ``video``, ``batch``, ``live --record-dir``) calls
:func:`writable_output` first; it creates the folder if needed and proves it writable by
creating and removing a probe file, because ``os.access`` answers "yes" to root even on a
read-only mount, and only a real write tells the truth.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from ..errors import TwincastError

_WHY = {errno.EACCES: "permission denied", errno.EPERM: "permission denied", errno.EROFS: "read-only file system",
        errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
        errno.ENOTDIR: "part of the path is a file, not a folder", errno.EEXIST: "a file is in the way"}


def writable_output(path: str | Path, option: str = "-o") -> Path:
    """Create ``path``'s folder if needed and check a file can be written there; otherwise a
    :class:`TwincastError` naming the path, the reason and the fix (``option`` names the flag)."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    fix = (f"choose another place with {option} (a folder you can write to, e.g. {option} out/NAME.mp4), "
           f"or make {folder} writable (chmod u+w)")
    if path.is_dir():
        raise TwincastError(f"cannot write {path}: it is a folder", f"give a file name with {option}, e.g. "
                            f"{option} {path / 'out.mp4'}")
    blocker = _file_in_the_way(folder)
    if blocker is not None:
        raise TwincastError(f"cannot write {path}: {blocker} is a file, not a folder", fix)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".twincast-probe-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        why = _WHY.get(exc.errno or 0, exc.strerror or exc.__class__.__name__)
        raise TwincastError(f"cannot write {path}: the folder {folder} is not writable ({why})", fix) from None
    return path


def _file_in_the_way(folder: Path) -> Path | None:
    """The first existing non-folder on the way to ``folder`` (out.mp4/x.mp4 -> out.mp4)."""
    for p in [folder, *folder.parents]:
        if p.exists() or p.is_symlink():
            return None if p.is_dir() else p
    return None
