"""`catalog check` guesses a product's kind from its category and name to warn about gaps
(food without a shelf life); English words count only as whole words, so a brand such as
"SteadyRest" is not taken for tea."""

from __future__ import annotations

from twincast.show.catalog import Text
from twincast.show.catalog_check import gaps
from twincast.show.catalog_io import load_catalog


def _renamed(cat, pid: str, name_en: str, category_en: str, name_zh: str = "商品", category_zh: str = "类目"):
    p = next(p for p in cat.products if p.id == pid)
    return p.model_copy(update={"name": Text(zh=name_zh, en=name_en), "category": Text(zh=category_zh, en=category_en),
                                "shelf_life": None, "allergens": []})


def test_kinds_are_read_from_whole_words():
    cat = load_catalog()
    pid = cat.products[0].id
    stand = _renamed(cat, pid, "SteadyRest aluminium tablet stand", "tablet stand")
    tea = _renamed(cat, pid, "Spring green tea", "drinks")
    teas = _renamed(cat, pid, "Gift box", "teas")
    oolong = _renamed(cat, pid, "Gift box", "gifts", name_zh="高山乌龙茶礼盒")
    for product, food in ((stand, False), (tea, True), (teas, True), (oolong, True)):
        shop = cat.model_copy(update={"products": [product]})
        warned = [w for w in gaps(shop) if "food without" in w]
        assert bool(warned) == food, (product.name.en, warned)
