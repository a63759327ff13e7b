"""Retry-After parsing, and `retrying`: each answer judged once, the budget from the first
attempt, and no retry machinery (a reference cycle) for a request answered at once."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest

from pipeline.config import Settings
from pipeline.net.retry import parse_retry_after, retrying


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        ("0", 0.0),
        ("Wed, 21 Oct 2015 07:28:10 GMT", 10.0),
        ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0),
        ("soon", None),
        ("", None),
        (None, None),
    ],
    ids=["seconds", "zero", "date-ahead", "date-past", "garbage", "empty", "absent"],
)
def test_retry_after_values(value: str | None, expected: float | None) -> None:
    now = 1445412480.0  # Wed, 21 Oct 2015 07:28:00 GMT
    assert parse_retry_after(value, now=now) == expected


def _settings(**overrides: Any) -> Settings:
    return Settings(**{"retries": 2, "retry_backoff": 0.01, "max_retry_wait": 1.0, **overrides})


class _Answers:
    """A call answering each of `results` in turn; counts calls and judgements."""

    def __init__(self, *results: str, delay: float = 0.0) -> None:
        self.results = list(results)
        self.delay = delay
        self.calls = 0
        self.judged: list[str] = []

    async def __call__(self) -> str:
        self.calls += 1
        await asyncio.sleep(self.delay)
        return self.results[min(self.calls, len(self.results)) - 1]

    def again(self, result: str) -> bool:
        self.judged.append(result)
        return result == "busy"


def _retry(answers: _Answers, settings: Settings) -> str:
    return asyncio.run(
        retrying(answers, settings=settings, should_retry=answers.again, retry_after=lambda _: None)
    )


def test_each_answer_is_judged_once() -> None:
    # Judging may change state (a timed-out request's timeout grows once): the first
    # answer, made before the retry machinery starts, is not judged again by it.
    answers = _Answers("busy", "busy", "ok")
    assert _retry(answers, _settings()) == "ok"
    assert answers.calls == 3
    assert answers.judged == ["busy", "busy", "ok"]


def test_an_answer_at_once_is_tried_once() -> None:
    answers = _Answers("ok", "never asked")
    assert _retry(answers, _settings()) == "ok"
    assert (answers.calls, answers.judged) == (1, ["ok"])


def test_the_attempts_run_out_with_the_last_answer() -> None:
    answers = _Answers("busy")
    assert _retry(answers, _settings(retries=2)) == "busy"
    assert answers.calls == 3


def test_the_retry_budget_counts_the_first_attempt() -> None:
    # A first attempt that used up the budget leaves no room for a wait and another try.
    answers = _Answers("busy", "ok", delay=0.3)
    assert _retry(answers, _settings(retry_budget=0.2)) == "busy"
    assert answers.calls == 1


def test_a_request_answered_at_once_leaves_no_garbage_for_the_collector() -> None:
    # tenacity's controller is a reference cycle: built for every request, 10,000 of them
    # made the collector walk the heap every few seconds of a run (pauses of 0.1-0.2 s).
    async def go() -> int:
        settings = _settings()
        gc.collect()
        gc.disable()
        try:
            for _ in range(100):
                answers = _Answers("ok")
                await retrying(
                    answers,
                    settings=settings,
                    should_retry=answers.again,
                    retry_after=lambda _: None,
                )
            return gc.collect()
        finally:
            gc.enable()

    assert asyncio.run(go()) < 100
