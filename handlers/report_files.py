"""The funder report's tables and chart, in the current language.

The tables become a spreadsheet and CSV files in a child process (`domain.spreadsheet`);
the chart (PNG) is drawn in a worker thread (`asyncio.to_thread`, which carries the
current language along), with matplotlib's object API and its Agg canvas (never pyplot,
whose global state is not safe across threads). Nothing here sees a name or a Telegram
id: the `Report` holds none, and pairs appear by pseudonym.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from domain.checkins import DOING_NOW
from domain.reports import MIN_CELL, GroupRow, PairLine, Report
from domain.spreadsheet import Cell, Table
from handlers.feedback_buttons import FACES
from handlers.i18n import endonym
from handlers.report_texts import (
    SMALL,
    channel_label,
    day_text,
    doing_now_label,
    moment_label,
    month_text,
    pair_status_label,
    period_text,
    plain,
    question_label,
    role_label,
)
from handlers.texts import activity_label, end_reason_label, municipality_label

# The tables, in the order of the spreadsheet's sheets and the CSV files' numbers.
TITLES = {
    "summary": __("Summary"),
    "recruits": __("Recruits by channel and role"),
    "channels": __("Progress of recruits by channel"),
    "months": __("Month by month"),
    "waiting_list": __("Waiting list and time to match"),
    "pairs": __("Pairs by status now"),
    "dropouts": __("Pairs that ended early, by confirmed hours at the end"),
    "activities": __("Confirmed hours by activity"),
    "milestones": __("Pairs reaching 10, 20 and 40 confirmed hours"),
    "no_shows": __("Meetups and no-shows"),
    "before_after": __("Before and after: the same people at their first check-in and at the end"),
    "end_evaluation": __("End evaluation"),
    "outflow": __("After the trajectory: what people do now"),
    "feedback": __("Feedback after meetups, events"),
    "volunteering": __("Duo volunteering by host organisation"),
    "by_language": __("By contact language"),
    "by_municipality": __("By municipality (of the newcomer, for pairs)"),
    "pairs_pseudonymised": __("Pairs (pseudonymised)"),
}
PAIR_LINES = "pairs_pseudonymised"
# Scripts the chart's font (DejaVu Sans) cannot shape or lacks: the chart's words are in
# English for these; the spreadsheet and CSV files are in the coordinator's language.
CHART_FALLBACK = frozenset({"ar", "fa", "ti"})


def _title(slug: str) -> str:
    return str(TITLES[slug])


def table_order() -> list[tuple[str, str]]:
    """(slug, title) of every table, in the order of the sheets and CSV files."""
    return [(slug, str(title)) for slug, title in TITLES.items()]


def _small(value: int | None) -> Cell:
    return SMALL if value is None else value


def _hours(minutes: int) -> float:
    return round(minutes / 60, 2)


def _mean(value: float | None) -> Cell:
    return SMALL if value is None else round(value, 2)


def _share(share: float | None) -> Cell:
    """A share in percent, or "<5" when it rests on too few answers."""
    return SMALL if share is None else round(100 * share, 1)


def tables(report: Report, locale: str) -> list[Table]:
    """Every table of the report, headers and values in the current language."""
    return [*figure_tables(report, locale), pair_table(report.pair_lines)]


def figure_tables(report: Report, locale: str) -> list[Table]:
    """The tables of the figures (every table but the pair lines)."""
    return [
        _summary(report, locale),
        Table(
            "recruits",
            _title("recruits"),
            [_("Channel"), _("Role"), _("People")],
            [(channel_label(r.channel), role_label(r.role), r.people) for r in report.recruits],
        ),
        Table(
            "channels",
            _title("channels"),
            [_("Channel"), _("People"), _("Profiles confirmed"), _("Matched")],
            [
                (channel_label(c.channel), c.recruits, c.onboarded, c.matched)
                for c in report.channels
            ],
        ),
        Table(
            "months",
            _title("months"),
            [
                _("Month"),
                _("Newcomers joined"),
                _("Buddies joined"),
                _("Joined, role not chosen yet"),
                _("Pairs started"),
                _("Confirmed hours"),
            ],
            [
                (
                    month.first_day.strftime("%Y-%m"),
                    month.newcomers,
                    month.buddies,
                    month.undecided,
                    month.matches,
                    _hours(month.minutes),
                )
                for month in report.months
            ],
        ),
        Table(
            "waiting_list",
            _title("waiting_list"),
            [_("Figure"), _("Value")],
            [
                (_("Newcomers waiting now"), report.matching.waiting_now),
                (_("Newcomers with a first buddy in the period"), report.matching.matched),
                (_("Days to a first buddy: median"), _days(report.matching.median_days)),
                (_("Days to a first buddy: 90th percentile"), _days(report.matching.p90_days)),
            ],
        ),
        Table(
            "pairs",
            _title("pairs"),
            [_("Status"), _("Pairs")],
            [
                (pair_status_label("active"), report.pairs.active),
                (pair_status_label("paused"), report.pairs.paused),
                (pair_status_label("completed"), report.pairs.completed),
                (pair_status_label("ended"), report.pairs.ended),
                (_("All pairs in the period"), report.pairs.total),
                (_("Of which started in the period"), report.pairs.started),
            ],
        ),
        Table(
            "dropouts",
            _title("dropouts"),
            [_("Confirmed hours at the end"), _("Pairs")],
            [
                (_("None"), report.dropouts.before_any),
                (_("Under 10"), report.dropouts.under_10),
                (_("10 to 20"), report.dropouts.from_10_to_20),
                (_("20 to 40"), report.dropouts.from_20_to_40),
                (_("40 or more"), report.dropouts.at_40_or_more),
            ],
        ),
        Table(
            "activities",
            _title("activities"),
            [_("Activity"), _("Confirmed hours"), _("Entries")],
            [(plain(activity_label(k.kind)), _hours(k.minutes), k.entries) for k in report.kinds],
        ),
        _milestones(report),
        Table(
            "no_shows",
            _title("no_shows"),
            [_("Meetups that took place"), _("No-shows"), _("No-shows (%)")],
            [
                (
                    report.no_shows.took_place,
                    report.no_shows.missed,
                    round(100 * (report.no_shows.share or 0), 1),
                )
            ],
        ),
        Table(
            "before_after",
            _title("before_after"),
            [
                _("Role"),
                _("Question"),
                _("People who answered both times"),
                _("Mean before"),
                _("Mean after"),
                _("Mean change"),
                _("Skipped"),
            ],
            [
                (
                    role_label(c.role),
                    question_label(c.question),
                    c.n,
                    _mean(c.before),
                    _mean(c.after),
                    _mean(c.change),
                    c.skipped,
                )
                for c in report.changes
            ],
        ),
        _evaluation(report),
        _outflow(report),
        _feedback(report),
        _volunteering(report),
        _groups(
            "by_language",
            _("Contact language"),
            report.by_language,
            lambda code: endonym(code) if code else _("unknown"),
        ),
        _groups(
            "by_municipality",
            _("Municipality"),
            report.by_municipality,
            lambda code: municipality_label(code, locale) if code else _("unknown"),
        ),
    ]


def _days(value: float | None) -> Cell:
    return None if value is None else round(value, 1)


def _summary(report: Report, locale: str) -> Table:
    return Table(
        "summary",
        _title("summary"),
        [_("Figure"), _("Value")],
        [
            (_("Programme"), report.programme),
            (_("Period"), period_text(report.period, locale)),
            (_("First day"), report.period.first),
            (_("Last day"), report.period.last),
            (_("Made on"), day_text(report.made_at.date(), locale)),
            (_("People who joined"), report.recruited),
            (_("Newcomers waiting now"), report.matching.waiting_now),
            (_("Pairs in the period"), report.pairs.total),
            (_("Confirmed hours in the period"), _hours(report.minutes)),
            (
                _("Small groups"),
                _("Groups of fewer than {count} people show as “<5”.").format(count=MIN_CELL),
            ),
        ],
    )


def _milestones(report: Report) -> Table:
    reached = report.milestones
    return Table(
        "milestones",
        _title("milestones"),
        [_("Confirmed hours"), _("Pairs"), _("Of all pairs in the period"), _("Share (%)")],
        [
            (hours, at, reached.pairs, round(100 * (reached.share(at) or 0), 1))
            for hours, at in ((10, reached.at_10), (20, reached.at_20), (40, reached.at_40))
        ],
    )


def _evaluation(report: Report) -> Table:
    evaluation = report.evaluation
    return Table(
        "end_evaluation",
        _title("end_evaluation"),
        [_("Question"), _("Answers"), _("Result"), _("Skipped")],
        [
            (
                _("Rating of the programme (1 to 5): mean"),
                evaluation.ratings,
                _mean(evaluation.mean_rating),
                evaluation.ratings_skipped,
            ),
            (
                _("Would recommend the programme (%)"),
                evaluation.recommend_answers,
                _share(evaluation.recommend_share),
                evaluation.recommend_skipped,
            ),
        ],
    )


def _outflow(report: Report) -> Table:
    return Table(
        "outflow",
        _title("outflow"),
        [
            _("Moment"),
            _("Role"),
            _("Asked"),
            *(doing_now_label(answer) for answer in DOING_NOW),
            _("Skipped"),
            _("Still in contact: yes"),
            _("Still in contact: no"),
            _("Still in contact: skipped"),
            _("Still in contact (%)"),
        ],
        [
            (
                moment_label(o.moment),
                role_label(o.role),
                o.asked,
                *(o.doing.get(answer, 0) for answer in DOING_NOW),
                o.doing_skipped,
                o.contact_yes,
                o.contact_no,
                o.contact_skipped,
                _share(o.contact_share),
            )
            for o in report.outflow
        ],
    )


def _typed(text: str) -> str:
    """A name someone typed, never read as a formula by a spreadsheet program."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _volunteering(report: Report) -> Table:
    """Each host organisation's duos and confirmed hours in the period, then all of them
    (a duo with two hosts counts once there)."""
    figures = report.volunteering
    return Table(
        "volunteering",
        _title("volunteering"),
        [_("Host organisation"), _("Duos"), _("Confirmed hours")],
        [
            *((_typed(host.name), host.duos, _hours(host.minutes)) for host in figures.hosts),
            (
                _("All organisations ({count})").format(count=figures.organisations),
                figures.duos,
                _hours(figures.minutes),
            ),
        ],
    )


def _feedback(report: Report) -> Table:
    """The answers to "how was it?" by face; the questions asked in the period."""
    return Table(
        "feedback",
        _title("feedback"),
        [
            _("After"),
            *FACES.values(),
            _("Not answered"),
            _("Questions asked"),
            _("Answers with a word"),
        ],
        [
            (
                _("Events") if figures.subject == "event" else _("Meetups"),
                *(figures.answers.get(value, 0) for value in FACES),
                figures.unanswered,
                figures.asked,
                figures.comments,
            )
            for figures in report.feedback
        ],
    )


def _groups(
    slug: str, heading: str, rows: list[GroupRow], label: Callable[[str | None], str]
) -> Table:
    return Table(
        slug,
        _title(slug),
        [
            heading,
            _("People who joined"),
            _("Newcomers waiting now"),
            _("Pairs started"),
            _("Pairs in the period"),
            _("Pairs at 40 hours"),
            _("Confirmed hours in the period"),
        ],
        [
            (
                label(row.group),
                _small(row.recruits),
                _small(row.waiting),
                _small(row.matched),
                _small(row.pairs),
                _small(row.at_goal),
                SMALL if row.hours is None else round(row.hours, 2),
            )
            for row in rows
        ],
    )


def pair_table(lines: list[PairLine]) -> Table:
    """The pairs under their pseudonym: nothing about their people."""
    statuses: dict[str, str] = {}
    reasons: dict[str | None, str] = {None: ""}
    rows: list[Sequence[Cell]] = []
    for line in lines:
        status = statuses.get(line.status)
        if status is None:
            status = statuses[line.status] = pair_status_label(line.status)
        reason = reasons.get(line.end_reason)
        if reason is None:
            reason = reasons[line.end_reason] = end_reason_label(line.end_reason)
        rows.append(
            (
                line.pseudonym,
                status,
                line.started,
                line.ended,
                reason,
                line.target_hours,
                _hours(line.minutes_total),
                _hours(line.minutes_in_period),
            )
        )
    return Table(
        "pairs_pseudonymised",
        _title("pairs_pseudonymised"),
        [
            _("Pair"),
            _("Status now"),
            _("Started"),
            _("Ended"),
            _("End reason"),
            _("Goal (hours)"),
            _("Confirmed hours by the end of the period"),
            _("Confirmed hours in the period"),
        ],
        rows,
    )


# --- the chart ----------------------------------------------------------------------------

MONTH_LABELS = 12  # at most this many month names under a panel


def chart(report: Report, locale: str) -> Figure:
    """Three panels: people who joined and pairs started per month, confirmed hours per
    month, and the check-ins before and after (the same people)."""
    figure = Figure(figsize=(9, 12), dpi=100)
    FigureCanvasAgg(figure)
    figure.subplots_adjust(left=0.09, right=0.97, top=0.93, bottom=0.05, hspace=0.42)
    top, middle, bottom = figure.subplots(3, 1)
    figure.suptitle(
        f"{report.programme}: {period_text(report.period, locale)}", fontsize=13, weight="bold"
    )
    positions = list(range(len(report.months)))
    # Lines and one step patch, not a bar per month: a few artists to draw (each bar is
    # one, and making hundreds of them holds the event loop's lock for tens of ms).
    series = (
        ([m.newcomers for m in report.months], _("Newcomers joined"), "#4C72B0"),
        ([m.buddies for m in report.months], _("Buddies joined"), "#55A868"),
        ([m.matches for m in report.months], _("Pairs started"), "#DD8452"),
    )
    for values, label, colour in series:
        top.plot(positions, values, marker="o", markersize=4, label=label, color=colour)
    highest = max([1, *(value for values, _label, _colour in series for value in values)])
    top.set_ylim(0, highest * 1.3)  # room for the legend
    top.legend(loc="upper left", ncols=3, fontsize=9, frameon=False)
    top.set_title(_("People who joined and pairs started, per month"))
    hours = [round(m.hours, 1) for m in report.months]
    middle.stairs(hours, [p - 0.5 for p in [*positions, len(positions)]], fill=True,
                  color="#8172B3")  # fmt: skip
    middle.set_ylim(0, max([1.0, *hours]) * 1.1)
    middle.set_title(_("Confirmed hours per month"))
    step = math.ceil(len(positions) / MONTH_LABELS) or 1
    shown = positions[::step]
    names = [month_text(report.months[p].first_day, locale) for p in shown]
    for axes in (top, middle):
        axes.set_xticks(shown, names, fontsize=8, rotation=30 if len(shown) > 6 else 0)
        axes.set_xlim(-0.6, len(positions) - 0.4)
        axes.grid(axis="y", alpha=0.3)
        axes.set_axisbelow(True)
    _before_after(bottom, report)
    return figure


def _before_after(axes: Axes, report: Report) -> None:
    """Each question a line from the mean before (open dot) to the mean after (dot), its
    name written above it."""
    shown = [c for c in report.changes if c.before is not None and c.after is not None]
    axes.set_title(_("Check-ins: first check-in and end, the same people"))
    if not shown:
        axes.set_axis_off()
        axes.text(
            0.5,
            0.5,
            _("Not enough answers yet (at least {count} people per question).").format(
                count=MIN_CELL
            ),
            ha="center",
            va="center",
            transform=axes.transAxes,
        )
        return
    rows = list(range(len(shown)))[::-1]
    before = [c.before or 0.0 for c in shown]
    after = [c.after or 0.0 for c in shown]
    for row, then, now, change in zip(rows, before, after, shown, strict=True):
        axes.plot([then, now], [row, row], color="#999999", zorder=1)
        axes.text(
            0.0,
            row + 0.32,
            f"{_capital(role_label(change.role))}: {question_label(change.question)} "
            f"(n = {change.n})",
            fontsize=8,
        )
    axes.scatter(
        before, rows, color="white", edgecolors="#4C72B0", s=60, zorder=2,
        label=_("First check-in"),
    )  # fmt: skip
    axes.scatter(after, rows, color="#4C72B0", s=60, zorder=3, label=_("Last check-in"))
    axes.set_yticks([])
    axes.set_ylim(-0.6, len(shown) - 0.2)
    axes.set_xlim(-0.1, 5.4)
    axes.set_xlabel(_("Mean answer (people to ask: 0 to 3; the others: 1 to 5)"))
    axes.grid(axis="x", alpha=0.3)
    axes.legend(loc="lower right", fontsize=9)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def chart_png(report: Report, locale: str) -> bytes:
    figure = chart(report, locale)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
