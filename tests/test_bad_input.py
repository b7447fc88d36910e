"""Bad scenario input: one clear error line, exit status 2, no traceback, nothing written.

Every case is a bad scenario file: either a hand-written one in `tests/bad_inputs/`
(YAML syntax, `extends:` chains) or one built here by mutating the default
scenario and writing it to `tmp_path`. Each case is checked three ways:

* `load_scenario` raises `InputError` whose `.file`, `.key` and `.expected` say
  which file, which key path and what was expected (fast, in-process);
* `threatnet validate` through the Typer app in-process: exit status 2, one
  `error:` line on stderr, nothing on stdout, no traceback;
* the real command line (`python -m sim.cli validate|run ...`) in a subprocess
  for a representative subset, with `run --out DIR` leaving no DIR behind.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from sim.cli import app
from sim.scenario import InputError, load_scenario

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "scenarios" / "west_africa_2009.yaml"
BAD = Path(__file__).resolve().parent / "bad_inputs"
BASE = yaml.safe_load(DEFAULT.read_text(encoding="utf-8"))
MARKER = "tag_ran.marker"  # a YAML tag that executed code would create this file in tmp_path

# Words of the validation library that must never reach a scenario author.
JARGON = ("Input should", "String should", "List should", "Value error", "instance of", "[key]",
          "Traceback", "pydantic", "ValidationError")

Build = Callable[[Path], Path]


@dataclass(frozen=True)
class Case:
    id: str
    build: Build          # writes the bad input under tmp_path (or picks a file) and returns its path
    key: str              # the key path (or "line N", "extends") the message must name; "" for none
    says: str             # a fragment of what was expected
    names: str = ""       # the file the message must name (default: the one passed)

    def __str__(self) -> str:
        return self.id


# --- building bad files ----------------------------------------------------------------

def mutated(change: Callable[[dict], object], name: str) -> Build:
    """The default scenario with `change` applied to its data, written as `name`."""
    def build(tmp: Path) -> Path:
        data = copy.deepcopy(BASE)
        change(data)
        path = tmp / name
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path
    return build


def text(raw: str, name: str) -> Build:
    """A file with exactly this text (`{tmp}` is replaced by tmp_path)."""
    def build(tmp: Path) -> Path:
        path = tmp / name
        path.write_text(raw.replace("{tmp}", str(tmp)), encoding="utf-8")
        return path
    return build


def default_text_with(old: str, new: str, name: str) -> Build:
    """The default scenario's own text, comments and all, with `old` replaced by `new`."""
    source = DEFAULT.read_text(encoding="utf-8")
    assert old in source, f"the default scenario no longer contains {old!r}"
    return text(source.replace(old, new, 1), name)


def line_of(start: str = "", containing: str = "") -> str:
    """'line N' of the first line of the default scenario that starts with `start` (after indentation)
    and contains `containing`."""
    lines = DEFAULT.read_text(encoding="utf-8").splitlines()
    return f"line {next(n for n, line in enumerate(lines, 1) if line.lstrip().startswith(start) and containing in line)}"


def binary(data: bytes, name: str) -> Build:
    def build(tmp: Path) -> Path:
        path = tmp / name
        path.write_bytes(data)
        return path
    return build


def extending(body: str, name: str) -> Build:
    """A scenario that extends the default by its absolute path and changes `body`."""
    return text(f"extends: {json.dumps(str(DEFAULT))}\n{body}", name)


SHIPPED: set[str] = set()


def shipped(name: str) -> Build:
    """A hand-written file of tests/bad_inputs/."""
    SHIPPED.add(name)
    return lambda tmp: BAD / name


def setter(*path: str | int, value: object) -> Callable[[dict], None]:
    def change(data: dict) -> None:
        target = data
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value
    return change


def deleter(*path: str | int) -> Callable[[dict], None]:
    def change(data: dict) -> None:
        target = data
        for step in path[:-1]:
            target = target[step]
        del target[path[-1]]
    return change


def appended_copy(section: Callable[[dict], list], index: int, **changes: object) -> Callable[[dict], None]:
    def change(data: dict) -> None:
        items = section(data)
        items.append({**copy.deepcopy(items[index]), **changes})
    return change


def two_governments(data: dict) -> None:
    for belligerent in data["conflicts"][0]["belligerents"]:
        belligerent["side"] = "government"


def no_government(data: dict) -> None:
    for belligerent in data["conflicts"][0]["belligerents"]:
        belligerent["side"] = "rebel"


def stranded_organisation(data: dict) -> None:
    """Organisation 0 buys at a source node with no legs at all: no path to any market."""
    island = {**copy.deepcopy(data["network"]["nodes"][0]), "id": "island_source", "name": "Island"}
    data["network"]["nodes"].append(island)
    data["organisations"][0]["sources"] = ["island_source"]


def oversubscribed_un_units(data: dict) -> None:
    units = data["police"]["un"]["units"]
    units[0]["share_of_regional_officers"] = 0.7
    units.append({**copy.deepcopy(units[0]), "id": "second_team"})


def huge_file(tmp: Path) -> Path:
    path = tmp / "huge_file.yaml"
    path.write_text(DEFAULT.read_text(encoding="utf-8") + ("# padding\n" * 600_000), encoding="utf-8")
    return path


def directory(tmp: Path) -> Path:
    path = tmp / "a_folder.yaml"
    path.mkdir()
    return path


def cycle_in_tmp(tmp: Path) -> Path:
    (tmp / "loop_a.yaml").write_text("extends: loop_b.yaml\nname: loop_a\n", encoding="utf-8")
    (tmp / "loop_b.yaml").write_text("extends: loop_a.yaml\nname: loop_b\n", encoding="utf-8")
    return tmp / "loop_a.yaml"


def deep_nesting(tmp: Path) -> Path:
    path = tmp / "deep_nesting.yaml"
    path.write_text("name: deep\ndescription: " + "[" * 5_000 + "]" * 5_000 + "\n", encoding="utf-8")
    return path


# Nine levels of nine aliases: 9**9 (387 million) strings if anything expanded it.
BILLION_LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8))

EDGE = 3
nodes = lambda d: d["network"]["nodes"]  # noqa: E731
organisations = lambda d: d["organisations"]  # noqa: E731
belligerents0 = lambda d: d["conflicts"][0]["belligerents"]  # noqa: E731
N_NODES = len(BASE["network"]["nodes"])
N_ORGS = len(BASE["organisations"])
N_BELLIGERENTS0 = len(BASE["conflicts"][0]["belligerents"])
REBEL0 = next(i for i, b in enumerate(BASE["conflicts"][0]["belligerents"]) if b["side"] == "rebel")


CASES = [
    # wrong types
    Case("string_for_number", mutated(setter("police", "un", "officers", value="five"), "string_for_number.yaml"),
         "police.un.officers", "expected a valid integer; got 'five'"),
    Case("quoted_number", mutated(setter("police", "un", "officers", value="5000"), "quoted_number.yaml"),
         "police.un.officers", "expected a valid integer; got '5000'"),
    Case("number_for_bool", mutated(setter("levers", "criminal_funding", value=1), "number_for_bool.yaml"),
         "levers.criminal_funding", "expected a valid boolean; got 1"),
    Case("bool_for_number", mutated(setter("police", "un", "officers", value=True), "bool_for_number.yaml"),
         "police.un.officers", "expected a valid integer; got True"),
    Case("fraction_for_integer", mutated(setter("horizon_weeks", value=52.5), "fraction_for_integer.yaml"),
         "horizon_weeks", "expected a valid integer; got 52.5"),
    Case("list_for_mapping", mutated(setter("police", "un", value=[1, 2]), "list_for_mapping.yaml"),
         "police.un", "expected a mapping of keys; got a list"),
    Case("mapping_for_list", mutated(setter("network", "edges", value={"from": "a"}), "mapping_for_list.yaml"),
         "network.edges", "expected a valid list; got a mapping"),
    Case("unknown_mode", mutated(setter("network", "edges", EDGE, "mode", value="boat"), "unknown_mode.yaml"),
         f"network.edges[{EDGE}].mode", "expected 'sea', 'air' or 'land'; got 'boat'"),
    Case("bad_id", mutated(setter("network", "nodes", 0, "id", value="Bogota city!"), "bad_id.yaml"),
         "network.nodes[0].id", "an id of letters, digits"),
    # probabilities outside [0, 1]
    Case("corruption_above_one", mutated(setter("police", "host", "units", 0, "corruption", value=1.5),
                                         "corruption_above_one.yaml"),
         "police.host.units[0].corruption", "less than or equal to 1; got 1.5"),
    Case("risk_below_zero", mutated(setter("network", "edges", EDGE, "base_interdiction_risk", value=-0.1),
                                    "risk_below_zero.yaml"),
         f"network.edges[{EDGE}].base_interdiction_risk", "greater than or equal to 0; got -0.1"),
    Case("risk_not_a_number", mutated(setter("network", "edges", EDGE, "base_interdiction_risk", value=float("nan")),
                                      "risk_not_a_number.yaml"),
         f"network.edges[{EDGE}].base_interdiction_risk", "got nan"),
    Case("un_share_above_one", mutated(setter("police", "un", "regional_share", value=2), "un_share_above_one.yaml"),
         "police.un.regional_share", "less than or equal to 1; got 2"),
    # negative counts
    Case("negative_un_officers", mutated(setter("police", "un", "officers", value=-5), "negative_un_officers.yaml"),
         "police.un.officers", "greater than or equal to 0; got -5"),
    Case("negative_fighters", mutated(setter("conflicts", 0, "belligerents", REBEL0, "fighters", value=-100),
                                      "negative_fighters.yaml"),
         f"conflicts[0].belligerents[{REBEL0}].fighters", "greater than 0; got -100"),
    Case("negative_host_officers", mutated(setter("police", "host", "units", 1, "officers", value=-1),
                                           "negative_host_officers.yaml"),
         "police.host.units[1].officers", "greater than or equal to 0; got -1"),
    # unknown keys at several depths
    Case("unknown_top_key", mutated(setter("horizon", value=52), "unknown_top_key.yaml"),
         "horizon", "unknown key 'horizon'; did you mean 'horizon_weeks'?"),
    Case("lever_typo", mutated(setter("levers", "criminal_fundng", value=False), "lever_typo.yaml"),
         "levers.criminal_fundng", "unknown key 'criminal_fundng'; did you mean 'criminal_funding'?"),
    Case("edge_key_typo", mutated(setter("network", "edges", 2, "too", value="lisbon"), "edge_key_typo.yaml"),
         "network.edges[2].too", "unknown key 'too'; did you mean 'to'?"),
    Case("belligerent_key_typo", mutated(setter("conflicts", 0, "belligerents", 0, "fighter", value=10),
                                         "belligerent_key_typo.yaml"),
         "conflicts[0].belligerents[0].fighter", "unknown key 'fighter'; did you mean 'fighters'?"),
    Case("unknown_mandate", mutated(setter("police", "mandate_factor", "peacekeeping", value=0.5),
                                    "unknown_mandate.yaml"),
         "police.mandate_factor.peacekeeping", "no such key; expected 'monitoring', 'support' or 'executive'"),
    # missing required keys
    Case("missing_un_officers", mutated(deleter("police", "un", "officers"), "missing_un_officers.yaml"),
         "police.un.officers", "this key is required"),
    Case("missing_levers", mutated(deleter("levers"), "missing_levers.yaml"), "levers", "this key is required"),
    Case("missing_edge_mode", mutated(deleter("network", "edges", 0, "mode"), "missing_edge_mode.yaml"),
         "network.edges[0].mode", "this key is required"),
    Case("missing_mandate_factor", mutated(deleter("police", "mandate_factor", "support"),
                                           "missing_mandate_factor.yaml"),
         "police.mandate_factor", "missing support"),
    # references
    Case("edge_to_unknown_node", mutated(setter("network", "edges", EDGE, "to", value="atlantis"),
                                         "edge_to_unknown_node.yaml"),
         f"network.edges[{EDGE}].to", "the id of a node; 'atlantis' is not one"),
    Case("edge_from_unknown_node", mutated(setter("network", "edges", EDGE, "from", value="atlantis"),
                                           "edge_from_unknown_node.yaml"),
         f"network.edges[{EDGE}].from", "the id of a node; 'atlantis' is not one"),
    Case("host_unit_unknown_node", mutated(setter("police", "host", "units", 2, "node", value="atlantis"),
                                           "host_unit_unknown_node.yaml"),
         "police.host.units[2].node", "'atlantis' is not one"),
    Case("un_unit_unknown_node", mutated(setter("police", "un", "units", 1, "node", value="atlantis"),
                                         "un_unit_unknown_node.yaml"),
         "police.un.units[1].node", "'atlantis' is not one"),
    Case("controlled_by_unknown", mutated(setter("network", "nodes", 0, "controlled_by", value="nobody"),
                                          "controlled_by_unknown.yaml"),
         "network.nodes[0].controlled_by", "the id of a belligerent; 'nobody' is not one"),
    Case("organisation_without_path", mutated(stranded_organisation, "organisation_without_path.yaml"),
         "organisations[0]", "a path from one of its sources to one of its markets"),
    # duplicate ids
    Case("duplicate_node", mutated(appended_copy(nodes, 0), "duplicate_node.yaml"),
         f"network.nodes[{N_NODES}].id", "a unique id"),
    Case("duplicate_organisation", mutated(appended_copy(organisations, 0), "duplicate_organisation.yaml"),
         f"organisations[{N_ORGS}].id", "a unique id"),
    Case("duplicate_belligerent", mutated(appended_copy(belligerents0, REBEL0), "duplicate_belligerent.yaml"),
         f"conflicts[0].belligerents[{N_BELLIGERENTS0}].id", "a unique id"),
    # conflicts and police units
    Case("two_governments", mutated(two_governments, "two_governments.yaml"),
         "conflicts[0].belligerents", "exactly one belligerent with side: government"),
    Case("no_government", mutated(no_government, "no_government.yaml"),
         "conflicts[0].belligerents", "(found 0)"),
    Case("un_shares_over_one", mutated(oversubscribed_un_units, "un_shares_over_one.yaml"),
         "police.un.units", "summing to at most 1"),
    # absurd sizes: refused before anything is attempted
    Case("absurd_horizon", mutated(setter("horizon_weeks", value=1_000_000_000), "absurd_horizon.yaml"),
         "horizon_weeks", "less than or equal to 5200; got 1000000000"),
    Case("too_many_nodes", extending("network:\n  nodes: [" + ", ".join(["{}"] * 2500) + "]\n", "too_many_nodes.yaml"),
         "network.nodes", "at most 2000 items; got 2500"),
    Case("huge_file", huge_file, "", "a file under 5 MB"),
    Case("deep_nesting", deep_nesting, "", "nested at most"),
    Case("billion_laughs", text(BILLION_LAUGHS + "name: *i\n", "billion_laughs.yaml"),
         "name", "expected a valid string; got a list"),
    # YAML tags: safe loading only, nothing is executed
    Case("python_tag", default_text_with(
        "name: west_africa_2009", f'name: !!python/object/apply:os.system ["touch {{tmp}}/{MARKER}"]',
        "python_tag.yaml"), line_of("name:"), "tags such as 'tag:yaml.org,2002:python/object/apply:os.system'"),
    Case("python_name_tag", text("name: !!python/name:os.system\n", "python_name_tag.yaml"),
         "line 1", "are not allowed"),
    Case("custom_tag", shipped("custom_tag.yaml"), "line 2", "tags such as '!foo' are not allowed"),
    # not UTF-8 text
    Case("latin1_text", binary(DEFAULT.read_text(encoding="utf-8").replace("Cote d'Ivoire", "C\u00f4te d'Ivoire")
                               .encode("latin-1"), "latin1_text.yaml"),
         line_of(containing="Cote d'Ivoire"), "UTF-8 text; byte 0xf4 is not UTF-8"),
    Case("binary_file", binary(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary_file.png"), "line 1", "UTF-8 text"),
    # YAML syntax and shape (hand-written files)
    Case("empty_file", shipped("empty.yaml"), "", "the file is empty"),
    Case("only_comments", shipped("only_comments.yaml"), "", "only comments"),
    Case("bad_indentation", shipped("bad_indentation.yaml"), "line 3", "valid YAML"),
    Case("unclosed_bracket", shipped("unclosed_bracket.yaml"), "line 4", "expected ',' or ']'"),
    Case("unclosed_bracket_at_end", text("name: x\nseed: [1, 2\n", "unclosed_bracket_at_end.yaml"),
         "line 3", "valid YAML"),
    Case("tab_indentation", shipped("tab_indentation.yaml"), "line 4", "valid YAML"),
    Case("two_documents", shipped("two_documents.yaml"), "line 3", "a single document"),
    Case("top_level_list", shipped("top_level_list.yaml"), "", "a mapping of keys at the top level, got list"),
    Case("top_level_scalar", shipped("top_level_scalar.yaml"), "", "a mapping of keys at the top level, got str"),
    Case("duplicate_key", shipped("duplicate_key.yaml"), "line 5", "key 'seed' is given twice"),
    Case("duplicate_key_in_default", default_text_with("  mandate: support", "  mandate: support\n    mandate: executive",
                                                       "duplicate_key_in_default.yaml"),
         f"line {int(line_of('mandate: support').split()[1]) + 1}", "key 'mandate' is given twice"),
    Case("unhashable_key", shipped("unhashable_key.yaml"), "line 3", "a key that is a single value"),
    Case("non_text_key", shipped("non_text_key.yaml"), "levers", "keys that are text; True is not"),
    Case("number_key", mutated(setter("police", "un", 5, value=3), "number_key.yaml"),
         "police.un", "keys that are text; 5 is not"),
    # extends
    Case("extends_cycle", shipped("cycle_a.yaml"), "extends", "cycle_a.yaml -> cycle_b.yaml -> cycle_a.yaml",
         names="cycle_b.yaml"),
    Case("extends_cycle_in_tmp", cycle_in_tmp, "extends", "loop_a.yaml -> loop_b.yaml -> loop_a.yaml",
         names="loop_b.yaml"),
    Case("extends_itself", shipped("extends_itself.yaml"), "extends", "a chain without cycles"),
    Case("extends_missing_file", shipped("extends_missing.yaml"), "extends", "'no_such_scenario.yaml' was not found"),
    Case("extends_not_a_path", shipped("extends_not_a_path.yaml"), "extends", "as a string"),
    Case("extends_broken_parent", shipped("extends_broken_parent.yaml"), "line 4", "expected ',' or ']'",
         names="unclosed_bracket.yaml"),
    Case("extends_then_negative", extending("police:\n  un:\n    officers: -5\n", "extends_then_negative.yaml"),
         "police.un.officers", "greater than or equal to 0; got -5"),
    Case("extends_then_typo", extending("levers:\n  criminal_fundng: false\n", "extends_then_typo.yaml"),
         "levers.criminal_fundng", "unknown key 'criminal_fundng'; did you mean 'criminal_funding'?"),
    # the path itself
    Case("nonexistent_path", lambda tmp: tmp / "no_such_scenario.yaml", "", "there is no such file"),
    Case("directory", directory, "", "this is a folder"),
]
BY_ID = {case.id: case for case in CASES}
assert len(BY_ID) == len(CASES), "case ids must be unique"

# Through the real command line (a subprocess each, ~2 s): a representative subset.
# Every case also goes through `validate` in-process (the same Typer app, without the ~2 s start-up).
CLI_RUN = ["string_for_number", "lever_typo", "absurd_horizon", "python_tag", "extends_cycle"]
CLI_VALIDATE = [*CLI_RUN, "edge_to_unknown_node", "organisation_without_path", "unclosed_bracket", "duplicate_key",
                "empty_file", "nonexistent_path", "directory"]


def named_file(case: Case, path: Path) -> str:
    return case.names or path.name


def assert_one_clear_line(case: Case, path: Path, stderr: str, stdout: str) -> str:
    assert "Traceback" not in stderr + stdout
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one error line, got:\n{stderr}"
    line = lines[0]
    assert line.startswith("error: "), line
    assert named_file(case, path) in line, line
    if case.key:
        assert f": {case.key}: " in line, line
    assert case.says in line, line
    for word in JARGON:
        assert word not in line, line
    assert stdout.strip() == "", stdout
    return line


def assert_nothing_ran(tmp: Path) -> None:
    assert not (tmp / MARKER).exists(), "a YAML tag executed code"


def test_every_corpus_file_is_a_case():
    """Each hand-written bad file is used (directly, or as the parent another one extends)."""
    assert set(CLI_VALIDATE) <= set(BY_ID) and set(CLI_RUN) <= set(BY_ID)
    on_disk = {p.name for p in BAD.glob("*.yaml")}
    assert SHIPPED <= on_disk, f"cases name missing files: {SHIPPED - on_disk}"
    reached_through_extends = {"cycle_b.yaml"}
    assert on_disk <= SHIPPED | reached_through_extends, f"unused files: {on_disk - SHIPPED - reached_through_extends}"


@pytest.mark.parametrize("case", CASES, ids=str)
def test_load_scenario_names_file_key_and_expectation(case, tmp_path):
    path = case.build(tmp_path)
    started = time.perf_counter()
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    assert time.perf_counter() - started < 5, "bad input must be refused quickly"
    error = caught.value
    assert Path(error.file).name == named_file(case, path)
    assert error.key == case.key
    assert case.says in error.expected
    assert "\n" not in error.message and error.message.strip()
    assert_nothing_ran(tmp_path)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_validate_command_prints_one_line(case, tmp_path, monkeypatch):
    path = case.build(tmp_path)
    monkeypatch.chdir(tmp_path)
    before = sorted(tmp_path.rglob("*"))
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert_one_clear_line(case, path, result.stderr, result.stdout)
    assert sorted(tmp_path.rglob("*")) == before, "validate wrote something"
    assert_nothing_ran(tmp_path)


def cli(*args: str, cwd: Path) -> tuple[subprocess.CompletedProcess, float]:
    """The real command line, as a user runs it, in a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "sim.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)
    return done, time.perf_counter() - started


@pytest.mark.parametrize("case", [BY_ID[name] for name in CLI_VALIDATE], ids=str)
def test_cli_validate(case, tmp_path):
    path = case.build(tmp_path)
    before = sorted(tmp_path.rglob("*"))
    done, seconds = cli("validate", str(path), cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert_one_clear_line(case, path, done.stderr, done.stdout)
    assert seconds < 30, f"refusing bad input took {seconds:.1f} s"
    assert sorted(tmp_path.rglob("*")) == before, "validate wrote something"
    assert_nothing_ran(tmp_path)


@pytest.mark.parametrize("case", [BY_ID[name] for name in CLI_RUN], ids=str)
def test_cli_run_writes_nothing(case, tmp_path):
    path = case.build(tmp_path)
    out = tmp_path / "results" / "run"
    before = sorted(tmp_path.rglob("*"))
    done, seconds = cli("run", str(path), "--out", str(out), "--driver", "kernel", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert_one_clear_line(case, path, done.stderr, done.stdout)
    assert seconds < 30, f"refusing bad input took {seconds:.1f} s"
    assert not out.exists() and not out.parent.exists()
    assert sorted(tmp_path.rglob("*")) == before, "run wrote something"
    assert_nothing_ran(tmp_path)


def test_the_default_scenario_itself_is_valid(tmp_path):
    """The mutations start from a valid scenario, so each case fails for its own reason only."""
    path = tmp_path / "unchanged.yaml"
    path.write_text(yaml.safe_dump(BASE, sort_keys=False), encoding="utf-8")
    assert load_scenario(path).name == BASE["name"]
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 0 and result.stderr == ""
