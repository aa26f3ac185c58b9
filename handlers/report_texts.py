"""The funder report in words: the labels of its values, the short summary sent in the
chat (several messages, each under 60 words: the rest is in the files), the progress
message and the answers to a wrong date.
"""

from __future__ import annotations

import html
from datetime import date

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n import ngettext
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from domain.reports import MIN_CELL, Change, FeedbackFigures, Outflow, Period, Report
from handlers.feedback_buttons import FACES
from handlers.i18n import isolate
from handlers.texts import Labels, error_text, role_name

SMALL = "<5"  # a cell of fewer than 5 people, not shown (in the files)
SMALL_HTML = html.escape(SMALL)  # the same in a chat message (HTML)
EXAMPLE_DAY = "2026-01-31"

pair_status_label = Labels(
    {
        "active": __("active"),
        "paused": __("paused"),
        "ended": __("ended early"),
        "completed": __("completed"),
    }
)

question_label = Labels(
    {
        "dutch_confidence": __("Confidence speaking Dutch"),
        "knows_where": __("Knows where to go for leisure, sport or help"),
        "people_to_ask": __("People to ask for help"),
        "learnt_cultures": __("Learnt about other cultures"),
        "feels_connected": __("Feels connected"),
        "worth_time": __("Worth the time"),
    }
)

# The same, short, for the chat's summary.
question_short_label = Labels(
    {
        "dutch_confidence": __("Dutch confidence"),
        "knows_where": __("Knows where to go"),
        "people_to_ask": __("People to ask"),
        "learnt_cultures": __("Learnt about cultures"),
        "feels_connected": __("Feels connected"),
        "worth_time": __("Worth the time"),
    }
)

doing_now_label = Labels(
    {
        "club_leisure": __("A club or leisure activity"),
        "volunteering": __("Volunteering"),
        "course": __("A course"),
        "work": __("Work"),
        "nothing_yet": __("Nothing yet"),
        "other": __("Something else"),
    }
)

moment_label = Labels(
    {
        "month_3": __("3 months after the end"),
        "month_6": __("6 months after the end"),
    }
)


def plain(label: str) -> str:
    """A label without its leading emoji ("⚽ Sport" -> "Sport"), for files and charts."""
    head, _space, rest = label.partition(" ")
    return rest if rest and head and not any(c.isalnum() for c in head) else label


def channel_label(channel: str | None) -> str:
    return channel if channel else _("no link (came directly)")


def role_label(role: str | None) -> str:
    return role_name(role) if role else _("role not chosen yet")


def day_text(day: date, locale: str, fmt: str = "medium") -> str:
    return format_date(day, format=fmt, locale=locale)


def month_text(first_day: date, locale: str) -> str:
    """A month as a short label: "Mar 2026"."""
    return format_date(first_day, format="LLL y", locale=locale)


def period_text(period: Period, locale: str) -> str:
    return _("{first} to {last}").format(
        first=isolate(day_text(period.first, locale), locale),
        last=isolate(day_text(period.last, locale), locale),
    )


def number(value: float, locale: str, digits: int = 1) -> str:
    pattern = "#,##0." + "#" * digits if digits else "#,##0"
    return isolate(format_decimal(round(value, digits), format=pattern, locale=locale), locale)


def signed(value: float, locale: str) -> str:
    text = format_decimal(round(value, 2), format="+#,##0.0#;-#,##0.0#", locale=locale)
    return isolate(text, locale)


def percent(share: float | None, locale: str) -> str:
    """A share for a chat message; "<5" when it rests on fewer than 5 answers."""
    if share is None:
        return SMALL_HTML
    return isolate(format_percent(share, format="#,##0%", locale=locale), locale)


def count(value: int, locale: str) -> str:
    return isolate(value, locale)


# --- the chat -------------------------------------------------------------------------


def chooser_text() -> str:
    return "📊 <b>" + _("Report for funders") + "</b>\n" + _("Which period?")


def first_day_prompt() -> str:
    return "📅 " + _(
        "First day of the period? Tap a month, or type a date as YYYY-MM-DD "
        "(for example {example})."
    ).format(example=EXAMPLE_DAY)


def last_day_prompt(first: date, locale: str) -> str:
    return "📅 " + _("From {first}. Last day? Tap one, or type a date as YYYY-MM-DD.").format(
        first=isolate(day_text(first, locale), locale)
    )


PROGRESS_STEPS = 4


def progress_text(period: Period, step: int, locale: str) -> str:
    """The progress message, edited in place: `step` of PROGRESS_STEPS."""
    steps = [
        _("Counting…"),
        _("Drawing the chart…"),
        _("Writing the spreadsheet and the CSV files…"),
        _("Sending…"),
    ]
    bar = "▰" * (step + 1) + "▱" * (PROGRESS_STEPS - step - 1)
    return "\n".join(
        [
            "⏳ <b>" + _("Preparing the report") + "</b>",
            period_text(period, locale),
            f"{bar} {steps[min(step, PROGRESS_STEPS - 1)]}",
        ]
    )


def ready_text(period: Period, locale: str) -> str:
    return "✅ <b>" + _("Report ready") + "</b>\n" + period_text(period, locale)


def failed_text() -> str:
    return "😕 " + _("The report could not be made. Please try again later.")


def summary_messages(report: Report, locale: str) -> list[str]:
    """The short summary in the chat: four messages, each under 60 words (the chart and
    the files hold the rest), and a fifth when people were asked how it was."""
    messages = [
        _people(report, locale),
        _pairs(report, locale),
        _changes(report.changes, locale),
        _after(report, locale),
    ]
    if any(figures.asked for figures in report.feedback):
        messages.append(_feedback(report.feedback, locale))
    if report.volunteering.duos or report.volunteering.organisations:
        messages.append(_volunteering(report, locale))
    return messages


def spreadsheet_caption() -> str:
    return "📗 " + _(
        "Spreadsheet: one sheet per table, also by language and municipality, and the pairs "
        "under a pseudonym. Groups of fewer than {count} people show as “{small}”."
    ).format(count=MIN_CELL, small=SMALL_HTML)


def csv_caption() -> str:
    return "🗂 " + _("The same tables as CSV files")


def _people(report: Report, locale: str) -> str:
    newcomers, buddies = report.recruited_as("newcomer"), report.recruited_as("buddy")
    lines = [
        "📊 <b>" + _("Report: {period}").format(period=period_text(report.period, locale)) + "</b>",
        "👋 "
        + _("Joined: {newcomers} and {buddies}.").format(
            newcomers=ngettext("{count} newcomer", "{count} newcomers", newcomers).format(
                count=count(newcomers, locale)
            ),
            buddies=ngettext("{count} buddy", "{count} buddies", buddies).format(
                count=count(buddies, locale)
            ),
        ),
        *_channels(report, locale),
        "⏳ "
        + _("Waiting for a buddy now: {count}.").format(
            count=count(report.matching.waiting_now, locale)
        ),
    ]
    matching = report.matching
    if matching.median_days is None or matching.p90_days is None:
        lines.append("🧩 " + _("No newcomer got their first buddy in this period."))
    else:
        lines.append(
            "🧩 "
            + ngettext(
                "Time to a first buddy ({count} newcomer): half within {median} days, "
                "90% within {p90} days.",
                "Time to a first buddy ({count} newcomers): half within {median} days, "
                "90% within {p90} days.",
                matching.matched,
            ).format(
                count=count(matching.matched, locale),
                median=number(matching.median_days, locale),
                p90=number(matching.p90_days, locale),
            )
        )
    return "\n".join(lines)


SHOWN_CHANNELS = 4  # the rest are in the spreadsheet


def _channels(report: Report, locale: str) -> list[str]:
    """The channels that brought most people: joined → profile confirmed → matched."""
    if not report.channels:
        return []
    parts = [
        isolate(channel_label(c.channel), locale)
        + f" {count(c.recruits, locale)}→{count(c.onboarded, locale)}→{count(c.matched, locale)}"
        for c in report.channels[:SHOWN_CHANNELS]
    ]
    return [
        "🔗 "
        + _("By channel (joined→profile done→matched): {list}.").format(list=" · ".join(parts))
    ]


def _pairs(report: Report, locale: str) -> str:
    pairs, drop, reached = report.pairs, report.dropouts, report.milestones
    return "\n".join(
        [
            "🤝 "
            + _(
                "Pairs: {active} active, {paused} paused, {completed} completed, "
                "{ended} ended early; {started} new."
            ).format(
                active=count(pairs.active, locale),
                paused=count(pairs.paused, locale),
                completed=count(pairs.completed, locale),
                ended=count(pairs.ended, locale),
                started=count(pairs.started, locale),
            ),
            "⏱ "
            + _("Confirmed hours: {hours}. Pairs at 10/20/40 h: {p10}/{p20}/{p40}.").format(
                hours=number(report.hours, locale),
                p10=percent(reached.share(reached.at_10), locale),
                p20=percent(reached.share(reached.at_20), locale),
                p40=percent(reached.share(reached.at_40), locale),
            ),
            "🚪 "
            + _(
                "Ended early at 0 / under 10 / 10–20 / 20–40 h: "
                "{none} / {under10} / {to20} / {to40}."
            ).format(
                none=count(drop.before_any, locale),
                under10=count(drop.under_10, locale),
                to20=count(drop.from_10_to_20, locale),
                to40=count(drop.from_20_to_40, locale),
            ),
            "🙈 "
            + _("No-shows: {missed} of {due} meetups.").format(
                missed=count(report.no_shows.missed, locale),
                due=count(report.no_shows.due, locale),
            ),
        ]
    )


def _changes(changes: list[Change], locale: str) -> str:
    answered = [change for change in changes if change.n > 0]
    if not answered:
        return "💬 " + _("No answers from both the first check-in and the end yet.")
    lines = ["💬 <b>" + _("What changed") + "</b> " + _("(same people, first check-in → end)")]
    for change in answered:
        value = change.change
        shown = signed(value, locale) if value is not None else _("too few")
        lines.append(
            _("{question}: {change} (n = {count})").format(
                question=question_short_label(change.question),
                change=shown,
                count=count(change.n, locale),
            )
        )
    return "\n".join(lines)


def _after(report: Report, locale: str) -> str:
    lines = []
    for outflow in report.outflow:
        if outflow.role == "newcomer":
            lines.append("🚀 " + _outflow_line(outflow, locale))
    evaluation = report.evaluation
    if evaluation.mean_rating is not None:
        lines.append(
            "⭐ "
            + _(
                "Rating {rating}/5 ({count} answers); {share} would recommend the programme."
            ).format(
                rating=number(evaluation.mean_rating, locale),
                count=count(evaluation.ratings, locale),
                share=percent(evaluation.recommend_share, locale),
            )
        )
    if not lines:
        return "🚀 " + _("No follow-up answers (3 and 6 months after the end) yet.")
    return "\n".join(lines)


def _feedback(feedback: list[FeedbackFigures], locale: str) -> str:
    """The answers to "how was it?", face by face, after meetups and after events."""
    lines = ["🗳 <b>" + _("How was it?") + "</b>"]
    for figures in feedback:
        faces = " · ".join(
            f"{face} {count(figures.answers.get(value, 0), locale)}"
            for value, face in FACES.items()
        )
        text = (
            _("After events: {faces}; {unanswered} not answered.")
            if figures.subject == "event"
            else _("After meetups: {faces}; {unanswered} not answered.")
        )
        lines.append(text.format(faces=faces, unanswered=count(figures.unanswered, locale)))
    return "\n".join(lines)


SHOWN_HOSTS = 3  # the hosts with most hours; the rest are in the spreadsheet


def _volunteering(report: Report, locale: str) -> str:
    """Duo volunteering: duos and organisations linked, and the hosts with most hours."""
    figures = report.volunteering
    lines = [
        "🙋 "
        + _("Duo volunteering: {duos} with {organisations}; {hours} confirmed hours.").format(
            duos=ngettext("{count} duo", "{count} duos", figures.duos).format(
                count=count(figures.duos, locale)
            ),
            organisations=ngettext(
                "{count} organisation", "{count} organisations", figures.organisations
            ).format(count=count(figures.organisations, locale)),
            hours=number(figures.minutes / 60, locale),
        )
    ]
    lines += [
        "· "
        + _("{host}: {hours} h").format(
            host=isolate(html.escape(host.name), locale), hours=number(host.minutes / 60, locale)
        )
        for host in figures.hosts[:SHOWN_HOSTS]
    ]
    return "\n".join(lines)


def _outflow_line(outflow: Outflow, locale: str) -> str:
    text = (
        _(
            "Newcomers 3 months on: {active} of {answered} in a club, volunteering, a course "
            "or work; {share} still in contact."
        )
        if outflow.moment == "month_3"
        else _(
            "Newcomers 6 months on: {active} of {answered} in a club, volunteering, a course "
            "or work; {share} still in contact."
        )
    )
    return text.format(
        active=count(outflow.active, locale),
        answered=count(outflow.answered, locale),
        share=percent(outflow.contact_share, locale),
    )


# --- wrong dates ----------------------------------------------------------------------


def report_error_text(key: str, params: dict[str, object], locale: str) -> str:
    """The answer to a refused date or period; other keys as everywhere else."""
    texts = {
        "report_date_format": _(
            "I cannot read that date. Please write it as YYYY-MM-DD, for example {example}."
        ),
        "report_no_such_day": _("There is no such day: {day}. Please check the date."),
        "report_date_future": _("That day has not come yet. Please choose today or earlier."),
        "report_date_too_early": _("Please choose a day from {day} on."),
        "report_date_order": _("The last day comes before the first day. Please check."),
        "report_period_too_long": ngettext(
            "A report covers at most {years} year.",
            "A report covers at most {years} years.",
            int(str(params.get("years", 1))),
        ),
        "report_running": _("A report is already being prepared for you. It comes in a moment."),
    }
    text = texts.get(key)
    if text is None:
        return error_text(key, params, locale)
    values = {"example": EXAMPLE_DAY, **params}
    return text.format(**{name: isolate(value, locale) for name, value in values.items()})
