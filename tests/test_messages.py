"""Messages that do not mislead: each bad input is named as the author wrote it.

* a misspelt key is named at its own key path with the nearest valid key (or the keys allowed
  there), at any depth, in scenario, experiment and sweep files;
* where YAML converted a value (`NO` -> false, `3e3` -> text, `0123` -> 83, `~` -> null), the
  message says what YAML read, how to write it, and the line;
* YAML merge keys (`<<: *anchor`) work, and a key given twice beside one is still refused;
* `extends:` leads only to YAML files, and an error in a parent names that file and the chain of
  files that led to it.

Each case is checked in-process (the `InputError`'s file, key path and exact expectation) and
through the real command line in a subprocess (exit status 2, the same single `error:` line on
stderr, nothing on stdout, no traceback).
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from sim.analysis.experiment import load_experiment
from sim.scenario import InputError, load_scenario
from sim.sweep.spec import load_sweep

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "scenarios" / "west_africa_2009.yaml"
DEFAULT_TEXT = DEFAULT.read_text(encoding="utf-8")
BASE = yaml.safe_load(DEFAULT_TEXT)
CHAIN = Path(__file__).resolve().parent / "bad_inputs" / "chain"
JARGON = ("Input should", "String should", "List should", "Value error", "instance of", "[key]",
          "Traceback", "pydantic", "ValidationError", "None", "True", "False")

LOADERS: dict[str, Callable[[Path], object]] = {"validate": load_scenario, "experiment": load_experiment,
                                                "sweep": load_sweep}


@dataclass(frozen=True)
class Case:
    id: str
    build: Callable[[Path], Path]   # writes the input under tmp_path and returns the path to give
    file: str                       # name of the file the message must name
    key: str                        # key path (or "line N", "extends") exactly
    expected: Callable[[Path], str] | str  # the whole expectation, exactly (given tmp_path, when it depends on it)
    command: str = "validate"

    def __str__(self) -> str:
        return self.id


# --- building inputs -----------------------------------------------------------------------------

def line_of(text: str, fragment: str) -> int:
    """The number of the first line of `text` containing `fragment`."""
    return next(number for number, line in enumerate(text.splitlines(), 1) if fragment in line)


def edited(old: str, new: str, name: str) -> Callable[[Path], Path]:
    """The default scenario's own text with the first `old` replaced by `new`."""
    assert old in DEFAULT_TEXT, f"the default scenario no longer contains {old!r}"

    def build(tmp: Path) -> Path:
        path = tmp / name
        path.write_text(DEFAULT_TEXT.replace(old, new, 1), encoding="utf-8")
        return path
    return build


def edited_line(old: str, new: str) -> int:
    """The line of the default scenario an `edited(old, new)` case changes."""
    return line_of(DEFAULT_TEXT.replace(old, new, 1), new.splitlines()[0])


def mutated(change: Callable[[dict], None], name: str) -> Callable[[Path], Path]:
    """The default scenario's data with `change` applied, written as YAML."""
    def build(tmp: Path) -> Path:
        data = copy.deepcopy(BASE)
        change(data)
        path = tmp / name
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path
    return build


def renamed(*path: str | int, to: str) -> Callable[[dict], None]:
    """Rename the last key of `path` (keeping its value) to `to`."""
    def change(data: dict) -> None:
        target = data
        for step in path[:-1]:
            target = target[step]
        target[to] = target.pop(path[-1])
    return change


def files(files_text: dict[str, str], start: str) -> Callable[[Path], Path]:
    """Several files written into tmp_path (`{default}` is the default scenario's path); returns `start`."""
    def build(tmp: Path) -> Path:
        for name, text in files_text.items():
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp / name).write_text(text.replace("{default}", str(DEFAULT)), encoding="utf-8")
        return tmp / start
    return build


def experiment_with(change: Callable[[dict], None], name: str) -> Callable[[Path], Path]:
    """The shipped criminal_funding experiment (scenario path made absolute) with `change` applied."""
    def build(tmp: Path) -> Path:
        data = yaml.safe_load((ROOT / "experiments" / "criminal_funding.yaml").read_text(encoding="utf-8"))
        data["scenario"] = str(DEFAULT)
        change(data)
        path = tmp / name
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path
    return build


def sweep_text(old: str, new: str, name: str) -> Callable[[Path], Path]:
    """The shipped un_police_grid sweep's text (scenario path made absolute) with `old` replaced by `new`."""
    text = (ROOT / "sweeps" / "un_police_grid.yaml").read_text(encoding="utf-8")
    assert old in text

    def build(tmp: Path) -> Path:
        path = tmp / name
        path.write_text(text.replace("../scenarios/west_africa_2009.yaml", str(DEFAULT)).replace(old, new, 1),
                        encoding="utf-8")
        return path
    return build


GOV = next(i for i, b in enumerate(BASE["conflicts"][0]["belligerents"]) if b["side"] == "government")
REBEL = next(i for i, b in enumerate(BASE["conflicts"][0]["belligerents"]) if b["side"] == "rebel")
ANCHORED = "      - {id: gw_bissau_port_airport,"
MERGING = "      - {id: gw_bijagos_post, node: bijagos, officers: 10, skill: 0.2,"
with_anchor = DEFAULT_TEXT.replace(ANCHORED, "      - &post {id: gw_bissau_port_airport,", 1)


def merged(own_keys: str, name: str) -> Callable[[Path], Path]:
    """The default scenario whose second host police unit merges the first (`<<: *post`) and writes `own_keys`."""
    assert ANCHORED in DEFAULT_TEXT and MERGING in DEFAULT_TEXT

    def build(tmp: Path) -> Path:
        path = tmp / name
        path.write_text(with_anchor.replace(MERGING, "      - {<<: *post, " + own_keys, 1), encoding="utf-8")
        return path
    return build


MERGE_LINE = line_of(DEFAULT_TEXT, MERGING)


def chain_files(grand: str) -> dict[str, str]:
    """child.yaml -> mid.yaml -> parents/grand.yaml -> the default scenario, with `grand` as the last body."""
    return {"child.yaml": "extends: mid.yaml\nname: child\n",
            "mid.yaml": "extends: parents/grand.yaml\nseed: 7\n",
            "parents/grand.yaml": "extends: {default}\n" + grand}


THROUGH = "(reached through child.yaml -> mid.yaml -> grand.yaml)"


def fifo_parent(tmp: Path) -> Path:
    os.mkfifo(tmp / "pipe.yaml")  # reading it would block: it must be refused before it is opened
    (tmp / "child.yaml").write_text("extends: pipe.yaml\n", encoding="utf-8")
    return tmp / "child.yaml"


def symlink_parent(tmp: Path) -> Path:
    (tmp / "passwd.yaml").symlink_to("/etc/passwd")
    (tmp / "child.yaml").write_text("extends: passwd.yaml\n", encoding="utf-8")
    return tmp / "child.yaml"


def folder_parent(tmp: Path) -> Path:
    (tmp / "base.yaml").mkdir()
    (tmp / "child.yaml").write_text("extends: base.yaml\n", encoding="utf-8")
    return tmp / "child.yaml"


def without_levers_body(tmp: Path) -> Path:
    """The default scenario with `levers:` left empty (its indented lines removed)."""
    lines = DEFAULT_TEXT.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("levers:"))
    end = next((i for i in range(start + 1, len(lines)) if lines[i][:1] not in (" ", "\n")), len(lines))
    path = tmp / "empty_levers.yaml"
    path.write_text("".join(lines[:start + 1] + lines[end:]), encoding="utf-8")
    return path


def merged_parent_lacks_a_key(tmp: Path) -> Path:
    """parent.yaml lacks police.un.officers; child.yaml changes another key of police.un: a mapping of both."""
    data = copy.deepcopy(BASE)
    del data["police"]["un"]["officers"]
    (tmp / "parent.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    (tmp / "child.yaml").write_text("extends: parent.yaml\npolice:\n  un:\n    skill: 0.5\n", encoding="utf-8")
    return tmp / "child.yaml"


CASES = [
    # 1. misspelt keys: named at their own path, with the nearest valid key
    Case("misspelt_top_key", edited("horizon_weeks: 1040", "horizon_week: 1040", "horizon_week.yaml"),
         "horizon_week.yaml", "horizon_week", "unknown key 'horizon_week'; did you mean 'horizon_weeks'?"),
    Case("misspelt_nested_key", mutated(renamed("police", "un", "officers", to="oficers"), "oficers.yaml"),
         "oficers.yaml", "police.un.oficers", "unknown key 'oficers'; did you mean 'officers'?"),
    Case("misspelt_key_in_list", mutated(renamed("conflicts", 0, "belligerents", REBEL, "fighters", to="fighterz"),
                                         "fighterz.yaml"),
         "fighterz.yaml", f"conflicts[0].belligerents[{REBEL}].fighterz",
         "unknown key 'fighterz'; did you mean 'fighters'?"),
    Case("misspelt_mandate_name", edited("support: 0.5,", "suport: 0.5,", "suport.yaml"),
         "suport.yaml", "police.mandate_factor.suport", "unknown key 'suport'; did you mean 'support'?"),
    Case("misspelt_extends", edited("name: west_africa_2009", "extend: other.yaml\nname: west_africa_2009",
                                    "extend.yaml"),
         "extend.yaml", "extend", "unknown key 'extend'; did you mean 'extends'?"),
    Case("nothing_close", edited("  corruption_scale: 1.0", "  colour: red\n  corruption_scale: 1.0", "colour.yaml"),
         "colour.yaml", "levers.colour",
         "unknown key 'colour'; valid keys here: criminal_funding, database_access, host_capacity_growth_per_year, "
         "corruption_scale, border_capacity_scale"),
    Case("experiment_misspelt_key", experiment_with(renamed("replicates", to="replicats"), "replicats.yaml"),
         "replicats.yaml", "replicats", "unknown key 'replicats'; did you mean 'replicates'?", command="experiment"),
    Case("experiment_misspelt_key_in_arm", experiment_with(renamed("arms", 1, "label", to="lable"), "lable.yaml"),
         "lable.yaml", "arms[1].lable", "unknown key 'lable'; did you mean 'label'?", command="experiment"),
    Case("sweep_misspelt_key_in_parameter", sweep_text("    key: police.un.officers", "    kye: police.un.officers",
                                                       "kye.yaml"),
         "kye.yaml", "parameters[0].kye", "unknown key 'kye'; did you mean 'key'?", command="sweep"),
    # 2. what YAML made of the text
    Case("country_no", edited("country: CO", "country: NO", "norway.yaml"), "norway.yaml", "network.nodes[0].country",
         f"expected a valid string; got false (YAML reads the unquoted NO as false: quote it, 'NO'; "
         f"line {edited_line('country: CO', 'country: NO')})"),
    Case("mandate_no", edited("mandate: support ", "mandate: no ", "mandate_no.yaml"), "mandate_no.yaml",
         "police.un.mandate",
         f"expected 'monitoring', 'support' or 'executive'; got false (YAML reads the unquoted no as false: "
         f"quote it, 'no'; line {edited_line('mandate: support ', 'mandate: no ')})"),
    Case("fighters_3e3", edited("fighters: 3000 ", "fighters: 3e3 ", "fighters_3e3.yaml"), "fighters_3e3.yaml",
         f"conflicts[0].belligerents[{GOV}].fighters",
         f"expected a valid number; got the text '3e3' (YAML reads 3e3 as text, not a number: write 3000 or 3.0e+3; "
         f"line {edited_line('fighters: 3000 ', 'fighters: 3e3 ')})"),
    Case("whole_number_1e3", edited("horizon_weeks: 1040", "horizon_weeks: 1e3", "horizon_1e3.yaml"),
         "horizon_1e3.yaml", "horizon_weeks",
         f"expected a valid integer; got the text '1e3' (YAML reads 1e3 as text, not a number: write 1000; "
         f"line {edited_line('horizon_weeks: 1040', 'horizon_weeks: 1e3')})"),
    Case("quoted_number", edited("seed: 2009", 'seed: "2009"', "quoted_seed.yaml"), "quoted_seed.yaml", "seed",
         f"expected a valid integer; got '2009' (the quotes make it text: write 2009 without quotes; "
         f"line {line_of(DEFAULT_TEXT, 'seed: 2009')})"),
    Case("octal_name", edited("name: west_africa_2009", "name: 0123", "octal_name.yaml"), "octal_name.yaml", "name",
         f"expected a valid string; got 83 (YAML reads the unquoted 0123 as the octal number 83: quote it, '0123'; "
         f"line {line_of(DEFAULT_TEXT, 'name: west_africa_2009')})"),
    Case("hexadecimal_horizon", edited("horizon_weeks: 1040", "horizon_weeks: 0x2000", "hex.yaml"), "hex.yaml",
         "horizon_weeks",
         f"expected less than or equal to 5200; got 8192 (YAML reads 0x2000 as the hexadecimal number 8192; "
         f"line {line_of(DEFAULT_TEXT, 'horizon_weeks: 1040')})"),
    Case("base_60_weeks", edited("travel_weeks: 1,", "travel_weeks: 1:30,", "sexagesimal.yaml"), "sexagesimal.yaml",
         "network.edges[0].travel_weeks",
         f"expected less than or equal to 52; got 90 (YAML reads 1:30 as the base-60 number 90; "
         f"line {edited_line('travel_weeks: 1,', 'travel_weeks: 1:30,')})"),
    Case("empty_value", edited("name: west_africa_2009", "name:", "empty_name.yaml"), "empty_name.yaml", "name",
         f"expected a valid string; got nothing (nothing follows 'name:' on line "
         f"{line_of(DEFAULT_TEXT, 'name: west_africa_2009')})"),
    Case("empty_section", without_levers_body, "empty_levers.yaml", "levers",
         f"expected a mapping of keys; got nothing (nothing follows 'levers:' on line "
         f"{line_of(DEFAULT_TEXT, 'levers:')})"),
    Case("tilde_value", edited("name: west_africa_2009", "name: ~", "tilde_name.yaml"), "tilde_name.yaml", "name",
         f"expected a valid string; got null (YAML reads ~ as no value; line {line_of(DEFAULT_TEXT, 'name: west')})"),
    Case("y_for_boolean", edited("criminal_funding: true", "criminal_funding: y", "y.yaml"), "y.yaml",
         "levers.criminal_funding",
         f"expected a valid boolean; got the text 'y' (YAML reads y as text, not true or false: write true or false; "
         f"line {line_of(DEFAULT_TEXT, 'criminal_funding: true')})"),
    Case("quoted_boolean", edited("criminal_funding: true", "criminal_funding: 'no'", "quoted_no.yaml"),
         "quoted_no.yaml", "levers.criminal_funding",
         f"expected a valid boolean; got 'no' (the quotes make it text: write false without quotes; "
         f"line {line_of(DEFAULT_TEXT, 'criminal_funding: true')})"),
    Case("key_read_as_boolean", edited("  corruption_scale: 1.0", "  on: 1.0", "on_key.yaml"), "on_key.yaml", "levers",
         f"keys that are text; True is not (YAML reads the unquoted on as true: quote it, 'on'; "
         f"line {line_of(DEFAULT_TEXT, '  corruption_scale: 1.0')})"),
    Case("sweep_seed_3e3", sweep_text("seed: 2009", "seed: 3e3", "sweep_seed.yaml"), "sweep_seed.yaml", "seed",
         lambda tmp: f"expected a valid integer; got the text '3e3' (YAML reads 3e3 as text, not a number: "
                     f"write 3000; line {line_of((tmp / 'sweep_seed.yaml').read_text(), 'seed: 3e3')})",
         command="sweep"),
    # 3. merge keys: a key given twice beside a merge is still refused
    Case("merge_with_duplicate_key", merged("id: gw_bijagos_post, node: bijagos, node: dakar, officers: 10,",
                                            "merge_duplicate.yaml"),
         "merge_duplicate.yaml", f"line {MERGE_LINE}", "valid YAML; key 'node' is given twice"),
    Case("merge_key_twice", merged("<<: *post, id: gw_bijagos_post, node: bijagos, officers: 10,", "merge_twice.yaml"),
         "merge_twice.yaml", f"line {MERGE_LINE}",
         "valid YAML; key '<<' is given twice (merge several mappings with <<: [*a, *b])"),
    Case("merge_of_a_value", files({"merge_value.yaml": "name: x\nlevers: {<<: 5}\n"}, "merge_value.yaml"),
         "merge_value.yaml", "line 2",
         "valid YAML; expected a mapping or list of mappings for merging, but found scalar"),
    Case("merged_key_misspelt", merged("id: gw_bijagos_post, node: bijagos, oficers: 10,", "merge_typo.yaml"),
         "merge_typo.yaml", "police.host.units[1].oficers", "unknown key 'oficers'; did you mean 'officers'?"),
    # 4. extends: YAML files only; errors in a parent name the file and the chain
    Case("extends_text_file", files({"notes.txt": "name: notes\n", "child.yaml": "extends: notes.txt\n"}, "child.yaml"),
         "child.yaml", "extends", "the path of a scenario file (.yaml or .yml); 'notes.txt' is not one"),
    Case("extends_folder", folder_parent, "child.yaml", "extends",
         "the path of a scenario file (.yaml or .yml); 'base.yaml' is a folder"),
    Case("extends_etc_passwd", files({"child.yaml": "extends: /etc/passwd\n"}, "child.yaml"), "child.yaml", "extends",
         "the path of a scenario file (.yaml or .yml); '/etc/passwd' is not one"),
    Case("extends_link_to_etc_passwd", symlink_parent, "child.yaml", "extends",
         "the path of a scenario file (.yaml or .yml); 'passwd.yaml' leads to '/etc/passwd', which is not one"),
    Case("extends_pipe", fifo_parent, "child.yaml", "extends",
         "the path of a scenario file (.yaml or .yml); 'pipe.yaml' is a device, pipe or socket, not a regular file"),
    Case("extends_empty", files({"child.yaml": "extends:\nname: x\n"}, "child.yaml"), "child.yaml", "extends",
         "the path of another scenario file, as a string; got nothing"),
    Case("syntax_error_two_levels_up", lambda tmp: CHAIN / "child.yaml", "grand.yaml", "line 6",
         f"valid YAML; expected ',' or ']', but got '<stream end>' {THROUGH}"),
    Case("misspelt_key_two_levels_up", files(chain_files("levers:\n  criminal_fundng: false\n"), "child.yaml"),
         "grand.yaml", "levers.criminal_fundng",
         f"unknown key 'criminal_fundng'; did you mean 'criminal_funding'? {THROUGH}"),
    Case("converted_value_two_levels_up", files(chain_files("levers:\n  corruption_scale: 3e3\n"), "child.yaml"),
         "grand.yaml", "levers.corruption_scale",
         "expected a valid number; got the text '3e3' (YAML reads 3e3 as text, not a number: write 3000 or 3.0e+3; "
         f"line 3) {THROUGH}"),
    Case("reference_two_levels_up", files(chain_files(
        "network:\n  edges:\n    - {from: bogota, to: atlantis, mode: land, travel_weeks: 1, capacity_kg_per_week: 1,"
        " base_interdiction_risk: 0, cost_usd_per_kg: 1}\n"), "child.yaml"),
         "grand.yaml", "network.edges[0].to", f"the id of a node; 'atlantis' is not one {THROUGH}"),
    Case("parent_extends_text_file", files({**chain_files(""), "parents/grand.yaml": "extends: notes.txt\n"},
                                           "child.yaml"),
         "grand.yaml", "extends", f"the path of a scenario file (.yaml or .yml); 'notes.txt' is not one {THROUGH}"),
    Case("missing_key_in_parent_list", files({
        "child.yaml": "extends: mid.yaml\nname: child\n",
        "mid.yaml": "extends: {default}\nnetwork:\n  edges:\n    - {from: bogota, to: cartagena, travel_weeks: 1, "
                    "capacity_kg_per_week: 1, base_interdiction_risk: 0, cost_usd_per_kg: 1}\n"}, "child.yaml"),
         "mid.yaml", "network.edges[0].mode", "this key is required (reached through child.yaml -> mid.yaml)"),
    Case("missing_key_in_merged_mapping", merged_parent_lacks_a_key, "child.yaml", "police.un.officers",
         "this key is required"),
]
BY_ID = {case.id: case for case in CASES}
assert len(BY_ID) == len(CASES), "case ids must be unique"


def expected_of(case: Case, tmp: Path) -> str:
    return case.expected(tmp) if callable(case.expected) else case.expected


def check_error(case: Case, tmp: Path, error: InputError) -> None:
    assert Path(error.file).name == case.file, error.message
    assert error.key == case.key, error.message
    assert error.expected == expected_of(case, tmp), error.message
    assert "\n" not in error.message
    for word in JARGON:
        assert word not in error.expected.replace("True is not", ""), error.message


@pytest.mark.parametrize("case", CASES, ids=str)
def test_in_process(case, tmp_path):
    path = case.build(tmp_path)
    with pytest.raises(InputError) as caught:
        LOADERS[case.command](path)
    check_error(case, tmp_path, caught.value)


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-m", "sim.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


# Through the real command line (a fresh interpreter each, ~3 s): every kind of case a user meets.
CLI = ["misspelt_top_key", "misspelt_nested_key", "misspelt_key_in_list", "nothing_close", "experiment_misspelt_key",
       "sweep_misspelt_key_in_parameter", "country_no", "mandate_no", "fighters_3e3", "empty_value",
       "merge_with_duplicate_key", "extends_text_file", "extends_folder", "extends_etc_passwd",
       "syntax_error_two_levels_up", "misspelt_key_two_levels_up", "converted_value_two_levels_up"]


@pytest.mark.parametrize("case", [BY_ID[name] for name in CLI], ids=str)
def test_command_line(case, tmp_path):
    path = case.build(tmp_path)
    with pytest.raises(InputError) as caught:
        LOADERS[case.command](path)
    done = cli(case.command, str(path), cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0] == f"error: {caught.value.message}"
    assert f": {case.key}: {expected_of(case, tmp_path)}" in lines[0]


# --- what works -----------------------------------------------------------------------------

def test_merge_key_works(tmp_path):
    """`<<: *post` copies the first unit's keys; the unit's own keys override them."""
    path = merged("id: gw_bijagos_post, node: bijagos, officers: 10,", "merge_ok.yaml")(tmp_path)
    units = load_scenario(path).police.host.units
    reference = load_scenario(DEFAULT).police.host.units
    assert (units[1].id, units[1].node, units[1].officers) == ("gw_bijagos_post", "bijagos", 10)
    assert units[1].skill == reference[0].skill != reference[1].skill  # from the anchor, not the original 0.2
    assert units[1].corruption == reference[1].corruption  # written again after the merge
    assert units[0] == reference[0] and units[2:] == reference[2:]
    done = cli("validate", str(path), cwd=tmp_path)
    assert done.returncode == 0 and done.stderr == "", done.stderr


def test_merge_list_first_mapping_wins(tmp_path):
    """`<<: [*a, *b]`: earlier mappings win, as in YAML's merge key specification."""
    path = tmp_path / "merge_list.yaml"
    path.write_text(DEFAULT_TEXT.replace(
        "levers:\n", "levers:\n  <<: [{corruption_scale: 2.0}, {corruption_scale: 3.0, border_capacity_scale: 4.0}]\n",
        1).replace("  corruption_scale: 1.0 ", "  # corruption_scale: 1.0 ", 1)
        .replace("  border_capacity_scale: 1.0 ", "  # border_capacity_scale: 1.0 ", 1), encoding="utf-8")
    levers = load_scenario(path).levers
    assert (levers.corruption_scale, levers.border_capacity_scale) == (2.0, 4.0)


def test_an_override_is_not_explained_by_the_text_it_replaced():
    """A value set by an override is reported as given, never with the replaced YAML text's line."""
    with pytest.raises(InputError) as caught:
        load_scenario(DEFAULT, {"police.un.mandate": False})
    assert caught.value.key == "police.un.mandate"
    assert caught.value.expected == "expected 'monitoring', 'support' or 'executive'; got False"


def test_an_ordinary_error_says_nothing_about_yaml(tmp_path):
    """Plain text read as written (a negative count) gets no YAML explanation and no chain."""
    path = edited("  un:\n    officers: 10629", "  un:\n    officers: -5", "negative.yaml")(tmp_path)
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    assert caught.value.expected == "expected greater than or equal to 0; got -5"

