"""The calendar and dated events: checking them, and the scenario as it stands after each one.

A scenario with `start_date` has a calendar: week 1 is the seven days from `start_date`, week w the
seven days from `start_date + 7 (w - 1)`. An event's week is the week that holds its date,
`(date - start_date).days // 7 + 1` (rounded down to the week's start: an event never waits for the
next week), and must lie in 1..horizon_weeks.

Events apply cumulatively in date order (events on one date in file order): *segment* k is the
scenario with events 1..k applied (key paths set with `set_key_path`), validated as strictly as the
scenario itself. Each problem is one `InputError` naming `events[i].date` or `events[i].set.<key path>`
in the file's own numbering. What an event cannot do is refused here, before anything runs: change
what the run is (seed, horizon, calendar, the events), rename an entity, set a section, a list or a
distribution (distributions are drawn once, before week 1). What it cannot do to the compiled model
(add or remove entities, routes, shipment slots) is refused by `sim.model.events`.

Like the rest of `sim.scenario`, this module imports nothing else from `sim`.
"""

from __future__ import annotations

import copy
import datetime
import difflib
from collections.abc import Callable
from typing import Any

from .errors import InputError, key_path
from .schema import DISTRIBUTIONS, Scenario

# Keys that say what the run is, not what happens in it.
FIXED_KEYS = {"seed": "the seed is the replicate's", "horizon_weeks": "the horizon is the run's length",
              "start_date": "the calendar is fixed by the scenario", "events": "events cannot change events",
              "name": "a name changes nothing in the simulation",
              "description": "a description changes nothing in the simulation"}


def event_week(start_date: datetime.date, date: datetime.date) -> int:
    """The week that holds `date` (week 1 holds `start_date`); below 1 for a date before it."""
    return (date - start_date).days // 7 + 1


def week_start(start_date: datetime.date, week: int) -> datetime.date:
    """The first day of `week`."""
    return start_date + datetime.timedelta(days=7 * (week - 1))


def event_order(scenario: Scenario) -> list[int]:
    """Indices of the scenario's events in the order they apply: by date, then as written."""
    return sorted(range(len(scenario.events)), key=lambda index: scenario.events[index].date)


def _is_distribution(value: Any) -> bool:
    return isinstance(value, dict) and any(kind in value for kind in DISTRIBUTIONS)


def _check_value(file: str, key: str, path: str, value: Any, data: dict, parse: Callable) -> None:
    """Refuse what an event cannot set, before it is applied."""
    steps = parse(path)
    if not steps:
        raise InputError(file, key, "a key path such as police.un.officers")
    if isinstance(steps[0], str) and steps[0] in FIXED_KEYS:
        raise InputError(file, key, f"a key of the simulated world; an event cannot set {steps[0]} "
                                    f"({FIXED_KEYS[steps[0]]})")
    if steps[-1] == "id":
        raise InputError(file, key, "a value, not an id: an event cannot rename an entity (entities stay the same "
                                    "through a run)")
    if _is_distribution(value):
        raise InputError(file, key, "a number, not a distribution: a distribution is drawn once, before week 1; "
                                    "an event sets a value from its date on")
    if isinstance(value, dict):
        raise InputError(file, key, "a single value (a number, true/false or text), not a mapping; set its keys "
                                    "one by one (section.key: value)")
    if isinstance(value, list):
        raise InputError(file, key, "a single value (a number, true/false or text), not a list: an event cannot "
                                    "change lists (entities, sources, markets)")
    here: Any = data  # a path through a distribution (fighters.lognormal.median) would change the draw
    for step in steps[:-1]:
        here = _child(here, step)
        if here is _MISSING:
            return  # set_key_path names the missing key
        if _is_distribution(here):
            raise InputError(file, key, "a key path to a value, not into a distribution: a distribution is drawn "
                                        "once, before week 1 (set the key itself to a number)")


_MISSING = object()


def _child(here: Any, step) -> Any:
    """One step of a key path into the scenario's data (a key, an index, or `id=<id>` in a list of
    entries), or _MISSING where there is nothing to step into."""
    if isinstance(step, str) and step.startswith("id=") and isinstance(here, list):
        return next((item for item in here if isinstance(item, dict) and item.get("id") == step[3:]), None)
    if isinstance(here, (dict, list)):
        try:
            return here[step]
        except (KeyError, IndexError, TypeError):
            return _MISSING
    return _MISSING


def _nearest(data: dict, steps: list) -> str:
    """'; did you mean 'officers'?' for a misspelt step of a key path, or nothing."""
    here: Any = data
    for step in steps:
        if isinstance(here, dict) and isinstance(step, str) and step not in here:
            close = difflib.get_close_matches(step, [k for k in here if isinstance(k, str)], n=1, cutoff=0.6)
            return f"; did you mean '{close[0]}'?" if close else ""
        here = _child(here, step)
        if here is _MISSING:
            return ""
    return ""


def _check_date(scenario: Scenario, index: int, file: str) -> int:
    event, start = scenario.events[index], scenario.start_date
    week = event_week(start, event.date)
    key = f"events[{index}].date"
    if week < 1:
        raise InputError(file, key, f"a date on or after start_date ({start.isoformat()}); got "
                                    f"{event.date.isoformat()}")
    if week > scenario.horizon_weeks:
        end = week_start(start, scenario.horizon_weeks + 1)
        raise InputError(file, key, f"a date within the horizon, before {end.isoformat()} ({scenario.horizon_weeks} "
                                    f"weeks from start_date {start.isoformat()}); got {event.date.isoformat()}")
    return week


def event_segments(scenario: Scenario, file: str, set_key_path: Callable, parse_key_path: Callable,
                   validate: Callable) -> list[tuple[int, int, Scenario]]:
    """(index of the event in the file, its week, the scenario after it and every earlier one) for each
    event in the order they apply. `validate(data, file)` validates raw scenario data (the loader's, which
    is passed in so that this module and the loader do not import each other)."""
    if not scenario.events:
        return []
    if scenario.start_date is None:
        raise InputError(file, "start_date", "a start date (YYYY-MM-DD, the first day of week 1) when the scenario "
                                             "has events")
    data = scenario.model_dump(by_alias=True)
    data["events"] = []
    segments = []
    for index in event_order(scenario):
        week = _check_date(scenario, index, file)
        event = scenario.events[index]
        before = copy.deepcopy(data)
        for path, value in event.set.items():
            key = f"events[{index}].set.{path}"
            _check_value(file, key, path, value, data, parse_key_path)
            try:
                set_key_path(data, path, value, file)
            except InputError as error:
                raise InputError(file, key, error.expected + _nearest(data, parse_key_path(path))) from None
        try:
            segment = validate(data, file)
        except InputError as together:
            raise _blame(event.set, index, before, together, file, set_key_path, validate) from None
        segments.append((index, week, segment))
    return segments


def _blame(changes: dict, index: int, before: dict, together: InputError, file: str, set_key_path: Callable,
           validate: Callable) -> InputError:
    """The error of an event, at the key of its own that causes it (one at a time, as experiments do)."""
    for path, value in changes.items():
        alone = copy.deepcopy(before)
        resolved = key_path(set_key_path(alone, path, value, file))
        try:
            validate(alone, file)
        except InputError as error:
            return InputError(file, f"events[{index}].set.{path}", _at(error, resolved))
    return InputError(file, f"events[{index}].set", _at(together, ""))


def _at(error: InputError, path: str) -> str:
    """The message, saying where in the scenario the check failed when that is not the event's own key."""
    if not error.key or error.key == path:
        return error.expected
    return f"{error.expected} (at {error.key} once the event applies)"
