#!/usr/bin/env python3
"""Set up the project's virtual environment and run something in it. Needs only python3.

    python3 scripts/dev.py demo        set up .venv, then open mcpdeck on its embedded demo
    python3 scripts/dev.py test        set up .venv and the test tools, then run every check
    python3 scripts/dev.py run ARGS    set up .venv, then run `mcpdeck ARGS`

Setup is idempotent and quick when nothing changed (it keys on pyproject.toml and
constraints.txt). To move to newer dependencies: upgrade in .venv, run the tests, then
`.venv/bin/pip freeze --exclude-editable > constraints.txt`.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"


def _say(text: str) -> None:
    print(f"[dev] {text}", flush=True)


def _run(cmd: list[str], **kw: object) -> int:
    return subprocess.call(cmd, cwd=ROOT, **kw)  # type: ignore[arg-type]


def ensure_venv(extras: str = "dev") -> None:
    stamp = VENV / ".mcpdeck-installed"
    # The constraints pin every package the checks depend on (ruff's formatting, Textual's
    # rendering in the snapshot tests), so a new release upstream cannot turn CI red.
    constraints = ROOT / "constraints.txt"
    want = hashlib.sha256(
        (ROOT / "pyproject.toml").read_bytes() + constraints.read_bytes() + extras.encode()
    ).hexdigest()
    if stamp.exists() and stamp.read_text() == want and PY.exists():
        return
    if not PY.exists():
        _say(f"creating virtual environment in {VENV}")
        venv.EnvBuilder(with_pip=True, clear=False).create(VENV)
    _say("installing mcpdeck and its dependencies (first run takes a minute)")
    quiet = [] if os.environ.get("CI") else ["-q"]
    pip = [str(PY), "-m", "pip", "install", *quiet, "--disable-pip-version-check"]
    install = [*pip, "-c", str(constraints), "-e", f".[{extras}]"]
    if _run([*pip, "--upgrade", "pip"]) != 0 or _run(install) != 0:
        sys.exit("[dev] pip install failed: check the network access to PyPI and try again")
    stamp.write_text(want)


def cmd_test(extra: list[str]) -> int:
    ensure_venv()
    env = dict(os.environ)
    # Node 22, the MCP conformance suite and Codex CLI go under .cache/ (reused between runs).
    peers = subprocess.call([str(PY), str(ROOT / "scripts" / "peers.py"), "install"], cwd=ROOT)
    if peers != 0:
        _say("peer tools could not be installed: the tests that need them will say so and skip")
    steps: list[tuple[str, list[str]]] = [
        ("ruff check", [str(BIN / "ruff"), "check", "app", "tests", "scripts", "benchmarks"]),
        (
            "ruff format --check",
            [str(BIN / "ruff"), "format", "--check", "app", "tests", "scripts", "benchmarks"],
        ),
        ("mypy", [str(BIN / "mypy")]),
        ("import-linter", [str(BIN / "lint-imports")]),
        ("pytest", [str(PY), "-m", "pytest", *extra]),
    ]
    failed = []
    for name, cmd in steps:
        _say(f"running {name}")
        if subprocess.call(cmd, cwd=ROOT, env=env) != 0:
            failed.append(name)
    if failed:
        _say("FAILED: " + ", ".join(failed))
        return 1
    _say("all checks passed")
    return 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help"}:
        print(__doc__)
        return 0
    what, rest = argv[0], argv[1:]
    if what == "test":
        return cmd_test(rest)
    if what == "setup":
        ensure_venv()
        return 0
    if what == "demo":
        ensure_venv()
        return _run([str(BIN / "mcpdeck"), "demo", *rest])
    if what == "run":
        ensure_venv()
        return _run([str(BIN / "mcpdeck"), *rest])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
