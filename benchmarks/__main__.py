"""Run every benchmark script in benchmarks/ and write BENCHMARKS.md.

Each ``benchmarks/<name>.py`` runs in its own process (one after another, never in parallel, so
that timings do not disturb each other), with a per-script timeout; its stdout goes into
BENCHMARKS.md in a code block, or its error (exit code, timeout, last lines of stderr) if it failed.
The file starts with the machine: CPU model, cores, RAM, Python, JupyterLab, Chromium, date.

Every section records the run it came from: its command, the commit it ran at (with "+dirty" when
tracked files had uncommitted changes), the date and its duration. ``--only`` rewrites some sections
and keeps the others; when a kept section comes from another commit (or records none), the file
would mix runs, and the runner refuses before running anything unless ``--allow-mixed`` is given;
then the file says, at its top, which sections come from which commit.

Usage:
    python -m benchmarks                      # every script, full size, one commit
    python -m benchmarks --quick              # pass --quick to the scripts that accept it
    python -m benchmarks --only ui_peers --only rle_speed   # updates only these sections
    python -m benchmarks --only rle_speed --allow-mixed     # ... even if the others are from another commit
    python -m benchmarks --timeout 300 --output /tmp/B.md    # a script's own RUNNER_TIMEOUT_S, if larger, wins
    python -m benchmarks --only confusion_speed --args "confusion_speed=--before 9f25356"  # a script's own options
"""
from __future__ import annotations

import argparse
import ast
import datetime as dt
import importlib.metadata
import os
import platform
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def scripts(only: list[str]) -> list[Path]:
    found = sorted(p for p in HERE.glob("*.py") if not p.name.startswith("_"))
    if not only:
        return found
    names = {n.removesuffix(".py") for n in only}
    unknown = names - {p.stem for p in found}
    if unknown:
        raise SystemExit(f"no benchmark named {', '.join(sorted(unknown))}; have: {', '.join(p.stem for p in found)}")
    return [p for p in found if p.stem in names]


def summary(path: Path) -> str:
    """The first line of the script's docstring (read without importing it)."""
    try:
        doc = ast.get_docstring(ast.parse(path.read_text()))
    except SyntaxError as exc:
        return f"(cannot parse: {exc})"
    return doc.strip().splitlines()[0] if doc else ""


def accepts_quick(path: Path) -> bool:
    """Whether the script has a --quick option (read from its source: a script that does not parse
    arguments would run in full on ``--help``)."""
    return '"--quick"' in path.read_text()


def own_timeout(path: Path) -> float:
    """The seconds a script says it needs (a module-level ``RUNNER_TIMEOUT_S = <number>``, read from its
    source without importing it); 0 when it says nothing. The runner gives it at least that."""
    try:
        tree = ast.parse(path.read_text())
    except SyntaxError:
        return 0.0
    for node in tree.body:
        if (isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, (int, float)) and not isinstance(node.value.value, bool)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "RUNNER_TIMEOUT_S" for t in targets):
                return float(node.value.value)
    return 0.0


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def machine() -> list[tuple[str, str]]:
    cpu = platform.processor() or platform.machine()
    ram = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 2**20:.1f} GiB"
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    try:
        browser = subprocess.run([chromium, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired) as exc:
        browser = f"not found ({chromium}: {exc})"
    return [
        ("written (UTC)", now()),
        ("CPU", f"{cpu}, {cores} cores available ({os.cpu_count()} logical in the machine)"),
        ("RAM", ram),
        ("OS", platform.platform()),
        ("Python", platform.python_version()),
        ("JupyterLab", _version("jupyterlab")),
        ("ipywidgets / anywidget", f"{_version('ipywidgets')} / {_version('anywidget')}"),
        ("Chromium", browser or "unknown"),
        ("hitl-widgets", _version("hitl-widgets")),
    ]


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M")


def commit() -> str:
    """The checkout's commit (short hash), "+dirty" when tracked files have uncommitted changes;
    "unknown" outside a git checkout."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=30, check=True).stdout.strip()

    try:
        head = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + ("+dirty" if dirty else "") if head else "unknown"


# The line under each section's heading that names its run (written by ``markdown``, read back by
# ``section_commit`` when --only keeps the section).
RUN_LINE = "Ran `{command}` at commit {commit}, {date} UTC ({seconds:.0f} s)."
RUN_RE = re.compile(r"^Ran `[^`]*` at commit (\S+), (\d{4}-\d\d-\d\d \d\d:\d\d) UTC", re.M)


def section_commit(text: str) -> str:
    """The commit a section of BENCHMARKS.md says it ran at; "unknown" when it names none (a
    section written before sections recorded their run)."""
    found = RUN_RE.search(text)
    return found.group(1) if found else "unknown"


def script_args(given: list[str]) -> dict[str, list[str]]:
    """``--args NAME=OPTIONS`` values as {name: [option, ...]} (OPTIONS split like a shell would).

    Example:
        >>> script_args(["confusion_speed=--before abc --rounds 3"])
        {'confusion_speed': ['--before', 'abc', '--rounds', '3']}
    """
    out: dict[str, list[str]] = {}
    for item in given:
        name, sep, options = item.partition("=")
        if not sep or not name.strip():
            raise SystemExit(f"--args takes NAME=OPTIONS, not {item!r}")
        out.setdefault(name.strip().removesuffix(".py"), []).extend(shlex.split(options))
    return out


def run(path: Path, quick: bool, timeout: float, at: str = "unknown", extra: list[str] | None = None) -> dict:
    command = [sys.executable, str(path.relative_to(ROOT))]
    if quick and accepts_quick(path):
        command.append("--quick")
    command += extra or []
    shown = "python " + " ".join(command[1:])
    print(f"\n=== {shown}", flush=True)
    started, date = time.monotonic(), now()
    try:
        out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        stdout, stderr, code, error = out.stdout, out.stderr, out.returncode, ""
        if code != 0:
            error = f"exit code {code}"
    except subprocess.TimeoutExpired as exc:
        def text(b) -> str:
            return b.decode(errors="replace") if isinstance(b, bytes) else (b or "")
        stdout, stderr, code, error = text(exc.stdout), text(exc.stderr), None, f"timed out after {timeout:.0f} s"
    seconds = time.monotonic() - started
    print(stdout, end="" if stdout.endswith("\n") or not stdout else "\n", flush=True)
    if error:
        print(f"!!! {error}\n{stderr[-3000:]}", flush=True)
    return {"path": path, "command": shown, "stdout": stdout, "stderr": stderr, "error": error, "seconds": seconds,
            "commit": at, "date": date}


def sections(text: str) -> dict[str, str]:
    """The "## name" sections of an existing BENCHMARKS.md, by name."""
    out: dict[str, str] = {}
    name = None
    fenced = False  # inside a ``` block: a script's own "## " lines are its output, not headings
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        # a section's own heading is a script name; one seen inside a fence means the fence above
        # was never closed (a damaged file): the heading wins, so the sections after it survive
        script_heading = re.fullmatch(r"## [a-z0-9_]+", line.rstrip()) is not None
        if line.startswith("## ") and (not fenced or script_heading):
            fenced = False
            name = line[3:].strip()
            out[name] = ""
        if name is not None:
            out[name] += line + "\n"
    return out


def markdown(results: list[dict], info: list[tuple[str, str]], quick: bool, keep: dict[str, str] | None = None) -> str:
    ran = {r["path"].stem: r for r in results}
    order = sorted(set(ran) | set(keep or {}))
    commits: dict[str, list[str]] = {}
    for name in order:
        commits.setdefault(ran[name]["commit"] if name in ran else section_commit(keep[name]), []).append(name)
    if len(commits) == 1:
        (only,) = commits
        runs = (f"Every section ran at commit {only}" + (" (uncommitted changes)" if only.endswith("+dirty") else "")
                + "; each names its own command, date and duration.")
    else:
        runs = ("**Mixed runs (written with `--allow-mixed`): these sections come from different commits, "
                "so figures from different sections are not from one version of the code: "
                + "; ".join(f"commit {c}: {', '.join(names)}" for c, names in sorted(commits.items())) + ".**")
    lines = [
        "# Benchmarks",
        "",
        "Written by `python -m benchmarks` (do not edit by hand: rerun it). "
        "Each section is one script of `benchmarks/`, run alone on this machine; the line under its heading "
        "names the command (with `--quick` or not), the commit and the date it ran at. Every figure is "
        "measured beside its named peer in the same run. Timings depend on the machine below.",
        "",
        runs,
        "",
        "| machine | |",
        "| --- | --- |",
        *[f"| {k} | {v} |" for k, v in info],
        "",
    ]
    for name in order:
        if name not in ran:  # --only: the other sections stay as they were
            lines += [keep[name].rstrip("\n"), ""]
            continue
        r = ran[name]
        lines += [f"## {r['path'].stem}", ""]
        doc = summary(r["path"])
        if doc:
            lines += [doc, ""]
        lines += [RUN_LINE.format(command=r["command"], commit=r["commit"], date=r["date"], seconds=r["seconds"]), ""]
        if r["stdout"].strip():
            lines += ["```", r["stdout"].rstrip("\n"), "```", ""]
        if r["error"]:
            tail = "\n".join(r["stderr"].rstrip("\n").splitlines()[-25:])
            lines += [f"**Failed: {r['error']}.**", ""]
            if tail:
                lines += ["```", tail, "```", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="pass --quick to every script that accepts it")
    parser.add_argument("--only", action="append", default=[], metavar="NAME", help="run only this script (repeatable)")
    parser.add_argument("--allow-mixed", action="store_true",
                        help="with --only: keep sections from other commits (the file then says it mixes runs)")
    parser.add_argument("--timeout", type=float, default=600,
                        help="seconds per script (default 600; a script's own RUNNER_TIMEOUT_S, when larger, wins)")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument("--args", action="append", default=[], metavar="NAME=OPTIONS",
                        help="options for one script, e.g. \"confusion_speed=--before 9f25356\" (repeatable; shown in its section)")
    args = parser.parse_args()
    selected = scripts(args.only)
    at = commit()
    keep = None
    if args.only and args.output.exists():  # update only the sections that ran
        existing = {p.stem for p in scripts([])}
        chosen = {p.stem for p in selected}
        keep = {k: v for k, v in sections(args.output.read_text()).items() if k in existing and k not in chosen}
        other = {k: section_commit(v) for k, v in keep.items()}
        other = {k: c for k, c in other.items() if c != at or c == "unknown" or c.endswith("+dirty")}
        if other and not args.allow_mixed:
            raise SystemExit(
                f"refusing to write {args.output}: this run is at commit {at}, but the sections it would keep come "
                "from other runs (" + ", ".join(f"{k}: {c}" for k, c in sorted(other.items())) + "). "
                "Run every benchmark (no --only), or pass --allow-mixed to write a file that says it mixes commits.")
    info = machine()
    extra = script_args(args.args)
    unknown = set(extra) - {p.stem for p in selected}
    if unknown:
        raise SystemExit(f"--args names {', '.join(sorted(unknown))}, which this run does not include")
    results = [run(path, args.quick, max(args.timeout, own_timeout(path)), at, extra.get(path.stem)) for path in selected]
    args.output.write_text(markdown(results, info, args.quick, keep))
    failed = [r["path"].stem for r in results if r["error"]]
    print(f"\nwrote {args.output} ({len(results)} benchmarks" + (f"; failed: {', '.join(failed)}" if failed else "") + ")")

if __name__ == "__main__":
    main()
