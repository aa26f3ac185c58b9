"""What the people who run the bot watch: GET /healthz and GET /metrics.

Both are served by the webhook server, and in polling mode by a small side server when
METRICS_PORT is set; HEALTHZ_ENABLED=false or METRICS_ENABLED=false switch either off.
`/healthz` answers 200 when the process runs and the database (and Redis, when
configured) answer within a second or two, else 503: a load balancer stops sending
updates to an instance that could not store them. `/metrics` is Prometheus's text
format, from one registry per instance (several instances may share a test process).
Labels carry method names, kinds and outcomes, never a person or a text.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
)
from aiogram.methods import GetUpdates, TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import TelegramObject, Update
from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.registry import Collector
from sqlalchemy import func, select, text

from delivery.ratelimit import BACKGROUND, counts_as_message
from domain.detection import DetectorProcess
from storage.models import Outbox, OutboxStatus

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from bot.app import BotApp

log = logging.getLogger(__name__)
Child = TypeVar("Child", Counter, Histogram)

HEALTH_TIMEOUT_SECONDS = 2.0
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The counters of one bot instance, in a registry of its own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.updates = Counter(
            "buddybot_updates_handled",
            "Updates handled, by kind (message, callback_query, ...) and outcome",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.handler_seconds = Histogram(
            "buddybot_handler_seconds",
            "Time to handle one update, its transaction included",
            ["kind"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.telegram_calls = Counter(
            "buddybot_telegram_messages",
            "Messages sent or edited, by Bot API method, sender (reply: an answer to "
            "someone; background: outbox, progress) and result",
            ["method", "sender", "result"],
            registry=self.registry,
        )
        self.too_many_requests = Counter(
            "buddybot_telegram_429",
            "Bot API calls Telegram answered with 429 Too Many Requests",
            registry=self.registry,
        )
        self.leader = Gauge(
            "buddybot_jobs_leader",
            "1 while this instance runs the periodic jobs",
            registry=self.registry,
        )
        self.detector_loads = Gauge(
            "buddybot_detector_loads",
            "Language detector processes started since this instance started (each one "
            "builds the models: about 400 MB for a while)",
            registry=self.registry,
        )
        self.detector_loads.set_function(lambda: DetectorProcess.loads)


class LabelledChildren(Generic[Child]):
    """A metric's children by their label values, each looked up in the metric once:
    `metric.labels(...)` checks the values and takes a lock on every call, three times
    per update. The label values are few (update kinds, API methods, outcomes)."""

    def __init__(self, metric: MetricWrapperBase) -> None:
        self.metric = metric
        self._made: dict[tuple[str, ...], Child] = {}

    def __call__(self, *values: str) -> Child:
        made = self._made.get(values)
        if made is None:
            made = self._made[values] = cast(Child, self.metric.labels(*values))
        return made


class UpdateMetrics:
    """A Dispatcher outer middleware: counts each update and times its handling."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics
        self.handler_seconds: LabelledChildren[Histogram] = LabelledChildren(
            metrics.handler_seconds
        )
        self.updates: LabelledChildren[Counter] = LabelledChildren(metrics.updates)

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        kind = update_kind(event)
        started = time.perf_counter()
        outcome = "error"
        try:
            result = await handler(event, data)
            outcome = "handled"
            return result
        finally:
            self.handler_seconds(kind).observe(time.perf_counter() - started)
            self.updates(kind, outcome).inc()


def update_kind(event: TelegramObject) -> str:
    if isinstance(event, Update):
        return event.event_type
    return type(event).__name__.lower()


class SendMetrics(BaseRequestMiddleware):
    """A session middleware: counts every message sent or edited, by its answer."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics
        self.telegram_calls: LabelledChildren[Counter] = LabelledChildren(metrics.telegram_calls)

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        name = method.__api_method__
        if not counts_as_message(name):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter:
                self.metrics.too_many_requests.inc()
                raise
        sender = "background" if BACKGROUND.get() else "reply"
        result = "error"
        try:
            response = await make_request(bot, method)
            result = "ok"
            return response
        except TelegramRetryAfter:
            result = "too_many_requests"
            self.metrics.too_many_requests.inc()
            raise
        except TelegramForbiddenError:
            result = "blocked"
            raise
        except TelegramBadRequest:
            result = "bad_request"
            raise
        finally:
            self.telegram_calls(name, sender, result).inc()


class OutboxCollector(Collector):
    """The outbox's backlog and the delivery worker's outcomes, read at scrape time
    (`refresh()` queries the database first: collectors cannot await)."""

    def __init__(self, app: BotApp) -> None:
        self.app = app
        self.backlog = 0
        self.oldest_due_seconds = 0.0

    async def refresh(self) -> None:
        now = self.app.clock.now()
        async with self.app.database.session_factory() as session:
            count, oldest = (
                await session.execute(
                    select(func.count(), func.min(Outbox.due_at)).where(
                        Outbox.status == OutboxStatus.PENDING.value, Outbox.due_at <= now
                    )
                )
            ).one()
        self.backlog = int(count or 0)
        self.oldest_due_seconds = _age(now, oldest)

    def collect(self) -> Iterator[Metric]:
        backlog = GaugeMetricFamily(
            "buddybot_outbox_backlog", "Outbox rows due and not yet sent (all instances)"
        )
        backlog.add_metric([], self.backlog)
        yield backlog
        oldest = GaugeMetricFamily(
            "buddybot_outbox_oldest_due_seconds", "How long the oldest due row has waited"
        )
        oldest.add_metric([], self.oldest_due_seconds)
        yield oldest
        outcomes = GaugeMetricFamily(
            "buddybot_outbox_rows",
            "Outbox rows this instance's delivery worker handled, by outcome (a counter "
            "since start)",
            labels=["outcome"],
        )
        for outcome, count in sorted(self.app.outbox.counters.items()):
            outcomes.add_metric([outcome], count)
        yield outcomes


def _age(now: datetime, oldest: datetime | None) -> float:
    if oldest is None:
        return 0.0
    if oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=now.tzinfo)
    return max(0.0, (now - oldest).total_seconds())


class Operations:
    """/healthz and /metrics of one instance, for the webhook server or a side server."""

    def __init__(self, app: BotApp, redis: Redis | None) -> None:
        self.app = app
        self.redis = redis
        self.outbox = OutboxCollector(app)
        app.metrics.registry.register(self.outbox)

    def register(self, web_app: web.Application) -> None:
        settings = self.app.settings
        if settings.healthz_enabled:
            web_app.router.add_get("/healthz", self.healthz)
        if settings.metrics_enabled:
            web_app.router.add_get("/metrics", self.metrics)

    async def healthz(self, request: web.Request) -> web.Response:
        checks = {"database": await self._check(self._database)}
        if self.redis is not None:
            checks["redis"] = await self._check(self._redis)
        healthy = all(value == "ok" for value in checks.values())
        body = {"status": "ok" if healthy else "unhealthy", **checks}
        return web.json_response(body, status=200 if healthy else 503)

    async def metrics(self, request: web.Request) -> web.Response:
        try:
            async with asyncio.timeout(HEALTH_TIMEOUT_SECONDS):
                await self.outbox.refresh()
        except Exception as error:  # the other metrics still tell a lot
            log.warning("outbox backlog not measured: %s", type(error).__name__)
        self.app.metrics.leader.set(1 if self.app.leadership.leads else 0)
        body = generate_latest(self.app.metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def _check(self, probe: Callable[[], Awaitable[object]]) -> str:
        try:
            async with asyncio.timeout(HEALTH_TIMEOUT_SECONDS):
                await probe()
        except Exception as error:  # unhealthy, whatever the reason
            return f"unreachable ({type(error).__name__})"
        return "ok"

    async def _database(self) -> None:
        async with self.app.database.session_factory.kw["bind"].connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def _redis(self) -> None:
        assert self.redis is not None
        await self.redis.ping()


async def serve_side(operations: Operations, host: str, port: int) -> web.AppRunner:
    """The polling mode's small server for /healthz and /metrics."""
    web_app = web.Application()
    operations.register(web_app)
    runner = web.AppRunner(web_app)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("health and metrics on %s:%s", host, port)
    return runner


# --- a second poller ---

# A 409 within this long of the first getUpdates: this instance is the second poller.
CONFLICT_GRACE_SECONDS = 30.0


class PollingConflict(BaseRequestMiddleware):
    """Telegram answers 409 Conflict to getUpdates when another instance polls (or set
    a webhook). Within CONFLICT_GRACE_SECONDS of this instance's first poll, this is the
    newcomer: it stops (`stop` is called, then `conflict` is set). Later, the other one
    is the newcomer and will stop; this one keeps polling and says so in the log."""

    def __init__(self, stop: Callable[[], Coroutine[Any, Any, None]]) -> None:
        self.stop = stop
        self.conflict: str | None = None
        self._first_poll: float | None = None
        self._stopping: asyncio.Task[None] | None = None

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if method.__api_method__ != GetUpdates.__api_method__:
            return await make_request(bot, method)
        now = time.monotonic()
        if self._first_poll is None:
            self._first_poll = now
        try:
            return await make_request(bot, method)
        except TelegramConflictError as error:
            if now - self._first_poll <= CONFLICT_GRACE_SECONDS and self._stopping is None:
                self.conflict = error.message
                self._stopping = asyncio.create_task(self.stop())
            else:
                log.error("another instance polls this bot too (it should stop by itself)")
            raise
