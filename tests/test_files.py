"""pipeline/files.py: the size cap holds while reading; the atomic writer writes what it should."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from pipeline.errors import InputError, OutputError
from pipeline.files import read_text_file, write_text_atomic


def test_endless_device_is_refused_at_the_cap_without_reading_it_all() -> None:
    with pytest.raises(InputError) as caught:
        read_text_file(Path("/dev/zero"), max_bytes=4096)
    assert "more than 4,096 bytes and not a regular file" in str(caught.value)


def test_regular_file_over_the_cap_names_its_size(tmp_path: Path) -> None:
    big = tmp_path / "big.md"
    big.write_bytes(b"a" * 5000)
    with pytest.raises(InputError, match="5,000 bytes is more than the 4,096"):
        read_text_file(big, max_bytes=4096)


# -- 12.8: the atomic writer writes through symlinks, keeps modes, refuses devices -------------


def test_write_through_a_symlink_replaces_its_target_and_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real" / "list.md"
    real.parent.mkdir()
    real.write_text("old\n", encoding="utf-8")
    link = tmp_path / "list.md"
    link.symlink_to(real)
    write_text_atomic(link, "new\n")
    assert link.is_symlink() and link.resolve() == real
    assert real.read_text(encoding="utf-8") == "new\n"
    assert [p.name for p in real.parent.iterdir()] == ["list.md"]


def test_an_existing_file_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "list.md"
    path.write_text("old\n", encoding="utf-8")
    path.chmod(0o664)
    write_text_atomic(path, "new\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o664


def test_a_new_file_gets_the_umask_default_not_0600(tmp_path: Path) -> None:
    old = os.umask(0o002)
    try:
        write_text_atomic(tmp_path / "new.md", "x\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.md").stat().st_mode) == 0o664


def test_a_fifo_is_refused_and_left_in_place(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OutputError, match="not a regular file; refusing to replace it"):
        write_text_atomic(fifo, "x")
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]


def test_schema_to_a_device_is_refused_with_exit_2() -> None:
    from typer.testing import CliRunner

    from pipeline.cli import app

    result = CliRunner().invoke(app, ["schema", "/dev/full"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "Error: /dev/full: not a regular file; refusing to replace it"
    assert stat.S_ISCHR(Path("/dev/full").stat().st_mode)


def test_fix_write_on_a_symlinked_list_fixes_the_real_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from pipeline.cli import app
    from pipeline.stages.emit import write_catalog
    from tests.sample_catalog import SAMPLE_LIST, sample_catalog

    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    real = tmp_path / "real.md"
    real.write_bytes(SAMPLE_LIST.read_bytes())
    (tmp_path / "data" / "list.md").symlink_to(real)
    write_catalog(sample_catalog(), tmp_path / "data" / "catalog.json")
    result = CliRunner().invoke(app, ["fix", "--write", "-i", "data/list.md", "-o", "data"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "data" / "list.md").is_symlink()
    assert real.read_bytes() != SAMPLE_LIST.read_bytes()


def test_a_large_text_is_written_whole_across_encoding_chunks(tmp_path: Path) -> None:
    text = "é" * (1 << 20) + "ü\n"  # multi-byte characters on both sides of a chunk edge
    write_text_atomic(tmp_path / "big.md", text)
    assert (tmp_path / "big.md").read_text(encoding="utf-8") == text
