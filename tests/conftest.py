"""Shared fixtures: real photos and a real avatar built once per test session."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("TWINCAST_HOME", str(ROOT / ".cache"))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/support helpers


@pytest.fixture(scope="session")
def grace_photo() -> Path:
    from twincast.avatar.defaults import default_photo

    return default_photo()


@pytest.fixture(scope="session")
def grace_rgb(grace_photo) -> np.ndarray:
    from twincast.avatar.detect import load_photo

    return load_photo(grace_photo)


@pytest.fixture(scope="session")
def grace_model(grace_photo):
    from twincast.avatar.build import build_from_photo

    model = build_from_photo(grace_photo)
    model.meta["voice_preset"] = "female"
    return model


@pytest.fixture(scope="session")
def grace_twin(grace_model, tmp_path_factory) -> Path:
    return grace_model.save(tmp_path_factory.mktemp("avatar") / "grace.twin")


@pytest.fixture(scope="session")
def renderer(grace_model):
    from twincast.render.face import FaceRenderer

    return FaceRenderer(grace_model)


SMALL_SHOP_HEADER = """version: 2
shop: {zh: 试验店, en: Test Shop}
host:
  name: {zh: 小试, en: Tess}
  ai_disclosure: {zh: 我是AI数字人主播, en: "I'm an AI host"}
store:
  ships_from: {zh: 江苏苏州, en: "Suzhou, Jiangsu"}
  couriers: [{zh: 韵达快递, en: Yunda Express}]
  free_shipping: true
  dispatch_hours: 24
  returns: {days: 7, no_reason: true}
products:
"""


@pytest.fixture(scope="module")
def small_shop(tmp_path_factory):
    """A catalog written by a test: ``small_shop(products_yaml)`` loads the store header above
    with the given ``products:`` entries (indented two spaces)."""
    from twincast.show.catalog_io import load_catalog

    def make(products: str):
        path = tmp_path_factory.mktemp("shop") / "shop.yaml"
        path.write_text(SMALL_SHOP_HEADER + products.strip("\n") + "\n", encoding="utf-8")
        return load_catalog(path)

    return make
