"""The flood limits shared in Redis: two limiters (two instances of the bot) together keep
the bot's limit in every one-second window, space messages to one chat, pause together
after a 429, and let a reply pass before waiting background sends. Needs Redis
(TEST_REDIS_URL, CI's second run)."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator

import pytest

from delivery.shared_limit import SharedRateLimiter

RATE = 20


@pytest.fixture
async def redis(redis_url: str | None) -> AsyncIterator[object]:
    if not redis_url:
        pytest.skip("needs Redis (TEST_REDIS_URL)")
    from redis.asyncio import Redis

    client = Redis.from_url(redis_url)
    await client.flushdb()
    yield client
    await client.flushdb()
    await client.aclose()


async def send(limiter: SharedRateLimiter, chat: int, background: bool, log: list) -> None:
    slot = await limiter.acquire(chat, background=background)
    log.append((time.monotonic(), chat))
    await asyncio.sleep(0.002)  # the request's round trip
    await limiter.release(slot)


def busiest_second(times: list[float]) -> int:
    times = sorted(times)
    return max(sum(1 for t in times[i:] if t - start < 1.0) for i, start in enumerate(times))


async def test_two_instances_together_stay_within_the_bots_limit(redis) -> None:
    one, two = SharedRateLimiter(redis, 1, RATE), SharedRateLimiter(redis, 1, RATE)
    log: list[tuple[float, int]] = []
    started = time.monotonic()
    await asyncio.gather(
        *(send(one, 1000 + i, True, log) for i in range(RATE * 2)),
        *(send(two, 2000 + i, True, log) for i in range(RATE * 2)),
    )
    assert len(log) == RATE * 4
    # Alone, each would send RATE a second: together they took about twice as long.
    assert busiest_second([t for t, _ in log]) <= RATE
    assert time.monotonic() - started >= 3 * (RATE - one.reserve) / RATE - 0.5


async def test_background_messages_to_one_chat_are_a_second_apart_across_instances(
    redis,
) -> None:
    one, two = SharedRateLimiter(redis, 1, RATE), SharedRateLimiter(redis, 1, RATE)
    log: list[tuple[float, int]] = []
    await asyncio.gather(*(send(limiter, 42, True, log) for limiter in (one, two, one)))
    times = sorted(t for t, _ in log)
    assert all(later - earlier >= 0.99 for earlier, later in itertools.pairwise(times))


async def test_a_429_heard_by_one_instance_pauses_the_other(redis) -> None:
    one, two = SharedRateLimiter(redis, 1, RATE), SharedRateLimiter(redis, 1, RATE)
    await one.pause(1.0)
    started = time.monotonic()
    slot = await two.acquire(7, background=True)
    await two.release(slot)
    assert time.monotonic() - started >= 0.9


async def test_a_reply_passes_before_waiting_background_sends(redis) -> None:
    one, two = SharedRateLimiter(redis, 1, RATE), SharedRateLimiter(redis, 1, RATE)
    log: list[tuple[float, int]] = []
    # Fill the window from one instance, then queue more background sends there; a
    # reply from the other instance comes next, before them.
    await asyncio.gather(*(send(one, 100 + i, True, log) for i in range(RATE - one.reserve)))
    waiting = [asyncio.create_task(send(one, 200 + i, True, log)) for i in range(5)]
    await asyncio.sleep(0.05)
    await send(two, 999, False, log)
    await asyncio.gather(*waiting)
    order = [chat for _, chat in sorted(log)]
    assert order.index(999) < min(order.index(200 + i) for i in range(5))
