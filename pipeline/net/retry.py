"""The one "retry or not?" decision, and how long to wait: backoff with jitter, or
what `Retry-After` says (seconds or an HTTP date), within a budget; and timeouts that
grow: a request that timed out is tried once more with TIMEOUT_GROWTH times the
timeout, at once (it has waited long enough), and never again with the same one.
A page that answers after 27 s on a 20 s timeout is judged in one run, and a page
that never answers costs (1 + TIMEOUT_GROWTH) x the timeout, not retries x it.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from email.utils import parsedate_to_datetime
from typing import TypeVar

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_result,
    stop_after_attempt,
    stop_before_delay,
    wait_exponential_jitter,
)

from pipeline.config import Settings

__all__ = ["RETRY_STATUSES", "TIMEOUT_GROWTH", "GrowingTimeout", "parse_retry_after", "retrying"]

T = TypeVar("T")

# Answers that say "not now" rather than "no": worth another attempt.
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
# The retry of a timed-out request waits this many times the timeout.
TIMEOUT_GROWTH = 2.0


class GrowingTimeout:
    """The timeout of each attempt of one request: the setting's, then (after a timeout)
    TIMEOUT_GROWTH times it, once."""

    def __init__(self, timeout: float) -> None:
        self.base = timeout
        self.current = timeout

    def retry_after_timeout(self) -> bool:
        """An attempt timed out: True (and a longer timeout) when it is worth one more try."""
        if self.current > self.base:
            return False  # the longer timeout was spent too: the host is not answering
        self.current = self.base * TIMEOUT_GROWTH
        return True


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` value (delta-seconds or HTTP date), None if absent."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


async def retrying(
    call: Callable[[], Awaitable[T]],
    *,
    settings: Settings,
    should_retry: Callable[[T], bool],
    retry_after: Callable[[T], float | None],
) -> T:
    """Run `call` until `should_retry` says no, the attempts run out or the budget would be
    exceeded; returns the last result either way (a final failure is a value, not an error).

    The first attempt is made here: most requests are answered at once, and tenacity's
    controller for one call is a reference cycle (the controller, its state, its actions)
    the collector has to find; on a 10,000-link run those made a full collection every
    10 s, 0.1-0.2 s in which no host got its turn. tenacity takes over from the second
    attempt, as if it had made the first: its result is replayed to it, judged once.
    """
    started = time.monotonic()
    first = await call()
    if not should_retry(first):
        return first
    return await _retried(first, call, settings, should_retry, retry_after, started)


async def _retried(
    first: T,
    call: Callable[[], Awaitable[T]],
    settings: Settings,
    should_retry: Callable[[T], bool],
    retry_after: Callable[[T], float | None],
    started: float,
) -> T:
    replay = [first]
    judged = [True]  # `should_retry` may change state (a timeout grows): never ask it twice

    async def attempt() -> T:
        return replay.pop() if replay else await call()

    def again(result: T) -> bool:
        return judged.pop() if judged else should_retry(result)

    backoff = wait_exponential_jitter(
        multiplier=settings.retry_backoff,
        max=settings.max_retry_wait,
        jitter=settings.retry_backoff,
    )

    def wait(state: RetryCallState) -> float:
        assert state.outcome is not None
        asked = retry_after(state.outcome.result())
        return asked if asked is not None else backoff(state)

    def asked_too_long(state: RetryCallState) -> bool:
        # A server asking for more than we are willing to wait: give up now, do not sleep.
        assert state.outcome is not None
        asked = retry_after(state.outcome.result())
        return asked is not None and asked > settings.max_retry_wait

    controller = AsyncRetrying(
        stop=(
            stop_after_attempt(settings.retries + 1)
            # The budget runs from the first attempt, made before tenacity started.
            | stop_before_delay(max(0.0, settings.retry_budget - (time.monotonic() - started)))
            | asked_too_long
        ),
        wait=wait,
        retry=retry_if_result(again),
        retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
    )
    return await controller(attempt)
