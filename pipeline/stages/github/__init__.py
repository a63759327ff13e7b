"""The GitHub stage: API shapes, fetching, repo health, and the stage itself."""

from pipeline.stages.github.stage import STARS_FILE, fetch_github

__all__ = ["STARS_FILE", "fetch_github"]
