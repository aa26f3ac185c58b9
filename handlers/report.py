"""/report (and "📊 Report" on the coordinator's home screen): the funder report.

The coordinator chooses a period by button (this month, the last quarter, this year) or
two days of their own (buttons, or typed as YYYY-MM-DD, with a clear answer to a wrong
date). The update only checks, audits and starts the report; the report itself is a job
of its own (`ReportJobs`), because it takes seconds on a large programme and the update's
replies are held until its commit (delivery/replies.py): the job's messages go out at
once, so its progress message is edited in place while it works, then the summary
(several short messages), the chart, the spreadsheet and the CSV files follow.

In the job, the figures are aggregate queries (domain.reports, storage.reports); the chart
is drawn in a worker thread (`asyncio.to_thread`) and the spreadsheet and CSV files are
written by a child process (domain.spreadsheet): the event loop keeps serving everyone
else. One report per coordinator's chat at a time, two at most at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message, Update
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from domain import reports
from domain.errors import DomainError
from domain.reports import PairLine, Period, PeriodKind, Report
from domain.spreadsheet import SpreadsheetProcess
from handlers import report_files
from handlers.actor import Acting, Actor
from handlers.coordinator_buttons import IsCoordinator
from handlers.filters import WithMessage
from handlers.flow_answers import answered_with, replied_with
from handlers.report_buttons import (
    ReportAction,
    ReportCb,
    chooser_keyboard,
    first_day_keyboard,
    last_day_keyboard,
)
from handlers.report_texts import (
    chooser_text,
    csv_caption,
    failed_text,
    first_day_prompt,
    last_day_prompt,
    period_text,
    progress_text,
    ready_text,
    report_error_text,
    spreadsheet_caption,
    summary_messages,
)
from storage.db import SessionFactory
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

NOT_COMMAND = ~F.text.startswith("/")
FIRST_DAY = "report_first"  # the conversation's data: the first day typed or tapped
REPORTS_AT_ONCE = 2
answered = answered_with(report_error_text)
replied = replied_with(report_error_text)


class ReportForm(StatesGroup):
    first = State()  # waiting for the first day of a custom period
    last = State()  # waiting for its last day


Job = Callable[[], Awaitable[None]]


class ReportJobs:
    """The reports being made: at most one per coordinator's chat, REPORTS_AT_ONCE in
    all (the rest wait their turn). A job runs in a task of its own, started by an update
    but not part of it, so its messages are sent at once."""

    def __init__(self, at_once: int = REPORTS_AT_ONCE) -> None:
        self._jobs: dict[int, tuple[int, asyncio.Task[None]]] = {}
        self._slots = asyncio.Semaphore(at_once)

    def busy(self, chat_id: int, update_id: int) -> bool:
        """Whether this chat has a report in the making, started by another update (the
        same update, handled again after it lost a race in the database, is not busy)."""
        running = self._jobs.get(chat_id)
        return running is not None and not running[1].done() and running[0] != update_id

    def start(self, chat_id: int, update_id: int, job: Job) -> None:
        running = self._jobs.get(chat_id)
        if running is not None and not running[1].done():
            return  # the same update again: its report is already under way
        task = asyncio.create_task(self._run(chat_id, job), name=f"report-{chat_id}")
        self._jobs[chat_id] = (update_id, task)

    async def _run(self, chat_id: int, job: Job) -> None:
        try:
            async with self._slots:
                await job()
        except Exception:  # a job says what went wrong itself; never lose the task's error
            log.exception("a report job failed")
        finally:
            running = self._jobs.get(chat_id)
            if running is not None and running[1] is asyncio.current_task():
                del self._jobs[chat_id]

    async def stop(self) -> None:
        """The bot stops: reports under way are given up."""
        tasks = [task for _update, task in self._jobs.values()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._jobs.clear()


@dataclass(frozen=True)
class ReportRequest:
    """What a report job needs: nothing of the update it came from."""

    chat_id: int
    coordinator_id: int  # the person row
    period: Period
    locale: str
    tz: tzinfo
    now: datetime


def _file_name(period: Period, extension: str) -> str:
    return f"report-{period.first.isoformat()}-{period.last.isoformat()}.{extension}"


def chart_png_in(i18n: I18n, report: Report, locale: str) -> bytes:
    """In a worker thread: the chart, in English where its font cannot write the language."""
    chart_locale = "en" if locale in report_files.CHART_FALLBACK else locale
    with i18n.use_locale(chart_locale):
        return report_files.chart_png(report, chart_locale)


@dataclass(frozen=True)
class MadeReport:
    report: Report
    chart: bytes  # PNG
    spreadsheet: bytes  # XLSX
    archive: bytes  # ZIP of CSV files


Step = Callable[[int], Awaitable[None]]


async def make(
    session_factory: SessionFactory, i18n: I18n, request: ReportRequest, step: Step
) -> MadeReport:
    """The report's figures and files (in the current language). The aggregate queries
    run on the event loop; the spreadsheet and CSV files are written by a child process
    (domain.spreadsheet), which gets the pair lines (the largest table) first and writes
    them while the other figures are being counted; the chart is drawn in a worker
    thread. `step(n)` is awaited as each of the PROGRESS_STEPS begins."""
    writer = await SpreadsheetProcess.start(report_files.table_order())
    sending: list[asyncio.Task[None]] = []

    def send_pair_lines(lines: list[PairLine]) -> None:
        sending.append(asyncio.create_task(writer.add(report_files.pair_table(lines))))

    try:
        async with UnitOfWork(session_factory) as uow:
            coordinator = await uow.users.get(request.coordinator_id)
            report = await reports.build(
                uow,
                coordinator,
                request.period,
                request.tz,
                request.now,
                on_pair_lines=send_pair_lines,
            )
            await uow.commit()  # the programme's pseudonym key, on its first report
        await step(1)
        chart = await asyncio.to_thread(chart_png_in, i18n, report, request.locale)
        await step(2)
        for task in sending:
            await task
        for table in report_files.figure_tables(report, request.locale):
            await writer.add(table)
        spreadsheet, archive = await writer.finish()
    finally:
        await asyncio.gather(*sending, return_exceptions=True)
        await writer.close()
    await step(3)
    return MadeReport(report, chart, spreadsheet, archive)


class ReportMaker:
    """A report job: makes one report and sends it, its progress shown in one message
    edited in place."""

    def __init__(
        self, bot: Bot, session_factory: SessionFactory, i18n: I18n, request: ReportRequest
    ) -> None:
        self.bot = bot
        self.session_factory = session_factory
        self.i18n = i18n
        self.request = request
        self.progress_id: int | None = None
        self._wanted = self._shown = ""
        self._editing: asyncio.Task[None] | None = None

    async def __call__(self) -> None:
        with self.i18n.context(), self.i18n.use_locale(self.request.locale):
            await self._make()

    async def _step(self, step: int) -> None:
        """Show the step without waiting for it: one chat takes a message a second, and
        the report goes on meanwhile (while an edit is on its way, only the latest step
        is kept for the next one)."""
        self._wanted = progress_text(self.request.period, step, self.request.locale)
        if self._editing is None or self._editing.done():
            self._editing = asyncio.create_task(self._edits())

    async def _edits(self) -> None:
        while self._shown != self._wanted:
            text = self._wanted
            await self._edit(text)
            self._shown = text

    async def _last_word(self, text: str) -> None:
        """The progress message's final text, after any step still on its way."""
        if self._editing is not None:
            await self._editing
        await self._edit(text)

    async def _edit(self, text: str) -> None:
        if self.progress_id is None:
            return
        with contextlib.suppress(TelegramAPIError):  # deleted meanwhile: nothing to show
            await self.bot.edit_message_text(
                text=text, chat_id=self.request.chat_id, message_id=self.progress_id
            )

    async def _make(self) -> None:
        request, bot = self.request, self.bot
        locale, chat_id, period = request.locale, request.chat_id, request.period
        self._shown = progress_text(period, 0, locale)
        progress = await bot.send_message(chat_id, self._shown)
        self.progress_id = progress.message_id
        try:
            made = await make(self.session_factory, self.i18n, request, self._step)
        except DomainError as error:  # no longer a coordinator, meanwhile
            await self._last_word(report_error_text(error.key, error.params, locale))
            return
        except Exception:
            log.exception("the report could not be made")
            await self._last_word(failed_text())
            return
        try:
            await self._send(made)
        except TelegramAPIError as error:  # blocked meanwhile, or Telegram refused a file
            log.warning("the report could not be sent: %s", type(error).__name__)
            await self._last_word(failed_text())
            return
        await self._last_word(ready_text(period, locale))

    async def _send(self, made: MadeReport) -> None:
        """The summary (several short messages), the chart and both files."""
        bot, chat_id = self.bot, self.request.chat_id
        locale, period = self.request.locale, self.request.period
        for text in summary_messages(made.report, locale):
            await bot.send_message(chat_id, text)
        await bot.send_photo(
            chat_id,
            BufferedInputFile(made.chart, filename=_file_name(period, "png")),
            caption="📈 " + period_text(period, locale),
        )
        await bot.send_document(
            chat_id,
            BufferedInputFile(made.spreadsheet, filename=_file_name(period, "xlsx")),
            caption=spreadsheet_caption(),
        )
        await bot.send_document(
            chat_id,
            BufferedInputFile(made.archive, filename=_file_name(period, "csv.zip")),
            caption=csv_caption(),
        )


class ReportArea:
    """The handlers of the report, sharing the router's jobs."""

    def __init__(self) -> None:
        self.jobs = ReportJobs()

    async def _start(
        self,
        message: Message,
        actor: Actor,
        period: Period,
        event_update: Update,
        bot: Bot,
        session_factory: SessionFactory,
        i18n: I18n,
    ) -> None:
        """Audit the request and start its job; "report_running" when one is under way."""
        chat_id = message.chat.id
        if self.jobs.busy(chat_id, event_update.update_id):
            raise DomainError("report_running")
        await actor.state.set_state(None)
        await actor.state.update_data({FIRST_DAY: None})
        actor.uow.audit.by(
            actor.user,
            "report.requested",
            kind=period.kind.value,
            first=period.first.isoformat(),
            last=period.last.isoformat(),
        )
        request = ReportRequest(
            chat_id=chat_id,
            coordinator_id=actor.user.id,
            period=period,
            locale=actor.locale,
            tz=actor.tz,
            now=actor.now(),
        )
        self.jobs.start(
            chat_id, event_update.update_id, ReportMaker(bot, session_factory, i18n, request)
        )

    @staticmethod
    def _today(actor: Actor) -> date:
        return reports.today_in(actor.now(), actor.tz)

    # --- commands and buttons -----------------------------------------------------------

    async def command(self, message: Message, state: FSMContext) -> None:
        await state.set_state(None)
        await message.answer(chooser_text(), reply_markup=chooser_keyboard())

    async def open_pressed(self, callback: CallbackQuery, message: Message, actor: Actor) -> None:
        await actor.state.set_state(None)
        await message.answer(chooser_text(), reply_markup=chooser_keyboard())

    async def preset_pressed(
        self,
        callback: CallbackQuery,
        callback_data: ReportCb,
        message: Message,
        actor: Actor,
        event_update: Update,
        bot: Bot,
        session_factory: SessionFactory,
        i18n: I18n,
    ) -> None:
        if callback_data.kind is None or callback_data.kind is PeriodKind.CUSTOM:
            raise DomainError("stale_button")
        period = reports.preset(callback_data.kind, self._today(actor))
        await self._start(message, actor, period, event_update, bot, session_factory, i18n)
        await message.edit_text(_period_chosen(period, actor.locale))

    async def custom_pressed(self, callback: CallbackQuery, message: Message, actor: Actor) -> None:
        await actor.state.set_state(ReportForm.first)
        await message.edit_text(
            first_day_prompt(), reply_markup=first_day_keyboard(self._today(actor), actor.locale)
        )

    async def first_pressed(
        self, callback: CallbackQuery, callback_data: ReportCb, message: Message, actor: Actor
    ) -> None:
        today = self._today(actor)
        first = reports.check_first_day(reports.day_from_code(callback_data.first), today)
        await self._ask_last_day(message, actor, first, today, edit=True)

    async def last_pressed(
        self,
        callback: CallbackQuery,
        callback_data: ReportCb,
        message: Message,
        actor: Actor,
        event_update: Update,
        bot: Bot,
        session_factory: SessionFactory,
        i18n: I18n,
    ) -> None:
        first = reports.day_from_code(callback_data.first)
        last = reports.day_from_code(callback_data.last)
        period = reports.custom(first, last, self._today(actor))
        await self._start(message, actor, period, event_update, bot, session_factory, i18n)
        await message.edit_text(_period_chosen(period, actor.locale))

    async def cancel_pressed(self, callback: CallbackQuery, message: Message, actor: Actor) -> None:
        await actor.state.set_state(None)
        await actor.state.update_data({FIRST_DAY: None})
        await message.edit_text("✖ " + _("No report made."))

    async def _ask_last_day(
        self, message: Message, actor: Actor, first: date, today: date, *, edit: bool
    ) -> None:
        await actor.state.set_state(ReportForm.last)
        await actor.state.update_data({FIRST_DAY: first.isoformat()})
        text = last_day_prompt(first, actor.locale)
        keyboard = last_day_keyboard(first, today, actor.locale)
        if edit:
            await message.edit_text(text, reply_markup=keyboard)
        else:
            await message.answer(text, reply_markup=keyboard)

    # --- typed days ---------------------------------------------------------------------

    async def first_typed(self, message: Message, actor: Actor) -> None:
        today = self._today(actor)
        first = reports.check_first_day(reports.parse_day(message.text or ""), today)
        await self._ask_last_day(message, actor, first, today, edit=False)

    async def last_typed(
        self,
        message: Message,
        actor: Actor,
        event_update: Update,
        bot: Bot,
        session_factory: SessionFactory,
        i18n: I18n,
    ) -> None:
        kept = (await actor.state.get_data()).get(FIRST_DAY)
        if not isinstance(kept, str):
            await actor.state.set_state(ReportForm.first)
            await message.answer(first_day_prompt())
            return
        last = reports.parse_day(message.text or "")
        period = reports.custom(date.fromisoformat(kept), last, self._today(actor))
        # The report's progress message, which names the period, is the answer.
        await self._start(message, actor, period, event_update, bot, session_factory, i18n)

    async def not_a_day(self, message: Message, locale: str) -> None:
        """Something else than text where a day is expected."""
        await message.answer(report_error_text("report_date_format", {}, locale))


def _period_chosen(period: Period, locale: str) -> str:
    return "📊 " + _("Report: {period}").format(period=period_text(period, locale))


def create_router() -> Router:
    """/report and its buttons, for coordinators only (anyone else is refused and audited
    by the coordinator refusal router)."""
    area = ReportArea()
    router = Router(name=__name__)
    router.message.filter(IsCoordinator())
    router.callback_query.filter(IsCoordinator())
    router.message.register(area.command, Command("report"))
    router.message.register(
        replied(area.first_typed), ReportForm.first, F.text, NOT_COMMAND, Acting()
    )
    router.message.register(
        replied(area.last_typed), ReportForm.last, F.text, NOT_COMMAND, Acting()
    )
    router.message.register(area.not_a_day, ReportForm.first, NOT_COMMAND)
    router.message.register(area.not_a_day, ReportForm.last, NOT_COMMAND)
    buttons: dict[ReportAction, Callable[..., Awaitable[None]]] = {
        ReportAction.OPEN: area.open_pressed,
        ReportAction.PRESET: area.preset_pressed,
        ReportAction.CUSTOM: area.custom_pressed,
        ReportAction.FIRST: area.first_pressed,
        ReportAction.LAST: area.last_pressed,
        ReportAction.CANCEL: area.cancel_pressed,
    }
    for action, handler in buttons.items():
        router.callback_query.register(
            answered(handler), ReportCb.filter(F.action == action), Acting(), WithMessage()
        )
    router.shutdown.register(area.jobs.stop)
    return router
