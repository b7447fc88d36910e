"""The one indirection through which every rule and action is compiled.

Rules are pure functions of numbers; actions update one entity's rows of the state. Both are
compiled here, so that another target (numba-cuda, one replicate per thread) can be added by
changing these two decorators rather than every function.

Actions are compiled without numba's reference counting (`_nrt=False`): the arrays are owned by
the Python side and an action never allocates; with it, each call paid an atomic increment and
decrement per array of the state, 8x the model's own arithmetic. An action that tried to allocate
would fail to compile, loudly.

Actions are inlined into their callers (`inline="always"`, numba's IR inlining): a call passes the
whole state struct (~80 arrays) by value, and in the default scenario those copies were half the
kernel's time (measured: 439 -> 867 replicates/s with only `fight` and `manage_budget` inlined).
Rules stay calls: inlining them too changed nothing measurable.
"""

from numba import njit

rule = njit(cache=True)
action = njit(cache=True, _nrt=False, inline="always")

# A few actions that run rarely and hold much inlined code (an arrest with its investigation, a courier
# team's boarding and arrival) are compiled as calls: inlined at each of their call
# sites they multiplied the kernel's compile time (8 minutes and 3 GB, measured); as calls the copy of
# the state struct is paid only when they run. Each separately compiled function costs ~8 s of
# compile (the state struct's type), so only these few are. Not for what runs per courier: a call copies
# the struct, and a call per courier check made the default scenario ten times slower (measured).
rare_action = njit(cache=True, _nrt=False)
