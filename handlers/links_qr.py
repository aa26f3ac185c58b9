"""The QR code of a recruitment link, as a PNG ready for print: the code (segno) with the
programme's name under it, drawn with the shipped Noto fonts (handlers/fonts), shaped
when the name is in Arabic script (Pillow's Raqm layout, where it has one).

Sized for print: 300 dpi, the code about 6 cm wide with its quiet zone, which phones read
from arm's length on a flyer or a poster, and small enough for a welcome letter.
"""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageFont, features

from handlers.proof_pdf import fonts_dir

DPI = 300
CODE_PIXELS = 700  # ~6 cm at 300 dpi, the quiet zone included
CAPTION_PIXELS = 64  # the name's letters, ~5 mm high
MARGIN = 40
_SCRIPT_FONTS = {
    "ARABIC": "NotoNaskhArabic-Regular.ttf",
    "ETHIOPIC": "NotoSansEthiopic-Regular.ttf",
}
_DEFAULT_FONT = "NotoSans-Regular.ttf"


def font_file(text: str) -> Path:
    """The shipped font for the script most of the name's letters are in."""
    counts: dict[str, int] = {}
    for char in text:
        if char.isalpha():
            script = unicodedata.name(char, "").split(" ")[0]
            counts[script] = counts.get(script, 0) + 1
    main = max(counts, key=lambda script: counts[script]) if counts else ""
    return fonts_dir() / _SCRIPT_FONTS.get(main, _DEFAULT_FONT)


def _font(text: str, size: int) -> ImageFont.FreeTypeFont:
    engine = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC
    return ImageFont.truetype(str(font_file(text)), size, layout_engine=engine)


def qr_png(link: str, caption: str) -> bytes:
    """A PNG of the link's QR code with `caption` (the programme's name) centred under it.
    CPU-bound for some tens of milliseconds: call it in a thread."""
    code = segno.make(link, error="m", micro=False)
    modules = code.symbol_size(scale=1, border=4)[0]
    scale = max(1, CODE_PIXELS // modules)
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=scale, border=4)
    buffer.seek(0)
    symbol = Image.open(buffer).convert("L")
    font = _font(caption, CAPTION_PIXELS)
    left, top, right, bottom = (round(edge) for edge in font.getbbox(caption))
    width = max(symbol.width, right - left + 2 * MARGIN)
    height = symbol.height + (bottom - top) + 2 * MARGIN
    sheet = Image.new("L", (width, height), 255)
    sheet.paste(symbol, ((width - symbol.width) // 2, 0))
    draw = ImageDraw.Draw(sheet)
    draw.text(
        ((width - (right - left)) // 2 - left, symbol.height + MARGIN // 2 - top),
        caption,
        font=font,
        fill=0,
    )
    out = io.BytesIO()
    sheet.save(out, format="PNG", dpi=(DPI, DPI), optimize=True)
    return out.getvalue()
