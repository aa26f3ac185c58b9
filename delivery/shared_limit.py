"""Telegram's flood limits shared by every instance of the bot, kept in Redis.

Telegram counts the messages of a bot, not of a process: two instances that each keep
30 a second send 60 and hear 429. With REDIS_URL set, the places of the one-second
window, the spacing between two messages to one chat and the pause after a 429 live in
Redis, taken and given back by atomic Lua scripts, on Redis's clock (the instances'
clocks may disagree). The rules are those of `delivery.ratelimit.RateLimiter`: a send
holds its place from its start until one second after its answer; replies to people may
use every place, background sends leave `reserve` places free, yield while a reply
waits (on any instance) and keep `per_chat_interval` between two messages to one chat.

Should Redis fail mid-run, sends go on under this process's own limiter (one instance
alone stays within the limits; several together may hear a 429, which they honour).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import TYPE_CHECKING

from delivery.ratelimit import RateLimiter, Slot

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)

# A send whose instance died before its answer frees its place after this long.
IN_FLIGHT_GUARD_SECONDS = 30.0
# Longest sleep between two looks at the shared window (other instances' releases are
# not signalled to this one).
MAX_POLL_SECONDS = 0.05
# How long a waiting reply keeps background sends of every instance back.
URGENT_HOLD_MS = 200

# KEYS: window (zset token -> answer time), pause, urgent, chat (or "" for none)
# ARGV: token, capacity, reserve, background (0/1), window seconds, per-chat interval,
#       urgent hold (ms), in-flight guard (seconds)
# Returns {0, ""} when the place is taken, else {1, seconds to wait (as a string)}.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local background = ARGV[4] == '1'
local window = tonumber(ARGV[5])
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if now < paused then
  return {1, tostring(paused - now)}
end
if background and redis.call('EXISTS', KEYS[3]) == 1 then
  return {1, '0.01'}
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local places = tonumber(ARGV[2])
if background then places = places - tonumber(ARGV[3]) end
local wait = 0
if redis.call('ZCARD', KEYS[1]) >= places then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  wait = tonumber(oldest[2]) + window - now
  if wait <= 0 then wait = 0.001 end
end
if background and KEYS[4] ~= '' then
  local last = redis.call('GET', KEYS[4])
  if last then
    local ready = tonumber(last) + tonumber(ARGV[6])
    if ready > now and ready - now > wait then wait = ready - now end
  end
end
if wait > 0 then
  if not background then
    redis.call('SET', KEYS[3], '1', 'PX', tonumber(ARGV[7]))
  end
  return {1, tostring(wait)}
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[8]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], math.ceil((window + tonumber(ARGV[8])) * 1000))
if KEYS[4] ~= '' then
  -- until its answer arrives: no other background message to this chat
  redis.call('SET', KEYS[4], tostring(now + tonumber(ARGV[8])), 'PX',
             math.ceil((tonumber(ARGV[8]) + tonumber(ARGV[6])) * 1000))
end
return {0, ''}
"""

# KEYS: window, chat (or ""); ARGV: token, window seconds, per-chat interval
_RELEASE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, ARGV[1])
end
if KEYS[2] ~= '' then
  redis.call('SET', KEYS[2], tostring(now), 'PX',
             math.max(1, math.ceil(tonumber(ARGV[3]) * 1000)))
end
return 1
"""

# KEYS: pause; ARGV: seconds
_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local until_ = now + tonumber(ARGV[1])
local paused = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ > paused then
  redis.call('SET', KEYS[1], tostring(until_), 'PX', math.ceil(tonumber(ARGV[1]) * 1000) + 1000)
end
return 1
"""


class SharedSlot(Slot):
    """A place in the shared window: its member in the Redis sorted set."""

    def __init__(self, chat_id: int | str | None, token: str, local: Slot | None) -> None:
        super().__init__(chat_id)
        self.token = token
        self.local = local  # set when Redis failed and the local limiter gave the place


class SharedRateLimiter(RateLimiter):
    """The flood limits of one bot (`bot_id`) across every instance, in Redis.

    Inside this process the local limiter's bookkeeping still runs: it orders this
    instance's own waiters (replies first) and is the fallback when Redis fails."""

    def __init__(
        self,
        redis: Redis,
        bot_id: int,
        per_second: float,
        per_chat_interval: float = 1.0,
        reserve: int | None = None,
    ) -> None:
        super().__init__(per_second, per_chat_interval, reserve)
        self.redis = redis
        prefix = f"buddybot:{bot_id}:flood"
        self.window_key = f"{prefix}:window"
        self.pause_key = f"{prefix}:pause"
        self.urgent_key = f"{prefix}:urgent"
        self.chat_prefix = f"{prefix}:chat:"
        self._acquire = redis.register_script(_ACQUIRE)
        self._release = redis.register_script(_RELEASE)
        self._pause = redis.register_script(_PAUSE)
        self._redis_failed = False

    def _chat_key(self, chat_id: int | str | None) -> str:
        return f"{self.chat_prefix}{chat_id}" if chat_id is not None else ""

    async def acquire(self, chat_id: int | str | None, *, background: bool) -> Slot:
        token = uuid.uuid4().hex
        if not background:
            self._urgent_waiting += 1
        try:
            while True:
                if background and self._urgent_waiting:
                    await self._wait_for_change(0.01)
                    continue
                try:
                    taken, wait = await self._acquire(
                        keys=[
                            self.window_key,
                            self.pause_key,
                            self.urgent_key,
                            self._chat_key(chat_id),
                        ],
                        args=[
                            token,
                            self.capacity,
                            self.reserve,
                            1 if background else 0,
                            self.window,
                            self.per_chat_interval,
                            URGENT_HOLD_MS,
                            IN_FLIGHT_GUARD_SECONDS,
                        ],
                    )
                except Exception as error:  # any Redis failure: fall back
                    self._fell_back(error)
                    local = await super().acquire(chat_id, background=background)
                    return SharedSlot(chat_id, token, local)
                self._recovered()
                if int(taken) == 0:
                    return SharedSlot(chat_id, token, None)
                await self._wait_for_change(min(float(wait), MAX_POLL_SECONDS))
        finally:
            if not background:
                self._urgent_waiting -= 1

    async def _wait_for_change(self, seconds: float) -> None:
        changed = self._changed
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await changed.wait()

    async def release(self, slot: Slot) -> None:
        if isinstance(slot, SharedSlot) and slot.local is not None:
            await super().release(slot.local)
            return
        token = slot.token if isinstance(slot, SharedSlot) else ""
        try:
            await self._release(
                keys=[self.window_key, self._chat_key(slot.chat_id)],
                args=[token, self.window, self.per_chat_interval],
            )
        except Exception as error:  # the guard frees the place in time
            self._fell_back(error)
        self._changed.set()
        self._changed = asyncio.Event()

    async def pause(self, seconds: float) -> None:
        """A 429: every instance waits `seconds` (and this one too, should Redis fail)."""
        await super().pause(seconds)
        try:
            await self._pause(keys=[self.pause_key], args=[seconds])
        except Exception as error:
            self._fell_back(error)

    def _fell_back(self, error: Exception) -> None:
        if not self._redis_failed:
            self._redis_failed = True
            log.warning(
                "the shared rate limit in Redis failed (%s); this instance paces itself",
                type(error).__name__,
            )

    def _recovered(self) -> None:
        if self._redis_failed:
            self._redis_failed = False
            log.warning("the shared rate limit in Redis works again")
