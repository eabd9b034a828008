""""How heavy is it?" states the catalog's weight even when the dimensions carry a note about
something else (a folded size); the note's details follow it."""

from __future__ import annotations

import shutil
from pathlib import Path

from twincast.show.answers import AnswerEngine
from twincast.show.answers.types import Comment
from twincast.show.catalog_io import load_catalog

SAMPLE = Path(__file__).resolve().parents[1] / "src/twincast/assets/catalog/sample.yaml"


def test_weight_is_said_even_with_a_dimensions_note(tmp_path):
    shutil.copytree(SAMPLE.parent / "images", tmp_path / "images")
    text = SAMPLE.read_text(encoding="utf-8")
    old = "      weight: 4.2 kg\n"
    assert old in text
    note = "      note: {zh: 抽屉拉出后深45厘米, en: 45 cm deep with the basket pulled out}\n"
    (tmp_path / "shop.yaml").write_text(text.replace(old, old + note, 1), encoding="utf-8")
    cat = load_catalog(tmp_path / "shop.yaml")
    fryer = next(p for p in cat.products if p.id == "air-fryer")
    assert fryer.dimensions.note is not None
    engine = AnswerEngine(cat)
    zh = engine.handle(Comment("a", "这个多重", 0.0), on_screen=fryer.id).reply
    en = engine.handle(Comment("b", "how heavy is it", 5.0), on_screen=fryer.id).reply
    assert "4.2" in zh and "公斤" in zh, zh
    assert "4.2 kg" in en, en
