"""A space given by two or three sides (issue 17, session 12): "will it fit in my bag pocket,
12 x 8.5 inches?" compares every side of the product with the space, turned any way; one side
alone (the thinnest) said "yes" to a laptop wider than the pocket."""

from __future__ import annotations

from twincast.show.answers import AnswerEngine, Comment
from twincast.show.answers.evaluate_shops import DATA
from twincast.show.answers.reasoners import fits_box, space_sides
from twincast.show.catalog_io import load_catalog


def test_space_sides_in_both_languages_and_units():
    assert space_sides("will it fit in my bag pocket, 12 x 8.5 inches?") == (30.5, 21.6)
    assert space_sides("我包的电脑仓长33宽23能放进去吗") == (33.0, 23.0)
    assert space_sides("书架格子宽35高20深25放得下吗") == (35.0, 25.0, 20.0)
    assert space_sides("120x60的桌子") == ()  # no fit question
    assert space_sides("我家台面深28厘米 放得下吗") == ()  # one side: fits_in's question


def test_every_side_decides_on_a_real_laptop():
    catalog = load_catalog(DATA / "dev-electronics-office" / "catalog.yaml")
    laptop = min((p for p in catalog.products if p.dimensions is not None and p.dimensions.height is not None
                  and p.dimensions.width is not None and p.dimensions.depth is not None),
                 key=lambda p: p.dimensions.height.to("cm"))  # the thinnest product: a laptop
    big, small = sorted((laptop.dimensions.width.to("cm"), laptop.dimensions.depth.to("cm")), reverse=True)
    assert fits_box(laptop, (big + 1, small + 1)).fits
    assert not fits_box(laptop, (big - 1, small + 5)).fits  # the thinnest side fits easily; the length does not
    engine = AnswerEngine(catalog, intent_model=None)
    d = engine.handle(Comment("v", f"will it fit in my bag pocket, {(big - 1) / 2.54:.1f} x {(small + 5) / 2.54:.1f} inches?"),
                      on_screen=laptop.id)
    assert d.action == "answer" and d.reply.startswith("No") and "fits" not in d.reply.lower().replace("won't fit", "")
