"""Reading scenario files: safe YAML, `extends:`, overrides by key path, validation.

`load_scenario(path)` is the only way a scenario enters the engine; every
problem comes out as one `InputError` naming the file, the key and what was
expected.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .errors import InputError, key_path
from .references import check_references
from .schema import Scenario

MAX_FILE_BYTES = 5_000_000
MAX_EXTENDS_DEPTH = 16

ModelT = TypeVar("ModelT", bound=BaseModel)


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice (YAML would keep the last silently)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a key that is a single value, not a list or mapping", key_node.start_mark) from None
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key '{key}' is given twice", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _check_keys(data: Any, file: str) -> None:
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
                                     f"keys that are text; {key!r} is not (YAML reads yes, on, null or 5 "
                                     "as a value, not a name: put the key in quotes)")
                stack.append(((*location, key), item))
        elif isinstance(value, list):
            stack.extend(((*location, index), item) for index, item in enumerate(value))


def read_yaml_mapping(path: Path, what: str = "scenario") -> dict:
    """Read one YAML file that must hold a mapping, with safe loading only."""
    if path.is_dir():
        raise InputError(str(path), "", f"a {what} file; this is a folder")
    if not path.is_file():
        raise InputError(str(path), "", f"an existing {what} file; there is no such file")
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InputError(str(path), "", f"a file under {MAX_FILE_BYTES // 1_000_000} MB")
        raw = path.read_bytes()
    except OSError as error:
        raise InputError(str(path), "", f"a readable file; {error.strerror or error}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise InputError(str(path), f"line {line}", f"UTF-8 text; byte {raw[error.start]:#04x} is not UTF-8") from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        if problem.startswith("but ") and getattr(error, "context", None):
            problem = f"{error.context}, {problem}"  # "expected a single document in the stream, but found another"
        if isinstance(error, yaml.constructor.ConstructorError) and "constructor for the tag" in problem:
            tag = problem.rsplit(" ", 1)[-1]
            raise InputError(str(path), where, f"plain YAML values only; tags such as {tag} are not allowed") from None
        raise InputError(str(path), where, f"valid YAML; {problem}") from None
    except RecursionError:
        raise InputError(str(path), "", "valid YAML nested at most a few hundred levels deep") from None
    if data is None:
        raise InputError(str(path), "", f"a {what}; the file is empty or holds only comments")
    if not isinstance(data, dict):
        raise InputError(str(path), "", f"a mapping of keys at the top level, got {type(data).__name__}")
    _check_keys(data, str(path))
    return data


def deep_merge(base: dict, changes: dict) -> dict:
    """`changes` over `base`: mappings merge key by key, anything else replaces."""
    merged = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def resolve_extends(path: Path, chain: tuple[Path, ...] = ()) -> dict:
    """The file's mapping with its `extends:` ancestors merged underneath."""
    path = path.resolve()
    if path in chain:
        cycle = " -> ".join(p.name for p in (*chain, path))
        raise InputError(str(chain[-1]), "extends", f"a chain without cycles; {cycle}")
    if len(chain) > MAX_EXTENDS_DEPTH:
        raise InputError(str(path), "extends", f"at most {MAX_EXTENDS_DEPTH} levels of extends")
    data = read_yaml_mapping(path)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise InputError(str(path), "extends", "the path of another scenario file, as a string")
    parent_path = (path.parent / parent)
    if not parent_path.is_file():
        raise InputError(str(path), "extends", f"an existing file; '{parent}' was not found next to this one")
    return deep_merge(resolve_extends(parent_path, (*chain, path)), data)


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


def set_key_path(data: dict, path: str, value: Any, file: str) -> None:
    """Set one value by key path in raw scenario data; the path must already exist."""
    steps = parse_key_path(path)
    if not steps:
        raise InputError(file, path, "a key path such as police.un.officers")
    target: Any = data
    for depth, step in enumerate(steps):
        last = depth == len(steps) - 1
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
        elif not isinstance(target, dict) or step not in target:
            raise InputError(file, path, f"a key that exists in the scenario; '{step}' is not there")
        if last:
            target[step] = value
        else:
            target = target[step]


def _got(value: Any) -> str:
    """What was found, for the end of a message: short, on one line."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _expected(error: dict) -> str:
    """A pydantic error in the words of a scenario author: what was expected, what was found."""
    kind, message, location = error["type"], error["msg"], error["loc"]
    if kind == "extra_forbidden":
        return "no such key (is it misspelled?)"
    if kind == "missing":
        return "this key is required"
    if kind == "value_error":
        return message.removeprefix("Value error, ")
    if location and location[-1] == "[key]":
        return f"no such key; expected {message.removeprefix('Input should be ')}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a mapping of keys; got {_got(error.get('input'))}"
    if kind == "string_pattern_mismatch":
        return f"expected an id of letters, digits, '_' and '-' only; got {_got(error.get('input'))}"
    sized = re.fullmatch(r"List should have (.+) after validation, not (\d+)", message)
    if sized:
        return f"expected a list with {sized[1]}; got {sized[2]}"
    expected = message
    for jargon, plain in (("Input should be ", ""), ("String should have ", "a string with ")):
        if expected.startswith(jargon):
            expected = plain + expected.removeprefix(jargon)
    expected = f"expected {expected}"
    if "input" in error:
        expected += f"; got {_got(error['input'])}"
    return expected


def validate_document(model: type[ModelT], data: dict, file: str) -> ModelT:
    """Validate raw data as `model` (a scenario, experiment or sweep), reporting the first problem by key path."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        raise InputError(file, key_path(first["loc"]), _expected(first)) from None


def validate_scenario(data: dict, file: str) -> Scenario:
    """Validate raw data as a Scenario, then its cross-references."""
    scenario = validate_document(Scenario, data, file)
    check_references(scenario, file)
    return scenario


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load, merge `extends:`, apply `{key.path: value}` overrides and validate a scenario."""
    path = Path(path)
    data = resolve_extends(path)
    for key, value in (overrides or {}).items():
        set_key_path(data, key, value, str(path))
    return validate_scenario(data, str(path))


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the validated scenario's canonical JSON: same content, same hash."""
    canonical = json.dumps(scenario.model_dump(mode="json", by_alias=True), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def json_schema() -> dict:
    """The JSON Schema of a scenario file (for editors)."""
    schema = Scenario.model_json_schema(by_alias=True)
    schema["properties"]["extends"] = {"type": "string", "description": "path of a scenario this one changes"}
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "threatnet scenario"
    return schema
