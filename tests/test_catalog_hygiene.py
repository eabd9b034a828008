"""Catalog file hygiene: YAML alias bombs are refused quickly, image paths stay inside the
catalog's folder, and oversized pictures are refused from their header (never decoded)."""

from __future__ import annotations

import os
import resource
import shutil
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from twincast.errors import TwincastError
from twincast.image_limits import MAX_PIXELS, MAX_SIDE
from twincast.show.catalog_io import load_catalog, sample_catalog_path
from twincast.yaml_limits import MAX_ALIASES, load_yaml

SAMPLE = sample_catalog_path()
FIRST_IMAGE = "images: [images/earbuds-pro.png]"

# 9 levels of 9 aliases: 9**9 (387 million) strings once expanded
BOMB = "a: &a [l,l,l,l,l,l,l,l,l]\n" + "".join(
    f"{b}: &{b} [{','.join(['*' + a] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi"))


def huge_png(path: Path, width: int, height: int) -> Path:
    """A valid 1-bit PNG of the given size whose file is tiny (all zero rows, deflated)."""
    row = b"\x00" * (1 + (width + 7) // 8)
    z = zlib.compressobj(9)
    data = b"".join(z.compress(row) for _ in range(height)) + z.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", data) + chunk(b"IEND", b""))
    return path


def catalog_with_image(folder: Path, image: str) -> tuple[Path, int]:
    """The sample catalog in ``folder`` with its first product's image replaced; returns the
    file and the line of that image."""
    text = SAMPLE.read_text(encoding="utf-8")
    assert FIRST_IMAGE in text
    shutil.copytree(SAMPLE.parent / "images", folder / "images", dirs_exist_ok=True)
    path = folder / "shop.yaml"
    path.write_text(text.replace(FIRST_IMAGE, f"images: [{image}]"), encoding="utf-8")
    line = text[:text.index(FIRST_IMAGE)].count("\n") + 1
    return path, line


def _in_subprocess(code: str, timeout: float = 60.0) -> subprocess.CompletedProcess:
    """Run ``code`` with 1.5 GB of address space: without the limit under test, an alias bomb
    fails here with MemoryError or the timeout instead of taking the machine's memory."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000))

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout,
                          preexec_fn=limit, env=env)


def test_alias_bomb_is_refused_quickly(tmp_path):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BOMB + "products: [*i]\n", encoding="utf-8")
    assert len(bomb.read_bytes()) < 400
    code = (f"import time; t = time.perf_counter()\n"
            f"from twincast.show.catalog_io import load_catalog\n"
            f"from twincast.errors import TwincastError\n"
            f"try:\n    load_catalog({str(bomb)!r})\nexcept TwincastError as e:\n"
            f"    print('REFUSED', round(time.perf_counter() - t, 3)); print(e)\n")
    out = _in_subprocess(code)
    assert out.returncode == 0 and out.stdout.startswith("REFUSED"), (out.stdout, out.stderr[-2000:])
    assert float(out.stdout.split()[1]) < 2.0
    assert str(bomb) in out.stdout and "aliases" in out.stdout and "fix:" in out.stdout


def test_alias_limits(tmp_path):
    # a handful of aliases (a shared block) is fine, and shared values load as copies
    data = load_yaml("ship: &s {free: true, hours: 48}\na: *s\nb: *s\n", "ok.yaml")
    assert data["a"] == data["b"] == {"free": True, "hours": 48}
    many = "x: &x 1\nl: [" + ", ".join(["*x"] * (MAX_ALIASES + 1)) + "]\n"
    with pytest.raises(TwincastError, match=rf"more than {MAX_ALIASES} aliases"):
        load_yaml(many, "many.yaml")
    with pytest.raises(TwincastError, match="refers to itself"):
        load_yaml("a: &a [1, *a]\n", "loop.yaml")
    with pytest.raises(TwincastError, match="nested too deeply"):
        load_yaml("[" * 50_000 + "]" * 50_000, "deep.yaml")


@pytest.mark.parametrize("image", ["/etc/passwd", "../outside.png", "images/../../outside.png"])
def test_image_paths_outside_the_catalog_folder_are_refused(tmp_path, image):
    folder = tmp_path / "shop"
    folder.mkdir()
    huge = tmp_path / "outside.png"  # exists, so only the confinement can refuse it
    shutil.copy(SAMPLE.parent / "images" / "earbuds-pro.png", huge)
    path, line = catalog_with_image(folder, image)
    with pytest.raises(TwincastError) as err:
        load_catalog(path)
    assert f"{path}:{line}" in err.value.problem and "'images'" in err.value.problem
    assert "outside the catalog's folder" in err.value.problem and image in err.value.problem
    assert "relative path" in err.value.fix


def test_symlink_escaping_the_folder_is_refused(tmp_path):
    folder = tmp_path / "shop"
    folder.mkdir()
    path, _ = catalog_with_image(folder, "images/link.png")
    (folder / "images" / "link.png").symlink_to("/etc/passwd")
    with pytest.raises(TwincastError, match="outside the catalog's folder"):
        load_catalog(path)


def test_image_paths_inside_the_folder_still_load(tmp_path):
    folder = tmp_path / "shop"
    folder.mkdir()
    path, _ = catalog_with_image(folder, "images/./earbuds-pro.png")
    cat = load_catalog(path)
    assert cat.image_paths(cat.products[0])[0] == (folder / "images" / "earbuds-pro.png").resolve()


def test_csv_catalog_image_outside_is_refused_with_its_line(tmp_path):
    csv = (SAMPLE.parent / "sample.csv").read_text(encoding="utf-8")
    header, first, *rest = csv.splitlines()
    cols = header.split(",")
    assert cols[-1] == "images" and first.endswith("images/earbuds-pro.png")
    (tmp_path / "shop.csv").write_text("\n".join([header, first.replace("images/earbuds-pro.png", "/etc/hosts")]
                                                 + rest) + "\n", encoding="utf-8")
    shutil.copytree(SAMPLE.parent / "images", tmp_path / "images")
    with pytest.raises(TwincastError, match=r"shop\.csv:2: product .* field 'images': '/etc/hosts' is outside"):
        load_catalog(tmp_path / "shop.csv")


def test_huge_catalog_image_is_refused_from_its_header(tmp_path):
    folder = tmp_path / "shop"
    folder.mkdir()
    path, line = catalog_with_image(folder, "images/huge.png")
    huge_png(folder / "images" / "huge.png", 12000, 12000)
    assert (folder / "images" / "huge.png").stat().st_size < 100_000
    t = time.perf_counter()
    with pytest.raises(TwincastError) as err:
        load_catalog(path)
    assert time.perf_counter() - t < 2.0
    assert f"{path}:{line}" in err.value.problem and "12000x12000" in err.value.problem
    assert f"{MAX_PIXELS // 1_000_000} megapixels" in err.value.problem and "scale it down" in err.value.fix
    huge_png(folder / "images" / "huge.png", MAX_SIDE + 1, 10)  # few pixels, too long a side
    with pytest.raises(TwincastError, match=f"{MAX_SIDE + 1}x10"):
        load_catalog(path)
