"""Scenario format: schema, loading, validation. Imports nothing else from `sim`."""

from .errors import InputError
from .loader import (get_key_path, json_schema, load_scenario, parse_key_path, read_yaml_mapping, resolve_extends,
                     scenario_hash, set_key_path, validate_document)
from .references import trafficking_graph
from .schema import Scenario

__all__ = ["InputError", "Scenario", "get_key_path", "json_schema", "load_scenario", "parse_key_path",
           "read_yaml_mapping", "resolve_extends", "scenario_hash", "set_key_path", "trafficking_graph",
           "validate_document"]
