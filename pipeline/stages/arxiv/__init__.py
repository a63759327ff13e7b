"""The arXiv stage: client, Atom feed, title matching, findings, and the stage itself."""

from pipeline.stages.arxiv.stage import fetch_arxiv

__all__ = ["fetch_arxiv"]
