"""The one indirection through which every rule and action is compiled.

Rules are pure functions of numbers; actions update one entity's rows of the state. Both are
compiled here, so that another target (numba-cuda, one replicate per thread) can be added by
changing these two decorators rather than every function.

Actions are compiled without numba's reference counting (`_nrt=False`): the arrays are owned by
the Python side and an action never allocates; with it, each call paid an atomic increment and
decrement per array of the state, 8x the model's own arithmetic. An action that tried to allocate
would fail to compile, loudly.
"""

from numba import njit

rule = njit(cache=True)
action = njit(cache=True, _nrt=False)
