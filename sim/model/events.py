"""Dated events compiled: what changes at the start of each event's week, for either driver.

`sim.scenario.events` gives the scenario as it stands after each event (segment k: events 1..k
applied, in date order). Each segment is compiled like the scenario itself; an event then is

* its week (`event_week`);
* every parameter from then on (`event_params[k]`, the segment's `Params` as float64: floats exact,
  integers exact below 2**53, switches 0 or 1; the seed stays the replicate's);
* the state elements whose compiled starting value differs from the previous segment's, with their
  new values (`write_*`, one row per element: field index in `MODEL.fields`, flat row-major index,
  value). An element that a distribution set in the previous segment and the event sets to a number
  is written even when the number equals the distribution's typical value: the replicate drew its own.

These arrays are core fields of the state (like the draw sites), so both drivers carry them without
new arguments; before each week's phases both call the generated `apply_events(s, p, week)`, which
writes the elements and returns the parameters in force.

An event that changes the scenario but nothing the simulation uses (a node's coordinates, a name) is
refused; one that sets values the scenario already has is a no-op (a sweep may set a value equal to it).
An event may change values, not the shape of the world: a segment must have the same entities (ids
and counts, shipment slots included), the same routes and index lists, and the same structural
parameters (those derived from the network, such as the slot ring's length), or the event is
refused with one `InputError` naming it. Elements are compared as compiled, before the draws and
the initialisation phase: an event that sets a starting condition to the value it already has
writes nothing (the state keeps its evolving value), and what `start_conflict` derives before week 1
(beliefs, the holders of regions) is not derived again.
"""

from __future__ import annotations

import numpy as np

from ..scenario import InputError
from . import MODEL
from .declare import CORE_FIELDS

# Fields an event never writes: flows (zero at the start of every segment), the draw sites (drawn once,
# before week 1, from the first segment's) and the events themselves.
NOT_WRITTEN = {f.name for f in CORE_FIELDS}
# Kinds whose rows are not entities of the scenario.
NOT_ENTITIES = {"draws", "events", "event_writes", "params"}


def empty_arrays() -> dict[str, np.ndarray]:
    """The event fields of a scenario without events."""
    return dict(event_week=np.zeros(0, np.int64), event_params=np.zeros((0, len(MODEL.params))),
                write_event=np.zeros(0, np.int64), write_field=np.zeros(0, np.int64),
                write_index=np.zeros(0, np.int64), write_value=np.zeros(0))


def params_row(params) -> np.ndarray:
    """A `Params` as float64, checked to convert back exactly."""
    row = np.array([float(value) for value in params], np.float64)
    for declared, value, stored in zip(MODEL.params, params, row):
        if declared.name != "seed" and declared.dtype(stored) != value:
            raise ValueError(f"parameter {declared.name} = {value!r} cannot be carried as float64")
    return row


def _sites(arrays: dict) -> set[tuple[str, int]]:
    """(field, row) of each draw site."""
    return {(MODEL.drawn_fields[int(f)], int(row)) for f, row in zip(arrays["draw_field"], arrays["draw_row"])}


def _check_structure(key: str, file: str, ids: dict, arrays: dict, params, segment_ids: dict,
                     segment_arrays: dict, segment_params) -> None:
    """Refuse an event that changes the shape of the world."""
    for kind, names in ids.items():
        if kind not in NOT_ENTITIES and segment_ids.get(kind) != names:
            what = "shipment slots (the ring of slots follows the longest route and shipments_per_week)" \
                if kind == "slots" else kind
            after = segment_ids.get(kind, [])
            change = f"({len(names)} before, {len(after)} after)" if len(after) != len(names) else \
                "(as many, but others)"
            why = " (routes follow travel_weeks and max_routes)" if kind == "routes" else ""
            raise InputError(file, key, f"a change that keeps the same {what}; this event changes them "
                                        f"{change}{why}")
    for declared in MODEL.fields:
        name = declared.name
        if name in NOT_WRITTEN:
            continue
        before, after = arrays[name], segment_arrays[name]
        index_list = not declared.shape  # free length: CSR pointers and index lists
        if before.shape != after.shape or (index_list and not np.array_equal(before, after)):
            raise InputError(file, key, f"a change that keeps the network's routes and index lists; this event "
                                        f"changes {name} (routes follow travel_weeks and max_routes)")
    for declared, old, new in zip(MODEL.params, params, segment_params):
        if declared.key is None and declared.name != "seed" and old != new:
            raise InputError(file, key, f"a change that keeps {declared.name} ({declared.unit}), which the "
                                        f"network's shape decides; this event changes it from {old} to {new}")


def _writes(arrays: dict, segment_arrays: dict) -> list[tuple[int, int, float]]:
    """(field index, flat index, value) of the elements whose starting value differs, or that a draw set."""
    drawn_before = _sites(arrays) - _sites(segment_arrays)
    writes = []
    for position, declared in enumerate(MODEL.fields):
        if declared.name in NOT_WRITTEN or not declared.written:
            continue
        before, after = arrays[declared.name].ravel(), segment_arrays[declared.name].ravel()
        changed = before != after
        for field, row in drawn_before:
            if field == declared.name:
                changed[row] = True
        for flat in np.flatnonzero(changed):
            value = after[flat]
            if type(value.item())(float(value)) != value.item():
                raise ValueError(f"{declared.name}[{flat}] = {value!r} cannot be carried as float64")
            writes.append((position, int(flat), float(value)))
    return writes


def compile_events(scenario, ids: dict, arrays: dict, params, build, file: str) -> tuple[dict, list, list]:
    """The event fields and the ids of their rows (events, writes) for `scenario`, whose compiled ids,
    arrays and params are given; `build(segment)` compiles a segment the same way."""
    from ..scenario.loader import scenario_segments

    fields = empty_arrays()
    segments = scenario_segments(scenario, file)
    if not segments:
        return fields, [], []
    weeks, rows, writes, names, write_names = [], [], [], [], []
    previous_arrays, previous_params = arrays, params
    previous = scenario.model_dump(exclude={"events"})
    for k, (index, week, segment) in enumerate(segments):
        segment_ids, segment_arrays, segment_params = build(segment)
        changes = list(scenario.events[index].set)
        key = f"events[{index}].set" + (f".{changes[0]}" if len(changes) == 1 else "")
        _check_structure(key, file, ids, arrays, params, segment_ids, segment_arrays, segment_params)
        row = params_row(segment_params)
        for declared in MODEL.fields:
            if not declared.written and not np.array_equal(previous_arrays[declared.name],
                                                           segment_arrays[declared.name]):
                raise InputError(file, key, f"a change that keeps {declared.name} ({declared.doc or 'fixed'}), "
                                            f"which is set once, before week 1; this event changes it")
        changed = _writes(previous_arrays, segment_arrays)
        now = segment.model_dump(exclude={"events"})
        if now != previous and not changed and np.array_equal(row[1:], params_row(previous_params)[1:]):
            raise InputError(file, key, "a change of something the simulation uses; this event changes nothing in "
                                        "it (names, coordinates and mission names are not simulated)")
        weeks.append(week)
        rows.append(row)
        for position, flat, value in changed:
            writes.append((k, position, flat, value))
            write_names.append(f"{scenario.events[index].name}: {MODEL.fields[position].name}[{flat}]")
        names.append(scenario.events[index].name)
        previous_arrays, previous_params, previous = segment_arrays, segment_params, now
    fields["event_week"] = np.array(weeks, np.int64)
    fields["event_params"] = np.array(rows, np.float64)
    if writes:
        columns = list(zip(*writes))
        fields.update(write_event=np.array(columns[0], np.int64), write_field=np.array(columns[1], np.int64),
                      write_index=np.array(columns[2], np.int64), write_value=np.array(columns[3], np.float64))
    return fields, names, write_names
