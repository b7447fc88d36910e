"""The one indirection through which every rule and action is compiled.

Rules are pure functions of numbers; actions update one entity's rows of the state. Both are
compiled here, so that another target (numba-cuda, one replicate per thread) can be added by
changing these two decorators rather than every function.

Actions are compiled without numba's reference counting (`_nrt=False`): the arrays are owned by
the Python side and an action never allocates; with it, each call paid an atomic increment and
decrement per array it touched. An action that tried to allocate would fail to compile, loudly.
They take the state as one StructRef (sim/model/struct.py), a pointer: passing the ~160 arrays as a
namedtuple made every function that took them slow to compile (4 s for a tiny one) and every call
from Python or between compiled functions copy ~10 KB.

Actions are inlined into their callers (`inline="always"`, numba's IR inlining): measured with the
StructRef state, calls instead of inlining made the default scenario slower (27 against 39-41
replicates/s, one thread) and saved no compile time. Rules stay calls: inlining them too changed nothing
measurable.
"""

from numba import njit

rule = njit(cache=True)
action = njit(cache=True, _nrt=False, inline="always")

# A few actions that run rarely and hold much inlined code (an arrest with its investigation, a courier
# team's boarding and arrival) are compiled as calls: inlined at each of their call sites they
# multiplied the kernel's compile time (measured with the namedtuple state: 8 minutes and 3 GB). Not for
# what runs per courier: there inlining is faster.
rare_action = njit(cache=True, _nrt=False)
