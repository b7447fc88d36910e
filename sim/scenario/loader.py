"""Reading scenario files: safe YAML, `extends:`, overrides by key path, validation.

`load_scenario(path)` is the only way a scenario enters the engine; every
problem comes out as one `InputError` naming the file, the key and what was
expected.

Messages say what the author wrote, not what the parser made of it: each file
keeps its YAML node tree beside the data, so an error at a key path can name
the file the key was written in (through `extends:`), the nearest valid key
for a misspelt one, and the original text of a value YAML converted (`NO`
read as false, `3e3` read as text, `0123` read as the octal number 83).
"""

from __future__ import annotations

import collections
import collections.abc
import copy
import datetime
import difflib
import hashlib
import itertools
import json
import math
import re
import stat
import threading
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .errors import InputError, key_path
from .events import event_segments
from .references import check_references
from .schema import Scenario

MAX_FILE_BYTES = 5_000_000
MAX_EXTENDS_DEPTH = 16
YAML_SUFFIXES = (".yaml", ".yml")

ModelT = TypeVar("ModelT", bound=BaseModel)

STR_TAG = "tag:yaml.org,2002:str"
MERGE_TAG = "tag:yaml.org,2002:merge"


# --- reading YAML ----------------------------------------------------------------------------

class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice (YAML would keep the last silently).

    Merge keys (`<<: *defaults`) work as in SafeLoader: the merged keys come first and the
    mapping's own keys override them; in a merge list (`<<: [*a, *b]`) earlier mappings win, as the
    merge key specification says. Only the keys written in one mapping must be unique.
    """

    def flatten_mapping(self, node: yaml.MappingNode) -> None:
        if not getattr(node, "_keys_checked", False):  # check the keys as written, before merging
            self._check_unique(node)
            node._keys_checked = True  # type: ignore[attr-defined]
        self._join_merge_list(node)
        super().flatten_mapping(node)

    def _join_merge_list(self, node: yaml.MappingNode) -> None:
        """`<<: [*a, *b]` as one mapping in which earlier mappings win, as the merge key specification says
        (PyYAML 6.0.4 lets later ones win); whatever is not a list of mappings is left to PyYAML to refuse."""
        for index, (key_node, value_node) in enumerate(node.value):
            if key_node.tag != MERGE_TAG or not isinstance(value_node, yaml.SequenceNode) \
                    or not all(isinstance(item, yaml.MappingNode) for item in value_node.value) \
                    or any(getattr(item, "_joining", False) for item in value_node.value):
                continue  # not a list of mappings, or one that merges a mapping being joined: PyYAML's way
            node._joining = True  # type: ignore[attr-defined]
            pairs, seen = [], set()
            for item in value_node.value:
                self.flatten_mapping(item)
                for pair in item.value:
                    if (pair[0].tag, pair[0].value) not in seen:
                        seen.add((pair[0].tag, pair[0].value))
                        pairs.append(pair)
            joined = yaml.MappingNode("tag:yaml.org,2002:map", pairs, value_node.start_mark, value_node.end_mark)
            joined._keys_checked = True  # type: ignore[attr-defined]
            node.value[index] = (key_node, joined)
            node._joining = False  # type: ignore[attr-defined]

    def _check_unique(self, node: yaml.MappingNode) -> None:
        seen: set = set()
        merges = 0
        for key_node, _ in node.value:
            if key_node.tag == MERGE_TAG:
                merges += 1
                if merges > 1:
                    raise yaml.constructor.ConstructorError(
                        None, None, "key '<<' is given twice (merge several mappings with <<: [*a, *b])",
                        key_node.start_mark)
                continue
            key = self.construct_object(key_node)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, "a key that is a single value, not a list or mapping", key_node.start_mark) from None
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key '{key}' is given twice", key_node.start_mark)
            seen.add(key)


@dataclass
class _Layer:
    """One YAML file as read: its data, its node tree, and the files that led to it."""

    file: str                       # the path as messages name it
    data: Any
    node: Any                       # the root yaml node (None for data that came from no file)
    chain: tuple[str, ...] = ()     # files from the one the user named down to this one


def _line(node: Any) -> int:
    return node.start_mark.line + 1


def _child(node: Any, step: str | int) -> tuple[Any, Any]:
    """(key node, value node) of `step` in a mapping or sequence node; (None, None) if absent."""
    if isinstance(node, yaml.MappingNode) and isinstance(step, str):
        for key_node, value_node in reversed(node.value):  # after merging, the last of equal keys wins
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag == STR_TAG and key_node.value == step:
                return key_node, value_node
    elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
        return None, node.value[step]
    return None, None


def _node_at(node: Any, location: Sequence[str | int]) -> Any:
    for step in location:
        node = _child(node, step)[1]
    return node


def _check_keys(data: Any, file: str, root: Any = None) -> None:
    """Refuse keys that YAML read as something other than text (`5:`, `on:`, `null:`)."""
    stack: list[tuple[tuple, Any]] = [((), data)]
    seen: set[int] = set()  # aliases share objects: visit each once, however often it is referenced
    while stack:
        location, value = stack.pop()
        if id(value) in seen:
            continue
        seen.add(id(value))
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    raise InputError(file, key_path(location) or "(top level)",
                                     f"keys that are text; {key!r} is not ({_key_reading(root, location, key)})")
                stack.append(((*location, key), item))
        elif isinstance(value, list):
            stack.extend(((*location, index), item) for index, item in enumerate(value))


def _key_reading(root: Any, location: tuple, key: Any) -> str:
    """Why a key is not text, in the words of its own source line when it can be found."""
    mapping = _node_at(root, location) if root is not None else None
    if isinstance(mapping, yaml.MappingNode):
        for key_node, _ in mapping.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != STR_TAG and key_node.style is None:
                reading = _reading(key_node.value, key)[0]
                return (f"YAML reads the unquoted {key_node.value} as {reading}: quote it, '{key_node.value}'; "
                        f"line {_line(key_node)}")
    return "YAML reads yes, on, null or 5 as a value, not a name: put the key in quotes"


def _parse(text: str) -> tuple[Any, Any]:
    """(data, root node) of one YAML document, as `yaml.load` would make the data."""
    loader = _UniqueKeyLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return data, node


def _what_path_is(path: Path) -> str | None:
    """'a folder', 'a device, pipe or socket', or None for a regular file (or nothing there)."""
    try:
        mode = path.stat().st_mode
    except (OSError, ValueError):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if not stat.S_ISREG(mode):
        return "a device, pipe or socket"
    return None


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte
        return False


def _quoted(text: str) -> str:
    """A path from a file, quoted for a message: short, printable, on one line."""
    shown = text if len(text) <= 80 else text[:77] + "..."
    return f"'{shown}'" if shown.isprintable() else repr(shown)


def _read_layer(path: Path, what: str = "scenario", shown: str | None = None) -> _Layer:
    """Read one YAML file that must hold a mapping, with safe loading only, keeping its node tree."""
    file = shown if shown is not None else str(path)
    kind = _what_path_is(path)
    if kind == "a folder":
        raise InputError(file, "", f"a {what} file; this is a folder")
    if kind is not None:
        raise InputError(file, "", f"a {what} file; this is {kind}, not a regular file")
    if not _is_file(path):
        raise InputError(file, "", f"an existing {what} file; there is no such file")
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InputError(file, "", f"a file under {MAX_FILE_BYTES // 1_000_000} MB")
        raw = path.read_bytes()
    except OSError as error:
        raise InputError(file, "", f"a readable file; {error.strerror or error}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise InputError(file, f"line {line}", f"UTF-8 text; byte {raw[error.start]:#04x} is not UTF-8") from None
    try:
        data, root = _parse(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        if problem.startswith("but ") and getattr(error, "context", None):
            problem = f"{error.context}, {problem}"  # "expected a single document in the stream, but found another"
        if isinstance(error, yaml.constructor.ConstructorError) and "constructor for the tag" in problem:
            tag = problem.rsplit(" ", 1)[-1]
            raise InputError(file, where, f"plain YAML values only; tags such as {tag} are not allowed") from None
        raise InputError(file, where, f"valid YAML; {problem}") from None
    except RecursionError:
        raise InputError(file, "", "valid YAML nested at most a few hundred levels deep") from None
    if data is None:
        raise InputError(file, "", f"a {what}; the file is empty or holds only comments")
    if not isinstance(data, dict):
        raise InputError(file, "", f"a mapping of keys at the top level, got {type(data).__name__}")
    _check_keys(data, file, root)
    return _Layer(file, data, root, (file,))


# Documents read by `read_yaml_mapping`, so that `validate_document` can quote their source text.
_RECENT: collections.OrderedDict[int, _Layer] = collections.OrderedDict()
_RECENT_MAX = 4
_RECENT_LOCK = threading.Lock()


def read_yaml_mapping(path: Path, what: str = "scenario") -> dict:
    """Read one YAML file that must hold a mapping, with safe loading only."""
    layer = _read_layer(Path(path), what)
    with _RECENT_LOCK:
        _RECENT[id(layer.data)] = layer
        while len(_RECENT) > _RECENT_MAX:
            _RECENT.popitem(last=False)
    return layer.data


# --- extends -------------------------------------------------------------------------------

def deep_merge(base: dict, changes: dict) -> dict:
    """`changes` over `base`: mappings merge key by key, anything else replaces."""
    merged = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _chain_text(files: Sequence[str]) -> str:
    names = [Path(file).name for file in files]
    if len(set(names)) < len(names):  # same name in two folders: show the paths
        names = list(files)
    return " -> ".join(names)


def _through(error: InputError, files: Sequence[str]) -> InputError:
    """The error, saying which chain of `extends:` led to its file."""
    return InputError(error.file, error.key, f"{error.expected} (reached through {_chain_text(files)})")


def _parent_problem(parent: str, parent_path: Path) -> str | None:
    """Why `extends: parent` cannot be read as a scenario file, or None if it can."""
    wanted, name = "the path of a scenario file (.yaml or .yml)", _quoted(parent)
    if _what_path_is(parent_path) == "a folder":
        return f"{wanted}; {name} is a folder"
    if parent_path.suffix.lower() not in YAML_SUFFIXES:
        return f"{wanted}; {name} is not one"
    try:
        if not parent_path.exists():
            return f"an existing file; {name} was not found next to this one"
        target = parent_path.resolve()
    except (OSError, ValueError) as error:
        return f"{wanted}; {name} cannot be opened ({getattr(error, 'strerror', None) or error})"
    if target.suffix.lower() not in YAML_SUFFIXES:
        return f"{wanted}; {name} leads to {_quoted(str(target))}, which is not one"
    kind = _what_path_is(parent_path)
    if kind is not None:
        return f"{wanted}; {name} is {kind}, not a regular file"
    if not _is_file(parent_path):
        return f"an existing file; {name} was not found next to this one"
    return None


def _resolve_layers(path: Path, shown: str, chain: tuple[tuple[Path, str], ...] = ()) -> list[_Layer]:
    """The file and its `extends:` ancestors, the file first."""
    try:
        real = path.resolve()
    except (OSError, ValueError):  # a NUL byte: reading it below says there is no such file
        real = path.absolute()
    files = (*(file for _, file in chain), shown)
    if real in (earlier for earlier, _ in chain):
        cycle = " -> ".join(Path(file).name for file in files)
        raise InputError(chain[-1][1], "extends", f"a chain without cycles; {cycle}")
    if len(chain) > MAX_EXTENDS_DEPTH:
        raise _through(InputError(shown, "extends", f"at most {MAX_EXTENDS_DEPTH} levels of extends"), files)
    try:
        layer = _read_layer(path, shown=shown)
        layer.chain = files
        if "extends" not in layer.data:
            return [layer]
        parent = layer.data.pop("extends")
        if not isinstance(parent, str) or not parent.strip():
            got = "nothing" if parent is None else _got(parent)
            raise InputError(shown, "extends", f"the path of another scenario file, as a string; got {got}")
        parent_path = path.parent / parent
        problem = _parent_problem(parent, parent_path)
        if problem:
            raise InputError(shown, "extends", problem)
    except InputError as error:
        raise (_through(error, files) if chain else error) from None
    return [layer, *_resolve_layers(parent_path, str(Path(shown).parent / parent), (*chain, (real, shown)))]


def resolve_extends(path: Path) -> dict:
    """The file's mapping with its `extends:` ancestors merged underneath."""
    return _merge_layers(_resolve_layers(Path(path), str(path)))


def _merge_layers(layers: list[_Layer]) -> dict:
    merged = layers[-1].data
    for layer in reversed(layers[:-1]):
        merged = deep_merge(merged, layer.data)
    return merged


# --- where a key came from ---------------------------------------------------------------------

@dataclass
class _Found:
    """What the files say about one key path."""

    layer: _Layer | None      # the file the key was written in (None: an override, not from a file)
    key_node: Any = None      # the key's node, for a key in a mapping
    node: Any = None          # the value's node, when the whole path exists in that file


@dataclass
class _Sources:
    """The files merged into one document (the named file first) and the key paths set by overrides."""

    layers: list[_Layer]
    overridden: set[tuple] = field(default_factory=set)

    def find(self, location: Sequence[str | int]) -> _Found:
        location = tuple(step for step in location if step != "[key]")
        if any(location[:depth] in self.overridden for depth in range(1, len(location) + 1)):
            return _Found(None)
        # Follow deep_merge: the upper file wins; lower files count only while every value is a mapping.
        candidates = [(layer, layer.data, layer.node, None) for layer in self.layers]
        for step in location:
            found = []
            for layer, data, node, _ in candidates:
                if isinstance(step, int) and isinstance(data, list) and 0 <= step < len(data):
                    found.append((layer, data[step], *reversed(_child(node, step))))
                elif isinstance(step, str) and isinstance(data, dict) and step in data:
                    found.append((layer, data[step], *reversed(_child(node, step))))
            if not found:  # the key is not there: the file that holds its mapping, if only one does
                return _Found(candidates[0][0] if len(candidates) == 1 else self.layers[0])
            candidates = found[:1]
            if isinstance(found[0][1], dict):
                candidates += itertools.takewhile(lambda item: isinstance(item[1], dict), found[1:])
        if len(candidates) > 1:
            return _Found(self.layers[0])
        layer, _, node, key_node = candidates[0]
        return _Found(layer, key_node, node)

    def relocate(self, error: InputError) -> InputError:
        """An error raised against the named file, moved to the file its key was written in."""
        found = self.find(parse_key_path(error.key)) if error.key else _Found(None)
        if found.layer is None or found.layer is self.layers[0]:
            return error
        return _through(InputError(found.layer.file, error.key, error.expected), found.layer.chain)


# --- key paths and overrides ----------------------------------------------------------------------

_STEP = re.compile(r"([^.\[\]]+)|\[([^\]]+)\]")


def parse_key_path(path: str) -> list[str | int]:
    """`police.un.officers` -> ['police', 'un', 'officers']; `[2]` -> 2; `[gov]` selects by id."""
    steps: list[str | int] = []
    for name, bracket in _STEP.findall(path):
        if name:
            steps.append(name)
        else:
            steps.append(int(bracket) if bracket.isdigit() else f"id={bracket}")
    return steps


def set_key_path(data: dict, path: str, value: Any, file: str) -> tuple[str | int, ...]:
    """Set one value by key path in raw scenario data; the path must already exist.

    Returns the path as keys and list indices (`[gov]` steps resolved to their index).
    """
    target, step, resolved = _locate(data, path, file)
    target[step] = value
    return resolved


def get_key_path(data: dict, path: str, file: str) -> Any:
    """The value at a key path in raw scenario data (as `set_key_path` finds it)."""
    target, step, _ = _locate(data, path, file)
    return target[step]


def _locate(data: dict, path: str, file: str) -> tuple[Any, str | int, tuple[str | int, ...]]:
    """The container holding a key path's last step, that step, and the whole path resolved to keys and
    list indices; an event's `set` is a mapping keyed by key paths (`events[0].set.police.un.officers`)."""
    steps = parse_key_path(path)
    if not steps:
        raise InputError(file, path, "a key path such as police.un.officers")
    target: Any = data
    resolved: list[str | int] = []
    for depth, step in enumerate(steps):
        here = ".".join(str(s) for s in steps[: depth + 1])
        if isinstance(step, str) and step.startswith("id="):
            if not isinstance(target, list):
                raise InputError(file, path, f"a list at '{here}'")
            wanted = step[3:]
            matches = [i for i, item in enumerate(target) if isinstance(item, dict) and item.get("id") == wanted]
            if not matches:
                raise InputError(file, path, f"an entry with id '{wanted}'")
            step = matches[0]
        if isinstance(step, int):
            if not isinstance(target, list) or not 0 <= step < len(target):
                raise InputError(file, path, f"a list index that exists at '{here}'")
        elif isinstance(target, dict) and step not in target and \
                (whole := _whole_key(target, steps[depth:])) is not None:
            return target, whole, (*resolved, whole)
        elif not isinstance(target, dict) or step not in target:
            raise InputError(file, path, f"a key that exists in the scenario; '{step}' is not there")
        resolved.append(step)
        if depth == len(steps) - 1:
            return target, step, tuple(resolved)
        target = target[step]
    raise AssertionError("unreachable")


def _whole_key(mapping: dict, steps: list) -> str | None:
    """The key of `mapping` that is itself the key path `steps`, if one is."""
    return next((key for key in mapping if isinstance(key, str) and
                 parse_key_path(key) == steps), None)


# --- messages -------------------------------------------------------------------------------

def _got(value: Any) -> str:
    """What was found, for the end of a message: short, on one line."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return f"the date {value.isoformat()}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _yaml_value(value: Any) -> str:
    """A value as YAML writes it (false, null, .inf), for messages about what YAML read."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else ("-.inf" if value < 0 else ".inf")
    if isinstance(value, (int, float)):
        return repr(value)
    return _got(value)


def _reading(raw: str, value: Any) -> tuple[str, bool]:
    """What YAML made of the plain text `raw`, and whether a reader of the file would be surprised."""
    digits = raw.lstrip("+-")
    if isinstance(value, bool):
        return _yaml_value(value), raw.lower() not in ("true", "false")
    if isinstance(value, int):
        for form, name in ((r"0b[01_]+", "binary"), (r"0x[0-9a-fA-F_]+", "hexadecimal"), (r"0[0-7_]+", "octal"),
                           (r"[0-9_]+(:[0-9]+)+", "base-60")):
            if re.fullmatch(form, digits):
                return f"the {name} number {value}", True
        return f"the number {value}", "_" in digits
    if isinstance(value, float):
        if ":" in digits:
            return f"the base-60 number {_yaml_value(value)}", True
        return f"the number {_yaml_value(value)}", "_" in digits
    if isinstance(value, (datetime.date, datetime.datetime)):
        return "a date", True
    if value is None:
        return "no value", True
    return _got(value), False


_NUMBER_TEXT = re.compile(r"[-+]?(?:[0-9][0-9_]*\.?[0-9_]*|\.[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)?")
_SPECIAL_TEXT = re.compile(r"([-+]?)\.?(inf|infinity|nan)", re.IGNORECASE)


def _number_in(text: str) -> float | None:
    """The number a person means by `text` (3e3, 09, 1_000, inf), or None if it is not a number."""
    text = text.strip()
    special = _SPECIAL_TEXT.fullmatch(text)
    if special:
        return float(special[1] + special[2])
    if _NUMBER_TEXT.fullmatch(text) and any(c.isdigit() for c in text):
        try:
            return float(text.replace("_", ""))
        except ValueError:
            return None
    return None


def _exponent_form(number: float) -> str:
    """3000.0 -> '3.0e+3': the exponent form PyYAML reads as a number (a dot and a signed exponent)."""
    mantissa, exponent = f"{number:e}".split("e")
    mantissa = mantissa.rstrip("0")
    return f"{mantissa}0e{int(exponent):+d}" if mantissa.endswith(".") else f"{mantissa}e{int(exponent):+d}"


def _number_fix(raw: str, number: float, integer: bool) -> str:
    """'write 3000 or 3.0e+3': how to write the number so that YAML reads it as one."""
    if not math.isfinite(number):
        return f"write {_yaml_value(number)}"
    forms = []
    if number.is_integer() and abs(number) < 1e16:
        forms.append(str(int(number)))
    elif integer:
        return "write a whole number"
    if not integer and ("e" in raw.lower() or not forms):
        forms.append(_exponent_form(number) if "e" in raw.lower() else repr(number))
    return "write " + " or ".join(forms)


TEXT_ERRORS = {"string_type", "literal_error", "enum"}
NUMBER_ERRORS = {"int_type", "int_parsing", "float_type", "float_parsing", "int_from_float", "finite_number",
                 "greater_than", "greater_than_equal", "less_than", "less_than_equal", "multiple_of"}
BOOL_ERRORS = {"bool_type", "bool_parsing"}
_BOOL_WORDS = {"yes": True, "no": False, "true": True, "false": False, "on": True, "off": False}


def _yaml_reading(error: dict, found: _Found) -> tuple[str, str] | None:
    """(what was got, why) when the text YAML converted explains the error; None when the value is as written."""
    node = found.node
    if not isinstance(node, yaml.ScalarNode) or "input" not in error or node.style in ("|", ">"):
        return None
    kind, value, raw, plain = error["type"], error["input"], node.value, node.style is None
    line = f"line {_line(node)}"
    if value is None:
        if raw == "":
            if found.key_node is not None:
                return "nothing", f"nothing follows '{found.key_node.value}:' on line {_line(found.key_node)}"
            return "nothing", f"the list item on {line} is empty"
        return "null", f"YAML reads {raw} as no value; {line}"
    if plain and not isinstance(value, str):
        reading, surprising = _reading(raw, value)
        if kind in TEXT_ERRORS:
            return _yaml_value(value), f"YAML reads the unquoted {raw} as {reading}: quote it, '{raw}'; {line}"
        if surprising:
            return _yaml_value(value), f"YAML reads {raw} as {reading}; {line}"
        return None
    if not isinstance(value, str) or len(raw) > 40:
        return None
    if kind in NUMBER_ERRORS:
        number = _number_in(raw)
        if number is None:
            return None
        fix = _number_fix(raw, number, integer=kind.startswith("int"))
        if plain:
            return f"the text '{raw}'", f"YAML reads {raw} as text, not a number: {fix}; {line}"
        return _got(value), f"the quotes make it text: {fix} without quotes; {line}"
    if kind in BOOL_ERRORS:
        if plain:
            return f"the text '{raw}'", f"YAML reads {raw} as text, not true or false: write true or false; {line}"
        if raw.lower() in _BOOL_WORDS:
            return (_got(value),
                    f"the quotes make it text: write {_yaml_value(_BOOL_WORDS[raw.lower()])} without quotes; {line}")
    return None


def _unwrap(annotation: Any) -> list[Any]:
    """The types a value annotated so may take: Annotated and Optional/unions opened up."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(annotation) if arg is not type(None) for t in _unwrap(arg)]
    return [annotation]


def _model_at(annotation: Any, location: Sequence[str | int]) -> type[BaseModel] | None:
    """The pydantic model that validates the mapping at `location` below `annotation`, if any."""
    for option in _unwrap(annotation):
        if not location:
            if isinstance(option, type) and issubclass(option, BaseModel):
                return option
            continue
        step, rest = location[0], location[1:]
        origin, args = typing.get_origin(option), typing.get_args(option)
        if isinstance(option, type) and issubclass(option, BaseModel) and isinstance(step, str):
            inner = next((f.annotation for name, f in option.model_fields.items() if step in (name, f.alias)), None)
        elif origin in (list, tuple, set, frozenset, collections.abc.Sequence) and isinstance(step, int) and args:
            inner = args[0]
        elif origin in (dict, collections.abc.Mapping) and isinstance(step, str) and len(args) == 2:
            inner = args[1]
        else:
            continue
        if inner is not None:
            model = _model_at(inner, rest)
            if model is not None:
                return model
    return None


def _keys_of(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def _nearest(key: str, names: Sequence[str], prefer: set[str]) -> str | None:
    """The valid name closest to a misspelt `key`, preferring names the document still lacks."""
    close = difflib.get_close_matches(key, names, n=5, cutoff=0.6)
    if not close:
        lowered = {name.lower(): name for name in names}
        close = [lowered[name] for name in difflib.get_close_matches(key.lower(), list(lowered), n=5, cutoff=0.6)]
    return next((name for name in close if name in prefer), close[0] if close else None)


def _listing(names: Sequence[str], most: int = 14) -> str:
    if len(names) <= most:
        return ", ".join(names)
    return ", ".join(names[:most - 2]) + f" and {len(names) - most + 2} more"


def _unknown_key(model: type[BaseModel], error: dict, errors: list[dict], top_keys: Sequence[str]) -> str:
    """`unknown key 'oficers'; did you mean 'officers'?` or the keys that are allowed there."""
    location = error["loc"]
    if location and location[-1] == "[key]":  # a key of a mapping with fixed key names (police.mandate_factor)
        key, parent = location[-2], location[:-2]
        allowed = re.findall(r"'([^']*)'", str(error.get("ctx", {}).get("expected", "")))
        best = _nearest(str(key), allowed, set()) if isinstance(key, str) else None
        if best:
            return f"unknown key '{key}'; did you mean '{best}'?"
        return f"no such key; expected {error['msg'].removeprefix('Input should be ')}"
    key, parent = location[-1], location[:-1]
    shown = str(key) if len(str(key)) <= 60 else str(key)[:57] + "..."
    target = _model_at(model, parent)
    if target is None:
        return f"unknown key '{shown}'"
    names = _keys_of(target) + [k for k in (top_keys if not parent else ()) if k not in _keys_of(target)]
    lacking = {e["loc"][-1] for e in errors if e["type"] == "missing" and tuple(e["loc"][:-1]) == tuple(parent)}
    best = _nearest(str(key), names, lacking)
    if best:
        return f"unknown key '{shown}'; did you mean '{best}'?"
    return f"unknown key '{shown}'; valid keys here: {_listing(names)}"


def _expected(error: dict) -> tuple[str, str | None]:
    """A pydantic error in the words of a scenario author: (what was expected, what was found or None)."""
    kind, message, location = error["type"], error["msg"], error["loc"]
    got = _got(error["input"]) if "input" in error else None
    if kind == "extra_forbidden":
        return "no such key (is it misspelled?)", None
    if kind == "missing":
        return "this key is required", None
    if kind == "value_error":
        return message.removeprefix("Value error, "), None
    if location and location[-1] == "[key]":
        return f"no such key; expected {message.removeprefix('Input should be ')}", None
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "expected a mapping of keys", got
    if kind == "string_pattern_mismatch":
        return "expected an id of letters, digits, '_' and '-' only", got
    sized = re.fullmatch(r"List should have (.+) after validation, not (\d+)", message)
    if sized:
        return f"expected a list with {sized[1]}", sized[2]
    expected = message
    for jargon, plain in (("Input should be ", ""), ("String should have ", "a string with ")):
        if expected.startswith(jargon):
            expected = plain + expected.removeprefix(jargon)
    return f"expected {expected}", got


def _choose(errors: list[dict]) -> dict:
    """The error to report: the first pydantic names that is not a missing key.

    A misspelt key is both unknown and (under its right name) missing: naming the unknown key
    says what to fix, so a missing key is reported only when nothing else is wrong.
    """
    return next((error for error in errors if error["type"] != "missing"), errors[0])


def _union_branch(step) -> bool | None:
    """For a step of an error location inside a number-or-distribution key (schema.drawn): whether it
    is the distribution's branch (True), the number's (False), or not a branch tag (None)."""
    if step == "float":
        return False
    if isinstance(step, str) and (step == "Distribution" or step.endswith(", Distribution]")):
        return True
    return None


def _branch_of_input(errors: list[dict]) -> list[dict]:
    """For a key that takes a number or a distribution, keep only the errors of the branch the input
    chose (a mapping: the distribution; anything else: the number), with the branch's tag removed."""
    kept = []
    for error in errors:
        location = list(error["loc"])
        tag = next((i for i, step in enumerate(location) if _union_branch(step) is not None), None)
        if tag is not None:
            given = error["input"] if tag == len(location) - 1 else None
            if given is not None and isinstance(given, dict) != _union_branch(location[tag]):
                continue
            error = {**error, "loc": tuple(location[:tag] + location[tag + 1:])}
        kept.append(error)
    return kept or errors


def _input_error(model: type[BaseModel], errors: list[dict], file: str, sources: _Sources | None,
                 top_keys: Sequence[str] = ()) -> InputError:
    error = _choose(_branch_of_input(errors))
    found = sources.find(error["loc"]) if sources else _Found(None)
    unknown = error["type"] == "extra_forbidden" or (error["loc"] and error["loc"][-1] == "[key]")
    if unknown:
        expected = _unknown_key(model, error, errors, top_keys)
    else:
        expected, got = _expected(error)
        reading = _yaml_reading(error, found) if found.layer is not None else None
        if reading:
            got = reading[0]
        if got is not None:
            expected += f"; got {got}"
        if reading:
            expected += f" ({reading[1]})"
    result = InputError(file, key_path(error["loc"]), expected)
    if sources and found.layer is not None and found.layer is not sources.layers[0]:
        result = _through(InputError(found.layer.file, result.key, result.expected), found.layer.chain)
    return result


# --- validation -------------------------------------------------------------------------------

def _validate(model: type[ModelT], data: dict, file: str, sources: _Sources | None,
              top_keys: Sequence[str] = ()) -> ModelT:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise _input_error(model, error.errors(include_url=False), file, sources, top_keys) from None


def validate_document(model: type[ModelT], data: dict, file: str) -> ModelT:
    """Validate raw data as `model` (a scenario, experiment or sweep), reporting the first problem by key path.

    Data returned by `read_yaml_mapping` is reported with its source text (line numbers, what YAML
    made of a value); other data by key path alone.
    """
    with _RECENT_LOCK:
        layer = _RECENT.get(id(data))
    sources = _Sources([layer]) if layer is not None and layer.data is data else None
    return _validate(model, data, file, sources)


def validate_scenario(data: dict, file: str, sources: _Sources | None = None) -> Scenario:
    """Validate raw data as a Scenario, then its cross-references, then its events (each one applied in
    date order and the result validated again: sim/scenario/events.py)."""
    scenario = _validate(Scenario, data, file, sources, top_keys=("extends",))
    try:
        check_references(scenario, file)
        scenario_segments(scenario, file)
    except InputError as error:
        raise (sources.relocate(error) if sources else error) from None
    scenario._file = file
    return scenario


def scenario_segments(scenario: Scenario, file: str = "<scenario>") -> list[tuple[int, int, Scenario]]:
    """(event's index in the file, its week, the scenario with it and every earlier event applied), in the
    order events apply; empty for a scenario without events."""
    return event_segments(scenario, file, set_key_path, parse_key_path, validate_scenario)


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load, merge `extends:`, apply `{key.path: value}` overrides and validate a scenario."""
    path = Path(path)
    layers = _resolve_layers(path, str(path))
    sources = _Sources(layers)
    data = _merge_layers(layers)
    for key, value in (overrides or {}).items():
        sources.overridden.add(set_key_path(data, key, value, str(path)))
    return validate_scenario(data, str(path), sources)


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the validated scenario's canonical JSON: same content, same hash."""
    content = scenario.model_dump(mode="json", by_alias=True)
    for key in ("start_date", "events"):  # absent and empty hash as before the calendar existed
        if not content.get(key):
            content.pop(key, None)
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def json_schema() -> dict:
    """The JSON Schema of a scenario file (for editors)."""
    schema = Scenario.model_json_schema(by_alias=True)
    schema["properties"]["extends"] = {"type": "string", "description": "path of a scenario this one changes"}
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "threatnet scenario"
    return schema
