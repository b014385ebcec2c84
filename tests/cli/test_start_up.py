"""The process entry point: start-up hook order and garbage collection left on for the command."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

from mcpdeck.cli import main


def test_started_runs_once_the_command_module_is_imported(tmp_path: Path) -> None:
    seen: list[bool] = []
    code = main(
        ["list", "--json", "--offline", "--codex-home", str(tmp_path)],
        started=lambda: seen.append("mcpdeck.commands.list_cmd" in sys.modules),
    )
    assert code == 0
    assert seen == [True]


def test_the_program_runs_its_command_with_collection_on(tmp_path: Path) -> None:
    # entry() turns collection off for start-up only: a long command (the TUI, a login waiting
    # for the browser) must collect as usual.
    script = (
        "import gc, sys\n"
        "import mcpdeck.commands.list_cmd as cmd\n"
        "real = cmd.run\n"
        "def run(args):\n"
        "    print('enabled' if gc.isenabled() else 'disabled', file=sys.stderr)\n"
        "    return real(args)\n"
        "cmd.run = run\n"
        f"sys.argv = ['mcpdeck', 'list', '--offline', '--codex-home', {str(tmp_path)!r}]\n"
        "from mcpdeck.program import entry\n"
        "entry()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[0] == "enabled"
    assert gc.isenabled()  # nothing here touched this process's collector
