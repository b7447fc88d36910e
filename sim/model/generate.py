"""Compiled functions generated from the model's declarations (`sim.model.MODEL`), so that no driver
has a schedule, a series layout or an outcome list of its own:

* `run_week(s, p, week)`: the phases of `MODEL.schedule` in order, looping over an entity kind
  where a phase says so and skipping rows its guard rules out. The Mesa driver runs the same list
  phase by phase from Python; the kernel runs this function.
* `record_series(s, week, row)`: the weekly columns (`MODEL.series_columns`).
* `extract(s, p, run_row, entity_rows)`: a finished replicate's outcomes (`MODEL.outcome_columns`).
* `initialise(s, p)`: before week 1, the draws of uncertain starting conditions (`sim.model.draws`),
  then the initialisation phases (`MODEL.initialisation`). Both drivers call it.
* `apply_events(s, p, week)`: at the start of a week, the dated events of that week (sim/model/events.py):
  their state writes, and the parameters in force from then on. Both drivers call it; the kernel from
  `run_dated_weeks`, the week loop of a replicate with events.
* `reset(s, initial)` and `with_seed(p, seed)`: a fresh replicate without leaving numba.
* `as_struct(state)`: the `State` namedtuple's arrays in the StructRef every other function takes
  (sim/model/struct.py; `struct(state)` from Python).
* `run_replicates(...)`: many replicates per call on one thread (`nogil`, so threads share cores).
* `profile_replicates(...)`: the same replicates with the cycle counter (sim/model/cycles.py) read around
  each phase of the week and each step of a replicate, for `threatnet bench --profile`: a separate
  function, so the kernel itself carries no probe.

The generated source is written to a file in the numba cache folder, named by its hash, and
imported from there, so that numba caches it like any other module.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
import threading
from functools import cache
from pathlib import Path

import numpy as np

from . import MODEL, draws, rng
from .declare import FLOWS, Flow, Outcome


def _named(function) -> tuple[str, str]:
    """(the last part of its module's name, its name) of a compiled or plain function."""
    py = getattr(function, "py_func", function)
    return py.__module__.rsplit(".", 1)[-1], py.__name__


def _reference(function, aliases: dict) -> str:
    """A name under which the generated module imports `function` (unique per module and name)."""
    py = getattr(function, "py_func", function)
    alias = "_".join(_named(function))
    aliases[alias] = (py.__module__, py.__name__)
    return alias


def _count(kind: str) -> str:
    """An expression for the number of rows of `kind` inside numba: the first axis of one of its fields."""
    field = next(f for f in MODEL.fields if f.shape and f.shape[0] == kind)
    return f"s.{field.name}.shape[0]"


def _phase_lines(phases, aliases: dict, week: str, profiled: bool = False) -> list[str]:
    """The calls of `phases` in order; `profiled`: each call also counted in calls[i], and each phase's
    cycles added to ticks[i] (`t` read before the first phase)."""
    lines = []
    for index, phase in enumerate(phases):
        call = _reference(phase.action, aliases)
        if phase.over is None:
            body, indent = [f"    {call}(s, p, {week})"], "    "
        else:
            lines.append(f"    for row in range({_count(phase.over)}):")
            indent = "        "
            if phase.guard:  # tested here too: a call copies the state struct, a test does not
                lines.append(f"        if s.{phase.guard}[row]:")
                indent = "            "
            body = [f"{indent}{call}(s, p, row, {week})"]
        lines += body
        if profiled:
            lines += [f"{indent}calls[{index}] += 1", "    u = cycles()", f"    ticks[{index}] += u - t", "    t = u"]
    return lines


def _week_source(aliases: dict) -> list[str]:
    return ["@njit(cache=True, _nrt=False)", "def run_week(s, p, week):",
            '    """One week: the phases of MODEL.schedule, in order."""', *_phase_lines(MODEL.schedule, aliases, "week")]


def profile_labels() -> list[str]:
    """What each slot of `profile_replicates`'s counters measures: the phases of MODEL.schedule, then the
    steps of a replicate around them."""
    phases = [".".join(_named(phase.action)) + (f" (per {phase.over[:-1]})" if phase.over else "")
              for phase in MODEL.schedule]
    return phases + ["reset and initialise", "dated events", "extract outcomes"]


def _profiled_week_source(aliases: dict) -> list[str]:
    """`run_week_profiled`: `run_week` with the cycle counter read between phases; `calls[i]` counts the
    calls of phase i (rows that pass its guard)."""
    return ["@njit(cache=True, _nrt=False)", "def run_week_profiled(s, p, week, ticks, calls):",
            '    """One week of MODEL.schedule, adding each phase\'s cycles to ticks[i] and its calls to '
            'calls[i]."""', "    t = cycles()", *_phase_lines(MODEL.schedule, aliases, "week", profiled=True)]


def _initialise_source(aliases: dict) -> list[str]:
    quantity, uniform = _reference(draws.quantity, aliases), _reference(rng.uniform, aliases)
    lines = ["@njit(cache=True, _nrt=False)", "def initialise(s, p):",
             '    """Before week 1: draw the uncertain starting conditions, then MODEL.initialisation."""',
             "    for site in range(s.draw_row.shape[0]):",
             f"        value = {quantity}(s.draw_kind[site], s.draw_a[site], s.draw_b[site], s.draw_c[site], "
             "s.draw_low[site], s.draw_high[site],",
             f"                          {uniform}(p.seed, 0, 2 * site, {rng.INITIAL_DRAW}), "
             f"{uniform}(p.seed, 0, 2 * site + 1, {rng.INITIAL_DRAW}))",
             "        row = s.draw_row[site]"]
    for index, name in enumerate(MODEL.drawn_fields):
        lines += [f"        {'if' if index == 0 else 'elif'} s.draw_field[site] == {index}:",
                  f"            s.{name}[row] = value"]
    return lines + _phase_lines(MODEL.initialisation, aliases, "0") + ["    return"]


def _events_source() -> list[str]:
    """`apply_events(s, p, week)`: the events of `week` (sim/model/events.py) write their state elements
    and give the parameters in force; `write_element` is an if-chain over the writable fields."""
    from .events import NOT_WRITTEN

    casts = {"b": "value != 0.0", "i": "int(value)", "u": "int(value)"}
    params = ", ".join("p.seed" if q.name == "seed" else
                       {"b": "{} != 0.0", "i": "int({})", "u": "int({})"}.get(np.dtype(q.dtype).kind, "{}")
                       .format(f"s.event_params[event, {position}]") for position, q in enumerate(MODEL.params))
    lines = ["@njit(cache=True, _nrt=False)", "def write_element(s, field, index, value):",
             '    """Element `index` (flat, row-major) of field number `field` of MODEL.fields set to `value`."""']
    first = True
    for position, f in enumerate(MODEL.fields):
        if f.name in NOT_WRITTEN or not f.written:
            continue
        cast = casts.get(np.dtype(f.dtype).kind, "value")
        target = f"s.{f.name}[index]" if len(f.shape) <= 1 else \
            f"s.{f.name}[index // s.{f.name}.shape[1], index % s.{f.name}.shape[1]]"
        lines += [f"    {'if' if first else 'elif'} field == {position}:", f"        {target} = {cast}"]
        first = False
    return lines + ["", "", "@njit(cache=True, _nrt=False)", "def apply_events(s, p, week):",
                    '    """At the start of `week`, before its phases: each event of that week writes its elements;'
                    ' returns the parameters in force (the seed stays the replicate\'s)."""',
                    "    for event in range(s.event_week.shape[0]):",
                    "        if s.event_week[event] == week:",
                    f"            p = Params({params})",
                    "            for w in range(s.write_event.shape[0]):",
                    "                if s.write_event[w] == event:",
                    "                    write_element(s, s.write_field[w], s.write_index[w], s.write_value[w])",
                    "    return p"]


def _series_source(aliases: dict) -> list[str]:
    lines = ["@njit(cache=True, _nrt=False)", "def record_series(s, week, row):",
             '    """This week\'s series columns (MODEL.series_columns) into `row`."""', "    row[0] = week"]
    column = 1
    for flow in MODEL.flows:
        if flow.series:
            lines.append(f"    row[{column}] = s.week_totals[{FLOWS.index(flow.name)}]")
            column += 1
    lines.append(f"    column = {column}")
    for kind, members in MODEL.series_groups():
        indent = "    "
        if kind is not None:
            lines.append(f"    for entity in range({_count(kind)}):")
            indent = "        "
        width = 0
        for series in members:
            if series.field is not None:  # a field's row: read in place, no function
                values = [f"s.{series.field}[entity, {position}]" for position in range(len(series.columns))] \
                    if series.columns else [f"s.{series.field}[entity]"]
            else:
                call = _reference(series.compute, aliases)
                args = "s, row" + (", entity" if kind is not None else "")
                values = [f"{call}({args}, {position})" for position in range(len(series.columns))] \
                    if series.columns else [f"{call}({args})"]
            for value in values:
                lines.append(f"{indent}row[column + {width}] = {value}")
                width += 1
        lines.append(f"{indent}column += {width}")
    return lines


def _extract_source(aliases: dict) -> list[str]:
    lines = ["@njit(cache=True)", "def extract(s, p, run_row, entity_rows):",
             '    """A finished replicate\'s outcomes: run columns, then one row per entity."""']
    run, per_entity = 0, 0
    for column in MODEL.outcome_columns():
        source = column.source
        if isinstance(source, Flow):
            lines.append(f"    run_row[{run}] = s.totals[{FLOWS.index(source.name)}]")
            run += 1
        elif isinstance(source, Outcome) and source.per is None:
            lines.append(f"    run_row[{run}] = {_reference(source.compute, aliases)}(s, p)")
            run += 1
        elif isinstance(source, Outcome):
            if per_entity == 0:
                lines.append(f"    for entity in range({_count(source.per)}):")
            value = f"s.{source.field}[entity]" if source.field else \
                f"{_reference(source.compute, aliases)}(s, p, entity)"
            lines.append(f"        entity_rows[entity, {per_entity}] = {value}")
            per_entity += 1
    return lines + ["    return"]


def _fields_source() -> list[str]:
    lines = ["@njit(cache=True)", "def as_struct(state):",
             '    """The arrays of a State namedtuple (shared, not copied) in a state struct."""',
             "    s = structref.new(STATE)"]
    lines += [f"    s.{f.name} = state.{f.name}" for f in MODEL.fields]
    lines += ["    return s", "", "", "@njit(cache=True, _nrt=False)", "def reset(s, initial):",
             '    """Every field back to its initial value, in place."""']
    for f in MODEL.fields:  # loops: copying one array into another by slices would need numba's NRT
        if len(f.shape) <= 1:
            lines += [f"    for i in range(initial.{f.name}.shape[0]):", f"        s.{f.name}[i] = initial.{f.name}[i]"]
        else:
            lines += [f"    for i in range(initial.{f.name}.shape[0]):",
                      f"        for j in range(initial.{f.name}.shape[1]):",
                      f"            s.{f.name}[i, j] = initial.{f.name}[i, j]"]
    lines += ["", "", "@njit(cache=True)", "def with_seed(p, seed):",
              f"    return Params({', '.join('seed' if q.name == 'seed' else f'p.{q.name}' for q in MODEL.params)})"]
    return lines


BATCH = '''

@njit(cache=True, nogil=True)
def run_weeks(s, p, series):
    """Run the whole horizon of one replicate (from its initial state), writing one row of `series` per week."""
    initialise(s, p)
    if s.event_week.shape[0] > 0:
        run_dated_weeks(s, p, series, True)
        return
    for week in range(1, p.horizon_weeks + 1):
        run_week(s, p, week)
        record_series(s, week, series[week - 1])


@njit(cache=True, nogil=True)
def run_dated_weeks(s, p, series, record):
    """The weeks of a replicate with dated events, each applied at the start of its week (and the series if
    `record`); returns the parameters in force at the end. A loop of its own: parameters that may change
    within the week loop slow every week by a third, events or not."""
    for week in range(1, p.horizon_weeks + 1):
        p = apply_events(s, p, week)
        run_week(s, p, week)
        if record:
            record_series(s, week, series[week - 1])
    return p


@njit(cache=True, nogil=True)
def run_replicates(s, initial, p, seeds, keep_series, series, run_rows, entity_rows):
    """Replicates with these seeds, one after another on this thread, each from the initial state:
    outcomes into run_rows[r] and entity_rows[r]; weekly series for the first `keep_series` of them."""
    for r in range(seeds.shape[0]):
        reset(s, initial)
        q = with_seed(p, seeds[r])
        initialise(s, q)
        if s.event_week.shape[0] > 0:
            q = run_dated_weeks(s, q, series[min(r, series.shape[0] - 1)], r < keep_series)
        else:
            for week in range(1, q.horizon_weeks + 1):
                run_week(s, q, week)
                if r < keep_series:
                    record_series(s, week, series[r, week - 1])
        extract(s, q, run_rows[r], entity_rows[r])


@njit(cache=True, nogil=True)
def profile_replicates(s, initial, p, seeds, run_rows, entity_rows, ticks, calls):
    """`run_replicates` without series, adding cycles to ticks (and calls to calls) per slot of
    `profile_labels()`: the phases, then reset and initialise, dated events, extract."""
    phases = ticks.shape[0] - 3
    for r in range(seeds.shape[0]):
        t = cycles()
        reset(s, initial)
        q = with_seed(p, seeds[r])
        initialise(s, q)
        ticks[phases] += cycles() - t
        calls[phases] += 1
        if s.event_week.shape[0] > 0:
            for week in range(1, q.horizon_weeks + 1):
                t = cycles()
                q = apply_events(s, q, week)
                ticks[phases + 1] += cycles() - t
                calls[phases + 1] += 1
                run_week_profiled(s, q, week, ticks, calls)
        else:
            for week in range(1, q.horizon_weeks + 1):
                run_week_profiled(s, q, week, ticks, calls)
        t = cycles()
        extract(s, q, run_rows[r], entity_rows[r])
        ticks[phases + 2] += cycles() - t
        calls[phases + 2] += 1
'''


def generated_source() -> str:
    """The source of the generated kernel module."""
    aliases: dict = {}
    parts = [_week_source(aliases), _profiled_week_source(aliases), _initialise_source(aliases),
             _series_source(aliases), _extract_source(aliases), _fields_source(), _events_source()]
    body = [line for part in parts for line in (*part, "", "")][:-2]
    imports = [f"from {module} import {name} as {alias}" for alias, (module, name) in sorted(aliases.items())]
    header = ['"""Generated by sim/model/generate.py from the model\'s declarations: do not edit."""', "",
              "from numba import njit", "from numba.experimental import structref", "",
              "from sim.model import Params", "from sim.model.cycles import cycles",
              "from sim.model.struct import STATE", *imports, "", ""]
    return "\n".join(header + body) + BATCH


def _generated_folder() -> Path:
    base = os.environ.get("NUMBA_CACHE_DIR")
    folder = Path(base) / "generated" if base else Path(tempfile.gettempdir()) / f"threatnet-{os.getuid()}-generated"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


_LOCK = threading.Lock()


def struct(state):
    """The state struct over a `State` namedtuple's arrays: what compiled functions take (writes show in
    the namedtuple)."""
    return generated().as_struct(state)


@cache
def generated():
    """The generated kernel module, written once per distinct source and imported from its file
    (under a lock: worker threads ask for it at once)."""
    with _LOCK:
        return _load()


def _load():
    source = generated_source()
    name = f"threatnet_kernel_{hashlib.sha256(source.encode()).hexdigest()[:16]}"
    if name in sys.modules:
        return sys.modules[name]
    path = _generated_folder() / f"{name}.py"
    if not path.is_file() or path.read_text() != source:
        partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
        partial.write_text(source)
        partial.replace(path)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
