"""Star history file: rows only for successful fetches, atomic rewrite, changes over windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipeline.model import FetchStatus, RepoRecord
from pipeline.outputs.stars import append_star_rows, read_star_history, star_change

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def _rec(repo_id: int, stars: int, status: FetchStatus = FetchStatus.OK) -> RepoRecord:
    return RepoRecord(
        linked_as=f"o/r{repo_id}",
        repo_id=repo_id,
        full_name=f"o/r{repo_id}",
        stars=stars,
        status=status,
    )


def test_first_write_has_header_and_one_row_per_repo(tmp_path: Path) -> None:
    path = tmp_path / "stars.csv"
    assert append_star_rows(path, [_rec(1, 10), _rec(2, 20)], T0) == 2
    assert path.read_text().splitlines() == [
        "date,repo_id,full_name,stars",
        "2026-01-01T12:00:00Z,1,o/r1,10",
        "2026-01-01T12:00:00Z,2,o/r2,20",
    ]


def test_failed_or_stale_fetches_write_no_row(tmp_path: Path) -> None:
    path = tmp_path / "stars.csv"
    records = [_rec(1, 10, FetchStatus.STALE), _rec(2, 0, FetchStatus.UNVERIFIED)]
    assert append_star_rows(path, records, T0) == 0
    assert not path.exists()


def test_second_run_keeps_old_bytes_and_appends(tmp_path: Path) -> None:
    path = tmp_path / "stars.csv"
    append_star_rows(path, [_rec(1, 10)], T0)
    before = path.read_text()
    append_star_rows(path, [_rec(1, 12)], T0 + timedelta(days=1))
    after = path.read_text()
    assert after.startswith(before)
    assert after.count("\n") == before.count("\n") + 1


def test_same_repo_twice_in_one_run_is_one_row(tmp_path: Path) -> None:
    path = tmp_path / "stars.csv"
    assert append_star_rows(path, [_rec(1, 10), _rec(1, 10)], T0) == 1


def test_no_temp_files_are_left_behind(tmp_path: Path) -> None:
    append_star_rows(tmp_path / "stars.csv", [_rec(1, 10)], T0)
    assert [p.name for p in tmp_path.iterdir()] == ["stars.csv"]


def test_change_since_last_run(tmp_path: Path) -> None:
    path = tmp_path / "stars.csv"
    append_star_rows(path, [_rec(1, 10)], T0)
    append_star_rows(path, [_rec(1, 15)], T0 + timedelta(hours=3))
    assert star_change(path, 1, 0) == 5


def test_change_over_window_uses_newest_row_old_enough(tmp_path: Path) -> None:
    path = tmp_path / "stars.csv"
    for day, stars in [(0, 100), (20, 110), (40, 130), (45, 140)]:
        append_star_rows(path, [_rec(1, stars)], T0 + timedelta(days=day))
    assert star_change(path, 1, 30) == 140 - 100
    assert star_change(path, 1, 20) == 140 - 110


def test_change_is_none_when_history_is_too_short(tmp_path: Path) -> None:
    path = tmp_path / "stars.csv"
    append_star_rows(path, [_rec(1, 10)], T0)
    append_star_rows(path, [_rec(1, 11)], T0 + timedelta(days=5))
    assert star_change(path, 1, 30) is None
    assert star_change(path, 99, 0) is None


def test_history_follows_the_id_across_a_rename(tmp_path: Path) -> None:
    path = tmp_path / "stars.csv"
    append_star_rows(path, [_rec(1, 10)], T0)
    renamed = _rec(1, 13).model_copy(update={"full_name": "new/name"})
    append_star_rows(path, [renamed], T0 + timedelta(days=1))
    points = read_star_history(path)[1]
    assert [p.full_name for p in points] == ["o/r1", "new/name"]
    assert star_change(path, 1, 0) == 3


def test_damaged_rows_are_skipped_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "stars.csv"
    path.write_text("date,repo_id,full_name,stars\n2026-01-01,1,o/r1,10\ngarbage\n2026-01-0")
    append_star_rows(path, [_rec(1, 12)], T0 + timedelta(days=1))
    assert [p.stars for p in read_star_history(path)[1]] == [10, 12]
