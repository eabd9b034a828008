"""Draw the sample catalog's product pictures with Pillow (flat shapes, no photos).

Why drawn: the sample must carry images (product cards show them) but no copyrighted photo may
ship with the project. ``python -m twincast.show.catalog_images`` rewrites the PNGs next to
the sample catalog; they are small (a few KB) and committed.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

SIZE = 256
INK = (40, 44, 52)


def _canvas(bg: tuple[int, int, int]) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    img = Image.new("RGB", (SIZE, SIZE), bg)
    return img, ImageDraw.Draw(img)


def earbuds(colour=(30, 30, 34), bg=(224, 232, 240)) -> Image.Image:
    img, d = _canvas(bg)
    d.rounded_rectangle((58, 150, 198, 220), 30, fill=(245, 245, 245), outline=INK, width=3)  # case
    for cx in (92, 164):
        d.ellipse((cx - 26, 50, cx + 26, 102), fill=colour, outline=INK, width=3)
        d.rounded_rectangle((cx - 8, 92, cx + 8, 150), 6, fill=colour, outline=INK, width=3)
    return img


def thermos(bg=(230, 238, 232)) -> Image.Image:
    img, d = _canvas(bg)
    d.rounded_rectangle((88, 60, 168, 226), 22, fill=(120, 150, 175), outline=INK, width=3)
    d.rounded_rectangle((84, 34, 172, 66), 10, fill=(220, 220, 225), outline=INK, width=3)
    d.rectangle((88, 120, 168, 132), fill=(235, 235, 235))
    return img


def cream(bg=(246, 236, 230)) -> Image.Image:
    img, d = _canvas(bg)
    d.rounded_rectangle((60, 120, 196, 210), 16, fill=(250, 250, 247), outline=INK, width=3)
    d.rounded_rectangle((54, 92, 202, 126), 10, fill=(214, 180, 160), outline=INK, width=3)
    d.ellipse((110, 150, 146, 186), outline=(214, 180, 160), width=4)
    return img


def phone_case(bg=(236, 236, 244)) -> Image.Image:
    img, d = _canvas(bg)
    d.rounded_rectangle((78, 26, 178, 230), 22, fill=(200, 220, 235), outline=INK, width=4)
    d.rounded_rectangle((92, 40, 138, 86), 12, fill=(150, 160, 170), outline=INK, width=3)
    d.ellipse((100, 120, 156, 176), outline=(110, 120, 130), width=4)  # magnet ring
    return img


def air_fryer(bg=(240, 236, 226)) -> Image.Image:
    img, d = _canvas(bg)
    d.rounded_rectangle((56, 40, 200, 222), 28, fill=(250, 246, 236), outline=INK, width=3)
    d.rounded_rectangle((76, 120, 180, 176), 10, fill=(70, 70, 76), outline=INK, width=3)  # window
    d.ellipse((114, 60, 142, 88), fill=(230, 120, 60), outline=INK, width=3)  # knob
    d.rectangle((110, 190, 146, 200), fill=INK)  # handle
    return img


def jacket(bg=(228, 234, 244)) -> Image.Image:
    img, d = _canvas(bg)
    body = [(88, 54), (168, 54), (206, 110), (190, 124), (176, 108), (176, 226), (80, 226), (80, 108),
            (66, 124), (50, 110)]
    d.polygon(body, fill=(40, 44, 60), outline=INK)
    for y in range(90, 226, 28):
        d.line((80, y, 176, y), fill=(90, 96, 116), width=3)  # quilting
    d.line((128, 60, 128, 226), fill=(200, 200, 210), width=3)  # zip
    d.ellipse((100, 28, 156, 70), outline=(40, 44, 60), width=8)  # hood
    return img


DRAWINGS = {
    "earbuds-pro.png": earbuds,
    "earbuds-lite.png": lambda: earbuds(colour=(240, 240, 236), bg=(232, 244, 236)),
    "thermos.png": thermos,
    "moisturizer.png": cream,
    "phone-case.png": phone_case,
    "air-fryer.png": air_fryer,
    "down-jacket.png": jacket,
}


def write_sample_images(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, draw in DRAWINGS.items():
        path = folder / name
        draw().save(path, optimize=True)
        out.append(path)
    return out


if __name__ == "__main__":
    from .catalog_io import sample_catalog_path

    for p in write_sample_images(sample_catalog_path().parent / "images"):
        print(p, p.stat().st_size, "bytes")
