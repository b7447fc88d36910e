"""People: the members of the trafficking organisations as networks, who can be identified at checks,
arrested, revealed by investigations, wanted under notices and replaced. Declarations first, then the
rules, then the actions, then the build (networkx).

An organisation with a `people:` section is a graph of people with roles (leaders, coordinators,
brokers, transporters, couriers, facilitators). A person is checked when travelling: a transporter with
the consignment he accompanies, a courier on an air leg (`trafficking` forms the teams). A check
identifies a person by finding the drugs (profiling) or by a database query: a stolen or lost travel
document (SLTD), a notice or a local wanted list (nominal data), a record (fingerprints). Queries need
INTERPOL database access, except a post's own wanted list. An arrest reveals some of the arrested's ties;
with secure communications (the arresting agency has database access) the people revealed become wanted
everywhere (a notice), else only where they were revealed. An investigation then pursues some of them,
in the order its targeting strategy gives. Arrested people are replaced after a delay; an
organisation's capacity is the share of its operational people (transporters, couriers, facilitators)
still linked to an active leader, so that losing a broker costs more than losing a courier.

Without a `people:` section an organisation has no people: nothing here changes what it does.
"""

from __future__ import annotations

from functools import lru_cache

import networkx as nx
import numpy as np

from . import rng
from .compiler import action, rare_action, rule
from .declare import END, FLOWS, INIT, LEARN, Entities, Field, Module, Outcome, Param, Phase, Series
from .network import Region

ROLES = ("leader", "coordinator", "broker", "transporter", "courier", "facilitator")
LEADER, COORDINATOR, BROKER, TRANSPORTER, COURIER, FACILITATOR = range(6)
TIER = (0, 1, 2, 3, 3, 3)  # chain of command: leaders, coordinators, brokers, then the people who operate
# Columns of `person` (int64), `person_flag` (bool), `org_people` (int64) and `org_people_state` (float64):
# a member's and an organisation's state packed into few arrays, because each array of the state struct
# adds to the compile time of every function that takes it (numba passes the struct by value).
ORG, ROLE, HOME, RECRUIT_WEEKS, RETURN_WEEK, WANTED_AT, ARREST_COUNT = range(7)
ACTIVE, CONNECTED, RELEASED, STOLEN_DOCUMENT, NOTICE, RECORD = range(6)
ROLE_FIRST = 0  # org_people[org, ROLE_FIRST + role]: first row of each role, then one past the last
TURN = len(ROLES) + 1  # org_people[org, TURN + role]: whose turn it is next among the members of a role
# next week a vacancy is filled; a member of the core / a member with one tie left or came back; the rows of
# core_rows that are this organisation's; the mark of its last search; its groups in the core; a leader at large;
# how many of its members are away (their rows listed in `vacancies` from its first row on); the first members
# of the core who left or came back since it last reorganised (DIRTY counts them all)
NEXT_RETURN, DIRTY, LEAVES_CHANGED, CORE_FIRST, CORE_END, STAMP, CORE_GROUPS, LEADER_AT_LARGE, VACANCIES, CHANGED = \
    range(TURN + len(ROLES), TURN + len(ROLES) + 10)
CHANGES_KEPT = 8  # org_people[org, CHANGED + k]; beyond these the organisation searches its core again
UNMARKED = -1  # a search mark no search gives (stamps are 0 before the first search, then week + 1 >= 2)
LEAVES_ACTIVE, LEAVES_OPERATIONAL = range(2)  # columns of person_leaves: members at large with one tie, to this one
CAPACITY, MEMBERS, GROUPS, COURIER_KG = range(4)
STATUSES = ("linked", "cut off", "arrested or vacant")  # a member's status by its code in snapshot_status
TARGETING = ("found", "leaders", "brokers")
CUSTOMS, MARITIME = -1, -2  # agencies that are not police posts: checks at a leg's end, patrols at sea
# what identified a person
NOT_IDENTIFIED, BY_PROFILING, BY_DOCUMENT, BY_NOMINAL, BY_FINGERPRINTS = 0, 1, 2, 3, 4

ARRESTS = FLOWS.flow("people", "arrests", "people", "people arrested")
ARRESTS_BY_ROLE = FLOWS.flow("people", "arrests_leaders", "people", "leaders arrested")
for _role in ROLES[1:]:
    FLOWS.flow("people", f"arrests_{_role}s", "people", f"{_role}s arrested")
ARRESTS_HOST = FLOWS.flow("people", "arrests_host_police", "people", "people arrested by host-state police")
ARRESTS_UN = FLOWS.flow("people", "arrests_un_police", "people", "people arrested by UN police")
ARRESTS_CUSTOMS = FLOWS.flow("people", "arrests_customs", "people", "people arrested by customs at a leg's end")
ARRESTS_MARITIME = FLOWS.flow("people", "arrests_maritime", "people", "people arrested at sea by maritime patrols")
ARRESTS_INVESTIGATION = FLOWS.flow("people", "arrests_by_investigation", "people",
                                   "people arrested by investigations that followed an arrest")
ARRESTS_WITH_DATABASE = FLOWS.flow("people", "arrests_with_database", "people",
                                   "people arrested by agencies with INTERPOL databases")
ARRESTS_WITHOUT_DATABASE = FLOWS.flow("people", "arrests_without_database", "people",
                                      "people arrested by agencies without INTERPOL databases")
IDENTIFIED_PROFILING = FLOWS.flow("people", "identified_by_profiling", "people",
                                  "people identified by the drugs they carried")
IDENTIFIED_DOCUMENTS = FLOWS.flow("people", "identified_by_documents", "people",
                                  "people identified by a stolen or lost travel document (SLTD)")
IDENTIFIED_NOMINAL = FLOWS.flow("people", "identified_by_nominal", "people",
                                "people identified by a notice or a wanted list (nominal data)")
IDENTIFIED_FINGERPRINTS = FLOWS.flow("people", "identified_by_fingerprints", "people",
                                     "people identified by fingerprints of an earlier arrest")
NOTICES = FLOWS.flow("people", "notices", "people", "people put under a notice (revealed with secure communications)")
COURIER_TRIPS = FLOWS.flow("people", "courier_trips", "trips", "courier trips on air legs")


# ------------------------------------------------------------------------------------------ rules

@rule
def capacity_share(reached_operational, operational, leader_active):
    """An organisation's capacity: the share of its operational people (transporters, couriers,
    facilitators) still linked through active people to an active leader; with no operational people,
    1 while a leader is active. Assumption: coordination runs along ties (FACTS-2 S230, S234)."""
    if operational == 0:
        return 1.0 if leader_active else 0.0
    return reached_operational / operational


@rule
def pursuit_chance(success, skill, local, noticed, notice_share):
    """Chance a pursuit arrests its target: success x skill in the agency's own country; abroad only
    under a notice, times the share of notices that lead to an arrest (assumption)."""
    if local:
        return success * skill
    if noticed:
        return success * skill * notice_share
    return 0.0


@rule
def target_priority(targeting, role, centrality, draw):
    """Whom an investigation pursues first: whoever is found (random order), the highest rank
    (leaders, then coordinators, ...), or the most central (betweenness within the organisation);
    `draw` breaks ties."""
    if targeting == 0:
        return draw
    if targeting == 1:
        return (5 - role) + 1e-3 * draw
    return centrality + 1e-9 * draw


# ---------------------------------------------------------------------------------------- actions

@action
def draw_documents(s, p, week):
    """Before week 1: which members travel on a stolen or lost document."""
    for person in range(s.person.shape[0]):
        s.person_flag[person, STOLEN_DOCUMENT] = rng.uniform(p.seed, 0, person, rng.DOCUMENT) < p.stolen_document_share


@action
def identify(s, p, person, profiling, has_database, node, week, address):
    """A check of `person` at `node`: finds the drugs with chance `profiling`, else, with database access,
    queries the travel document (SLTD), the name (notices) and the fingerprints of a record; a post
    also knows its own wanted list. Returns what identified the person (NOT_IDENTIFIED if nothing)."""
    if profiling > 0.0 and rng.uniform(p.seed, week, address, rng.PERSON_PROFILING) < profiling:
        s.week_totals[IDENTIFIED_PROFILING] += 1.0
        return BY_PROFILING
    if has_database and s.person_flag[person, STOLEN_DOCUMENT] and \
            rng.uniform(p.seed, week, address, rng.DOCUMENT_QUERY) < p.document_hit:
        s.week_totals[IDENTIFIED_DOCUMENTS] += 1.0
        return BY_DOCUMENT
    wanted = (has_database and s.person_flag[person, NOTICE]) or s.person[person, WANTED_AT] == node
    if wanted and rng.uniform(p.seed, week, address, rng.NOMINAL_QUERY) < p.nominal_hit:
        s.week_totals[IDENTIFIED_NOMINAL] += 1.0
        return BY_NOMINAL
    if has_database and s.person_flag[person, RECORD] and \
            rng.uniform(p.seed, week, address, rng.FINGERPRINT_QUERY) < p.fingerprint_hit:
        s.week_totals[IDENTIFIED_FINGERPRINTS] += 1.0
        return BY_FINGERPRINTS
    return NOT_IDENTIFIED


@action
def agency_database(s, p, agency, node):
    """Whether the arresting or checking agency queries the databases: a post's access; customs and
    maritime patrols have it in Europe when `europe_database`."""
    if agency >= 0:
        return s.unit_database[agency]
    return p.europe_database and s.node_region[node] == Region.EUROPE


@action
def arrest(s, p, person, agency, has_database, week):
    """`person` is arrested by `agency` (a post, CUSTOMS or MARITIME): removed from the organisation
    until a replacement is recruited, or, for a courier released without prosecution (S206), until he
    returns with a record."""
    org, role = s.person[person, ORG], s.person[person, ROLE]
    s.person_flag[person, ACTIVE] = False
    s.person_flag[person, CONNECTED] = False
    s.person[person, ARREST_COUNT] += 1
    leave_or_return(s, org, person, -1)
    s.week_totals[ARRESTS] += 1.0
    s.week_totals[ARRESTS_BY_ROLE + role] += 1.0
    if agency == CUSTOMS:
        s.week_totals[ARRESTS_CUSTOMS] += 1.0
    elif agency == MARITIME:
        s.week_totals[ARRESTS_MARITIME] += 1.0
    elif s.unit_is_un[agency]:
        s.week_totals[ARRESTS_UN] += 1.0
    else:
        s.week_totals[ARRESTS_HOST] += 1.0
    s.week_totals[ARRESTS_WITH_DATABASE if has_database else ARRESTS_WITHOUT_DATABASE] += 1.0
    released = role == COURIER and rng.uniform(p.seed, week, person, rng.RELEASE) < p.courier_release_share
    s.person_flag[person, RELEASED] = released
    s.person[person, RETURN_WEEK] = week + (p.release_weeks if released else s.person[person, RECRUIT_WEEKS])
    s.org_people[org, NEXT_RETURN] = min(s.org_people[org, NEXT_RETURN], s.person[person, RETURN_WEEK])
    s.vacancies[s.org_people[org, ROLE_FIRST] + s.org_people[org, VACANCIES]] = person
    s.org_people[org, VACANCIES] += 1


@action
def investigate(s, p, person, agency, has_database, node, week):
    """After the arrest of `person` at `node`: each tie is revealed with chance reveal x skill; the people
    revealed become wanted there, and under a notice everywhere if the agency has secure communications;
    then up to `pursuits_per_arrest` of them still at large are pursued, in the targeting order."""
    skill = s.unit_skill[agency] if agency >= 0 else p.agency_skill
    found = 0
    for j in range(s.person_tie_ptr[person], s.person_tie_ptr[person + 1]):
        other = s.person_tie_people[j]
        if rng.uniform(p.seed, week, j, rng.REVEAL) >= p.reveal_per_tie * skill:
            continue
        s.tie_followed[s.person_tie_index[j]] += 1
        s.person[other, WANTED_AT] = node
        if has_database and not s.person_flag[other, NOTICE]:
            s.person_flag[other, NOTICE] = True
            s.week_totals[NOTICES] += 1.0
        if s.person_flag[other, ACTIVE]:
            s.scratch_people[found] = other
            found += 1
    for _ in range(min(found, p.pursuits_per_arrest)):
        best, best_score = -1, -1.0
        for i in range(found):
            candidate = s.scratch_people[i]
            if candidate < 0:
                continue
            score = target_priority(p.targeting, s.person[candidate, ROLE], s.person_centrality[candidate],
                                    rng.uniform(p.seed, week, candidate, rng.TARGET_ORDER))
            if best < 0 or score > best_score:
                best, best_score = i, score
        target = s.scratch_people[best]
        s.scratch_people[best] = -1
        local = s.node_country[s.person[target, HOME]] == s.node_country[node]
        chance = pursuit_chance(p.pursuit_success, skill, local, s.person_flag[target, NOTICE], p.notice_arrest_share)
        if s.person_flag[target, ACTIVE] and rng.uniform(p.seed, week, target, rng.PURSUIT) < chance:
            arrest(s, p, target, agency, has_database, week)
            s.week_totals[ARRESTS_INVESTIGATION] += 1.0


@rare_action
def arrest_and_investigate(s, p, person, agency, node, week):
    """An arrest at `node` and the investigation that follows it."""
    has_database = agency_database(s, p, agency, node)
    arrest(s, p, person, agency, has_database, week)
    investigate(s, p, person, agency, has_database, node, week)


@rule
def member_rows(org_people, org, role):
    """(first, end) rows of the organisation's members of `role`."""
    return org_people[org, ROLE_FIRST + role], org_people[org, ROLE_FIRST + role + 1]


@rule
def is_linked(person_flag, visit, anchor, stamp, person):
    """Whether a member is linked through members at large to a leader at large: a member of the core as
    its organisation's last search found (and not arrested since); a member with one tie if at large and
    that one was linked at the last search (`stamp`: the organisation's STAMP)."""
    one = anchor[person]
    if one < 0:
        return person_flag[person, CONNECTED]
    return person_flag[person, ACTIVE] and visit[one] == stamp


@rule
def next_member(org_people, person_flag, visit, anchor, org, role):
    """The next member of `role` in turn who is linked to a leader, or -1: transporters and couriers are
    called on in turn."""
    first, end = member_rows(org_people, org, role)
    size = end - first
    start = org_people[org, TURN + role]
    for step in range(size):
        person = first + (start + step) % size
        if is_linked(person_flag, visit, anchor, org_people[org, STAMP], person):
            org_people[org, TURN + role] = (start + step + 1) % size
            return person
    return -1


@rule
def _search(start, stamp, active, visit, tie_ptr, tie_people, queue):
    """Marks with `stamp` every active member reachable from queue[0..start) (already marked); returns how
    many were reached, who stay in queue[0..reached)."""
    head, tail = 0, start
    while head < tail:
        person = queue[head]
        head += 1
        for j in range(tie_ptr[person], tie_ptr[person + 1]):
            other = tie_people[j]
            if active[other] and visit[other] != stamp:
                visit[other] = stamp
                queue[tail] = other
                tail += 1
    return tail


@rule
def search_core(leaders_first, leaders_end, core_rows, stamp, active, connected, visit, core_ptr, core_people,
                queue):
    """Who in the core (`core_rows`: the organisation's members with more than one tie) is linked through
    members at large to a leader at large (`connected`, and `visit` marked `stamp`), and the core's
    connected groups of members at large, each cut-off group marked -stamp (more than one group: the
    organisation has split). Returns (groups, a leader is at large)."""
    starts = 0
    for person in range(leaders_first, leaders_end):
        if active[person]:
            visit[person] = stamp
            queue[starts] = person
            starts += 1
    _search(starts, stamp, active, visit, core_ptr, core_people, queue)
    groups = 1 if starts else 0
    for person in core_rows:
        connected[person] = active[person] and visit[person] == stamp
        if active[person] and visit[person] != stamp and visit[person] != -stamp:
            groups += 1
            visit[person] = -stamp
            queue[0] = person
            _search(1, -stamp, active, visit, core_ptr, core_people, queue)
    return groups, starts > 0


@rule
def count_members(core_rows, operational, stamp, active, visit, leaves):
    """(operational members linked to a leader, members with one tie whose tie is not at large (each a group
    of its own), members at large) of an organisation, from its core and the members hanging on each
    (`leaves`: at large, of which operational); operational members are the rows from `operational` on.
    A member with one tie is linked if that one is, and is in its group if that one is at large."""
    reached, alone, members = 0, 0, 0
    for person in core_rows:
        members += leaves[person, LEAVES_ACTIVE]
        if not active[person]:
            alone += leaves[person, LEAVES_ACTIVE]
            continue
        members += 1
        if visit[person] == stamp:
            reached += (person >= operational) + leaves[person, LEAVES_OPERATIONAL]
    return reached, alone, members


@action
def leave_or_return(s, org, person, change):
    """A member leaves (`change` -1: arrested) or comes back (+1): a member of the core is noted for the
    organisation to reorganise (`needs_search`); one with one tie only changes the counts of the member it
    hangs on."""
    one = s.person_anchor[person]
    if one < 0:
        if s.org_people[org, DIRTY] < CHANGES_KEPT:
            s.org_people[org, CHANGED + s.org_people[org, DIRTY]] = person
        s.org_people[org, DIRTY] += 1
        return
    s.person_leaves[one, LEAVES_ACTIVE] += change
    if s.person[person, ROLE] >= TRANSPORTER:
        s.person_leaves[one, LEAVES_OPERATIONAL] += change
    s.org_people[org, LEAVES_CHANGED] = True


@action
def needs_search(s, org):
    """Whether the organisation must search its core again, or can update its marks in place. The members
    of the core who left or came back since it last reorganised (each did one or the other) are replayed in
    turn: while none of them is a leader and each could not have split or joined groups of the others (at
    most one neighbour at large in the core, or, coming back, only neighbours linked to a leader), its mark
    and the groups are updated in place: the same marks and groups as a search, without it. A member not
    yet replayed counts as it was before its change. Returning True may leave some changes replayed: the
    search then rewrites every mark, CONNECTED flag and the groups."""
    changes = s.org_people[org, DIRTY]
    if changes == 0 or changes > CHANGES_KEPT:
        return changes > 0
    stamp = s.org_people[org, STAMP]
    for k in range(changes):
        person = s.org_people[org, CHANGED + k]
        if person < s.org_people[org, ROLE_FIRST + COORDINATOR]:  # a leader: where a search starts
            return True
        if _pending(s, org, person, k + 1, changes):  # left and came back: its state before is not its opposite
            return True
        neighbours, linked = 0, 0
        for j in range(s.person_core_ptr[person], s.person_core_ptr[person + 1]):
            other = s.person_core_people[j]
            if s.person_flag[other, ACTIVE] != _pending(s, org, other, k + 1, changes):
                neighbours += 1
                linked += s.person_visit[other] == stamp
        returned = s.person_flag[person, ACTIVE]
        if neighbours > 1 and not (returned and linked == neighbours):
            return True
        if neighbours == 0:  # alone: a group of its own, or no longer
            s.org_people[org, CORE_GROUPS] += 1 if returned else -1
        joined = returned and neighbours > 0 and linked == neighbours
        s.person_visit[person] = stamp if joined else UNMARKED
        s.person_flag[person, CONNECTED] = joined
    return False


@action
def _pending(s, org, person, done, changes):
    """Whether `person` is among the changes of `org` not yet replayed (from number `done` on)."""
    for k in range(done, changes):
        if s.org_people[org, CHANGED + k] == person:
            return True
    return False


@action
def reorganise(s, p, org, week):
    """After the week: vacancies whose time has come are filled (a released courier comes back with a
    record; else a new recruit, unknown to the police, who may travel on a stolen or lost document), and
    if anyone left or came back the organisation works out who is still linked to its leaders."""
    first, end = s.org_people[org, ROLE_FIRST], s.org_people[org, ROLE_FIRST + len(ROLES)]
    if first == end:
        return
    if s.org_people[org, NEXT_RETURN] <= week:  # over the vacancies, not the members (a return's order
        upcoming = 1 << 62                         # among those of the same week changes nothing)
        k = first
        while k < first + s.org_people[org, VACANCIES]:
            person = s.vacancies[k]
            back = s.person[person, RETURN_WEEK]
            if back > week:
                upcoming = min(upcoming, back)
                k += 1
                continue
            s.org_people[org, VACANCIES] -= 1
            s.vacancies[k] = s.vacancies[first + s.org_people[org, VACANCIES]]
            s.person_flag[person, ACTIVE] = True
            s.person[person, RETURN_WEEK] = -1
            leave_or_return(s, org, person, 1)
            if s.person_flag[person, RELEASED]:
                s.person_flag[person, RECORD] = True
            else:
                s.person_flag[person, STOLEN_DOCUMENT] = rng.uniform(p.seed, week, person, rng.DOCUMENT) < p.stolen_document_share
                s.person_flag[person, NOTICE] = False
                s.person[person, WANTED_AT] = -1
                s.person_flag[person, RECORD] = False
        s.org_people[org, NEXT_RETURN] = upcoming
    if not (s.org_people[org, DIRTY] or s.org_people[org, LEAVES_CHANGED]):
        return
    core_rows = s.core_rows[s.org_people[org, CORE_FIRST]:s.org_people[org, CORE_END]]
    if needs_search(s, org):  # a search mark of its own: an organisation is searched at most once a week
        s.org_people[org, STAMP] = week + 1
        s.org_people[org, CORE_GROUPS], s.org_people[org, LEADER_AT_LARGE] = search_core(
            first, s.org_people[org, ROLE_FIRST + COORDINATOR], core_rows, week + 1, s.person_flag[:, ACTIVE],
            s.person_flag[:, CONNECTED], s.person_visit, s.person_core_ptr, s.person_core_people, s.scratch_people)
    s.org_people[org, DIRTY], s.org_people[org, LEAVES_CHANGED] = 0, False
    reached, alone, members = count_members(core_rows, s.org_people[org, ROLE_FIRST + TRANSPORTER],
                                            s.org_people[org, STAMP], s.person_flag[:, ACTIVE], s.person_visit,
                                            s.person_leaves)
    operational = end - s.org_people[org, ROLE_FIRST + TRANSPORTER]
    s.org_people_state[org, CAPACITY] = capacity_share(reached, operational, s.org_people[org, LEADER_AT_LARGE])
    s.org_people_state[org, GROUPS] = s.org_people[org, CORE_GROUPS] + alone
    s.org_people_state[org, MEMBERS] = members


@action
def keep_snapshot(s, p, week):
    """At the snapshot weeks, each member's status (code in STATUSES): 0 linked to a leader, 1 active but
    cut off, 2 arrested or vacant."""
    people = s.person_flag.shape[0]
    for k in range(s.snapshot_week.shape[0]):
        if s.snapshot_week[k] == week:
            for person in range(people):
                linked = is_linked(s.person_flag, s.person_visit, s.person_anchor,
                                   s.org_people[s.person[person, ORG], STAMP], person)
                s.snapshot_status[k * people + person] = 0 if linked else (1 if s.person_flag[person, ACTIVE] else 2)


@rule
def mean_capacity(org_people_state, org_people):
    """Capacity of the organisations with people, averaged (1 where none has people)."""
    total, count = 0.0, 0
    for org in range(org_people.shape[0]):
        if org_people[org, ROLE_FIRST + len(ROLES)] > org_people[org, ROLE_FIRST]:
            total += org_people_state[org, CAPACITY]
            count += 1
    return total / count if count else 1.0


@action
def final_capacity(s, p):
    return mean_capacity(s.org_people_state, s.org_people)


# ------------------------------------------------------------------------------------------ build

@lru_cache(maxsize=64)
def organisation_graph(counts: tuple[int, ...], extra_ties_per_member: float, seed: int) -> nx.Graph:
    """One organisation's people (nodes 0..n-1 in role order) and ties: the leaders a clique (S230, a
    core of four or five), each coordinator tied to a leader, each broker to a coordinator (or a
    leader), each transporter, courier and facilitator to a broker (or the tier above): workers who
    do not know the core (S230). Then `extra_ties_per_member` x n random ties within or between
    adjacent tiers: the redundancy that lets a network absorb arrests (S234). Betweenness centrality
    is stored on each node (`centrality`). Structure beyond S230: assumption."""
    generator = np.random.default_rng(seed)
    roles = [role for role, count in enumerate(counts) for _ in range(count)]
    graph = nx.Graph()
    graph.add_nodes_from((i, {"role": role}) for i, role in enumerate(roles))
    by_tier: dict[int, list[int]] = {}
    for i, role in enumerate(roles):
        by_tier.setdefault(TIER[role], []).append(i)
    leaders = by_tier[0]
    graph.add_edges_from((a, b) for k, a in enumerate(leaders) for b in leaders[k + 1:])
    for tier in (1, 2, 3):
        above = next((by_tier[t] for t in range(tier - 1, -1, -1) if by_tier.get(t)), leaders)
        for person in by_tier.get(tier, []):
            graph.add_edge(person, int(above[generator.integers(len(above))]))
    for _ in range(int(round(extra_ties_per_member * len(roles)))):
        a = int(generator.integers(len(roles)))
        tier = min(3, max(1, TIER[roles[a]] + int(generator.integers(-1, 2))))
        pool = by_tier.get(tier) or leaders
        b = int(pool[generator.integers(len(pool))])
        if a != b:
            graph.add_edge(a, b)
    centrality = nx.betweenness_centrality(graph) if len(roles) <= 400 else \
        nx.betweenness_centrality(graph, k=400, seed=int(seed))
    nx.set_node_attributes(graph, centrality, "centrality")
    return graph


def _graphs(scenario, context) -> list[nx.Graph | None]:
    if "people_graphs" not in context:
        seed = scenario.people.structure_seed if scenario.people else 0
        context["people_graphs"] = [
            None if o.people is None else
            organisation_graph(tuple(getattr(o.people.members, role) for role in ROLES),
                               o.people.extra_ties_per_member, seed * 1000 + row)
            for row, o in enumerate(scenario.organisations)]
    return context["people_graphs"]


def person_ids(scenario, context) -> list[str]:
    return [f"{org.id}.{ROLES[graph.nodes[i]['role']]}_{i}"
            for org, graph in zip(scenario.organisations, _graphs(scenario, context)) if graph is not None
            for i in graph.nodes]


def tie_ids(scenario, context) -> list[str]:
    ids = person_ids(scenario, context)
    return [f"{ids[a]}~{ids[b]}" for a, b in _ties(scenario, context)]


def _ties(scenario, context) -> list[tuple[int, int]]:
    """Every tie once, as (person row, person row) with rows global over organisations."""
    ties, offset = [], 0
    for graph in _graphs(scenario, context):
        if graph is None:
            continue
        ties += [(offset + min(a, b), offset + max(a, b)) for a, b in sorted(graph.edges, key=sorted)]
        offset += graph.number_of_nodes()
    return ties


def core_ties(neighbours: list[list[int]], role: list[int]) -> tuple[list[int], list[int], list[int]]:
    """From each member's neighbours: (anchor, core pointer, core neighbours) for `search_core`. A member other
    than a leader with one tie, to a member with more, hangs on it (`anchor`); the others are the core, and
    the CSR lists the ties among them."""
    anchor = [ties[0] if len(ties) == 1 and role[p] != LEADER and len(neighbours[ties[0]]) > 1 else -1
              for p, ties in enumerate(neighbours)]
    pointer, core = [0], []
    for person, ties in enumerate(neighbours):
        if anchor[person] < 0:
            core += [other for other in ties if anchor[other] < 0]
        pointer.append(len(core))
    return anchor, pointer, core


def leaf_counts(anchor, role, active) -> np.ndarray:
    """person_leaves: for each member, how many members at large hang on it by their one tie
    (LEAVES_ACTIVE), and how many of those operate (LEAVES_OPERATIONAL)."""
    anchor, role, active = np.asarray(anchor, np.int64), np.asarray(role, np.int64), np.asarray(active, bool)
    counts = np.zeros((len(anchor), LEAVES_OPERATIONAL + 1), np.int64)
    hanging = (anchor >= 0) & active
    np.add.at(counts[:, LEAVES_ACTIVE], anchor[hanging], 1)
    np.add.at(counts[:, LEAVES_OPERATIONAL], anchor[hanging & (role >= TRANSPORTER)], 1)
    return counts


def linked_members(state) -> np.ndarray:
    """Which members are linked to a leader now (`is_linked` over a State's arrays, in numpy)."""
    if state.person.shape[0] == 0:
        return np.zeros(0, bool)
    anchor = state.person_anchor
    stamp = state.org_people[state.person[:, ORG], STAMP]
    core = state.person_flag[:, CONNECTED]
    hanging = state.person_flag[:, ACTIVE] & (state.person_visit[np.maximum(anchor, 0)] == stamp)
    return np.where(anchor < 0, core, hanging)


def max_team(scenario) -> int:
    """The largest courier team a shipment can need: shipment kg / kg per courier."""
    sizes = [int(np.ceil(o.shipment_kg / o.people.courier_kg)) for o in scenario.organisations
             if o.people is not None and o.people.courier_kg and o.people.members.courier]
    return max(sizes, default=0)


def snapshot_ids(scenario, context) -> list[str]:
    return [str(week) for week in (scenario.people.snapshot_weeks if scenario.people else [])]


def build(scenario, context) -> dict:
    orgs, nodes = scenario.organisations, scenario.network.nodes
    node_index = {n.id: i for i, n in enumerate(nodes)}
    countries = sorted({n.country for n in nodes})
    graphs = _graphs(scenario, context)
    recruit = scenario.people.recruit_weeks if scenario.people else {}
    role, org_of, home, centrality, recruit_weeks = [], [], [], [], []
    first, end, operational, courier_kg = [], [], [], []
    role_first = np.zeros((len(orgs), len(ROLES) + 1), np.int64)
    for row, (org, graph) in enumerate(zip(orgs, graphs)):
        first.append(len(role))
        if graph is not None:
            operates = org.people.operates_at
            k = 0
            for i in graph.nodes:
                r = graph.nodes[i]["role"]
                role.append(r)
                org_of.append(row)
                if TIER[r] < 3:
                    home.append(node_index[org.people.based_at])
                else:
                    home.append(node_index[operates[k % len(operates)]])
                    k += 1
                centrality.append(graph.nodes[i]["centrality"])
                recruit_weeks.append(recruit[ROLES[r]])
        end.append(len(role))
        counts = [0] * len(ROLES) if graph is None else [getattr(org.people.members, name) for name in ROLES]
        role_first[row] = first[-1] + np.concatenate([[0], np.cumsum(counts)])
        operational.append(sum(counts[r] for r in range(len(ROLES)) if TIER[r] == 3))
        courier_kg.append((org.people.courier_kg or 0.0) if org.people is not None and counts[COURIER] else 0.0)
    ties = _ties(scenario, context)
    n_people = len(role)
    pointer, neighbours, tie_of = [0], [], []
    adjacency: list[list[tuple[int, int]]] = [[] for _ in range(n_people)]
    for index, (a, b) in enumerate(ties):
        adjacency[a].append((b, index))
        adjacency[b].append((a, index))
    for person in range(n_people):
        for other, index in sorted(adjacency[person]):
            neighbours.append(other)
            tie_of.append(index)
        pointer.append(len(neighbours))
    anchor, core_pointer, core = core_ties([[other for other, _ in sorted(ties)] for ties in adjacency], role)
    snapshots = scenario.people.snapshot_weeks if scenario.people else []
    person = np.zeros((n_people, ARREST_COUNT + 1), np.int64)
    person[:, ORG], person[:, ROLE], person[:, HOME] = org_of, role, home
    person[:, RECRUIT_WEEKS], person[:, RETURN_WEEK], person[:, WANTED_AT] = recruit_weeks, -1, -1
    person_flag = np.zeros((n_people, RECORD + 1), np.bool_)
    person_flag[:, ACTIVE] = person_flag[:, CONNECTED] = True
    core_rows = [p for p in range(n_people) if anchor[p] < 0]  # in row order, so organisation by organisation
    org_people = np.zeros((len(orgs), CHANGED + CHANGES_KEPT), np.int64)
    org_people[:, ROLE_FIRST:ROLE_FIRST + len(ROLES) + 1] = role_first
    org_people[:, NEXT_RETURN] = 1 << 62
    org_people[:, CORE_FIRST] = np.searchsorted(core_rows, first)
    org_people[:, CORE_END] = np.searchsorted(core_rows, end)
    org_people[:, CORE_GROUPS] = org_people[:, LEADER_AT_LARGE] = [graph is not None for graph in graphs]
    org_state = np.zeros((len(orgs), COURIER_KG + 1))
    org_state[:, CAPACITY] = 1.0
    org_state[:, MEMBERS] = [e - f for f, e in zip(first, end)]
    org_state[:, GROUPS] = [1.0 if graph is not None else 0.0 for graph in graphs]
    org_state[:, COURIER_KG] = courier_kg
    return dict(
        node_country=np.array([countries.index(n.country) for n in nodes], np.int64),
        person=person,
        person_flag=person_flag,
        person_centrality=np.array(centrality, float),
        person_tie_ptr=np.array(pointer, np.int64),
        person_tie_people=np.array(neighbours, np.int64),
        person_tie_index=np.array(tie_of, np.int64),
        person_anchor=np.array(anchor, np.int64),
        person_visit=np.zeros(n_people, np.int64),
        person_core_ptr=np.array(core_pointer, np.int64),
        person_core_people=np.array(core, np.int64),
        person_leaves=leaf_counts(anchor, role, np.ones(n_people, np.bool_)),
        core_rows=np.array(core_rows, np.int64),
        tie_followed=np.zeros(len(ties), np.int64),
        scratch_people=np.zeros(n_people, np.int64),
        vacancies=np.zeros(n_people, np.int64),
        org_people=org_people,
        org_people_state=org_state,
        snapshot_week=np.array(snapshots, np.int64),
        snapshot_status=np.zeros(len(snapshots) * n_people, np.int64),
    )


def _people_param(path: str, default=0.0):
    """A parameter from the `people:` section (its value where a scenario has none: unused)."""
    def derive(scenario, context):
        value = scenario.people
        if value is None:
            return default
        for step in path.split("."):
            value = getattr(value, step)
        return value
    return derive


F, I, B = np.float64, np.int64, np.bool_
MODULE = Module(
    name="people",
    build=build,
    entities=(Entities("people", person_ids, "members of the organisations, organisation by organisation, in "
                                             "role order"),
              Entities("ties", tie_ids, "ties between members (investigations follow them)"),
              Entities("snapshots", snapshot_ids, "weeks at which the members' status is kept")),
    fields=(
        Field("node_country", I, ("nodes",), "country of the node (index)"),
        Field("person", I, ("people", ARREST_COUNT + 1), "ORG, ROLE (index in ROLES), HOME (node), RECRUIT_WEEKS, "
              "RETURN_WEEK (a vacancy is filled, -1 for none), WANTED_AT (node whose police want the member, -1), "
              "ARREST_COUNT", written=False),
        Field("person_anchor", I, ("people",), "a member's one tie (-1: more than one tie, the core)", written=False),
        Field("person_visit", I, ("people",), "search marks: a core member linked at its organisation's last "
              "search holds its STAMP", written=False),
        Field("person_leaves", I, ("people", LEAVES_OPERATIONAL + 1), "members at large hanging on this one by "
              "their one tie: LEAVES_ACTIVE, LEAVES_OPERATIONAL", written=False),
        Field("core_rows", I, (), "the members with more than one tie, organisation by organisation", written=False),
        Field("person_flag", B, ("people", RECORD + 1), "ACTIVE (at large), CONNECTED (linked to a leader: read "
              "it through is_linked, which derives it for members with one tie), "
              "RELEASED (the vacancy is a released courier's), STOLEN_DOCUMENT, NOTICE (wanted everywhere, over "
              "I-24/7), RECORD (fingerprinted at an earlier arrest)", written=False),
        Field("person_centrality", F, ("people",), "betweenness centrality within the organisation", written=False),
        Field("person_tie_ptr", I, (), "CSR over person_tie_people, one entry per member plus one", written=False),
        Field("person_tie_people", I, (), "the members each member is tied to", written=False),
        Field("person_tie_index", I, (), "the tie (row of ties) of each entry", written=False),
        Field("person_core_ptr", I, (), "CSR over person_core_people: ties among members with more than one",
              written=False),
        Field("person_core_people", I, (), "the members with more than one tie each such member is tied to",
              written=False),
        Field("tie_followed", I, ("ties",), "times an investigation revealed the tie", written=False),
        Field("scratch_people", I, ("people",), "scratch: people found by an investigation, or a search queue",
              written=False),
        Field("vacancies", I, ("people",), "the members away (arrested), listed from their organisation's first row "
              "(org_people VACANCIES of them)", written=False),
        Field("org_people", I, ("organisations", CHANGED + CHANGES_KEPT), "ROLE_FIRST + role: rows of each role; "
              "TURN + role: whose turn it is; NEXT_RETURN; DIRTY (core members who left or came back), LEAVES_CHANGED; "
              "CORE_FIRST, CORE_END (its rows of core_rows); STAMP (mark of its last search), CORE_GROUPS, "
              "LEADER_AT_LARGE; VACANCIES; CHANGED + k (the first CHANGES_KEPT of the DIRTY)", written=False),
        Field("org_people_state", F, ("organisations", COURIER_KG + 1), "CAPACITY (share of operational members "
              "linked to a leader), MEMBERS (at large), GROUPS (connected groups of active members), COURIER_KG "
              "(kg per courier on air legs, 0 for none)", written=False),
        Field("snapshot_week", I, ("snapshots",), written=False),
        Field("snapshot_status", I, (), "status of each member at each snapshot week, snapshot by snapshot",
              written=False),
    ),
    params=(
        Param("stolen_document_share", None, "share", derive=_people_param("stolen_document_share")),
        Param("courier_release_share", None, "share", derive=_people_param("courier_release_share")),
        Param("release_weeks", None, "weeks", np.int64, derive=_people_param("release_weeks", 1)),
        Param("document_hit", None, "chance", derive=_people_param("identification.document_hit")),
        Param("nominal_hit", None, "chance", derive=_people_param("identification.nominal_hit")),
        Param("fingerprint_hit", None, "chance", derive=_people_param("identification.fingerprint_hit")),
        Param("europe_database", None, "on/off", bool, derive=_people_param("identification.europe_database", False)),
        Param("reveal_per_tie", None, "chance", derive=_people_param("investigation.reveal_per_tie")),
        Param("pursuits_per_arrest", None, "people", np.int64,
              derive=_people_param("investigation.pursuits_per_arrest", 0)),
        Param("pursuit_success", None, "chance", derive=_people_param("investigation.pursuit_success")),
        Param("notice_arrest_share", None, "share", derive=_people_param("investigation.notice_arrest_share")),
        Param("agency_skill", None, "skill", derive=_people_param("investigation.agency_skill")),
        Param("targeting", None, "code", np.int64, derive=lambda scenario, context: TARGETING.index(
            scenario.people.investigation.targeting) if scenario.people else 0),
        Param("max_team", None, "couriers", np.int64, derive=lambda scenario, context: max(1, max_team(scenario))),
    ),
    flows=FLOWS.of("people"),
    outcomes=(Outcome("organisation_capacity", "share", "organisations' capacity at the end", compute=final_capacity),),
    series=(Series("{source}", per="organisations", field="org_people_state",
                   columns=("capacity", "members_at_large", "groups")),),
    phases=(Phase(draw_documents, INIT), Phase(reorganise, LEARN, over="organisations"),
            Phase(keep_snapshot, END)),
)
