"""Property tests for mcpdeck's settings file (``mcpdeck.settings.load_ui_settings``): any file
gives settings and problems, never an exception (the TUI reads it at start), and a keymap
written for known bindings comes back as written, each problem at the line it is about."""

from __future__ import annotations

import json
import string
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mcpdeck.settings import KEY_RE, load_ui_settings

FAST = settings(
    max_examples=200,
    deadline=2000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

binding_ids = st.text(alphabet=string.ascii_lowercase + "._", min_size=1, max_size=12)
key_names = st.builds(
    lambda mods, base: "".join(m + "+" for m in mods) + base,
    st.lists(st.sampled_from(["ctrl", "shift", "alt"]), max_size=2, unique=True),
    st.text(alphabet=string.ascii_letters + string.digits + "_", min_size=1, max_size=8),
) | st.sampled_from([c for c in string.punctuation if c != ","])


@FAST
@given(data=st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
@example(data=b"a = " + b"[" * 30_000)  # nested deeper than the interpreter's stack
@example(data=b'[keys]\n"main.login" = ' + b"{ a = " * 20_000)
def test_any_file_gives_settings_never_an_exception(tmp_path: Path, data: bytes) -> None:
    file = tmp_path / "settings.toml"
    file.write_bytes(data)
    known = {"main.login", "main.add"}
    got = load_ui_settings(file, known)
    assert set(got.keymap) <= known
    assert all(KEY_RE.match(k) for v in got.keymap.values() for k in v.split(","))


@FAST
@given(
    keymap=st.dictionaries(binding_ids, st.lists(key_names, min_size=1, max_size=3), max_size=6),
    unknown=st.lists(binding_ids, max_size=3),
    spaces=st.sampled_from(["", " "]),
)
def test_a_keymap_comes_back_as_written_and_unknown_ids_are_placed(
    tmp_path: Path, keymap: dict[str, list[str]], unknown: list[str], spaces: str
) -> None:
    unknown = [u + "_x" for u in unknown if u + "_x" not in keymap]
    unknown = list(dict.fromkeys(unknown))
    lines = ["# my keys", "[keys]"]
    where: dict[str, int] = {}
    for binding_id, keys in [*keymap.items(), *((u, ["x"]) for u in unknown)]:
        value = json.dumps(f",{spaces}".join(keys))
        lines.append(f"{json.dumps(binding_id)} = {value}")
        where[binding_id] = len(lines)
    file = tmp_path / "settings.toml"
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")

    got = load_ui_settings(file, set(keymap))
    assert got.keymap == {i: ",".join(keys) for i, keys in keymap.items()}
    assert sorted(got.problems) == sorted(
        f"{file}:{where[u]}: keys.{u}: no such binding (press ? in mcpdeck for the list)"
        for u in unknown
    )
