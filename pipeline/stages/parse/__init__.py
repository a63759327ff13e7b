"""The parse stage: Markdown → blocks → entries, other links and lint findings (no network)."""

from pipeline.stages.parse.stage import parse_list, read_list

__all__ = ["parse_list", "read_list"]
