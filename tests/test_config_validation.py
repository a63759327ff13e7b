"""Every setting is checked for type and range: a bad one is one `Error:` line and exit 2, in
every command and in `init`; the GitHub token is stripped or refused; the default contact is
the list's own repository."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import DEFAULT_CONTACT, load_settings
from pipeline.errors import ConfigError
from tests.git_support import git

ROOT = Path(__file__).resolve().parents[1]
LIST = "# Papers\n\n- **A Paper Title** [paper](https://arxiv.org/abs/2308.00692)\n"

# pyproject.toml text -> what the error line must say.
BAD_PYPROJECTS = {
    "tool.pipeline-is-a-string": ('[tool]\npipeline = "x"\n', "must be a table"),
    "tool-is-a-number": ("tool = 5\n", "must be a table"),
    "contact-not-ascii": ('[tool.pipeline]\ncontact = "ünïcode ✓"\n', "'contact'"),
    "contact-with-crlf": (
        '[tool.pipeline]\ncontact = "https://e.com\\r\\nX-Evil: 1"\n',
        "'contact'",
    ),
    "host_map-port-out-of-range": (
        '[tool.pipeline]\nhost_map = { "e.com" = "127.0.0.1:99999" }\n',
        "'host_map'",
    ),
    "stale_after_days-absurd": ("[tool.pipeline]\nstale_after_days = 100000000000\n", "'stale"),
    "per_host_interval-1e308": ("[tool.pipeline]\nper_host_interval = 1e308\n", "'per_host"),
    "timeout-nan": ("[tool.pipeline]\ntimeout = nan\n", "'timeout'"),
    "timeout-inf": ("[tool.pipeline]\ntimeout = inf\n", "'timeout'"),
    "canary_url-ftp": ('[tool.pipeline]\ncanary_url = "ftp://x"\n', "'canary_url'"),
    "retry_budget-negative-inf": ("[tool.pipeline]\nretry_budget = -inf\n", "'retry_budget'"),
    "max_list_bytes-2**63": (
        "[tool.pipeline]\nmax_list_bytes = 9223372036854775807\n",
        "'max_list_bytes'",
    ),
}


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "README.md").write_text(LIST, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_REPOSITORY", raising=False)
    return tmp_path


def _error_line(result) -> str:
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    return lines[0]


@pytest.mark.parametrize("text,says", BAD_PYPROJECTS.values(), ids=BAD_PYPROJECTS)
@pytest.mark.parametrize("command", [["refresh", "--offline", "-i", "README.md"], ["init"]])
def test_a_bad_setting_is_one_error_line_and_exit_2(
    workdir: Path, text: str, says: str, command: list[str]
) -> None:
    (workdir / "pyproject.toml").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 2, result.output
    assert says in _error_line(result)
    tomllib.loads((workdir / "pyproject.toml").read_text(encoding="utf-8"))  # still valid TOML


@pytest.mark.parametrize(
    "name,value", [("PIPELINE_TIMEOUT", "nan"), ("PIPELINE_PER_HOST_INTERVAL", "inf")]
)
def test_non_finite_numbers_from_the_environment_are_refused(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    result = CliRunner().invoke(app, ["refresh", "--offline", "-i", "README.md"])
    assert result.exit_code == 2
    assert "finite" in _error_line(result)


@pytest.mark.parametrize("token", ["abc\n", "  abc  ", "abc\r\n"])
def test_a_token_with_trailing_whitespace_is_stripped(tmp_path: Path, token: str) -> None:
    settings = load_settings(env={"GITHUB_TOKEN": token}, project_dir=tmp_path)
    assert settings.github_token is not None
    assert settings.github_token.get_secret_value() == "abc"


def test_a_blank_token_is_no_token(tmp_path: Path) -> None:
    assert load_settings(env={"GITHUB_TOKEN": " \n"}, project_dir=tmp_path).github_token is None
    token = load_settings(env={"GITHUB_TOKEN": "\n", "GH_TOKEN": "gh"}, project_dir=tmp_path)
    assert token.github_token is not None and token.github_token.get_secret_value() == "gh"


@pytest.mark.parametrize("variable", ["GITHUB_TOKEN", "S2_API_KEY"])
@pytest.mark.parametrize("token", ["tökén", "ab\x07c", "ab c", "ab\nc"])
def test_a_malformed_token_is_refused_without_echoing_it(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, token: str, variable: str
) -> None:
    monkeypatch.setenv(variable, token)
    result = CliRunner().invoke(app, ["refresh", "--offline", "-i", "README.md"])
    assert result.exit_code == 2
    line = _error_line(result)
    assert variable in line and "copy it again" in line
    assert token.strip() not in line


def test_a_key_with_a_trailing_newline_is_stripped(tmp_path: Path) -> None:
    settings = load_settings(env={"S2_API_KEY": "key123\n"}, project_dir=tmp_path)
    assert settings.s2_api_key is not None and settings.s2_api_key.get_secret_value() == "key123"


@pytest.mark.parametrize(
    "target,address,port",
    [
        ("127.0.0.1:8080", "127.0.0.1", 8080),
        ("https://127.0.0.5:8443", "127.0.0.5", 8443),
        ("http://127.0.0.6:81/", "127.0.0.6", 81),
        ("[::1]:8080", "::1", 8080),
    ],
)
def test_host_map_targets_are_read_by_the_one_parser(target: str, address: str, port: int) -> None:
    from pipeline.config import parse_host_target

    parsed = parse_host_target(target)
    assert (parsed.address, parsed.port) == (address, port)


def test_the_tool_homepage_is_the_pyproject_repository() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert DEFAULT_CONTACT == project["project"]["urls"]["Repository"]


@pytest.mark.parametrize(
    "remote",
    [
        "https://github.com/someone/their-list.git",
        "git@github.com:someone/their-list.git",
        "ssh://git@github.com/someone/their-list",
        "https://x-access-token:s3cret@github.com/someone/their-list",
    ],
)
def test_the_default_contact_is_the_lists_own_repository(tmp_path: Path, remote: str) -> None:
    git(tmp_path, "init", "-q")
    git(tmp_path, "remote", "add", "origin", remote)
    settings = load_settings(env={}, project_dir=tmp_path)
    assert settings.contact == "https://github.com/someone/their-list"
    assert "s3cret" not in settings.user_agent


def test_without_a_remote_the_contact_is_github_repository_then_the_homepage(
    tmp_path: Path,
) -> None:
    env = {"GITHUB_REPOSITORY": "someone/their-list"}
    assert load_settings(env=env, project_dir=tmp_path).contact == (
        "https://github.com/someone/their-list"
    )
    assert load_settings(env={}, project_dir=tmp_path).contact == DEFAULT_CONTACT
    assert "likyoo" not in DEFAULT_CONTACT


def test_a_contact_setting_wins_over_the_repository(tmp_path: Path) -> None:
    env = {"GITHUB_REPOSITORY": "someone/their-list", "PIPELINE_CONTACT": "mailto:me@e.org"}
    assert load_settings(env=env, project_dir=tmp_path).contact == "mailto:me@e.org"


def test_init_writes_the_contact_and_keeps_the_cache_out_of_git(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    git(workdir, "init", "-q")
    git(workdir, "remote", "add", "origin", "git@github.com:someone/their-list.git")
    (workdir / ".gitignore").write_text("*.pyc", encoding="utf-8")  # no final newline
    result = CliRunner().invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    settings = tomllib.loads((workdir / "paper-list.toml").read_text(encoding="utf-8"))
    assert settings["contact"] == "https://github.com/someone/their-list"
    assert (workdir / ".gitignore").read_text(encoding="utf-8").splitlines()[0] == "*.pyc"
    assert git(workdir, "check-ignore", "cache/net/cache.db") == "cache/net/cache.db"
    again = CliRunner().invoke(app, ["init"])
    assert "unchanged .gitignore" in again.stdout.splitlines()


def test_config_error_for_a_table_that_is_not_one_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("tool = 5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"pyproject\.toml"):
        load_settings(env={}, project_dir=tmp_path)
