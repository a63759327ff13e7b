"""Politeness for one host: its concurrency, its pace, host-wide pauses when a server says
`Retry-After`, and a pace that adapts (AIMD) when the host refuses us.

The pace is the least time between two request starts to the host. It starts at
the configured interval (or at what an earlier run learned), is cut on each
refusal (429, or 503 with Retry-After) and raised slowly while answers are
clean, the way TCP finds a link's capacity. A refusal says what the host takes:
the answers it gave cleanly in the last second. The cut goes just below that
(not a blind fraction of what we sent), and from then on the pace probes upward
gently, since each refusal costs a whole Retry-After.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import urlsplit

__all__ = ["SLOWDOWN", "Pace", "host_of"]

# On a refusal the request rate is multiplied by SLOWDOWN: gentle enough that the
# sawtooth between the host's limit and SLOWDOWN x limit averages near the limit.
SLOWDOWN = 0.8
# Below what the host took in the last second before refusing: room for timing jitter.
_BELOW_TAKEN = 0.9
# While answers are clean the rate grows by this share each second (at least _MIN_SPEEDUP
# requests a second per second): slowly, because each refusal costs a whole Retry-After;
# more slowly still (_SETTLED) once the host has refused us this run and so shown its limit.
_SPEEDUP = 0.01
_MIN_SPEEDUP = 0.02
_SETTLED = 0.2
# One cut per refusal episode: requests already in flight answer 429 together.
_CUT_QUIET = 1.0
_SLOWEST = 60.0  # seconds between requests: the pace never drops below this


def host_of(url: str) -> str:
    """The politeness key of a URL: its host and port, lower-cased."""
    try:
        return urlsplit(url).netloc.lower().rsplit("@", 1)[-1]
    except ValueError:  # a malformed URL still needs a key: it is never sent anyway
        return url.lower()


@dataclass
class Pace:
    """When the next request to one host may start, and how that spacing adapts."""

    floor: float  # the configured interval: never faster than this
    interval: float = -1.0  # the current spacing; starts at `floor` unless learned
    next_at: float = 0.0  # monotonic time before which no request may start
    refusals: int = 0
    _cut_at: float = field(default=-1e9, repr=False)
    _slowdowns: int = field(default=0, repr=False)  # cuts and deferrals so far
    _resume_at: float = field(default=0.0, repr=False)  # the end of the last Retry-After pause
    _starts: deque[float] = field(default_factory=deque, repr=False)  # the last second's
    _clean: deque[float] = field(default_factory=deque, repr=False)  # clean answers, last second
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    def __post_init__(self) -> None:
        self.interval = max(self.interval, self.floor)

    @property
    def learned(self) -> bool:
        """True when refusals made this host slower than configured."""
        return self.interval > self.floor

    async def wait_turn(self) -> None:
        """Sleep until this request may start; concurrent callers are spaced out.

        A turn reserved before the host refused us (or said Retry-After) is given up
        and taken again at the new pace: it was booked at a speed the host declined.
        """
        while True:
            async with self._lock:
                # Reserve a start time under the lock so concurrent callers stay spaced out.
                now = time.monotonic()
                start = max(now, self.next_at)
                self.next_at = start + self.interval
                booked = self._slowdowns
            if start > now:
                await asyncio.sleep(start - now)
            if booked == self._slowdowns:
                break
        self._starts.append(start)
        while self._starts[0] < start - 1.0:
            self._starts.popleft()

    def defer(self, seconds: float) -> None:
        """Start no request for `seconds` (a Retry-After speaks for the whole host)."""
        if seconds <= 0:
            return  # "Retry-After: 0" (or a date just past) asks for no pause
        self._resume_at = max(self._resume_at, time.monotonic() + seconds)
        self._rebook()

    def _rebook(self) -> None:
        # Turns booked at the old pace are given up and taken again (wait_turn), so the
        # schedule restarts from the last request really sent, not after those old turns.
        self._slowdowns += 1
        last = self._starts[-1] if self._starts else float("-inf")
        self.next_at = max(last + self.interval, self._resume_at)

    def refused(self) -> None:
        """A 429 (or 503 with Retry-After): slow down, once per refusal episode."""
        self.refusals += 1
        now = time.monotonic()
        if now - self._cut_at < max(_CUT_QUIET, self.interval):
            return
        self._cut_at = now
        # Cut from the rate actually sent in the last second: a configured pace of "no
        # spacing" says nothing about how fast we really went.
        sent = sum(1 for t in self._starts if t >= now - 1.0)
        rate = min(1.0 / self.interval if self.interval > 0 else float("inf"), max(sent, 1))
        taken = self._taken(now)
        rate = min(rate, taken) * _BELOW_TAKEN if taken else rate * SLOWDOWN
        self.interval = min(_SLOWEST, 1.0 / rate)
        self._rebook()

    def _taken(self, now: float) -> int:
        while self._clean and self._clean[0] < now - 1.0:
            self._clean.popleft()
        return len(self._clean)

    def answered(self) -> None:
        """A clean answer: speed up by about `_SPEEDUP` requests a second per second."""
        now = time.monotonic()
        self._clean.append(now)
        self._taken(now)
        if self.interval <= self.floor:
            return
        rate = 1.0 / self.interval
        # One answer is `interval` seconds of clean running.
        step = max(_SPEEDUP * rate, _MIN_SPEEDUP) * self.interval
        rate += step * (_SETTLED if self.refusals else 1.0)
        self.interval = max(self.floor, 1.0 / rate)
