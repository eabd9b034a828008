"""Catalog models and loaders: the sample loads in all three formats, and mistakes name file,
line and field."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from twincast.errors import TwincastError
from twincast.show.catalog import format_money
from twincast.show.catalog_io import export_csv, export_json, load_catalog, sample_catalog_path

SAMPLE = sample_catalog_path()


@pytest.fixture(scope="module")
def sample():
    return load_catalog()


def test_sample_has_varied_products_with_images(sample):
    ids = [p.id for p in sample.products]
    assert len(ids) >= 6 and len(set(ids)) == len(ids)
    jacket = sample.get("down-jacket")
    assert set(jacket.size_names) >= {"S", "M", "L", "XL"} and len(jacket.colours) >= 2
    for p in sample.products:
        assert p.promo_price is None or p.promo_price < p.price
        paths = sample.image_paths(p)
        assert paths and all(x.is_file() and x.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for x in paths)


def _v1(p):
    """The fields the flat CSV layout carries (catalog v1); v2 parts need YAML or JSON."""
    return p.model_dump(include={"id", "link", "name", "brand", "category", "aliases", "price", "promo_price",
                                 "currency", "stock", "specs", "selling_points", "faq", "gifts", "colours",
                                 "shipping", "after_sales", "images"})


def test_csv_and_json_round_trip(sample, tmp_path):
    shutil.copytree(SAMPLE.parent / "images", tmp_path / "images", dirs_exist_ok=True)
    json_copy = load_catalog(export_json(sample, tmp_path / "c.json"))
    assert json_copy.products == sample.products and json_copy.store == sample.store  # JSON carries all of v2
    csv_copy = load_catalog(export_csv(sample, tmp_path / "c.csv"))
    assert [_v1(p) for p in csv_copy.products] == [_v1(p) for p in sample.products]
    # the shipped exports are current
    assert load_catalog(SAMPLE.with_suffix(".json")).products == sample.products
    assert [_v1(p) for p in load_catalog(SAMPLE.with_suffix(".csv")).products] == [_v1(p) for p in sample.products]


def _copy_sample(tmp_path: Path, text: str, name: str = "shop.yaml") -> Path:
    shutil.copytree(SAMPLE.parent / "images", tmp_path / "images", dirs_exist_ok=True)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_yaml_error_names_file_line_and_field(tmp_path):
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    idx = next(i for i, ln in enumerate(lines) if ln.strip() == "price: 499")  # air fryer
    lines[idx] = lines[idx].replace("499", "四百九十九")
    path = _copy_sample(tmp_path, "\n".join(lines))
    with pytest.raises(TwincastError) as err:
        load_catalog(path)
    msg = str(err.value)
    assert f"{path}:{idx + 1}:" in msg and "'air-fryer'" in msg and "'price'" in msg
    assert "plain number" in err.value.fix


def test_yaml_nested_field_and_cross_field_errors(tmp_path):
    text = SAMPLE.read_text(encoding="utf-8")
    text = text.replace("promo_price: 89", "promo_price: 189", 1)  # thermos: promo above price
    text = text.replace("    days: 7\n", "    dayz: 7\n", 1)  # store returns: typo
    path = _copy_sample(tmp_path, text)
    with pytest.raises(TwincastError) as err:
        load_catalog(path)
    msg = str(err.value)
    assert "promo_price 189 must be below price 129" in msg
    assert "store.returns.dayz" in msg and "remove 'dayz'" in err.value.fix
    typo_line = text.splitlines().index("    dayz: 7") + 1
    assert f"{path}:{typo_line}:" in msg


def test_yaml_syntax_error_has_line(tmp_path):
    path = _copy_sample(tmp_path, "products:\n  - id: a\n    name: {zh: x, en: y\n")
    with pytest.raises(TwincastError) as err:
        load_catalog(path)
    assert str(path) + ":" in err.value.problem and "not valid YAML" in err.value.problem


def test_csv_error_names_row_line_and_column(sample, tmp_path):
    path = export_csv(sample, tmp_path / "shop.csv")
    shutil.copytree(SAMPLE.parent / "images", tmp_path / "images")
    rows = path.read_text(encoding="utf-8").splitlines()
    rows[3] = rows[3].replace(",CNY,1200,", ",CNY,lots,")  # thermos stock, physical line 4
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(TwincastError) as err:
        load_catalog(path)
    assert f"{path}:4:" in str(err.value) and "'stock'" in str(err.value)


def test_json_error_names_line(sample, tmp_path):
    data = json.loads(export_json(sample, tmp_path / "x.json").read_text(encoding="utf-8"))
    data["products"][1]["shipping"]["exceptions"][0]["rule"] = "sometimes"
    path = tmp_path / "shop.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    shutil.copytree(SAMPLE.parent / "images", tmp_path / "images")
    with pytest.raises(TwincastError) as err:
        load_catalog(path)
    line = next(i + 1 for i, ln in enumerate(path.read_text().splitlines()) if '"sometimes"' in ln)
    assert f"{path}:{line}:" in str(err.value) and "'no_ship'" in err.value.fix


def test_missing_image_and_file(tmp_path):
    text = SAMPLE.read_text(encoding="utf-8").replace("images/thermos.png", "images/nope.png")
    with pytest.raises(TwincastError, match="nope.png"):
        load_catalog(_copy_sample(tmp_path, text))
    with pytest.raises(TwincastError, match="not found"):
        load_catalog(tmp_path / "absent.yaml")


def test_money_format():
    assert format_money(199.0, "CNY", "zh") == "¥199"
    assert format_money(199.9, "CNY", "en") == "¥199.9"
    assert format_money(19.99, "USD", "en") == "USD 19.99"
