"""The processor's cycle counter inside compiled code, for `threatnet bench --profile` (sim/runners/bench.py).

`cycles()` reads LLVM's `llvm.readcyclecounter` (the time-stamp counter on x86-64): a few nanoseconds,
no system call, so a profiled week can read it around every phase. Its rate is the bench's to measure
(cycles per second against `time.perf_counter`); only differences within one run mean anything.
Only where the counter can be read from user code: x86-64 (on ARM the intrinsic reads a register the
kernel usually keeps from users, and the process would die).
"""

import platform

from llvmlite import ir
from numba import njit
from numba.core import cgutils, types
from numba.extending import intrinsic

AVAILABLE = platform.machine().lower() in ("x86_64", "amd64")


@intrinsic
def cycles(typingctx):
    """The cycle counter now (int64)."""

    def codegen(context, builder, signature, args):
        counter = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.IntType(64), []),
                                                 "llvm.readcyclecounter")
        return builder.call(counter, [])

    return types.int64(), codegen


@njit(cache=True)
def now():
    """The cycle counter, read from Python (to measure its rate against `time.perf_counter`)."""
    return cycles()
