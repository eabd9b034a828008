"""A product's own size names in a viewer's spelling: "43", "XL", "6毫米" for 6mm, "140 x 70" for
140x70cm, "32G+1T" or "32+1T" for 32GB+1TB, one part of a compound ("the 32gb one"), a top's
first side ("160的" for 160x80cm). Pure: text and product in, size names out. Split from
reasoners.py, which answers with them."""

from __future__ import annotations

import re
from typing import Optional

from ..catalog import Product


def sizes_named(p: Product, text: str) -> list[str]:
    """The product's own size names written in the text, in order, in a viewer's spelling too:
    "43", "XL", "6毫米" or "6 mm" for 6mm, "140 x 70" for 140×70, "32G+1T" for 32GB+1TB, "3斤"
    for 3斤装."""
    low = size_spelling(text)
    found = []
    for name in p.size_names:
        n = size_spelling(name)
        n = _PACK_SUFFIX.sub("", n) or n
        bare = re.sub(r"(?<=\d)(cm|mm|m)$", "", n)  # "140 x 70" for 140x70cm (a bare "6" is no 6mm)
        spellings = {n, bare} if "x" in bare and re.fullmatch(r"[\dx.]+", bare) else {n}
        for m in (m for x in spellings for m in re.finditer(re.escape(x), low)):
            a, b = m.span()
            if (a > 0 and low[a - 1].isascii() and low[a - 1].isalnum()) or (b < len(low) and low[b].isascii()
                                                                             and low[b].isalnum()):
                continue
            found.append((a, name))
    found += _first_sides(p, low)
    return list(dict.fromkeys(name for _, name in sorted(found)))


# "160的多少钱" for 160x80cm: a top's first side alone, when no other size starts with it and
# nothing after it makes it another quantity (a price, a weight, pages, a body height)
_NOT_A_SIDE = r"(?![\d.x])(?!\s*(?:斤|kg|公斤|千克|g\b|克|元|块|rmb|yuan|页|张|ml|毫升|mah|w\b|瓦|岁|天|期|%|件|个|斤))"


def _first_sides(p: Product, low: str) -> list[tuple[int, str]]:
    firsts: dict[str, list[str]] = {}
    for name in p.size_names:
        m = re.fullmatch(r"(\d{2,4})x\d+(?:\.\d+)?(?:cm|mm)?", size_spelling(name))
        if m:
            firsts.setdefault(m.group(1), []).append(name)
    out = []
    for first, names in firsts.items():
        if len(names) != 1:
            continue
        for m in re.finditer(rf"(?<![\d.x¥$])(?<!身高)(?<!高){first}{_NOT_A_SIDE}", low):
            out.append((m.start(), names[0]))
    return out


def size_spelling(text: str) -> str:
    """One spelling for sizes: lower case, metric unit words as symbols, no spaces, one times sign,
    GB/TB as G/T."""
    low = _UNIT_WORDS.sub(lambda m: m.group(1) + _UNIT_EN[m.group(2)], text.lower())
    low = re.sub(r"\s*[×*xX]\s*(?=\d)", "x", low)
    low = re.sub(r"(?<=\d)\s+(?=(?:mm|cm|m|kg|g|ml|l|gb|tb|g|t)\b)", "", low)
    return re.sub(r"(?<=\d)([gt])b\b", r"\1", low)


_PACK_SUFFIX = re.compile(r"(?<=\d[^\d\s])(装|款|版)$|(?<=\d)(装|款|版)$")


def size_parts(name: str) -> list[str]:
    """The parts of a compound size in one spelling: "16GB+1TB" -> ["16g", "1t"]; [] if single."""
    if not re.search(r"[+/]", name):
        return []
    return [x for x in re.split(r"[+/]", size_spelling(name)) if re.fullmatch(r"\d+(\.\d+)?[a-z]+", x)]


def _part_is(part: str, number: str, unit: str) -> bool:
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([a-z]+)", part)
    return bool(m) and float(m.group(1)) == float(number) and (not unit or m.group(2).startswith(unit))


def sizes_by_part(p: Product, text: str) -> list[str]:
    """The compound sizes a viewer means without writing one whole: "16+1T" for 16GB+1TB (the
    numbers in order, units where given), or those having the part they name ("32G" for
    32GB+512GB and 32GB+1TB)."""
    low = size_spelling(text)
    sizes = list(dict.fromkeys([v.size for v in p.variants if v.size] or p.size_names))
    parts = {name: ps for name in sizes if (ps := size_parts(name))}
    if not parts:
        return []
    for m in re.finditer(r"(?<![\d.])(\d+(?:\.\d+)?)([a-z]*)\s*\+\s*(\d+(?:\.\d+)?)([a-z]*)", low):
        whole = [name for name, ps in parts.items() if len(ps) == 2
                 and _part_is(ps[0], m.group(1), m.group(2)) and _part_is(ps[1], m.group(3), m.group(4))]
        if whole:
            return whole
    named = {x for ps in parts.values() for x in ps if re.search(rf"(?<![\d.a-z]){re.escape(x)}(?![a-z\d])", low)}
    return [name for name in sizes if named & set(parts.get(name, ()))]


def size_named(p: Product, text: str) -> Optional[str]:
    """The first of the product's own size names written in the text."""
    named = sizes_named(p, text)
    return named[0] if named else None


_UNIT_EN = {"毫米": "mm", "厘米": "cm", "公斤": "kg", "千克": "kg", "毫升": "ml", "升": "l", "克": "g", "寸": "寸",
            "mm": "mm", "cm": "cm", "kg": "kg", "ml": "ml", "g": "g", "l": "l"}
_UNIT_WORDS = re.compile(r"(\d+(?:\.\d+)?)\s*(毫米|厘米|公斤|千克|毫升|升|克|mm|cm|kg|ml|g|l)(?![a-z])")
