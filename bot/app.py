"""Running the bot: migrations, the scheduler, then long polling or a webhook server."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from aiogram import Bot, Dispatcher
from aiogram.utils.i18n import I18n
from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.config import ConfigError, webhook_secret
from bot.factories import (
    Database,
    allowed_updates,
    create_database,
    create_dispatcher,
    create_translations,
    set_command_menus,
)
from bot.leader import Leadership, create_lease, create_polling_lease
from bot.ops import Metrics, Operations, PollingConflict, SendMetrics, UpdateMetrics, serve_side
from bot.settings import Settings
from bot.startup import (
    Deadline,
    call_telegram,
    check_coordinator_group,
    check_redis,
    prepare_database,
)
from delivery.inbox import ForumTopics
from delivery.outbox import OutboxWorker
from delivery.ratelimit import FloodControl, RateLimiter
from delivery.reports import BroadcastReporter
from delivery.shared_limit import SharedRateLimiter
from delivery.telegram import create_bot
from domain import checkins, concerns, dutch_practice, feedback, hours, waiting
from domain.clock import Clock, SystemClock
from domain.notify import use_programme_timezone
from handlers.broadcasts import progress_text
from handlers.notices import create_renderer
from storage.uow import UnitOfWork

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)

PROCESSED_UPDATES_KEPT = timedelta(days=2)  # Telegram keeps undelivered updates 24 hours
BROADCAST_PROGRESS_SECONDS = 2  # how often a coordinator's broadcast message is updated
UPDATE_CONCURRENCY = 64  # updates handled at once; more wait (Telegram redelivers nothing)
# Scheduler jobs every instance runs; the others run on the leader only (bot.leader).
EVERY_INSTANCE = frozenset({"outbox-wake"})


@dataclass
class BotApp:
    """Everything one running bot instance holds, so tests can build and stop it too."""

    settings: Settings
    bot: Bot
    dispatcher: Dispatcher
    database: Database
    i18n: I18n
    scheduler: AsyncIOScheduler
    clock: Clock
    outbox: OutboxWorker
    leadership: Leadership
    metrics: Metrics
    reporter: BroadcastReporter | None = None
    # The client of the shared rate limit and the leases (REDIS_URL), when configured.
    redis: Redis | None = None
    _led_jobs: list[Any] = field(default_factory=list)  # what runs on taking the lead

    async def start_background(self) -> None:
        """Start the delivery worker and the scheduler's periodic jobs (those but the
        worker's wake-up run on the one instance holding the jobs' lease, see bot.leader)."""
        # Updates, jobs and the workers all run in tasks started from here: they inherit it.
        use_programme_timezone(ZoneInfo(self.settings.timezone))
        self.outbox.start()
        self.scheduler.add_job(
            self.outbox.tick, "interval", seconds=1, id="outbox-wake", replace_existing=True
        )
        if self.reporter is not None:
            self.scheduler.add_job(
                self.reporter.tick,
                "interval",
                seconds=BROADCAST_PROGRESS_SECONDS,
                id="broadcast-progress",
                replace_existing=True,
            )
        self.scheduler.add_job(
            self.plan_nudges, "interval", hours=6, id="plan-nudges", replace_existing=True
        )
        self.scheduler.add_job(
            self.plan_check_ins, "interval", hours=6, id="plan-check-ins", replace_existing=True
        )
        self.scheduler.add_job(
            self.plan_waiting, "interval", hours=3, id="plan-waiting", replace_existing=True
        )
        self.scheduler.add_job(
            self.plan_dutch_tips, "interval", hours=6, id="plan-dutch-tips", replace_existing=True
        )
        self.scheduler.add_job(
            self.plan_feedback, "interval", hours=1, id="plan-feedback", replace_existing=True
        )
        self.scheduler.add_job(
            self.remind_concerns,
            "interval",
            minutes=15,
            id="concern-reminders",
            replace_existing=True,
        )
        self.scheduler.add_job(
            self.prune_processed_updates,
            "interval",
            hours=1,
            id="prune-updates",
            replace_existing=True,
        )
        self._lead_periodic_jobs()
        self.scheduler.start()
        self.leadership.on_takeover = self.run_periodic_jobs
        self.leadership.start()

    def _lead_periodic_jobs(self) -> None:
        """Every job but those of EVERY_INSTANCE runs only while this instance leads."""
        self._led_jobs = []
        for job in self.scheduler.get_jobs():
            if job.id not in EVERY_INSTANCE:
                self._led_jobs.append(job.func)
                job.modify(func=self.leadership.when_leading(job.func))

    async def run_periodic_jobs(self) -> None:
        """The periodic jobs at once, when this instance takes the lead from another
        that died: nobody waits hours for a failover. Each is deduplicated, so running
        them again sends nothing twice."""
        for job in self._led_jobs:
            try:
                await job()
            except Exception:
                log.exception("periodic job %s failed", getattr(job, "__name__", job))

    async def plan_nudges(self) -> None:
        """Quiet pairs get a nudge; long silence alerts the coordinators (deduplicated)."""
        async with UnitOfWork(self.database.session_factory) as uow:
            await hours.plan_nudges(uow, self.clock.now())
            await uow.commit()
        self.outbox.poke()

    async def plan_check_ins(self) -> None:
        """Follow-ups 3 and 6 months after a trajectory, and one reminder for check-ins
        left unanswered."""
        async with UnitOfWork(self.database.session_factory) as uow:
            queued = await checkins.plan(uow, self.clock.now())
            await uow.commit()
        if queued:
            self.outbox.poke()

    async def plan_waiting(self) -> None:
        """Waiting-list care: checks at 2, 6 and 12 weeks, unfinished profiles reminded
        and erased, coordinators told of newcomers no buddy fits (domain/waiting.py)."""
        async with UnitOfWork(self.database.session_factory) as uow:
            planned = await waiting.plan(uow, self.clock.now())
            await uow.commit()
        if planned.queued:
            self.outbox.poke()

    async def plan_feedback(self) -> None:
        """ "How was it?" to people who went to an event that just ended (meetups are
        asked about when their hours are confirmed)."""
        async with UnitOfWork(self.database.session_factory) as uow:
            asked = await feedback.plan(uow, self.clock.now())
            await uow.commit()
        if asked:
            self.outbox.poke()

    async def plan_dutch_tips(self) -> None:
        """Each buddy of an active pair: one tip a month for practising Dutch with their
        newcomer (domain/dutch_practice.py; deduplicated per buddy and month)."""
        async with UnitOfWork(self.database.session_factory) as uow:
            queued = await dutch_practice.plan_tips(
                uow, self.clock.now(), ZoneInfo(self.settings.timezone)
            )
            await uow.commit()
        if queued:
            self.outbox.poke()

    async def remind_concerns(self) -> None:
        """Concerns nobody took on within a day: a reminder to every coordinator."""
        async with UnitOfWork(self.database.session_factory) as uow:
            reminded = await concerns.remind_unacknowledged(uow, self.clock.now())
            await uow.commit()
        if reminded:
            self.outbox.poke()

    async def prune_processed_updates(self) -> None:
        async with UnitOfWork(self.database.session_factory) as uow:
            await uow.updates.prune(self.clock.now() - PROCESSED_UPDATES_KEPT)
            await uow.commit()

    async def close(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await self.leadership.stop()
        await self.outbox.stop()
        await self.dispatcher.storage.close()
        await self.bot.session.close()
        await self.database.dispose()
        if self.redis is not None:
            await self.redis.aclose()


async def build_app(
    settings: Settings,
    *,
    token: str,
    api_url: str,
    clock: Clock | None = None,
    migrate: bool = True,
    deadline: Deadline | None = None,
) -> BotApp:
    """Assemble a bot instance (nothing is sent yet). With `migrate`, first wait for the
    database (and Redis, when configured) within STARTUP_TIMEOUT and migrate it."""
    if migrate:
        deadline = deadline or Deadline(settings.startup_timeout)
        await prepare_database(settings.database_url, deadline)
        if settings.redis_url:
            await check_redis(settings.redis_url, deadline)
    clock = clock or SystemClock()
    database = create_database(settings)
    i18n = create_translations(settings)
    scheduler = AsyncIOScheduler(timezone=settings.timezone)
    bot = create_bot(token, api_url)
    # People without a time zone of their own live in the programme's (TIMEZONE).
    tz = ZoneInfo(settings.timezone)
    topics = (
        ForumTopics(database.session_factory, bot, settings.coordinator_chat_id)
        if settings.coordinator_chat_id is not None
        else None
    )
    outbox = OutboxWorker(
        database.session_factory,
        bot,
        i18n,
        create_renderer(),
        clock,
        tz=tz,
        rate=settings.send_rate,
        topics=topics,
    )
    redis = _redis_client(settings.redis_url)
    limiter: RateLimiter = outbox.limiter
    if redis is not None:
        # Several instances: the limits of the bot (not of this process) live in Redis.
        limiter = SharedRateLimiter(redis, bot.id, settings.send_rate)
        outbox.limiter = limiter
    # Replies, pushed messages and progress edits share one rate limiter (replies first).
    bot.session.middleware(FloodControl(limiter))
    metrics = Metrics()
    bot.session.middleware(SendMetrics(metrics))
    reporter = BroadcastReporter(
        database.session_factory, bot, i18n, progress_text, clock, rate=settings.send_rate
    )
    dispatcher = create_dispatcher(
        settings,
        database.session_factory,
        i18n,
        clock=clock,
        scheduler=scheduler,
        on_commit=outbox.poke,
    )
    dispatcher.update.outer_middleware(UpdateMetrics(metrics))
    return BotApp(
        settings=settings,
        bot=bot,
        dispatcher=dispatcher,
        database=database,
        i18n=i18n,
        scheduler=scheduler,
        clock=clock,
        outbox=outbox,
        reporter=reporter,
        leadership=Leadership(create_lease(database.session_factory.kw["bind"], redis)),
        metrics=metrics,
        redis=redis,
    )


def _redis_client(redis_url: str | None) -> Redis | None:
    if not redis_url:
        return None
    from redis.asyncio import Redis

    # Short timeouts: a send waits on it, and without it the instance paces itself.
    return Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=2)


async def run_polling(
    app: BotApp, *, handle_signals: bool = True, deadline: Deadline | None = None
) -> None:
    """Long polling until stopped. Start-up calls to Telegram are retried within
    STARTUP_TIMEOUT; a token Telegram refuses raises ConfigError, and so does a second
    poller (the polling lease is taken, or Telegram answers 409 Conflict at once)."""
    deadline = deadline or Deadline(app.settings.startup_timeout)
    api_url = app.settings.telegram_api_url
    side: web.AppRunner | None = None
    poller = create_polling_lease(
        app.database.session_factory.kw["bind"], app.redis, app.settings.data_dir
    )
    conflict = PollingConflict(app.dispatcher.stop_polling)
    app.bot.session.middleware(conflict)
    try:
        if not await poller.hold():
            raise second_poller()
        # getMe first: it proves the token, and aiogram's polling reuses the cached answer.
        await call_telegram("getMe", app.bot.me, api_url, deadline)
        await call_telegram(
            "deleteWebhook",
            lambda: app.bot.delete_webhook(drop_pending_updates=False),
            api_url,
            deadline,
        )
        await call_telegram(
            "setMyCommands", lambda: set_command_menus(app.bot, app.i18n), api_url, deadline
        )
        if app.settings.coordinator_chat_id is not None:
            await check_coordinator_group(
                app.bot, app.settings.coordinator_chat_id, api_url, deadline
            )
        await app.start_background()
        side = await serve_operations(app)
        await app.dispatcher.start_polling(
            app.bot,
            handle_signals=handle_signals,
            close_bot_session=False,
            polling_timeout=20,
            tasks_concurrency_limit=UPDATE_CONCURRENCY,
            allowed_updates=allowed_updates(app.dispatcher),
        )
        if conflict.conflict is not None:
            raise second_poller()
    finally:
        # Nested: a cancel that lands while handlers finish must not leave the delivery
        # worker, the scheduler and the leases running.
        try:
            await finish_handlers(app.dispatcher)
        finally:
            try:
                if side is not None:
                    await side.cleanup()
                await poller.give_up()
            finally:
                await app.close()


def second_poller() -> ConfigError:
    """Telegram gives each update to one poller: a second instance must not poll."""
    return ConfigError(
        "WEBHOOK_URL",
        "another instance of this bot is already polling Telegram (409 Conflict)",
        "run one instance in polling mode, or set WEBHOOK_URL to run several behind a "
        "load balancer",
    )


async def serve_operations(app: BotApp) -> web.AppRunner | None:
    """Polling mode's side server for /healthz and /metrics, when METRICS_PORT is set."""
    settings = app.settings
    if settings.metrics_port is None or not (settings.healthz_enabled or settings.metrics_enabled):
        return None
    try:
        return await serve_side(
            Operations(app, app.redis), settings.metrics_host, settings.metrics_port
        )
    except OSError as error:
        raise ConfigError(
            "METRICS_PORT",
            f"cannot listen on {settings.metrics_host}:{settings.metrics_port} "
            f"({error.strerror or error})",
            "choose a free port with METRICS_PORT, or stop what is using it",
        ) from None


async def finish_handlers(dispatcher: Dispatcher, seconds: float = 10.0) -> None:
    """Let updates already being handled finish (and commit) before the database closes."""
    tasks = list(getattr(dispatcher, "_handle_update_tasks", ()))
    if tasks:
        await asyncio.wait(tasks, timeout=seconds)


async def run_webhook(app: BotApp, *, deadline: Deadline | None = None) -> None:
    """A webhook server behind a load balancer; Telegram's secret header is checked.
    Refuses to start without WEBHOOK_SECRET unless WEBHOOK_ALLOW_NO_SECRET=true."""
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
    from aiohttp import web

    settings = app.settings
    webhook_url = settings.webhook_url
    assert webhook_url is not None
    deadline = deadline or Deadline(settings.startup_timeout)
    api_url = settings.telegram_api_url
    runner: web.AppRunner | None = None
    try:
        secret = webhook_secret(settings)
        await call_telegram("getMe", app.bot.me, api_url, deadline)
        await call_telegram(
            "setMyCommands", lambda: set_command_menus(app.bot, app.i18n), api_url, deadline
        )
        await call_telegram(
            "setWebhook",
            lambda: app.bot.set_webhook(
                webhook_url,
                secret_token=secret,
                allowed_updates=allowed_updates(app.dispatcher),
            ),
            api_url,
            deadline,
            bad_request_setting="WEBHOOK_URL",
        )
        if settings.coordinator_chat_id is not None:
            await check_coordinator_group(app.bot, settings.coordinator_chat_id, api_url, deadline)
        await app.start_background()
        web_app = web.Application()
        SimpleRequestHandler(app.dispatcher, app.bot, secret_token=secret).register(
            web_app, path="/" + webhook_url.rstrip("/").rsplit("/", 1)[-1]
        )
        setup_application(web_app, app.dispatcher, bot=app.bot)
        Operations(app, app.redis).register(web_app)
        runner = web.AppRunner(web_app)
        await runner.setup()
        site = web.TCPSite(runner, settings.webhook_host, settings.webhook_port)
        try:
            await site.start()
        except OSError as error:
            raise ConfigError(
                "WEBHOOK_PORT",
                f"cannot listen on {settings.webhook_host}:{settings.webhook_port} "
                f"({error.strerror or error})",
                "choose a free port with WEBHOOK_PORT, or stop what is using it",
            ) from None
        log.info("webhook server listening on %s:%s", settings.webhook_host, settings.webhook_port)
        await asyncio.Event().wait()
    finally:
        if runner is not None:
            await runner.cleanup()
        await app.close()
