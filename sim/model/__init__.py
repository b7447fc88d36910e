"""The model, declared once: domain modules, each with its fields, parameters, flows, outcomes,
series, levers, phases and agents (see `declare.py`), assembled into `MODEL`.

    from sim.model import MODEL, compile_from
    compiled = compile_from("scenarios/west_africa_2009.yaml")   # State arrays and Params, for either driver
    MODEL.schedule                                             # the week: phases by stage, in module order
    MODEL.outcome_columns()                                    # what a replicate reports, with units and labels

Registration: a new domain module is imported here and added to MODULES. Order matters for the
schedule within a stage and for the order of outcome and series columns.
"""

from __future__ import annotations

from . import conflict, market, observation, people, policing, trafficking
from .declare import Model

MODULES = (trafficking.MODULE, policing.MODULE, conflict.MODULE, market.MODULE, observation.MODULE, people.MODULE)
MODEL = Model(MODULES)
State, Params = MODEL.State, MODEL.Params  # module attributes, so that numba's cache can pickle their types

from .compile import CompiledScenario, Layout, compile_from, compile_scenario  # noqa: E402
from .conflict import END_TYPES  # noqa: E402  (names of how a conflict ends, in display order)

__all__ = ["END_TYPES", "MODEL", "MODULES", "Params", "State", "CompiledScenario", "Layout", "compile_from",
           "compile_scenario"]
