"""Materialise a corpus case and run the real Codex 0.171.0 and mcpdeck on the same files.

A case is one text file: ``# key: value`` header lines, then ``--- relative/path`` sections
whose text becomes that file under a fresh directory (``{ROOT}`` stands for that directory).
Headers: ``cwd`` (default ``work``), ``args`` (global options such as ``-p work -c k=v``),
``env`` (``NAME=value`` pairs), ``get`` (also compare ``get NAME --json``).
Sections under ``etc/`` are Codex's system directory (``/etc/codex``): both tools then run in
a private mount namespace where an overlay puts them at ``/etc/codex`` (see ``system_files``).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mcpdeck.redact import MASK

CASES = Path(__file__).parent / "cases"


@dataclass
class Case:
    name: str
    files: dict[str, str]
    cwd: str = "work"
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    get: list[str] = field(default_factory=list)

    @property
    def system_files(self) -> dict[str, str]:
        return {k[len("etc/") :]: v for k, v in self.files.items() if k.startswith("etc/")}


def parse_case(path: Path) -> Case:
    case = Case(path.stem, {})
    current: str | None = None
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.startswith("--- "):
            current = line[4:].strip()
            case.files[current] = ""
        elif current is not None:
            case.files[current] += line + "\n"
        elif line.startswith("# ") and ":" in line:
            key, _, value = line[2:].partition(":")
            value = value.strip()
            if key == "cwd":
                case.cwd = value
            elif key == "args":
                case.args = shlex.split(value)
            elif key == "env":
                case.env.update(dict(item.split("=", 1) for item in shlex.split(value)))
            elif key == "get":
                case.get = value.split()
    return case


def all_cases() -> list[Path]:
    return sorted(CASES.glob("*.case"))


def materialise(case: Case, root: Path) -> tuple[Path, Path]:
    """Write the case's files under ``root``; return (CODEX_HOME, working directory)."""
    for rel, text in case.files.items():
        if rel.startswith("etc/"):
            continue
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text.replace("{ROOT}", str(root)), encoding="utf-8")
    home = root / "home"
    home.mkdir(exist_ok=True)
    cwd = root / case.cwd
    cwd.mkdir(parents=True, exist_ok=True)
    (root / "user-home").mkdir(exist_ok=True)
    return home, cwd


def environment(case: Case, root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CODEX_", "OPENAI_"))}
    env["HOME"] = str(root / "user-home")
    env["CODEX_HOME"] = str(root / "home")
    env.update(case.env)
    return env


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def _wrap(argv: list[str], case: Case, root: Path) -> list[str]:
    """Run ``argv`` with the case's system files at /etc/codex, without touching the real /etc."""
    system = case.system_files
    if not system:
        return argv
    etc = root / "etc-codex"
    etc.mkdir(exist_ok=True)
    for rel, text in system.items():
        (etc / rel).write_text(text.replace("{ROOT}", str(root)), encoding="utf-8")
    upper, work = root / "etc-upper", root / "etc-work"
    upper.mkdir(exist_ok=True)
    work.mkdir(exist_ok=True)
    script = (
        f"mount -t overlay overlay -o lowerdir=/etc,upperdir={shlex.quote(str(upper))},"
        f"workdir={shlex.quote(str(work))} /etc && mkdir -p /etc/codex && "
        f'mount --bind {shlex.quote(str(etc))} /etc/codex && exec "$@"'
    )
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", *argv]


def namespaces_work() -> bool:
    """Private mount namespaces with overlayfs need root (CI runs as root)."""
    if shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    probe = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "true"], capture_output=True
    )
    return probe.returncode == 0


def run_codex(codex: Path, case: Case, root: Path, *command: str) -> Result:
    home, cwd = root / "home", root / case.cwd
    argv = _wrap([str(codex), *case.args, "mcp", *command], case, root)
    del home
    done = subprocess.run(
        argv, cwd=cwd, env=environment(case, root), capture_output=True, text=True, timeout=120
    )
    return Result(done.returncode, done.stdout, done.stderr)


def run_mcpdeck(case: Case, root: Path, *command: str) -> Result:
    cwd = root / case.cwd
    argv = [sys.executable, "-m", "mcpdeck", *command, "--codex", *case.args]
    argv += ["--timeout", "5"] if command[0] == "list" else []
    done = subprocess.run(
        _wrap(argv, case, root),
        cwd=cwd,
        env=environment(case, root),
        capture_output=True,
        text=True,
        timeout=120,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def masked(codex_output: Any) -> Any:
    """Codex prints env and static header values in clear; mcpdeck masks them."""
    rows = codex_output if isinstance(codex_output, list) else [codex_output]
    for row in rows:
        transport = row.get("transport") or {}
        for key in ("env", "http_headers"):
            if transport.get(key) is not None:
                transport[key] = dict.fromkeys(transport[key], MASK)
    return codex_output
