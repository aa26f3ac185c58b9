"""Day, time and duration pickers: layout, limits, labels from Babel, strict parsers."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from babel.dates import get_month_names
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.pickers import (
    KIND_ADJUST,
    KIND_DAY,
    KIND_DURATION,
    KIND_MONTH,
    KIND_NOOP,
    KIND_TIME,
    NEXT,
    OUT_OF_RANGE,
    PADDING,
    PREVIOUS,
    PickCb,
    adjust_keyboard,
    available_times,
    calendar_keyboard,
    clamp_month,
    duration_keyboard,
    format_minutes,
    month_title,
    parse_day,
    parse_minutes,
    parse_month,
    parse_time,
    time_keyboard,
    weekday_labels,
)

LOCALES = ("nl", "en", "fr", "ar", "tr", "ro", "uk", "ru", "es", "pl", "fa", "ti")
WIDE = (date(2000, 1, 1), date(2100, 12, 31))
BACK = InlineKeyboardButton(text="Back", callback_data="menu:back")


def buttons(markup: InlineKeyboardMarkup) -> list[InlineKeyboardButton]:
    """The picker's own buttons (not the caller's extra rows)."""
    return [
        button
        for row in markup.inline_keyboard
        for button in row
        if (button.callback_data or "").startswith("pick|")
    ]


def data(button: InlineKeyboardButton) -> PickCb:
    assert button.callback_data is not None
    return PickCb.unpack(button.callback_data)


def week_rows(markup: InlineKeyboardMarkup) -> list[list[InlineKeyboardButton]]:
    """The rows of day cells: after title and weekday names, before navigation."""
    return [row for row in markup.inline_keyboard[2:] if len(row) == 7]


def column_of_day(markup: InlineKeyboardMarkup) -> dict[int, int]:
    columns = {}
    for row in week_rows(markup):
        for column, button in enumerate(row):
            if button.text.isdigit():
                columns[int(button.text)] = column
    return columns


def every_keyboard(ctx: str = "abcdef") -> list[InlineKeyboardMarkup]:
    today = datetime(2026, 3, 14, 9, 5)
    keyboards = [
        calendar_keyboard(
            date(2026, 3, 1),
            locale=locale,
            ctx=ctx,
            min_day=date(2026, 2, 10),
            max_day=date(2026, 4, 20),
        )
        for locale in LOCALES
    ]
    keyboards += [
        time_keyboard(ctx=ctx, day=today.date(), now_local=None, first_hour=0, last_hour=23),
        time_keyboard(ctx=ctx, day=today.date(), now_local=today),
        adjust_keyboard(1440, ctx=ctx, locale="en", maximum=1440, confirm_label="✅ 24:00"),
    ]
    keyboards += [duration_keyboard(ctx=ctx, locale=locale) for locale in LOCALES]
    return keyboards


# ------------------------------------------------------------------- callback data


def test_every_callback_data_packs_well_under_64_bytes_and_unpacks() -> None:
    longest = 0
    for markup in every_keyboard():
        for button in buttons(markup):
            assert button.callback_data is not None
            longest = max(longest, len(button.callback_data.encode()))
            assert data(button).ctx == "abcdef"
    assert longest <= 32


def test_every_button_has_visible_text() -> None:
    for markup in every_keyboard():
        for button in buttons(markup):
            assert button.text.strip()


def test_a_time_value_survives_packing() -> None:
    packed = PickCb(kind=KIND_TIME, value="18:30", ctx="meet").pack()
    assert packed == "pick|time|18:30|meet"
    assert PickCb.unpack(packed) == PickCb(kind="time", value="18:30", ctx="meet")


@pytest.mark.parametrize("ctx", ["", "toolong", "a|b", "Meet"])
def test_a_bad_ctx_is_a_programming_error(ctx: str) -> None:
    with pytest.raises(ValueError):
        duration_keyboard(ctx=ctx, locale="en")


# ------------------------------------------------------------------------ calendar


def test_march_2026_starts_on_a_sunday_in_the_last_column() -> None:
    markup = calendar_keyboard(
        date(2026, 3, 1), locale="en", ctx="meet", min_day=WIDE[0], max_day=WIDE[1]
    )
    assert [b.text for b in markup.inline_keyboard[1]] == ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
    first_week = week_rows(markup)[0]
    assert [b.text for b in first_week] == [PADDING] * 6 + ["1"]
    assert [b.text for b in week_rows(markup)[1]] == [str(day) for day in range(2, 9)]
    assert all(data(b).kind == KIND_NOOP for b in first_week[:6])


@pytest.mark.parametrize(
    "month",
    [date(2026, 3, 1), date(2026, 2, 1), date(2027, 2, 1), date(2028, 2, 1), date(2026, 11, 1)],
)
def test_every_day_sits_under_its_weekday(month: date) -> None:
    markup = calendar_keyboard(month, locale="nl", ctx="meet", min_day=WIDE[0], max_day=WIDE[1])
    columns = column_of_day(markup)
    days_in_month = calendar.monthrange(month.year, month.month)[1]
    assert sorted(columns) == list(range(1, days_in_month + 1))
    for number, column in columns.items():
        assert column == month.replace(day=number).weekday()
    for row in week_rows(markup):
        for button in row:
            if button.text.isdigit():
                assert data(button) == PickCb(
                    kind=KIND_DAY, value=month.replace(day=int(button.text)).isoformat(), ctx="meet"
                )


def test_february_in_a_leap_year_and_not() -> None:
    leap = calendar_keyboard(
        date(2028, 2, 1), locale="en", ctx="meet", min_day=WIDE[0], max_day=WIDE[1]
    )
    common = calendar_keyboard(
        date(2027, 2, 1), locale="en", ctx="meet", min_day=WIDE[0], max_day=WIDE[1]
    )
    assert max(column_of_day(leap)) == 29
    assert column_of_day(leap)[29] == date(2028, 2, 29).weekday()  # a Tuesday
    assert max(column_of_day(common)) == 28
    # February 2027 starts on a Monday and has exactly four weeks: no padding row.
    assert len(week_rows(common)) == 4
    assert PADDING not in [b.text for row in week_rows(common) for b in row]


def test_days_out_of_range_are_noop_and_navigation_stops_at_the_limits() -> None:
    min_day, max_day = date(2026, 3, 10), date(2026, 4, 20)
    march = calendar_keyboard(
        date(2026, 3, 1), locale="fr", ctx="meet", min_day=min_day, max_day=max_day
    )
    days = {int(b.text) for row in week_rows(march) for b in row if b.text.isdigit()}
    assert days == set(range(10, 32))
    cells = [b for row in week_rows(march) for b in row]
    assert sum(b.text == OUT_OF_RANGE for b in cells) == 9
    assert all(data(b).kind == KIND_NOOP for b in cells if not b.text.isdigit())
    navigation = march.inline_keyboard[-1]
    assert [b.text for b in navigation] == [PADDING, NEXT]
    assert data(navigation[1]) == PickCb(kind=KIND_MONTH, value="2026-04", ctx="meet")

    april = calendar_keyboard(
        date(2026, 4, 1), locale="fr", ctx="meet", min_day=min_day, max_day=max_day
    )
    assert {int(b.text) for row in week_rows(april) for b in row if b.text.isdigit()} == set(
        range(1, 21)
    )
    navigation = april.inline_keyboard[-1]
    assert [b.text for b in navigation] == [PREVIOUS, PADDING]
    assert data(navigation[0]).value == "2026-03"
    month_values = {data(b).value for b in buttons(april) if data(b).kind == KIND_MONTH}
    assert month_values == {"2026-03"}


def test_no_navigation_row_when_the_range_is_one_month() -> None:
    markup = calendar_keyboard(
        date(2026, 3, 1),
        locale="en",
        ctx="meet",
        min_day=date(2026, 3, 1),
        max_day=date(2026, 3, 31),
        extra_rows=[[BACK]],
    )
    assert all(data(b).kind != KIND_MONTH for row in markup.inline_keyboard[:-1] for b in row)
    assert markup.inline_keyboard[-1] == [BACK]
    assert len(markup.inline_keyboard) == 2 + len(week_rows(markup)) + 1


def test_a_range_crossing_the_year() -> None:
    markup = calendar_keyboard(
        date(2026, 12, 1),
        locale="en",
        ctx="meet",
        min_day=date(2026, 11, 30),
        max_day=date(2027, 1, 5),
    )
    values = [data(b).value for b in markup.inline_keyboard[-1]]
    assert values == ["2026-11", "2027-01"]


def test_min_after_max_is_refused() -> None:
    with pytest.raises(ValueError):
        calendar_keyboard(
            date(2026, 3, 1),
            locale="en",
            ctx="meet",
            min_day=date(2026, 4, 1),
            max_day=date(2026, 3, 1),
        )


def test_clamp_month() -> None:
    low, high = date(2026, 3, 10), date(2026, 5, 2)
    assert clamp_month(date(2025, 1, 1), low, high) == date(2026, 3, 1)
    assert clamp_month(date(2026, 4, 17), low, high) == date(2026, 4, 1)
    assert clamp_month(date(2030, 1, 1), low, high) == date(2026, 5, 1)


@pytest.mark.parametrize(
    ("locale", "name"),
    [
        ("nl", "maart"),
        ("fr", "mars"),
        ("en", "march"),
        ("ar", "مارس"),
        ("fa", "مارس"),  # the Gregorian month, not a Solar Hijri one
        ("uk", "березень"),
        ("ru", "март"),
    ],
)
def test_month_names_come_from_babel(locale: str, name: str) -> None:
    title = month_title(date(2026, 3, 14), locale)
    assert title.lower() == f"{name} 2026"
    assert title[0] == title[0].upper()


@pytest.mark.parametrize("locale", LOCALES)
def test_every_locale_has_a_month_title_and_seven_distinct_weekdays(locale: str) -> None:
    standalone = get_month_names("wide", context="stand-alone", locale=locale)[3]
    assert standalone
    assert standalone.lower() in month_title(date(2026, 3, 1), locale).lower()
    labels = weekday_labels(locale)
    assert len(labels) == 7
    assert len(set(labels)) == 7  # "D"/"D" for Tuesday and Thursday would be useless
    assert all(label.strip() for label in labels)
    markup = calendar_keyboard(
        date(2026, 3, 1), locale=locale, ctx="meet", min_day=WIDE[0], max_day=WIDE[1]
    )
    assert [b.text for b in markup.inline_keyboard[1]] == list(labels)


def test_tigrinya_month_and_an_unknown_locale_falls_back() -> None:
    assert month_title(date(2026, 3, 1), "ti").startswith("መጋቢት")
    assert month_title(date(2026, 3, 1), "xx") == "March 2026"
    assert month_title(date(2026, 3, 1), "nl-BE") == "Maart 2026"


# --------------------------------------------------------------------------- times


def time_texts(markup: InlineKeyboardMarkup) -> list[str]:
    return [b.text for b in buttons(markup) if data(b).kind == KIND_TIME]


def test_all_times_of_a_day_four_a_row() -> None:
    markup = time_keyboard(ctx="meet", day=date(2026, 3, 20), now_local=None, extra_rows=[[BACK]])
    texts = time_texts(markup)
    assert texts[0] == "08:00"
    assert texts[-1] == "21:00"
    assert len(texts) == 27
    assert all(len(row) <= 4 for row in markup.inline_keyboard)
    assert markup.inline_keyboard[-1] == [BACK]
    assert all(data(b).value == b.text for b in buttons(markup) if data(b).kind == KIND_TIME)


def test_todays_past_times_are_left_out() -> None:
    now = datetime(2026, 3, 14, 18, 10, tzinfo=ZoneInfo("Europe/Brussels"))
    today = time_texts(time_keyboard(ctx="meet", day=now.date(), now_local=now))
    assert today == ["18:30", "19:00", "19:30", "20:00", "20:30", "21:00"]
    # A slot starting right now is too late to propose.
    at_half_past = now.replace(minute=30)
    assert available_times(day=now.date(), now_local=at_half_past)[0] == time(19, 0)
    tomorrow = time_texts(
        time_keyboard(ctx="meet", day=now.date() + timedelta(days=1), now_local=now)
    )
    assert len(tomorrow) == 27
    assert available_times(day=now.date() - timedelta(days=1), now_local=now) == []
    assert available_times(day=now.date(), now_local=now.replace(hour=21, minute=0)) == []


def test_other_hours_and_steps() -> None:
    times = available_times(
        day=date(2026, 3, 20), now_local=None, first_hour=9, last_hour=10, step_minutes=15
    )
    assert times == [time(9, 0), time(9, 15), time(9, 30), time(9, 45), time(10, 0)]
    with pytest.raises(ValueError):
        available_times(day=date(2026, 3, 20), now_local=None, first_hour=22, last_hour=8)
    with pytest.raises(ValueError):
        available_times(day=date(2026, 3, 20), now_local=None, step_minutes=0)


def test_naive_and_utc_now_are_read_as_wall_clock() -> None:
    naive = datetime(2026, 3, 14, 20, 45)
    aware = naive.replace(tzinfo=UTC)
    assert available_times(day=naive.date(), now_local=naive) == [time(21, 0)]
    assert available_times(day=naive.date(), now_local=aware) == [time(21, 0)]


# ----------------------------------------------------------------------- durations


@pytest.mark.parametrize(
    ("minutes", "locale", "text"),
    [
        (30, "nl", "30 minuten"),
        (55, "en", "55 minutes"),  # not rounded up to "1 hour"
        (60, "en", "1 hour"),
        (60, "nl", "1 uur"),
        (90, "nl", "1:30"),
        (90, "ar", "1:30"),
        (135, "en", "2:15"),
        (120, "en", "2 hours"),
        (120, "uk", "2 години"),
        (720, "en", "12 hours"),  # not "1 day"
        (1440, "en", "24:00"),
        (0, "en", "0:00"),
    ],
)
def test_format_minutes(minutes: int, locale: str, text: str) -> None:
    assert format_minutes(minutes, locale) == text


@pytest.mark.parametrize("locale", LOCALES)
def test_format_minutes_in_every_locale(locale: str) -> None:
    for minutes in (15, 30, 45, 60, 90, 120, 180, 240, 720):
        assert format_minutes(minutes, locale).strip()


def test_format_minutes_refuses_negative() -> None:
    with pytest.raises(ValueError):
        format_minutes(-15, "en")


def test_duration_keyboard() -> None:
    markup = duration_keyboard(ctx="log", locale="nl", extra_rows=[[BACK]])
    choices = buttons(markup)
    assert [b.text for b in choices] == ["30 minuten", "1 uur", "1:30", "2 uur", "3 uur", "4 uur"]
    assert [data(b) for b in choices] == [
        PickCb(kind=KIND_DURATION, value=str(minutes), ctx="log")
        for minutes in (30, 60, 90, 120, 180, 240)
    ]
    assert [len(row) for row in markup.inline_keyboard] == [3, 3, 1]


def adjust_row(markup: InlineKeyboardMarkup) -> list[tuple[str, str, str]]:
    return [(b.text, data(b).kind, data(b).value) for b in markup.inline_keyboard[0]]


def test_adjust_steps_and_confirms() -> None:
    markup = adjust_keyboard(
        90, ctx="log", locale="en", confirm_label="✅ 1:30", extra_rows=[[BACK]]
    )
    assert adjust_row(markup) == [
        ("−15", KIND_ADJUST, "75"),
        ("✅ 1:30", KIND_DURATION, "90"),
        ("+15", KIND_ADJUST, "105"),
    ]
    assert markup.inline_keyboard[-1] == [BACK]


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (15, ("15", "15", "30")),
        (20, ("15", "20", "35")),
        (720, ("705", "720", "720")),
        (715, ("700", "715", "720")),
        (0, ("15", "15", "30")),  # forged or stale values are clamped too
        (10_000, ("705", "720", "720")),
    ],
)
def test_adjust_clamps(minutes: int, expected: tuple[str, str, str]) -> None:
    markup = adjust_keyboard(minutes, ctx="log", locale="en", confirm_label="ok")
    assert tuple(value for _, _, value in adjust_row(markup)) == expected


def test_adjust_other_step_and_bounds() -> None:
    markup = adjust_keyboard(
        60, ctx="log", locale="en", step=30, minimum=30, maximum=90, confirm_label="ok"
    )
    assert adjust_row(markup) == [
        ("−30", KIND_ADJUST, "30"),
        ("ok", KIND_DURATION, "60"),
        ("+30", KIND_ADJUST, "90"),
    ]
    with pytest.raises(ValueError):
        adjust_keyboard(60, ctx="log", locale="en", minimum=90, maximum=30, confirm_label="ok")
    with pytest.raises(ValueError):
        adjust_keyboard(60, ctx="log", locale="en", step=0, confirm_label="ok")


# ------------------------------------------------------------------------- parsers


def test_parsers_accept_what_the_pickers_send() -> None:
    assert parse_day("2026-03-14") == date(2026, 3, 14)
    assert parse_day("2028-02-29") == date(2028, 2, 29)
    assert parse_month("2026-03") == date(2026, 3, 1)
    assert parse_time("18:30") == time(18, 30)
    assert parse_time("00:00") == time(0, 0)
    assert parse_time("23:59") == time(23, 59)
    assert parse_minutes("90") == 90
    assert parse_minutes("1440") == 1440


GARBAGE = [
    "",
    "abc",
    "-15",
    "+15",
    " 90",
    "90\n",
    "2026-02-30",
    "2027-02-29",
    "2026-3-14",
    "20260314",
    "2026-03-14T10:00",
    "٢٠٢٦-٠٣-١٤",  # Arabic-Indic digits
    "2026-13",
    "2026-00",
    "0000-01",
    "0000-01-01",
    "25:00",
    "24:00",
    "18:60",
    "8:30",
    "18:30:00",
    "18:30\n",
    "0",
    "090",
    "1441",
    "99999",
    "1e3",
    "١٥",
    "x" * 10_000,
]


@pytest.mark.parametrize("value", GARBAGE)
def test_parsers_reject_garbage_without_raising(value: str) -> None:
    assert parse_day(value) is None
    assert parse_month(value) is None
    assert parse_time(value) is None
    assert parse_minutes(value) is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=20))
def test_parsers_never_raise(value: str) -> None:
    for parse in (parse_day, parse_month, parse_time, parse_minutes):
        parse(value)
