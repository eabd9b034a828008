"""A size chart column may have its own unit (a CN shoe size in mm beside a foot length in cm)
or none (a US size is a plain number): the catalog check, the replies and the number check
all read the column's unit, and an unknown one is an error naming the field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from twincast.errors import TwincastError
from twincast.show.answers import AnswerEngine
from twincast.show.answers.types import Comment
from twincast.show.catalog_check import product_facts
from twincast.show.catalog_io import load_catalog

SAMPLE = Path(__file__).resolve().parents[1] / "src/twincast/assets/catalog/sample.yaml"
COLUMNS = """        - {key: chest, name: {zh: 胸围, en: chest}}
        - {key: length, name: {zh: 衣长, en: length}}
        - {key: sleeve, name: {zh: 袖长, en: sleeve}}"""


def _shop(tmp_path: Path, columns: str) -> Path:
    shutil.copytree(SAMPLE.parent / "images", tmp_path / "images")
    text = SAMPLE.read_text(encoding="utf-8")
    assert COLUMNS in text
    path = tmp_path / "shop.yaml"
    path.write_text(text.replace(COLUMNS, columns, 1), encoding="utf-8")
    return path


def test_columns_with_their_own_unit_or_none(tmp_path):
    cat = load_catalog(_shop(tmp_path, COLUMNS.replace("en: length}}", "en: length}, unit: mm}")
                                               .replace("en: sleeve}}", "en: sleeve number}, unit: none}")))
    jacket = next(p for p in cat.products if p.size_chart)
    chart = jacket.size_chart
    assert (chart.unit_of("chest"), chart.unit_of("length"), chart.unit_of("sleeve")) == ("cm", "mm", "")
    lines = [f.zh for f in product_facts(cat, jacket) if f.field == "size_chart"]
    assert any("chest 108cm" in x and "length 68mm" in x and "sleeve 60" in x and "sleeve 60cm" not in x
               for x in lines), lines
    engine = AnswerEngine(cat)
    d = engine.handle(Comment("u", "M码袖长多少", 0.0), on_screen=jacket.id)
    assert "62" in d.reply and "62cm" not in d.reply.replace(" ", ""), d.reply


def test_an_unknown_column_unit_names_the_field(tmp_path):
    path = _shop(tmp_path, COLUMNS.replace("en: length}}", "en: length}, unit: furlongs}"))
    with pytest.raises(TwincastError) as err:
        load_catalog(path)
    assert f"{path}:" in str(err.value) and "size_chart" in str(err.value) and "unit" in str(err.value)
