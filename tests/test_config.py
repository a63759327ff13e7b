"""Settings: defaults, pyproject.toml, environment, flags, in that order."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import DEFAULT_ARXIV_API_URL, load_settings
from pipeline.errors import ConfigError


def _project(tmp_path: Path, table: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(f"[tool.pipeline]\n{table}\n", encoding="utf-8")
    return tmp_path


def test_defaults_without_project_or_environment(tmp_path: Path) -> None:
    settings = load_settings(env={}, project_dir=tmp_path)
    assert settings.input == Path("data/awesome-list.md")
    assert settings.arxiv_api_url == DEFAULT_ARXIV_API_URL
    assert settings.github_token is None


def test_environment_beats_pyproject_and_flags_beat_both(tmp_path: Path) -> None:
    project = _project(tmp_path, 'concurrency = 5\ninput = "from-toml.md"')
    env = {"PIPELINE_CONCURRENCY": "7"}
    assert load_settings(env=env, project_dir=project).concurrency == 7
    assert load_settings(env={}, project_dir=project).input == Path("from-toml.md")
    flagged = load_settings({"concurrency": 9}, env=env, project_dir=project)
    assert flagged.concurrency == 9


def test_conventional_variables_are_read(tmp_path: Path) -> None:
    env = {"ARXIV_API_URL": "http://127.0.0.1:9/api/query", "GH_TOKEN": "t0ken"}
    settings = load_settings(env=env, project_dir=tmp_path)
    assert settings.arxiv_api_url == "http://127.0.0.1:9/api/query"
    assert settings.github_token is not None
    assert settings.github_token.get_secret_value() == "t0ken"
    assert "t0ken" not in repr(settings)


def test_github_token_wins_over_gh_token(tmp_path: Path) -> None:
    env = {"GITHUB_TOKEN": "first", "GH_TOKEN": "second"}
    token = load_settings(env=env, project_dir=tmp_path).github_token
    assert token is not None and token.get_secret_value() == "first"


def test_unknown_setting_in_pyproject_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown setting 'concurency'"):
        load_settings(env={}, project_dir=_project(tmp_path, "concurency = 5"))


def test_invalid_value_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'concurrency'") as caught:
        load_settings(env={"PIPELINE_CONCURRENCY": "lots"}, project_dir=tmp_path)
    assert caught.value.setting == "concurrency"


def test_api_url_must_be_http(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="github_api_url"):
        load_settings(env={"GITHUB_API_URL": "ftp://example.com"}, project_dir=tmp_path)


def test_user_agent_names_tool_and_contact(tmp_path: Path) -> None:
    settings = load_settings({"contact": "mailto:me@example.org"}, env={}, project_dir=tmp_path)
    assert settings.user_agent.startswith("paper-list-pipeline/")
    assert "mailto:me@example.org" in settings.user_agent
