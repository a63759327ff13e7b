"""The network stages, in run order: adding a stage is its package and one line here."""

from __future__ import annotations

from pipeline.stages.arxiv import STAGE as ARXIV
from pipeline.stages.candidates import STAGE as CANDIDATES
from pipeline.stages.github import STAGE as GITHUB
from pipeline.stages.scholarly import ARCHIVE, SCHOLARLY
from pipeline.stages.spec import StageSpec

__all__ = ["NETWORK_STAGES"]

NETWORK_STAGES: tuple[StageSpec, ...] = (ARXIV, GITHUB, SCHOLARLY, ARCHIVE, CANDIDATES)
