"""The proof of participation as a PDF: in Dutch, then in the newcomer's contact language.

Each language starts on a page of its own: a title, a sentence saying what the proof
means, the person's first name, the programme and the total hours, the confirmed
activities (date, kind, duration, and whether the buddy or a coordinator confirmed
them), who issued it and when, and the verification code with how to check it. Nothing
else about the person (no Telegram id, no partner's name).

Text is shaped by HarfBuzz (fpdf2's `set_text_shaping`), so Arabic and Persian letters
join and their pages run right to left (the table's columns too); Ethiopic and Cyrillic
are drawn from the Noto fonts shipped in `handlers/fonts/` (no system font, no network).
Each page writes in its script's font and falls back to the other two for a name in
another script; characters none of them has (an emoji in a name) are left out rather
than drawn as empty boxes.

Direction: every paragraph of a page takes the page's direction. fpdf2's bidi algorithm
does not honour the isolation marks chat messages use (`isolate`), so none are put in
here: a left-to-right value in a right-to-left sentence (a Latin name, "/verify CODE")
is bound with left-to-right marks instead (`_value`), which keeps its punctuation with it.

Rendering takes a few hundred milliseconds: handlers call `render` through
`asyncio.to_thread`, never on the event loop.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from babel.numbers import format_decimal
from fpdf import FPDF
from fpdf.enums import Align, TableBordersLayout
from fpdf.fonts import FontFace

from domain.certificates import Activity, ProofSheet, grouped
from handlers.i18n import fmt_date, is_rtl
from handlers.pickers import format_minutes
from handlers.texts import activity_label, role_name

DUTCH = "nl"  # the programme's language: every proof has a Dutch section
# A font per script, by the name the PDF uses for it.
SCRIPTS = {
    "latin": "NotoSans-Regular.ttf",  # Latin and Cyrillic
    "arabic": "NotoNaskhArabic-Regular.ttf",  # Arabic and Persian
    "ethiopic": "NotoSansEthiopic-Regular.ttf",  # Tigrinya
}
SCRIPT_OF_LOCALE = {"ar": "arabic", "fa": "arabic", "ti": "ethiopic"}  # the rest: latin
MARGIN = 18  # mm
# Column widths (mm) of the activities: date, activity, duration, confirmed by.
COLUMNS = (34, 70, 30, 40)
GREY = (90, 90, 90)
# What precedes the words of an activity's label: its emoji, which no font here has.
_LEADING_SYMBOLS = re.compile(r"^[^\w]+")
_RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
LRM = "\u200e"  # left-to-right mark


def fonts_dir() -> Path:
    """The folder of the shipped fonts (inside the installed package, too)."""
    return Path(str(resources.files("handlers"))) / "fonts"


def languages(sheet: ProofSheet) -> list[str]:
    """The sections of the proof: Dutch, then the contact language when it is another."""
    return [DUTCH] if sheet.contact_language == DUTCH else [DUTCH, sheet.contact_language]


def render(sheet: ProofSheet, i18n: I18n) -> bytes:
    """The proof as PDF bytes, with the catalogs of `i18n` (blocking: run it in a thread)."""
    return bytes(build(sheet, i18n).output())


def build(sheet: ProofSheet, i18n: I18n) -> FPDF:
    """The proof's document, every page drawn, ready to output."""
    pdf = _new_pdf()
    drawable = _drawable(pdf)
    with i18n.context():
        for locale in languages(sheet):
            with i18n.use_locale(locale):
                _section(pdf, sheet, locale, drawable)
    return pdf


class _ProofPDF(FPDF):
    def header(self) -> None:
        # Every page, also one a long table breaks onto, starts with its font set.
        if self.font_family:
            _anchor_font(self)


def _anchor_font(pdf: FPDF) -> None:
    """Set the current font at the level of the page.

    fpdf2 (2.8) takes a font it switched to inside one line of a paragraph for the page's
    font; when a line starts with a fallback font (an English word on an Arabic page)
    the next lines would be drawn with no font at all. With the font set outside any
    line first, what fpdf2 assumes is what the page has.
    """
    pdf.current_font_is_set_on_page = False
    pdf.text(pdf.x, pdf.y, "")


def _new_pdf() -> FPDF:
    pdf = _ProofPDF(format="A4")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=MARGIN)
    pdf.set_creator("buddybot")
    for name, filename in SCRIPTS.items():
        pdf.add_font(name, fname=str(fonts_dir() / filename))
    return pdf


def _drawable(pdf: FPDF) -> frozenset[int]:
    """Every character some font of the PDF has a glyph for."""
    found: set[int] = set()
    for font in pdf.fonts.values():
        found.update(getattr(font, "cmap", {}))
    return frozenset(found)


def _typed(value: str, drawable: frozenset[int]) -> str:
    """Text a person typed (a name), without the characters no font here can draw."""
    kept = "".join(c for c in value if ord(c) in drawable or c.isspace()).strip()
    return kept or "?"


def _new_page(pdf: FPDF, locale: str) -> None:
    """A new page written in the locale's script and direction."""
    script = SCRIPT_OF_LOCALE.get(locale, "latin")
    pdf.add_page()
    pdf.set_font(script, size=11)
    pdf.set_fallback_fonts([name for name in SCRIPTS if name != script])
    pdf.set_text_shaping(True, direction="rtl" if is_rtl(locale) else "ltr")
    pdf.set_lang(locale)


def _line(pdf: FPDF, text: str, locale: str, size: float = 11, *, grey: bool = False) -> None:
    pdf.set_font_size(size)
    _anchor_font(pdf)
    pdf.set_text_color(*(GREY if grey else (0, 0, 0)))
    align = Align.R if is_rtl(locale) else Align.L
    pdf.multi_cell(0, size * 0.55, text, align=align, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)


def _gap(pdf: FPDF, mm: float = 4) -> None:
    pdf.ln(mm)


def _number(value: float, locale: str) -> str:
    return format_decimal(value, locale=locale, format="#,##0.##")


def _value(text: str, locale: str) -> str:
    """A value put into a sentence: on a right-to-left page, one without right-to-left
    letters is bound with left-to-right marks, so that its punctuation stays with it."""
    if is_rtl(locale) and not _RIGHT_TO_LEFT.search(text):
        return f"{LRM}{text}{LRM}"
    return text


def _label(text: str) -> str:
    """An activity kind or a role as a table cell: without the emoji, capitalised."""
    words = _LEADING_SYMBOLS.sub("", text)
    return words[:1].upper() + words[1:]


def _activity_row(activity: Activity, sheet: ProofSheet, locale: str) -> list[str]:
    return [
        fmt_date(activity.started_at, locale, sheet.tz, "medium"),
        _label(activity_label(activity.kind)),
        format_minutes(activity.minutes, locale),
        _label(role_name("coordinator" if activity.by_coordinator else "buddy")),
    ]


def _activities(pdf: FPDF, sheet: ProofSheet, locale: str) -> None:
    if not sheet.activities:
        _line(pdf, _("No hours yet."), locale)
        return
    rtl = is_rtl(locale)
    headings = [_("Date"), _("Activity"), _("Duration"), _("Confirmed by")]
    rows = [headings, *(_activity_row(a, sheet, locale) for a in sheet.activities)]
    widths = COLUMNS[::-1] if rtl else COLUMNS
    pdf.set_font_size(10)
    _anchor_font(pdf)
    with pdf.table(
        col_widths=widths,
        width=sum(COLUMNS),
        align=Align.R if rtl else Align.L,
        text_align=Align.R if rtl else Align.L,
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        headings_style=FontFace(emphasis="", fill_color=(235, 235, 235)),
        line_height=5.5,
        padding=1.2,
    ) as table:
        for cells in rows:
            row = table.row()
            for text in cells[::-1] if rtl else cells:
                row.cell(text)


def _section(pdf: FPDF, sheet: ProofSheet, locale: str, drawable: frozenset[int]) -> None:
    """One language's pages of the proof."""
    name = _value(_typed(sheet.first_name, drawable), locale)
    programme = _value(_typed(sheet.programme, drawable), locale)
    issuer = _value(_typed(sheet.issuer, drawable), locale) if sheet.issuer else programme
    code = grouped(sheet.code)
    total = _("{done} of {target} hours").format(
        done=_number(sheet.minutes / 60, locale), target=_number(sheet.target_hours, locale)
    )
    _new_page(pdf, locale)
    _line(pdf, _("Proof of participation"), locale, 20)
    _gap(pdf, 3)
    _line(
        pdf,
        _(
            "{name} took part in {programme}, a buddy programme for newcomers: time spent "
            "together with a volunteer buddy. Each activity below was confirmed by the buddy "
            "or by a coordinator."
        ).format(name=name, programme=programme),
        locale,
    )
    _gap(pdf)
    for label, value in (
        (_("First name"), name),
        (_("Programme"), programme),
        (_("Total"), total),
    ):
        _line(pdf, f"{label}: {value}", locale, 12)
    _gap(pdf, 6)
    _line(pdf, _("Activities"), locale, 14)
    _gap(pdf, 2)
    _activities(pdf, sheet, locale)
    _gap(pdf, 8)
    issued = fmt_date(sheet.issued_at, locale, sheet.tz, "long")
    _line(pdf, _("Issued on {date} by {issuer}.").format(date=issued, issuer=issuer), locale)
    _gap(pdf, 3)
    _line(pdf, _("Verification code: {code}").format(code=_value(code, locale)), locale, 14)
    _line(
        pdf,
        _(
            "To check this proof, a coordinator of {programme} sends {command} to the "
            "programme's Telegram bot."
        ).format(programme=programme, command=_value(f"/verify {code}", locale)),
        locale,
        10,
        grey=True,
    )
