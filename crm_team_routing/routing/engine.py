# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The routing algorithm, in plain Python: ids and numbers in, decisions out.

The ORM layer (``crm.team._action_assign_leads``) reads everything it needs in a fixed number of
queries per team and member, calls :func:`route`, then writes the decisions in batches. Nothing
here touches the database, which keeps the algorithm easy to test and to profile.

Phase 1 gives each lead waiting for a team to the matching team with the lowest load relative to
its capacity (ties: sequence, then id); a team nobody is available in (all its members absent or
off hours) comes after every other matching team. Phase 2 gives each lead of a routed team to the
eligible member with the lowest load, count / (capacity x weight) (ties: longest waiting, then
member id); members of weight 0 are a reserve, used only when no member of weight > 0 can take
the lead.
Leads are taken best first: higher score, older creation, lower id. Same input, same output.

Phase 2 keeps each team's members in heaps ordered by load, one heap per distinct member filter,
so a decision costs O(log members + distinct member filters of the team), not O(members).

A run over a million leads makes nearly two million decisions: the router keeps the candidates
in :class:`Leads` and the decisions in :class:`Decisions`, columns of machine numbers, rather than
as lists of tuples (about 16 bytes a lead and 24 a decision, instead of 150 to 200).
"""
import gc
from array import array
from bisect import bisect_left
from collections import defaultdict, namedtuple
from fractions import Fraction
from functools import partial
from heapq import heappop, heapreplace, heapify
from itertools import count
from math import isinf, nan as NAN
from operator import itemgetter

# kind: 'team' (phase 1), 'member' (phase 2) or 'unassigned'; score and load (before the lead)
# explain it; why says what kept an unassigned lead waiting: 'no_team', 'team_filter' (a lead
# put in the team that does not match its filter) or 'no_member'. rule: how a team or member was
# chosen when it was not phase 1 or 2's balance (None), e.g. 'fallback_team', 'fallback_user'.
# A member decision's why is None, or :data:`PREFERRED` when the member's preferred filter chose
# them (the owner step has its own).
Decision = namedtuple('Decision', 'lead_id team_id user_id member_id kind score load why rule')
Decision.__new__.__defaults__ = (None,)

# ``Decision.why`` of a member decision that followed the member's preferred filter.
PREFERRED = 'preferred'

NEVER = ''  # sorts before any datetime string: never-assigned members wait the longest


class IdSet(object):
    """A set of lead ids in a few bytes an id, where a Python set costs 60 to 90 (its table and
    an integer object per id), and a run holds one set per team filter, score band and member
    filter: at a million leads, most of its memory.

    The ids are kept as a sorted array (iterating gives them in increasing order). Membership
    is a bitmap of the ids' span when the set is dense enough for it to cost at most as much
    as the array (4 bytes an id), else a binary search in the array.
    """
    __slots__ = ('ids', '_base', '_bits')

    def __init__(self, ids=()):
        """:param ids: lead ids in increasing order, each once"""
        self.ids = ids if isinstance(ids, array) else array('i', ids)
        self._base, self._bits = 0, None
        if self.ids and self.ids[-1] - self.ids[0] < 32 * len(self.ids):
            self._base = base = self.ids[0]
            self._bits = bits = bytearray(((self.ids[-1] - base) >> 3) + 1)
            for lead_id in self.ids:
                offset = lead_id - base
                bits[offset >> 3] |= 1 << (offset & 7)

    def __contains__(self, lead_id):
        bits = self._bits
        if bits is not None:
            offset = lead_id - self._base
            return 0 <= offset and offset >> 3 < len(bits) \
                and bits[offset >> 3] >> (offset & 7) & 1 == 1
        ids = self.ids
        index = bisect_left(ids, lead_id)
        return index < len(ids) and ids[index] == lead_id

    def __iter__(self):
        return iter(self.ids)

    def __len__(self):
        return len(self.ids)

    def __eq__(self, other):
        return isinstance(other, IdSet) and self.ids == other.ids

    __hash__ = None

    def __and__(self, other):
        """The ids in both this set and ``other`` (an IdSet or any set of ids), as an IdSet:
        the leads a member's own filter AND their team's accept."""
        small, large = (self, other) if len(self) <= len(other) else (other, self)
        ids = [lead_id for lead_id in small if lead_id in large]
        if not isinstance(small, IdSet):
            ids.sort()
        return IdSet(array('i', ids))

    __rand__ = __and__


class Leads(object):
    """Candidates kept as columns of machine numbers, in a given order: about 16 bytes a lead
    instead of the 200 of an ``(id, team_id, score, create_date)`` tuple and its objects.

    Iterating gives ``(id, team_id, score, rank)`` tuples, the rank (1, 2, ...) being the
    lead's place in this order: the router reads the candidates oldest first (creation date,
    then id), so that the rank orders them as their creation date does, which is all routing
    uses the date for. A score None is read as 0.0, as routing ranks it.
    """
    __slots__ = ('ids', 'team_ids', 'scores')

    def __init__(self, rows=()):
        self.ids, self.team_ids, self.scores = array('i'), array('i'), array('d')
        self.extend(rows)

    def extend(self, rows):
        """Append ``(id, team_id, score, ...)`` rows, in this order."""
        rows = list(rows)
        self.ids.extend(map(_lead_id, rows))
        teams = list(map(_team_id, rows))
        self.team_ids.extend(map(_NONE_ID.get, teams, teams))
        self.scores.extend(score or 0.0 for score in map(_row_score, rows))

    def rescore(self, scores):
        """Replace the scores with those of ``scores`` {lead_id: score}."""
        self.scores = array('d', map(scores.__getitem__, self.ids))

    def best_first(self):
        """The same leads as :func:`best_first` orders them: higher score first, then in
        this order."""
        # A stable sort: equal scores keep their order (``reverse`` too).
        order = sorted(range(len(self.ids)), key=self.scores.__getitem__, reverse=True)
        ordered = Leads()
        ordered.ids = array('i', map(self.ids.__getitem__, order))
        ordered.team_ids = array('i', map(self.team_ids.__getitem__, order))
        ordered.scores = array('d', map(self.scores.__getitem__, order))
        return ordered

    def __len__(self):
        return len(self.ids)

    def __iter__(self):
        return zip(self.ids, map(_ID_NONE.get, self.team_ids, self.team_ids), self.scores,
                   range(1, len(self.ids) + 1))


class Decisions(object):
    """A sequence of :class:`Decision` kept as columns of machine numbers: ``append`` a
    decision, read back an equal one (by index, slice or iteration). About 24 bytes a decision
    instead of the 150 of a tuple and its numbers: the lead id, the score, the load, and the
    index of the rest (team, salesperson, member, kind, why, rule), of which a run has a few
    distinct combinations per member and team.

    Appended decisions wait in a short list and are stored a chunk at a time, by loops that
    run in C (``map``): appending costs little more than appending to a list.
    """
    __slots__ = ('_lead_ids', '_scores', '_loads', '_words', '_word_index', '_word_list',
                 '_pending', '_no_score')
    CHUNK = 4096
    NO_LOAD = -2 ** 63  # the load None; the score None is NaN

    def __init__(self, decisions=()):
        self._lead_ids = array('i')
        self._scores, self._loads, self._words = array('d'), array('q'), array('i')
        # A new combination gets the next index.
        self._word_index = defaultdict(count().__next__)
        self._word_list = []
        self._pending = []
        self._no_score = False  # whether a decision has the score None
        self.extend(decisions)

    def append(self, decision):
        self._pending.append(decision)
        if len(self._pending) >= self.CHUNK:
            self._store()

    def extend(self, decisions):
        for decision in decisions:
            self.append(decision)

    def _store(self):
        chunk, self._pending = self._pending, []
        self._lead_ids.extend(map(_lead_id, chunk))
        self._words.extend(map(self._word_index.__getitem__, map(_words, chunk)))
        scores = list(map(_score, chunk))
        self._no_score = self._no_score or None in scores
        self._scores.extend(map(_NONE_SCORE.get, scores, scores))
        loads = list(map(_load, chunk))
        self._loads.extend(map(_NONE_LOAD.get, loads, loads))

    @property
    def lead_ids(self):
        """The lead id of each decision (an array)."""
        if self._pending:
            self._store()
        return self._lead_ids

    def __len__(self):
        return len(self._lead_ids) + len(self._pending)

    def _stored_words(self):
        """Store what waits; return the list of the combinations, by index."""
        if self._pending:
            self._store()
        if len(self._word_list) < len(self._word_index):
            self._word_list = sorted(self._word_index, key=self._word_index.get)
        return self._word_list

    def __getitem__(self, index):
        word_list = self._stored_words()
        if isinstance(index, slice):
            return [self[position] for position in range(*index.indices(len(self)))]
        team_id, user_id, member_id, kind, why, rule = word_list[self._words[index]]
        score, load = self._scores[index], self._loads[index]
        return Decision(self._lead_ids[index], team_id, user_id, member_id, kind,
                        None if score != score else score,  # NaN: None
                        None if load == self.NO_LOAD else load, why, rule)

    def __iter__(self):
        word_list = self._stored_words()
        if self._no_score:
            return (self[index] for index in range(len(self)))

        def column(index):
            return map(itemgetter(index), map(word_list.__getitem__, self._words))
        # Column by column, all in C.
        return map(_new_decision, zip(
            self._lead_ids, column(0), column(1), column(2), column(3), self._scores,
            map(_LOAD_NONE.get, self._loads, self._loads), column(4), column(5)))


_lead_id = itemgetter(0)
_team_id = itemgetter(1)
_row_score = itemgetter(2)
_words = itemgetter(1, 2, 3, 4, 7, 8)
_score = itemgetter(5)
_load = itemgetter(6)
# dict.get(value, value): the value, or what stands for None in an array.
_NONE_SCORE = {None: NAN}
_NONE_ID, _ID_NONE = {None: 0}, {0: None}
_NONE_LOAD = {None: Decisions.NO_LOAD}
_LOAD_NONE = {Decisions.NO_LOAD: None}
_new_decision = partial(tuple.__new__, Decision)  # Decision._make, without its Python call


class TeamState(object):
    """A team taking part in the run.

    ``entry``: ids of leads the team may take in phase 1 (filter AND score band).
    ``fits``: ids of leads matching the team filter (phase 2 needs filter, not score band).
    ``load``: members' 30-day counts plus waiting leads; grows as phase 1 routes leads to it.
    ``assign_members``: whether phase 2 runs for this team in this run.
    ``available``: whether a member is there to take leads now (not all absent or off hours);
    phase 1 ranks a team nobody is available in after every other matching team.
    """
    __slots__ = ('id', 'sequence', 'capacity', 'load', 'entry', 'fits', 'assign_members',
                 'available')

    def __init__(self, team_id, sequence, capacity, load, entry, fits, assign_members=True,
                 available=True):
        self.id = team_id
        self.sequence = sequence
        self.capacity = capacity
        self.load = load
        self.entry = entry
        self.fits = fits
        self.assign_members = assign_members
        self.available = available


class OpenLoad(object):
    """A salesperson's open leads (active, not won, any team) in a company, shared by their
    memberships of teams of that company: a lead given through one membership counts against
    the open-lead cap of all of them, at once."""
    __slots__ = ('count',)

    def __init__(self, count=0):
        self.count = count

    def __repr__(self):
        return 'OpenLoad(%r)' % self.count


class MemberState(object):
    """An eligible membership: active, not opted out, capacity > 0.

    ``capacity``: the most leads the member may hold in the window (an integer), never exceeded
    unless ``unlimited``. ``fits``: ids of leads matching team filter AND member filter, or None
    when the member has no filter of its own (then the team's ``fits`` applies). ``last``: last
    assignment date as a string ('' when never), used to favour whoever waited longest.
    ``weight``: share weight, a finite number >= 0; 0 makes the member a reserve.

    Capacity modes (DESIGN.md revision 3): ``unlimited``, the 30-day capacity does not stop the
    member but still sets their share (load = count / (capacity x weight)); ``open_cap`` (0: no
    cap), the member takes nothing while ``open_load.count`` (their user's open leads in the
    team's company, an :class:`OpenLoad` shared by their memberships there) is at the cap;
    ``preferred``, ids of the leads of their preferred filter (None: none): among the members
    who may take a lead, those who prefer it come first. A preference never restricts.
    """
    __slots__ = ('id', 'team_id', 'user_id', 'capacity', 'count', 'last', 'fits', 'weight',
                 'unlimited', 'open_cap', 'open_load', 'preferred')

    def __init__(self, member_id, team_id, user_id, capacity, count, last, fits=None,
                 weight=1.0, unlimited=False, open_cap=0, open_load=None, preferred=None):
        if not 0 <= weight or isinf(weight):
            raise ValueError("member %r: weight must be a finite number >= 0, not %r"
                             % (member_id, weight))
        self.id = member_id
        self.team_id = team_id
        self.user_id = user_id
        self.capacity = capacity
        self.count = count
        self.last = last or NEVER
        self.fits = fits
        self.weight = weight
        self.unlimited = bool(unlimited)
        self.open_cap = open_cap or 0
        self.open_load = open_load if open_load is not None or not self.open_cap \
            else OpenLoad()
        self.preferred = preferred

    def full(self):
        """Whether the 30-day capacity stops the member (never when unlimited)."""
        return not self.unlimited and self.count >= self.capacity

    def open_full(self):
        """Whether the member's user holds as many open leads as the member's open cap."""
        return bool(self.open_cap) and self.open_load.count >= self.open_cap

    def has_room(self):
        """Whether the member may take one more lead (capacity and open cap)."""
        return self.capacity > 0 and not self.full() and not self.open_full()

    def take(self, now):
        """Count one more lead given to the member now (30-day count, open leads)."""
        self.count += 1
        self.last = now
        if self.open_load is not None:
            self.open_load.count += 1


class LeadGroups(object):
    """The positions of decisions grouped by lead: ``groups[i]``, the positions of the i-th
    lead's decisions in their order, leads in the order of their first decision. Two arrays of
    machine integers, not a dictionary of lists: a million leads cost a few MB.

    :param decisions: :class:`Decisions`, or a list of :class:`Decision`
    """
    __slots__ = ('positions', 'bounds')

    def __init__(self, decisions):
        lead_ids = decisions.lead_ids if isinstance(decisions, Decisions) \
            else array('i', (decision.lead_id for decision in decisions))
        # A stable sort by lead keeps each lead's decisions in their order.
        order = array('i', sorted(range(len(lead_ids)), key=lead_ids.__getitem__))
        starts = array('i', (index for index in range(len(order)) if not index
                             or lead_ids[order[index]] != lead_ids[order[index - 1]]))
        starts.append(len(order))
        self.positions, self.bounds = array('i'), array('i', [0])
        # A group's first decision is its first position in ``order``.
        for group in sorted(range(len(starts) - 1), key=lambda group: order[starts[group]]):
            self.positions.extend(order[starts[group]:starts[group + 1]])
            self.bounds.append(len(self.positions))

    def __len__(self):
        return len(self.bounds) - 1

    def __getitem__(self, index):
        return self.positions[self.bounds[index]:self.bounds[index + 1]]


def best_first(leads):
    """Sort ``(id, team_id, score, create_date)`` tuples: higher score, older, lower id first."""
    # Three stable sorts on plain keys, last key first: twice as fast as one on tuple keys.
    ordered = sorted(leads, key=itemgetter(0))
    ordered.sort(key=lambda lead: lead[3] or '')
    ordered.sort(key=lambda lead: lead[2] or 0.0, reverse=True)  # reverse keeps ties in order
    return ordered


def exact_weight(weight):
    """The weight as an exact fraction of the decimal it was typed as.

    ``Fraction(0.3)`` is not 3/10 but the nearest binary float; going through the shortest
    decimal that gives back the float (its repr) makes capacity 10 x weight 0.3 tie exactly with
    capacity 30 x weight 0.1, as the person who typed them expects.
    """
    return Fraction(repr(float(weight)))


# Loads count x scale / den whose terms all stay below this bound are ordered exactly by their
# floats (see _member_pools); beyond it, heap keys carry the exact fraction as well.
EXACT_FLOAT_BOUND = 2 ** 26


def _entry(member, reserve, scale, den, exact):
    """The heap entry of ``member`` for its current count and last assignment::

        (reserve, load as a float, load as a Fraction or 0, last, member id, member, scale, den)

    where load = count x scale / den: scale / den is 1 / (capacity x weight), or 1 / capacity for
    a reserve member. Tuples compare up to the member id at most, which is unique.
    """
    num = member.count * scale
    return (reserve, num / den, Fraction(num) / Fraction(den) if exact else 0, member.last,
            member.id, member, scale, den)


def _member_pools(team_ids, members, leads=0):
    """{team id: (heap of its members without own filter nor preference, [(fits, preferred,
    capped, heap)] one per distinct (own filter, preferred filter))} and whether keys need
    exact fractions, for the members with room left. ``fits`` None: the team's filter;
    ``preferred`` None: no preference; ``capped``: whether a member of the heap has an
    open-lead cap (its top is then checked for it). ``leads``: how many leads the run may give
    (an unlimited member's count may grow that much beyond its capacity).

    Members with equal filters share a heap, so that many members with the same few filters cost
    a few heaps, not one each.
    """
    seats = []  # (member, reserve, scale, den, group)
    pools = {}
    by_size = {}  # (team id, len(fits), len(preferred)): [group], the team's groups of that size
    for member in members:
        if member.team_id not in team_ids or not member.has_room():
            continue
        unfiltered, filtered = pools.setdefault(member.team_id, ([], []))
        group = None
        if member.fits is not None or member.preferred is not None or member.open_cap:
            fits, preferred = member.fits, member.preferred
            same_size = by_size.setdefault((member.team_id, -1 if fits is None else len(fits),
                                            -1 if preferred is None else len(preferred)), [])
            group = next((shared for shared in same_size
                          if _same(shared[0], fits) and _same(shared[1], preferred)), None)
            if group is None:
                group = [fits, preferred, False, []]
                same_size.append(group)
                filtered.append(group)
            if member.open_cap:
                group[2] = True
        if member.weight > 0:
            weight = exact_weight(member.weight)
            seats.append((member, False, weight.denominator, member.capacity * weight.numerator,
                          group))
        else:
            seats.append((member, True, 1, member.capacity, group))
    # Two loads a/b < c/d with a, b, c, d below 2 ** 26 differ by at least 1 / bd, more than the
    # rounding of both floats (2 ** -53 of a/b + c/d < 2 ** -27 (1/b + 1/d)): their floats differ
    # too, in the same order. A count in a heap stays below the member's capacity, or below its
    # count plus the run's leads when unlimited.
    exact = not all(isinstance(member.capacity, int) and isinstance(den, int)
                    and ((max(member.count, member.capacity) + leads) if member.unlimited
                         else member.capacity - 1) * scale < EXACT_FLOAT_BOUND
                    and den < EXACT_FLOAT_BOUND
                    for member, _reserve, scale, den, _group in seats)
    for member, reserve, scale, den, group in seats:
        heap = pools[member.team_id][0] if group is None else group[3]
        heap.append(_entry(member, reserve, scale, den, exact))
    for team_id, (heap, filtered) in pools.items():
        heapify(heap)
        for group in filtered:
            heapify(group[3])
        pools[team_id] = (heap, [tuple(group) for group in filtered])
    return pools, exact


def _same(first, second):
    """Whether two filters' sets (or None) are the same set."""
    return first is second or (first is not None and second is not None and first == second)


def _open_top(heap):
    """The heap's top, dropping first the members whose open-lead cap was reached meanwhile
    (through another membership of their user): a count of open leads only grows in a run, so
    they stay out. Each member is dropped once: O(log members) a member."""
    while heap and heap[0][5].open_full():
        heappop(heap)
    return heap[0] if heap else None


def route(leads, phase1_ids, teams, members, now, decisions=None):
    """Compute the decisions of one run.

    :param leads: candidate ``(id, team_id, score, create_date)`` tuples (team_id may be
        None), or :class:`Leads`
    :param phase1_ids: ids of the candidates that wait for a team (phase 1)
    :param teams: list of :class:`TeamState` (routing teams of this run, capacity > 0)
    :param members: list of :class:`MemberState`
    :param now: the run's date string, recorded as the members' last assignment
    :param decisions: where to append the decisions: a new list by default, or
        :class:`Decisions` (what a router of many leads keeps)
    :return: ``decisions``, the :class:`Decision` in the order they were taken
    """
    # The run builds a few objects per lead and no reference cycles, yet enough new objects to
    # set off the cyclic collector's full passes, each walking every object of the process again
    # (the caller's lead sets, Odoo's caches): up to half the run. The collector is paused
    # meanwhile, and resumed as the caller had it.
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        return _route(leads, phase1_ids, teams, members, now,
                      [] if decisions is None else decisions)
    finally:
        if paused:
            gc.enable()


def _route(leads, phase1_ids, teams, members, now, decisions):
    """:func:`route`, with the cyclic garbage collector paused."""
    ordered = leads.best_first() if isinstance(leads, Leads) else best_first(leads)
    teams_by_id = {team.id: team for team in teams}
    # The team of each lead of ``ordered``, by position: a list costs less than a dict by id.
    team_at = [None] * len(ordered)

    # Phase 1: teams. Load is compared relative to capacity; teams are not capped here.
    # Lead id: the teams it may enter (a lead matches a few of many teams), as a tuple shared by
    # every lead with the same teams: a run has few such combinations, and a million leads.
    entries, combinations = {}, {}
    for team in teams:
        for lead_id in team.entry:
            teams_of = entries.get(lead_id, ()) + (team,)
            entries[lead_id] = combinations.setdefault(teams_of, teams_of)
    for index, (lead_id, team_id, score, _create) in enumerate(ordered):
        if lead_id not in phase1_ids:
            team_at[index] = teams_by_id.get(team_id)
            continue
        best = None
        for team in entries.get(lead_id, ()):
            # A team nobody is available in ranks after the others (True sorts after False).
            if best is None or (not team.available, team.load * best.capacity, team.sequence,
                                team.id) < \
                    (not best.available, best.load * team.capacity, best.sequence, best.id):
                best = team
        if best is None:
            decisions.append(Decision(lead_id, None, None, None, 'unassigned', score, None,
                                      'no_team'))
            continue
        decisions.append(Decision(lead_id, best.id, None, None, 'team', score, best.load, None))
        best.load += 1
        team_at[index] = best
    entries = combinations = None

    # Phase 2: members, within each team routed in this run. The winner is the least loaded of
    # the heap tops that accept the lead; each member sits in one heap only.
    pools, exact = _member_pools({team.id for team in teams if team.assign_members}, members,
                                 len(ordered))
    no_pool = ([], ())
    for (lead_id, _team, score, _create), team in zip(ordered, team_at):
        if team is None or not team.assign_members:
            continue
        if lead_id not in team.fits:
            decisions.append(Decision(lead_id, team.id, None, None, 'unassigned', score, None,
                                      'team_filter'))
            continue
        best_heap, filtered = pools.get(team.id, no_pool)
        best = best_heap[0] if best_heap else None
        # The least loaded member who prefers the lead, beside the least loaded of all.
        liked = liked_heap = None
        for fits, preferred, capped, heap in filtered:
            if not heap or (fits is not None and lead_id not in fits):
                continue
            top = _open_top(heap) if capped else heap[0]
            if top is None:
                continue
            if best is None or top < best:
                best, best_heap = top, heap
            if preferred is not None and lead_id in preferred \
                    and (liked is None or top < liked):
                liked, liked_heap = top, heap
        if best is None:
            decisions.append(Decision(lead_id, team.id, None, None, 'unassigned', score, None,
                                      'no_member'))
            continue
        why = None
        # A preference ranks within the tier the member would be chosen from: a reserve who
        # prefers the lead does not pass a member of weight > 0 who may take it.
        if liked is not None and liked[0] == best[0]:
            best, best_heap, why = liked, liked_heap, PREFERRED
        reserve, member, scale, den = best[0], best[5], best[6], best[7]
        decisions.append(Decision(lead_id, team.id, member.user_id, member.id, 'member', score,
                                  member.count, why))
        member.take(now)
        if member.has_room():
            heapreplace(best_heap, _entry(member, reserve, scale, den, exact))
        else:
            heappop(best_heap)
    return decisions
