"""The cache is never trusted: no pickle is ever read, a broken cache is replaced, a tracked one
is ignored; every case ends in a normal run with a warning, never a traceback."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path

import diskcache
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.model import Catalog, Verdict
from tests.emulator import Emulator
from tests.git_support import git
from tests.links_helpers import mount_hosts


class _Payload:
    """Unpickling this creates `marker`: what a poisoned cache would run."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return open, (str(self.marker), "w")


def _list_with_one_link(folder: Path, emulator: Emulator) -> str:
    mount_hosts(emulator, {"pages": {"default": {"status": 200}}})
    url = emulator.url("pages", "/paper")
    (folder / "README.md").write_text(f"- **T t t** [p]({url})\n", encoding="utf-8")
    return url


def _refresh(folder: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(folder)
    return CliRunner().invoke(
        app, ["refresh", "--only", "links", "-q", "-i", "README.md", "-o", "out"]
    )


def _verdict(folder: Path) -> Verdict:
    text = (folder / "out" / "catalog.json").read_text(encoding="utf-8")
    catalog = Catalog.model_validate_json(text)
    ((_, link),) = list(catalog.iter_links())
    assert link.health is not None
    return link.health.verdict


def test_a_planted_pickle_is_never_run_and_the_run_succeeds(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _list_with_one_link(tmp_path, emulator)
    marker = tmp_path / "PWNED"
    host = url.split("/")[2]
    planted = diskcache.Cache(str(tmp_path / "cache" / "net"))  # diskcache's default: pickles
    for key in (f"pace:{host}", f"link:{url}"):
        planted.set(key, _Payload(marker))
    planted.close()
    result = _refresh(tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    assert not marker.exists()
    assert _verdict(tmp_path) is Verdict.OK
    assert len(emulator.requests) >= 1  # a miss: the link was checked, not read from the cache


def test_entries_are_stored_as_json_bytes_never_pickled(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _list_with_one_link(tmp_path, emulator)
    assert _refresh(tmp_path, monkeypatch).exit_code == 0
    db = sqlite3.connect(tmp_path / "cache" / "net" / "cache.db")
    rows = db.execute("SELECT key, raw, mode, value FROM Cache").fetchall()
    db.close()
    assert f"link:{url}" in {key for key, *_ in rows}
    for key, raw, mode, value in rows:
        assert raw == 1 and mode == diskcache.core.MODE_RAW, key
        assert isinstance(json.loads(value)["value"], dict)


def test_a_record_that_is_json_but_not_ours_is_a_miss(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _list_with_one_link(tmp_path, emulator)
    planted = diskcache.Cache(str(tmp_path / "cache" / "net"))
    record = {"value": {"url": 5, "redirects": "x"}, "stored_at": time.time()}
    planted.set(f"link:{url}", json.dumps(record).encode())
    planted.close()
    result = _refresh(tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    assert _verdict(tmp_path) is Verdict.OK
    assert len(emulator.requests) >= 1


def test_a_planted_file_path_never_deletes_a_file_outside_the_cache(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _list_with_one_link(tmp_path, emulator)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    planted = diskcache.Cache(str(tmp_path / "cache" / "net"))
    planted.set(f"link:{url}", b"x")
    planted.close()
    db = sqlite3.connect(tmp_path / "cache" / "net" / "cache.db")
    with db:  # the row now names a file two folders up, as a poisoned cache could
        db.execute("UPDATE Cache SET mode = 2, filename = '../../victim.txt', value = NULL")
    db.close()
    result = _refresh(tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    assert victim.read_text(encoding="utf-8") == "keep me"
    assert _verdict(tmp_path) is Verdict.OK


def test_a_planted_trigger_sets_the_cache_aside(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _list_with_one_link(tmp_path, emulator)
    diskcache.Cache(str(tmp_path / "cache" / "net")).close()
    db = sqlite3.connect(tmp_path / "cache" / "net" / "cache.db")
    db.execute("CREATE TABLE Loot (x)")
    db.execute(
        "CREATE TRIGGER steal AFTER INSERT ON Cache BEGIN INSERT INTO Loot VALUES (NEW.key); END"
    )
    db.commit()
    db.close()
    result = _refresh(tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    assert "could not be read" in result.stderr and "moved aside" in result.stderr
    db = sqlite3.connect(tmp_path / "cache" / "net" / "cache.db")
    names = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='trigger'")}
    db.close()
    assert "steal" not in names


def _random_bytes_db(cache: Path) -> None:
    (cache / "net").mkdir(parents=True)
    (cache / "net" / "cache.db").write_bytes(os.urandom(4096))


def _cache_is_a_file(cache: Path) -> None:
    cache.write_bytes(b"not a folder")


def _db_is_a_folder(cache: Path) -> None:
    (cache / "net" / "cache.db").mkdir(parents=True)


@pytest.mark.parametrize(
    "breakage",
    [_random_bytes_db, _cache_is_a_file, _db_is_a_folder],
    ids=["random-bytes-in-cache.db", "cache-is-a-file", "cache.db-is-a-folder"],
)
def test_a_corrupt_cache_gives_a_warning_and_a_fresh_cache(
    breakage, emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _list_with_one_link(tmp_path, emulator)
    breakage(tmp_path / "cache")
    result = _refresh(tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "fresh" in warnings[0], result.stderr
    assert _verdict(tmp_path) is Verdict.OK
    # The next run starts without a warning when the broken cache could be moved aside.
    again = _refresh(tmp_path, monkeypatch)
    assert again.exit_code == 0
    moved = breakage is not _cache_is_a_file
    assert ("warning:" in again.stderr) is not moved, again.stderr


def test_a_cache_tracked_by_git_is_ignored_with_a_warning(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _list_with_one_link(tmp_path, emulator)
    planted = diskcache.Cache(str(tmp_path / "cache" / "net"))
    # A well-formed record saying the link is dead, fresh for a day: trusted, it would decide.
    probe = {"url": url, "status": 404, "final_url": url, "redirects": [], "failure": None,
             "detail": "HTTP 404", "method": "HEAD", "etag": None, "last_modified": None}  # fmt: skip
    record = {"value": probe, "etag": None, "last_modified": None, "stored_at": time.time()}
    planted.set(f"link:{url}", json.dumps(record).encode())
    planted.close()
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "cache")
    git(tmp_path, "commit", "-q", "-m", "ship a cache")
    result = _refresh(tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    assert "is tracked by git" in result.stderr
    assert _verdict(tmp_path) is Verdict.OK
    assert git(tmp_path, "status", "--porcelain", "cache") == ""  # left as committed
