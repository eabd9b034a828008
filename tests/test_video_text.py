"""Every text a short video draws is whole on screen (issue 20): lower thirds, titles, price
cards and captions, in both languages and both frame sizes, read back by OCR (rapidocr, as the
stage's tests in test_stage_text.py).

Titles: the longest product name (by drawn width) of the bundled sample catalog and the longest
of all catalogs under ``data/answers/*/catalog.yaml``, put through both templates:
product-promo as the catalog's own product (hook and closing lower thirds, the price card),
property-tour as a listing's title (intro lower third, a room's subtitle). Frames are drawn by
the renderer's own :class:`SceneDrawer` (no avatar: the text does not depend on it)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import yaml

from test_stage_text import _norm, whole  # the stage's OCR judgement: one rule for both
from twincast.render.text_overlay import font
from twincast.video.captions import split_caption
from twincast.video.render import SLIDE_IN_FRAMES, SceneDrawer, SceneTake
from twincast.video.spec import ASPECTS, VideoOptions
from twincast.voice.base import Speech

pytestmark = pytest.mark.slow  # ~100 OCR passes on drawn frames

ROOT = Path(__file__).resolve().parents[1]
DATA_CATALOGS = sorted(p.parent.name for p in (ROOT / "data" / "answers").glob("*/catalog.yaml"))
# the bundled shop, and the widest name (per language) among every other catalog: the hardest
# title of them all; one case per catalog cost ~3 minutes of OCR for no more coverage
CATALOGS = ["sample", "widest"]


def _catalog_path(name: str) -> Path | None:
    return None if name == "sample" else ROOT / "data" / "answers" / name / "catalog.yaml"


def _resolve(catalog: str, lang: str) -> str:
    """"widest": the data catalog holding the widest ``lang`` name of them all."""
    if catalog != "widest":
        return catalog
    f = font(36)
    return max(DATA_CATALOGS, key=lambda c: f.getlength(longest(c, lang)[0].name.get(lang)))


def longest(catalog: str, lang: str, k: int = 1):
    """The ``k`` products whose ``lang`` name is widest when drawn."""
    from twincast.show.catalog_io import load_catalog

    products = load_catalog(_catalog_path(_resolve(catalog, lang))).products
    f = font(36)
    return sorted(products, key=lambda p: f.getlength(p.name.get(lang)))[-k:]


@pytest.fixture(scope="module")
def ocr():
    from rapidocr import RapidOCR

    engine = RapidOCR()

    def read(rgb: np.ndarray) -> str:
        return " ".join(engine(np.ascontiguousarray(rgb)).txts or ())

    return read


def draw(drawer: SceneDrawer, scene, cue: str | None = None, at: float = 1.0) -> np.ndarray:
    """One frame of ``scene`` as the renderer draws it at progress ``at`` of the camera move (the
    card moves with the picture; the default, the last frame, is long after the lower third's
    slide-in), with ``cue`` as the caption on screen."""
    from twincast.video.spec import Cue

    n = 3 * SLIDE_IN_FRAMES
    sr = 16000
    speech = Speech(np.zeros(sr, np.float32), sr, [], "", "zh")
    cues = [Cue(0.0, 10.0, cue)] if cue else []
    take = SceneTake(scene, np.zeros(n * 640, np.float32), speech, n, cues, [])
    want = int(round(at * (n - 1)))
    for i, frame in enumerate(drawer.frames(take, None)):
        if i == want:
            return frame
    raise AssertionError("no frame drawn")


def band(frame: np.ndarray, y: int, h: int, margin: int = 12) -> np.ndarray:
    """The frame's full-width rows around a patch: what is on screen there, wherever it sits."""
    return frame[max(0, y - margin):min(frame.shape[0], y + h + margin)]


def _inside(drawer: SceneDrawer, patch, x: int, y: int) -> bool:
    return x >= 0 and y >= 0 and x + patch.size[0] <= drawer.w and y + patch.size[1] <= drawer.h


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _rect(patch, x: int, y: int) -> tuple[int, int, int, int]:
    return x, y, x + patch.size[0], y + patch.size[1]


@pytest.mark.parametrize("aspect", list(ASPECTS))
@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("catalog", CATALOGS)
def test_product_promo_titles_cards_and_captions_are_whole(ocr, catalog, lang, aspect):
    from twincast.video.templates import storyboard

    catalog = _resolve(catalog, lang)
    (product,) = longest(catalog, lang)
    name = product.name.get(lang)
    path = _catalog_path(catalog)
    board = storyboard("product-promo", path, VideoOptions(aspect=aspect, lang=lang, product=product.id))
    drawer = SceneDrawer(None, *ASPECTS[aspect])
    missing = []
    titled = [s for s in board.scenes if s.title == name]
    assert titled, "the hook and the closing scene carry the name in their lower third"
    caption = next(iter(split_caption(name, 45.0 if drawer.portrait else 66.0)))
    for scene in titled[:1] + titled[-1:]:
        patch, x, y = drawer.lower_third(scene)
        cap, cx, cy = drawer.caption(caption)
        assert _inside(drawer, patch, x, y) and _inside(drawer, cap, cx, cy)
        assert not _overlap(_rect(patch, x, y), _rect(cap, cx, cy)), "the lower third clears the caption"
        frame = draw(drawer, scene, caption)
        seen = ocr(band(frame, y, patch.size[1]))
        for text in (scene.title, scene.subtitle):
            if text and not whole(text, seen):
                missing.append(("lower third", text, seen))
        if not whole(caption, ocr(band(frame, cy, cap.size[1]))):
            missing.append(("caption", caption, ""))
    priced = [s for s in board.scenes if s.backdrop.card]
    assert priced, "the price scene shows the product card"
    for at in (0.0, 1.0):  # both ends of the camera move: the card must stay in the frame
        seen = ocr(draw(drawer, priced[0], at=at))
        for text in (name, priced[0].backdrop.card[2] or priced[0].backdrop.card[1]):
            if not whole(text, seen):
                missing.append((f"card at {at}", text, seen))
    assert not missing, missing


def _listing(tmp_path: Path, lang: str, title: str) -> Path:
    from twincast.video.listing import sample_listing_path

    sample = sample_listing_path(lang)
    data = yaml.safe_load(sample.read_text(encoding="utf-8"))
    data["title"] = title
    data["rooms"] = [dict(data["rooms"][0], photo=str(sample.parent / data["rooms"][0]["photo"]))]
    path = tmp_path / f"listing_{lang}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("aspect", list(ASPECTS))
@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("catalog", CATALOGS)
def test_property_tour_titles_are_whole(ocr, tmp_path, catalog, lang, aspect):
    """The catalog's longest name as a listing's title: the intro's lower third (title and the
    price/area/layout line) and the first room's subtitle."""
    from twincast.video.templates import storyboard

    drawer = SceneDrawer(None, *ASPECTS[aspect])
    missing = []
    title = longest(catalog, lang)[0].name.get(lang)
    board = storyboard("property-tour", _listing(tmp_path, lang, title), VideoOptions(aspect=aspect))
    intro = board.scenes[0]
    room = next(s for s in board.scenes if s.subtitle == title)
    for scene in (intro, room):
        patch, x, y = drawer.lower_third(scene)
        assert _inside(drawer, patch, x, y)
        seen = ocr(band(draw(drawer, scene), y, patch.size[1]))
        for text in (scene.title, scene.subtitle):
            if text and not whole(text, seen):
                missing.append((text, seen))
    assert not missing, missing


def test_the_check_fails_on_the_old_ellipsis_lower_third(ocr):
    """Negative control: the lower third before issue 20 cut a long title with an ellipsis."""
    from PIL import Image, ImageDraw

    title = longest("sample", "en")[0].name.en
    drawer = SceneDrawer(None, 720, 1280)
    room = int(720 * 0.78) - 2 * 16 - 10
    f = font(36)
    cut = title
    while f.getlength(cut) > room:
        cut = cut[:-2] + "…"
    assert cut != title, "the longest sample name needed cutting before"
    img = Image.new("RGB", (720, 90), (255, 255, 255))
    ImageDraw.Draw(img).text((26, 16), cut, font=f, fill=(30, 30, 36))
    seen = ocr(np.asarray(img))
    assert _norm(seen) and not whole(title, seen)
    scene = replace(next(s for s in _promo_scenes(drawer) if s.title), title=title)
    patch, x, y = drawer.lower_third(scene)
    assert whole(title, ocr(band(draw(drawer, scene), y, patch.size[1])))


def _promo_scenes(drawer: SceneDrawer):
    from twincast.video.templates import storyboard

    return storyboard("product-promo", None, VideoOptions(lang="en")).scenes
