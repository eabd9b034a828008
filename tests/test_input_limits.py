"""Photo input hygiene: an avatar photo, a listing's room photo or a B-roll picture of huge
dimensions is refused from its header, fast and with the size and the fix; listing and batch
YAML get the alias limits too."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from test_catalog_hygiene import BOMB, huge_png
from twincast.avatar.detect import load_photo
from twincast.errors import TwincastError
from twincast.image_limits import MAX_PIXELS, check_image_size, image_size
from twincast.video.layers import load_rgb
from twincast.video.listing import check_photo

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def big(tmp_path) -> Path:
    """56 megapixels: just over the limit, so a regression costs ~170 MB here, not gigabytes."""
    return huge_png(tmp_path / "big.png", 8000, 7000)


def test_header_is_read_without_decoding(tmp_path):
    path = huge_png(tmp_path / "h.png", 12000, 12000)
    t = time.perf_counter()
    assert image_size(path) == (12000, 12000)
    assert time.perf_counter() - t < 0.5
    assert image_size(tmp_path / "missing.png") is None
    (tmp_path / "junk.png").write_bytes(b"not a picture")
    assert check_image_size(tmp_path / "junk.png") is None  # left to the decoder's own message


def test_avatar_photo_too_large(big, grace_photo):
    t = time.perf_counter()
    with pytest.raises(TwincastError) as err:
        load_photo(big)
    assert time.perf_counter() - t < 1.0
    assert "8000x7000" in err.value.problem and str(big) in err.value.problem
    assert f"{MAX_PIXELS // 1_000_000} megapixels" in err.value.problem and "scale it down" in err.value.fix
    assert load_photo(grace_photo).ndim == 3  # ordinary photos still load


def test_video_pictures_too_large(big):
    with pytest.raises(TwincastError, match="8000x7000"):
        load_rgb(str(big))
    with pytest.raises(TwincastError, match=r"room 'living': picture .*8000x7000"):
        check_photo(big, "listing.yaml: room 'living'")


def test_cli_names_the_size_instead_of_an_unexpected_error(tmp_path):
    """14000x14000 used to trip Pillow's bomb guard: 'unexpected error ... report it'."""
    photo = huge_png(tmp_path / "p.png", 14000, 14000)
    env = {**os.environ, "TWINCAST_HOME": str(ROOT / ".cache")}
    out = subprocess.run([str(Path(sys.executable).with_name("twincast")), "avatar", "build", str(photo), "-o",
                          str(tmp_path / "a.twin")], capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 2, out.stderr
    assert "14000x14000" in out.stderr and "unexpected" not in out.stderr and "fix:" in out.stderr


def test_listing_and_batch_yaml_refuse_alias_bombs(tmp_path):
    from twincast.video.batch import load_jobs
    from twincast.video.listing import load_listing

    for name, load in (("listing.yaml", load_listing), ("jobs.yaml", load_jobs)):
        path = tmp_path / name
        path.write_text(BOMB + "title: *i\njobs: [*i]\n", encoding="utf-8")
        t = time.perf_counter()
        with pytest.raises(TwincastError, match="aliases"):
            load(path)
        assert time.perf_counter() - t < 2.0
