"""The package works from the checkout (editable) and from a wheel in a fresh venv, styles included."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_editable_checkout_runs() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "mcpdeck", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip().startswith("mcpdeck ")


def test_help_explains_every_command() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "mcpdeck", "--help"], capture_output=True, text=True, check=True
    )
    for command in (
        "demo",
        "list",
        "get",
        "add",
        "remove",
        "enable",
        "disable",
        "login",
        "logout",
        "doctor",
        "--codex-home",
        "exit status",
    ):
        assert command in out.stdout, command


def test_unknown_command_is_usage_error() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "mcpdeck", "frobnicate"], capture_output=True, text=True
    )
    assert out.returncode == 2
    assert "invalid choice" in out.stderr


@pytest.mark.slow
def test_wheel_installs_in_fresh_venv_with_styles(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
        check=True,
    )
    (wheel,) = dist.glob("mcpdeck-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.startswith("mcpdeck/styles/") and n.endswith(".tcss") for n in names), names
    assert "mcpdeck/cli.py" in names

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    subprocess.run(
        [str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)],
        check=True,
    )
    home = tmp_path / "codex"
    home.mkdir()
    (home / "config.toml").write_text('[mcp_servers.local]\ncommand = "echo"\n')
    clean_env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    out = subprocess.run(
        [
            str(env_dir / "bin" / "mcpdeck"),
            "--codex-home",
            str(home),
            "list",
            "--json",
            "--offline",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=clean_env,
    )
    assert out.returncode == 0, out.stderr
    assert '"name": "local"' in out.stdout
    where = subprocess.run(
        [
            str(py),
            "-c",
            "import mcpdeck, pathlib; p = pathlib.Path(mcpdeck.__file__).parent;"
            "print(p); print(sorted(x.name for x in (p / 'styles').glob('*.tcss')))",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=clean_env,
        check=True,
    )
    assert str(env_dir) in where.stdout.splitlines()[0]
    assert ".tcss" in where.stdout
