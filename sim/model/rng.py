"""Randomness by address: a uniform draw is a hash of (seed, step, entity, purpose).

A counter-based generator (SplitMix64 finaliser, Steele et al. 2014) needs no
state, so a draw does not depend on the order in which agents act, on the
thread that runs a replicate or on the worker that runs a sweep point: one
seed gives one trajectory in the Mesa model and in the kernel alike.
Each purpose below is a separate stream ("common random numbers").
"""

import numpy as np
from numba import njit

LAUNCH_COUNT = 1  # how many shipments an organisation launches this week
ROUTE_CHOICE = 2  # which route a shipment takes
LEG_INTERDICTION = 3  # seizure on a leg by patrols or customs
POLICE_DETECTION = 4  # a police unit detects a shipment
POLICE_BRIBE = 5  # a detecting unit takes a bribe
COMBAT_NOISE = 6  # week-to-week variation in losses
CONFLICT_END = 7  # agreement this week
REPLICATE_SEED = 8  # seed of replicate i in a Monte Carlo run
BATTLE_GOVERNMENT_VIEW = 9  # the week's fighting as the government saw it
BATTLE_REBEL_VIEW = 10  # the week's fighting as the rebels saw it
INITIAL_DRAW = 11  # uncertain starting conditions, once per replicate (sim/model/draws.py)
MARITIME_INTERDICTION = 12  # seizure at sea by a maritime patrol (MAOC-N)
DOCUMENT = 13  # a recruit travels on a stolen or lost document
PERSON_PROFILING = 14  # a check finds the drugs a person carries
DOCUMENT_QUERY = 15  # a travel-document query flags the document (SLTD)
NOMINAL_QUERY = 16  # a name query finds the notice or the local wanted list
FINGERPRINT_QUERY = 17  # fingerprints identify a person with a record
RELEASE = 18  # an arrested courier is released without prosecution
REVEAL = 19  # an arrest reveals a tie of the arrested
PURSUIT = 20  # an investigation's pursuit arrests its target
TARGET_ORDER = 21  # the order in which investigators pursue people of equal priority
PERSON_BRIBE = 22  # an officer who identified a person takes a bribe
FLIGHT_BOOKING = 23  # the flight a courier team is booked on at the hub

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


@njit(cache=True)
def _mix(z):
    z = (z + _GOLDEN)
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


@njit(cache=True)
def hash64(seed, step, entity, purpose):
    """A 64-bit hash of the four integers of an address."""
    h = _mix(np.uint64(purpose))
    h = _mix(h ^ np.uint64(entity))
    h = _mix(h ^ np.uint64(step))
    return _mix(h ^ np.uint64(seed))


@njit(cache=True)
def uniform(seed, step, entity, purpose):
    """A draw in [0, 1) fixed by its address (53 bits of the hash)."""
    return float(hash64(seed, step, entity, purpose) >> _S11) * _TO_UNIT


@njit(cache=True)
def replicate_seed(seed, replicate):
    """The seed of replicate `replicate` of a Monte Carlo run (63 bits, non-negative)."""
    return np.int64(hash64(seed, 0, replicate, REPLICATE_SEED) >> np.uint64(1))
