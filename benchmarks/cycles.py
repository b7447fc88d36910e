"""The CPU's cycle counter inside numba (LLVM's `readcyclecounter`: the TSC on x86), for profiling."""

from llvmlite import ir
from numba import types
from numba.core.extending import intrinsic


@intrinsic
def cycles(typingctx):
    """The cycle counter: about 25 cycles a read; the profiler subtracts what an empty interval costs."""
    def codegen(context, builder, signature, args):
        counter = builder.module.declare_intrinsic("llvm.readcyclecounter", fnty=ir.FunctionType(ir.IntType(64), []))
        return builder.call(counter, [])
    return types.int64(), codegen
