"""The state as compiled code sees it: one numba StructRef over the arrays of `MODEL.State`.

Python keeps the state as the `State` namedtuple (readable, picklable, its arrays plain numpy);
compiled code receives the same arrays in a StructRef (`as_struct`, generated in sim/model/generate.py),
which shares their memory: what an action writes, the namedtuple's arrays hold.

Why not pass the namedtuple: numba passes a tuple of ~160 arrays by value, so every function that takes
it has a ~10 KB argument. Measured on 158 arrays: a tiny function took 4.2 s to compile against 0.07 s
for the StructRef, and a call from Python cost 24 us against 0.9 us (the Mesa driver makes such a call
per agent per phase); inside compiled code a call copied the whole struct. A StructRef is a pointer.
"""

from __future__ import annotations

import numpy as np
from numba import from_dtype, types
from numba.core import cgutils, imputils
from numba.core.datamodel import default_manager, models
from numba.core.extending import infer_getattr, lower_getattr_generic, lower_setattr_generic
from numba.core.runtime.nrtdynmod import _meminfo_struct_type
from numba.core.typing.templates import AttributeTemplate
from numba.experimental import structref

from . import MODEL


class StateStruct(types.StructRef):
    """The numba type of the state: one member per field of MODEL.fields, each a C-contiguous array."""

    def preprocess_fields(self, fields):
        return tuple((name, types.unliteral(kind)) for name, kind in fields)


# Registered by hand rather than by `structref.register`, for one difference: reading a member finds the
# payload through the meminfo's data pointer directly (what numba's NRT_MemInfo_data_fast does), so that
# actions compiled without reference counting (`_nrt=False`, sim/model/compiler.py) can read the state.
default_manager.register(StateStruct, models.StructRefModel)


def _payload(context, builder, typ, value):
    ref = cgutils.create_struct_proxy(typ)(context, builder, value=value)
    info = builder.bitcast(ref.meminfo, _meminfo_struct_type.as_pointer())
    data = builder.load(cgutils.gep_inbounds(builder, info, 0, 3))
    payload = typ.get_data_type()
    pointer = builder.bitcast(data, context.data_model_manager[payload].get_value_type().as_pointer())
    return cgutils.create_struct_proxy(payload)(context, builder, ref=pointer)


@infer_getattr
class _Member(AttributeTemplate):
    key = StateStruct

    def generic_resolve(self, typ, attr):
        return typ.field_dict.get(attr)


@lower_getattr_generic(StateStruct)
def _get(context, builder, typ, value, attr):
    member = getattr(_payload(context, builder, typ, value), attr)
    return imputils.impl_ret_borrowed(context, builder, typ.field_dict[attr], member)


@lower_setattr_generic(StateStruct)
def _set(context, builder, sig, args, attr):
    """Only `as_struct` sets members (compiled with reference counting): the new array is kept, the old
    one released."""
    (struct_type, value_type), (instance, value) = sig.args, args
    payload = _payload(context, builder, struct_type, instance)
    value = context.cast(builder, value, value_type, struct_type.field_dict[attr])
    old = getattr(payload, attr)
    context.nrt.incref(builder, value_type, value)
    context.nrt.decref(builder, value_type, old)
    setattr(payload, attr, value)


class StateProxy(structref.StructRefProxy):
    """The state struct seen from Python (only passed back into compiled code; read the namedtuple)."""


structref.define_boxing(StateStruct, StateProxy)


def _member(field) -> types.Array:
    return types.Array(from_dtype(np.dtype(field.dtype)), max(1, len(field.shape)), "C")


STATE = StateStruct([(field.name, _member(field)) for field in MODEL.fields])
