"""pipeline/files.py: the size cap holds while reading; the atomic writer writes what it should."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import InputError
from pipeline.files import read_text_file


def test_endless_device_is_refused_at_the_cap_without_reading_it_all() -> None:
    with pytest.raises(InputError) as caught:
        read_text_file(Path("/dev/zero"), max_bytes=4096)
    assert "more than 4,096 bytes and not a regular file" in str(caught.value)


def test_regular_file_over_the_cap_names_its_size(tmp_path: Path) -> None:
    big = tmp_path / "big.md"
    big.write_bytes(b"a" * 5000)
    with pytest.raises(InputError, match="5,000 bytes is more than the 4,096"):
        read_text_file(big, max_bytes=4096)
