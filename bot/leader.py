"""Which instance runs the periodic jobs: one at a time, decided by a lease.

Nudges, check-ins, concern reminders, pruning and broadcast progress must run once per
deployment, not once per instance. On PostgreSQL the leader holds a session advisory
lock on a connection of its own: when its process dies (kill -9, a lost machine) the
server ends the session and the lock is free at once. Without PostgreSQL but with Redis
it holds a key with an expiry that it renews; a dead leader's key expires within
LEASE_SECONDS. On SQLite alone there is one instance: it always leads.

Every instance tries to take the lease every CHECK_SECONDS, so a new leader is found
within CHECK_SECONDS of the old one's death (PostgreSQL) or LEASE_SECONDS + CHECK_SECONDS
(Redis): well within a minute. Outbox delivery is not led: every instance claims rows
(FOR UPDATE SKIP LOCKED on PostgreSQL).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)

CHECK_SECONDS = 5.0
LEASE_SECONDS = 20.0
# The advisory lock's key: any fixed 64-bit number no other program uses on this database.
JOBS_ADVISORY_KEY = 0x6275_6464_796A_6F62  # "buddyjob"
POLLING_ADVISORY_KEY = 0x6275_6464_7970_6F6C  # "buddypol"
JOBS_REDIS_KEY = "buddybot:leader"
POLLING_REDIS_KEY = "buddybot:poller"


class Lease(Protocol):
    """One way to hold the leadership; `hold()` tries to take or keep it."""

    async def hold(self) -> bool: ...

    async def give_up(self) -> None: ...


class AlwaysLeader:
    """SQLite without Redis: a single instance, which leads."""

    async def hold(self) -> bool:
        return True

    async def give_up(self) -> None:
        return None


class AdvisoryLockLease:
    """A PostgreSQL session advisory lock on a connection kept open for it."""

    def __init__(self, engine: AsyncEngine, key: int = JOBS_ADVISORY_KEY) -> None:
        self.engine = engine
        self.key = _signed(key)
        self._connection: AsyncConnection | None = None

    async def hold(self) -> bool:
        if self._connection is not None:
            try:
                await self._connection.execute(text("SELECT 1"))
                return True
            except Exception:  # the session is gone, and the lock with it
                log.warning("lost the connection holding the jobs lease")
                await self._drop()
        connection = await self.engine.connect()
        try:
            got = await connection.scalar(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}
            )
            await connection.commit()
        except BaseException:
            await connection.close()
            raise
        if got:
            self._connection = connection
            return True
        await connection.close()
        return False

    async def give_up(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": self.key}
                )
                await self._connection.commit()
            await self._drop()

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.invalidate()
            with contextlib.suppress(Exception):
                await connection.close()


_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_GIVE_UP = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisLease:
    """A Redis key naming the leader, with an expiry it renews on every check."""

    def __init__(
        self, redis: Redis, key: str = JOBS_REDIS_KEY, seconds: float = LEASE_SECONDS
    ) -> None:
        self.redis = redis
        self.key = key
        self.milliseconds = int(seconds * 1000)
        self.token = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._renew = redis.register_script(_RENEW)
        self._give_up = redis.register_script(_GIVE_UP)

    async def hold(self) -> bool:
        if await self._renew(keys=[self.key], args=[self.token, self.milliseconds]):
            return True
        return bool(await self.redis.set(self.key, self.token, nx=True, px=self.milliseconds))

    async def give_up(self) -> None:
        with contextlib.suppress(Exception):
            await self._give_up(keys=[self.key], args=[self.token])


class Leadership:
    """Keeps trying the lease; `leads` says whether this instance runs the jobs now.

    `on_takeover` runs when this instance takes the lead from another that held it (it
    died, or lost its connection): the jobs run at once then, so the planners the old
    leader would have run soon are not put off by a whole interval. At start-up, with
    nobody leading before, the jobs keep their usual schedule. They run in a task of
    their own, which `stop()` lets finish: a job cancelled half-way could leave its
    transaction open (and SQLite locked)."""

    def __init__(self, lease: Lease, *, check_seconds: float = CHECK_SECONDS) -> None:
        self.lease = lease
        self.check_seconds = check_seconds
        self.leads = False
        self.on_takeover: Callable[[], Awaitable[None]] | None = None
        self._saw_another = False
        self._task: asyncio.Task[None] | None = None
        self._jobs: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._keep(), name="jobs-lease")

    async def check(self) -> bool:
        """Take or keep the lease now; whether this instance leads."""
        try:
            leads = await self.lease.hold()
        except Exception as error:  # unreachable: not the leader for now
            log.warning("could not check the jobs lease: %s", type(error).__name__)
            leads = False
        if leads and not self.leads:
            log.info("this instance now runs the periodic jobs")
            if self._saw_another and self.on_takeover is not None and self._jobs is None:
                self._jobs = asyncio.create_task(self._take_over(self.on_takeover))
        elif self.leads and not leads:
            log.warning("this instance no longer runs the periodic jobs")
        if not leads:
            self._saw_another = True
        self.leads = leads
        return leads

    async def _take_over(self, jobs: Callable[[], Awaitable[None]]) -> None:
        try:
            await jobs()
        except Exception:
            log.exception("the periodic jobs failed on taking the lead")
        finally:
            self._jobs = None

    async def _keep(self) -> None:
        while True:
            await self.check()
            await asyncio.sleep(self.check_seconds)

    def when_leading(self, job: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
        """`job`, run only while this instance leads."""

        async def led() -> None:
            if self.leads:
                await job()

        led.__name__ = getattr(job, "__name__", "job")
        return led

    async def stop(self, grace: float = 10.0) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        jobs = self._jobs
        if jobs is not None:
            try:
                async with asyncio.timeout(grace):
                    await asyncio.shield(jobs)
            except TimeoutError:
                jobs.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await jobs
        if self.leads:
            self.leads = False
            await self.lease.give_up()


def _signed(key: int) -> int:
    """PostgreSQL's bigint is signed."""
    return key - (1 << 64) if key >= 1 << 63 else key


class FileLease:
    """An exclusive lock on a file (SQLite alone: the instances share a machine)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._descriptor: int | None = None

    async def hold(self) -> bool:
        if self._descriptor is not None:
            return True
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(descriptor)
            return False
        self._descriptor = descriptor
        return True

    async def give_up(self) -> None:
        if self._descriptor is not None:
            os.close(self._descriptor)  # closing releases the lock
            self._descriptor = None


def create_lease(engine: AsyncEngine, redis: Redis | None) -> Lease:
    """The periodic jobs' lease: the advisory lock on PostgreSQL, else a Redis lease,
    else (SQLite alone: one instance) none."""
    if engine.dialect.name == "postgresql":
        return AdvisoryLockLease(engine)
    if redis is not None:
        return RedisLease(redis)
    return AlwaysLeader()


def create_polling_lease(engine: AsyncEngine, redis: Redis | None, data_dir: Path) -> Lease:
    """Who may poll Telegram: one instance, found out before the first getUpdates (a
    second one would make Telegram answer 409 to both, turn and turn about)."""
    if engine.dialect.name == "postgresql":
        return AdvisoryLockLease(engine, POLLING_ADVISORY_KEY)
    if redis is not None:
        return RedisLease(redis, POLLING_REDIS_KEY)
    return FileLease(data_dir / "polling.lock")
