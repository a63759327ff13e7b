"""The diff against the previous catalog, and the summary numbers."""

from __future__ import annotations

from pipeline.outputs.diff import catalog_metrics, diff_catalogs, metric_changes
from tests.sample_catalog import sample_catalog, sample_previous


def test_first_run_has_no_changes() -> None:
    diff = diff_catalogs(None, sample_catalog())
    assert diff.first_run and diff.new_entries == [] and diff.star_movers == []


def test_new_and_removed_entries_are_found_by_key() -> None:
    diff = diff_catalogs(sample_previous(), sample_catalog())
    assert [e.key for e in diff.new_entries] == ["arxiv:2210.00009"]
    assert [e.key for e in diff.removed_entries] == ["lambda-removed"]


def test_a_link_that_was_ok_and_is_now_dead_is_newly_dead() -> None:
    diff = diff_catalogs(sample_previous(), sample_catalog())
    assert [(c.url, c.before, c.after) for c in diff.newly_dead] == [
        ("https://example.net/delta.pdf", "ok", "dead"),
        ("https://old-list.example/awesome", "ok", "dead"),
    ]


def test_a_link_outside_entries_is_named_as_such_in_the_diff() -> None:
    diff = diff_catalogs(sample_previous(), sample_catalog())
    (outside,) = [c for c in diff.newly_dead if c.url == "https://old-list.example/awesome"]
    assert (outside.entry_key, outside.title, outside.line) == ("", "(outside entries)", 18)


def test_a_link_dead_before_and_ok_now_has_recovered() -> None:
    diff = diff_catalogs(sample_previous(), sample_catalog())
    assert [c.url for c in diff.recovered] == ["https://doi.org/10.1109/theta"]


def test_a_dead_link_now_unverified_has_not_recovered() -> None:
    diff = diff_catalogs(sample_previous(), sample_catalog())
    assert "https://flaky.example/zeta" not in [c.url for c in diff.recovered]


def test_newly_moved_links_carry_their_new_url() -> None:
    diff = diff_catalogs(sample_previous(), sample_catalog())
    assert [(c.url, c.final_url) for c in diff.newly_moved] == [
        ("https://example.com/old-home", "https://example.com/new-home"),
        ("https://moved-list.example/awesome", "https://moved-list.example/v2"),
    ]


def test_star_movers_follow_a_renamed_repo_by_id_biggest_first() -> None:
    movers = diff_catalogs(sample_previous(), sample_catalog()).star_movers
    assert [(m.repo, m.delta) for m in movers] == [
        ("alice/alpha", 500),
        ("dave/theta", 10),
        ("NewOwner/beta", 10),
        ("carol/stale", -5),
    ]


def test_metrics_count_verdicts_and_unique_repos() -> None:
    metrics = catalog_metrics(sample_catalog())
    assert metrics["links"] == 25  # 23 in entries, 2 outside
    assert metrics["links_outside"] == 2
    assert metrics["links_unchecked"] == 1
    assert metrics["repos"] == 9
    assert metrics["stars"] == 1500 + 800 + 50 + 20 + 0 + 3 + 310
    assert metrics["arxiv_resolved"] == 4


def test_metric_changes_are_none_without_a_previous_run() -> None:
    now = catalog_metrics(sample_catalog())
    assert set(metric_changes(now, None).values()) == {None}
    assert metric_changes(now, now)["stars"] == 0
