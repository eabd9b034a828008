"""Text drawn onto frames (AI label, subtitles), rendered once per string and cached.

Text is rasterised with Pillow and the bundled Noto Sans SC font (OFL-1.1), which covers CJK,
Latin and the yen sign; per frame only a small premultiplied RGBA patch is blended.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont


@lru_cache(maxsize=32)
def font(size: int) -> ImageFont.FreeTypeFont:
    import pylopdf_fonts_zh_cn

    return ImageFont.truetype(str(pylopdf_fonts_zh_cn.sans_path()), size)


@dataclass(frozen=True)
class Patch:
    """Straight RGB plus alpha, ready to blend at (x, y). Stored as uint8: a live show makes a
    new subtitle every clause, and float patches would cost ~1 MB each in the cache."""

    rgb: np.ndarray  # uint8 (h, w, 3)
    alpha: np.ndarray  # uint8 (h, w, 1)

    @property
    def size(self) -> tuple[int, int]:
        return self.rgb.shape[1], self.rgb.shape[0]


_TOKEN = re.compile(r"\n|[A-Za-z0-9¥$€£%.,:/+\-'’]+|\s+|.", re.DOTALL)


_NO_LINE_START = set("，。！？、；：,.!?;:”’）)》」』…%")
_NO_LINE_END = set("（(《「『“‘[【")


def _split_long(tok: str, fnt: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
    """A token wider than the line cut into pieces that fit (the last resort of :func:`fit_text`)."""
    parts, cur = [], ""
    for ch in tok:
        if cur and fnt.getlength(cur + ch) > max_width:
            parts.append(cur)
            cur = ch
        else:
            cur += ch
    return parts + ([cur] if cur else [])


def _wrap(text: str, fnt: ImageFont.FreeTypeFont, max_width: int, hard: bool = False) -> list[str]:
    """Greedy wrap for mixed text: CJK breaks between characters, Latin words, numbers and
    prices (``¥199.9``, ``500ml``) are never split (unless ``hard`` and the word alone is
    wider than the line)."""
    lines, line = [], ""
    tokens = _TOKEN.findall(text)
    if hard:
        tokens = [p for t in tokens for p in (_split_long(t, fnt, max_width) if fnt.getlength(t) > max_width else [t])]
    for tok in tokens:
        if tok == "\n":
            lines.append(line.strip())
            line = ""
            continue
        trial = line + tok
        if fnt.getlength(trial.strip()) <= max_width or not line.strip() or tok in _NO_LINE_START:
            line = trial
        else:
            # an opening bracket or quote never ends a line: it goes down with what it opens
            carry = ""
            while line.rstrip() and line.rstrip()[-1] in _NO_LINE_END and len(line.strip()) > 1:
                carry = line.rstrip()[-1] + carry
                line = line.rstrip()[:-1]
            lines.append(line.strip())
            line = carry + tok.lstrip()
    if line.strip():
        lines.append(line.strip())
    return lines or [""]


def _fits(lines: list[str], fnt: ImageFont.FreeTypeFont, max_width: int, max_lines: int) -> bool:
    return len(lines) <= max_lines and all(fnt.getlength(ln) <= max_width for ln in lines)


def _balance(text: str, fnt: ImageFont.FreeTypeFont, max_width: int, lines: list[str]) -> list[str]:
    """The same number of lines, wrapped at the narrowest width that still gives that many:
    lines of even length instead of a full line and a widow ("（男女同" / "款）")."""
    n = len(lines)
    if n < 2:
        return lines
    lo, hi, best = int(sum(fnt.getlength(ln) for ln in lines) / n) - 1, max_width, lines
    while hi - lo > 2:
        mid = (lo + hi) // 2
        trial = _wrap(text, fnt, mid)
        if _fits(trial, fnt, mid, n):
            best, hi = trial, mid
        else:
            lo = mid
    return best


def fit_text(text: str, size: int, max_width: int, max_lines: int, min_size: int | None = None
             ) -> tuple[int, list[str]]:
    """(font size, lines) for ``text`` in at most ``max_lines`` lines no wider than
    ``max_width``: the largest size from ``size`` down to ``min_size`` (default 60 %) at which
    the whole text fits with words kept whole; failing that, the smallest size with over-long
    words broken. Why: a title or subtitle that runs off the card or the frame loses the words
    a viewer needs (the product name), and shrinking a little reads better than cutting.

    Two refinements for looks: a text that fits on one line fewer at no less than 85 % of
    ``size`` takes that (one line of title rather than a second line holding a word or two),
    and wrapped lines are balanced to even lengths (no one- or two-character widow)."""
    min_size = min_size or max(8, int(size * 0.6))
    s = size
    while True:
        fnt = font(s)
        lines = _wrap(text, fnt, max_width)
        if _fits(lines, fnt, max_width, max_lines):
            break
        if s <= min_size:
            fnt = font(min_size)
            return min_size, _wrap(text, fnt, max_width, hard=True)
        s = max(min_size, int(s * 0.92))
    t, floor = s - max(1, s // 20), max(min_size, int(size * 0.85))
    while len(lines) > 1 and t >= floor:
        f2 = font(t)
        fewer = _wrap(text, f2, max_width)
        if _fits(fewer, f2, max_width, len(lines) - 1):
            s, fnt, lines = t, f2, fewer
            break
        t -= max(1, t // 20)
    return s, _balance(text, fnt, max_width, lines)


@lru_cache(maxsize=24)
def fit_text_patch(text: str, size: int, max_width: int, max_lines: int = 3, box_alpha: float = 0.55,
                   color: tuple[int, int, int] = (255, 255, 255), pad: int = 12) -> Patch:
    """Like :func:`text_patch`, shrinking the font (see :func:`fit_text`) so the whole text fits."""
    s, lines = fit_text(text, size, max_width - 2 * pad, max_lines)
    return lines_patch(tuple(lines), s, box_alpha, color, pad)


@lru_cache(maxsize=24)  # subtitles change every line; a 24/7 show must not hoard old ones
def text_patch(text: str, size: int, max_width: int, box_alpha: float = 0.55,
               color: tuple[int, int, int] = (255, 255, 255), pad: int = 12, hard: bool = False) -> Patch:
    lines = _wrap(text, font(size), max_width - 2 * pad, hard)
    return lines_patch(tuple(lines), size, box_alpha, color, pad)


def lines_patch(lines: tuple[str, ...], size: int, box_alpha: float = 0.55,
                color: tuple[int, int, int] = (255, 255, 255), pad: int = 12) -> Patch:
    """Already wrapped ``lines``, centred, outlined, on a rounded translucent box."""
    fnt = font(size)
    line_h = int(size * 1.35)
    width = int(max(fnt.getlength(ln) for ln in lines)) + 2 * pad
    height = line_h * len(lines) + 2 * pad - (line_h - size) // 2
    img = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((0, 0, width - 1, height - 1), radius=min(pad, height // 2),
                           fill=(0, 0, 0, int(255 * box_alpha)))
    for i, ln in enumerate(lines):
        x = (width - fnt.getlength(ln)) / 2
        draw.text((x, pad + i * line_h), ln, font=fnt, fill=(*color, 255),
                  stroke_width=max(1, size // 18), stroke_fill=(0, 0, 0, 255))
    arr = np.asarray(img)
    return Patch(np.ascontiguousarray(arr[..., :3]), np.ascontiguousarray(arr[..., 3:4]))


def blend(frame: np.ndarray, patch: Patch, x: int, y: int) -> None:
    """Alpha-blend ``patch`` into ``frame`` (uint8 RGB) in place, clipped to the frame."""
    h, w = frame.shape[:2]
    pw, ph = patch.size
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + pw, w), min(y + ph, h)
    if x1 <= x0 or y1 <= y0:
        return
    sub = (slice(y0 - y, y1 - y), slice(x0 - x, x1 - x))
    a = patch.alpha[sub][..., 0].astype(np.float32) * np.float32(1 / 255)
    # one fused OpenCV pass (numpy float blending of a product card cost ~3 ms a frame)
    frame[y0:y1, x0:x1] = cv2.blendLinear(np.ascontiguousarray(patch.rgb[sub]), frame[y0:y1, x0:x1], a, 1 - a)
