"""Verdicts, history and the outage rule as pure functions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pipeline.model import LinkHealth, Verdict
from pipeline.net import Failure, Hop, Probe
from pipeline.stages.link_verdicts import is_outage, judge, merge_history, same_resource
from tests.links_helpers import NOW


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("http://x.org/p", "https://x.org/p", True),
        ("https://x.org/p", "https://x.org/p/", True),
        ("https://x.org/p", "https://www.x.org/p", True),
        ("https://X.org:443/p", "https://x.org/p", True),
        ("https://x.org/p", "https://x.org/q", False),
        ("https://x.org/p?a=1", "https://x.org/p?a=2", False),
        ("https://x.org/p", "https://y.org/p", False),
    ],
    ids=["scheme", "slash", "www", "port-case", "path", "query", "host"],
)
def test_same_resource(a: str, b: str, same: bool) -> None:
    assert same_resource(a, b) is same


def test_https_upgrade_redirect_is_ok() -> None:
    probe = Probe(
        "http://x.org/p",
        status=200,
        final_url="https://x.org/p",
        redirects=(Hop(301, "http://x.org/p", "https://x.org/p"),),
    )
    assert judge(probe, dns_trusted=True, now=NOW).verdict is Verdict.OK


def test_www_redirect_is_ok() -> None:
    probe = Probe(
        "https://x.org/p",
        status=200,
        redirects=(Hop(301, "https://x.org/p", "https://www.x.org/p/"),),
    )
    assert judge(probe, dns_trusted=True, now=NOW).verdict is Verdict.OK


def test_moved_records_the_last_permanent_target() -> None:
    probe = Probe(
        "https://x.org/a",
        status=200,
        final_url="https://y.org/login",
        redirects=(
            Hop(301, "https://x.org/a", "https://y.org/b"),
            Hop(302, "https://y.org/b", "https://y.org/login"),
        ),
    )
    health = judge(probe, dns_trusted=True, now=NOW)
    assert (health.verdict, health.final_url) == (Verdict.MOVED, "https://y.org/b")


@pytest.mark.parametrize(
    ("failure", "trusted", "verdict"),
    [
        (Failure.DNS_NXDOMAIN, True, Verdict.DEAD),
        (Failure.DNS_NXDOMAIN, False, Verdict.UNVERIFIED),
        (Failure.DNS_ERROR, True, Verdict.UNVERIFIED),
        (Failure.TIMEOUT, True, Verdict.UNVERIFIED),
        (Failure.REFUSED, True, Verdict.UNVERIFIED),
        (Failure.RESET, True, Verdict.UNVERIFIED),
    ],
    ids=["nxdomain", "nxdomain-alone", "dns-error", "timeout", "refused", "reset"],
)
def test_failures_are_never_dead_except_confirmed_nxdomain(
    failure: Failure, trusted: bool, verdict: Verdict
) -> None:
    probe = Probe("http://x.invalid/", failure=failure)
    assert judge(probe, dns_trusted=trusted, now=NOW).verdict is verdict


def test_dead_is_a_failure_but_never_persistently_unreachable() -> None:
    previous = LinkHealth(verdict=Verdict.DEAD, consecutive_failures=9, first_failed_at=NOW)
    health = merge_history(
        LinkHealth(verdict=Verdict.DEAD), previous, now=NOW + timedelta(days=1), persistent_after=3
    )
    assert health.consecutive_failures == 10
    assert health.first_failed_at == NOW
    assert not health.persistently_unreachable


def test_blocked_ends_a_failure_streak_without_claiming_ok() -> None:
    last_ok = NOW - timedelta(days=30)
    previous = LinkHealth(verdict=Verdict.UNVERIFIED, consecutive_failures=2, last_ok_at=last_ok)
    health = merge_history(
        LinkHealth(verdict=Verdict.BLOCKED), previous, now=NOW, persistent_after=3
    )
    assert (health.consecutive_failures, health.last_ok_at) == (0, last_ok)


def test_cached_observation_is_not_counted_twice() -> None:
    previous = LinkHealth(verdict=Verdict.DEAD, consecutive_failures=1, first_failed_at=NOW)
    health = merge_history(
        LinkHealth(verdict=Verdict.DEAD),
        previous,
        now=NOW + timedelta(hours=1),
        persistent_after=3,
        same_observation=True,
    )
    assert health.consecutive_failures == 1


def _down(host: str) -> Probe:
    return Probe(f"http://{host}/", failure=Failure.REFUSED)


def _up(host: str) -> Probe:
    return Probe(f"http://{host}/", status=404)


def test_most_hosts_down_is_an_outage() -> None:
    assert is_outage([_down("a"), _down("b"), _up("c")], threshold=0.5)


def test_a_few_hosts_down_is_not_an_outage() -> None:
    assert not is_outage([_down("a"), _up("b"), _up("c")], threshold=0.5)


def test_a_host_answering_once_is_up() -> None:
    assert not is_outage([_down("a"), _up("a")], threshold=0.5)


def test_cached_probes_do_not_count_towards_an_outage() -> None:
    cached = Probe("http://a/", status=200, from_cache=True)
    assert not is_outage([cached], threshold=0.5)
