# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The routing engine against a plain reference implementation, without a database.

:func:`reference_route` is the engine as it was before phase 2 used heaps: every member of the
team is scanned for every lead. It is extended with weights and reserve members, and with the
capacity modes of DESIGN.md revision 3 (no cap, open-lead cap shared by a user's memberships,
preferred leads), the simplest way, and serves as the definition the engine must match decision
for decision on random data.
``scripts/bench_engine.py`` times it against the engine.
"""
import gc
import random
import unittest
from fractions import Fraction

from odoo.tests import common

from ..routing import engine
from ..routing.engine import Decision, MemberState, TeamState

NOW = '2026-03-02 08:00:00'


def reference_route(leads, phase1_ids, teams, members, now):
    """The decisions of one run, computed by scanning every member for every lead."""
    decisions = []
    ordered = sorted(leads, key=lambda lead: (-(lead[2] or 0.0), lead[3] or '', lead[0]))
    team_of = {}

    entries = {}
    for team in teams:
        for lead_id in team.entry:
            entries.setdefault(lead_id, []).append(team)
    for lead_id, team_id, score, _create in ordered:
        if lead_id not in phase1_ids:
            team_of[lead_id] = team_id
            continue
        best = None
        for team in entries.get(lead_id, ()):
            if best is None or (not team.available, team.load * best.capacity, team.sequence,
                                team.id) < \
                    (not best.available, best.load * team.capacity, best.sequence, best.id):
                best = team
        if best is None:
            team_of[lead_id] = None
            decisions.append(Decision(lead_id, None, None, None, 'unassigned', score, None,
                                      'no_team'))
            continue
        decisions.append(Decision(lead_id, best.id, None, None, 'team', score, best.load, None))
        best.load += 1
        team_of[lead_id] = best.id

    def share(member):
        """capacity x weight, exactly (the weight as the decimal it was typed as); a reserve
        member (weight 0) is compared with the other reserves by capacity alone."""
        if member.weight > 0:
            share = member.capacity * Fraction(repr(float(member.weight)))
            return share.numerator if share.denominator == 1 else share  # int: a faster scan
        return member.capacity

    # Open leads by counter (a user in a company), kept here apart from the engine's counters.
    opens = {id(member.open_load): member.open_load.count for member in members
             if member.open_load is not None}

    def has_room(member):
        if member.capacity <= 0 or (not member.unlimited and member.count >= member.capacity):
            return False
        return not member.open_cap or opens[id(member.open_load)] < member.open_cap

    members_of, shares = {}, {}
    for member in members:
        members_of.setdefault(member.team_id, []).append(member)
        shares[member.id] = share(member)
    teams_by_id = {team.id: team for team in teams}
    for lead_id, _team, score, _create in ordered:
        team = teams_by_id.get(team_of.get(lead_id))
        if team is None or not team.assign_members:
            continue
        best, best_liked = None, False
        if lead_id in team.fits:
            for member in members_of.get(team.id, ()):
                if not has_room(member):
                    continue
                if member.fits is not None and lead_id not in member.fits:
                    continue
                liked = member.preferred is not None and lead_id in member.preferred
                if best is None or (member.weight <= 0, not liked, member.count * shares[best.id],
                                    member.last, member.id) < \
                        (best.weight <= 0, not best_liked, best.count * shares[member.id],
                         best.last, best.id):
                    best, best_liked = member, liked
        if best is None:
            why = 'no_member' if lead_id in team.fits else 'team_filter'
            decisions.append(Decision(lead_id, team.id, None, None, 'unassigned', score, None, why))
            continue
        decisions.append(Decision(lead_id, team.id, best.user_id, best.id, 'member', score,
                                  best.count, engine.PREFERRED if best_liked else None))
        best.count += 1
        best.last = now
        if best.open_load is not None:
            opens[id(best.open_load)] += 1
    # The engine's counters end as the reference's (compared by run_both).
    for member in members:
        if member.open_load is not None:
            member.open_load.count = opens[id(member.open_load)]
    return decisions


WEIGHTS = [1.0, 1.0, 1.0, 2.0, 0.5, 0.3, 0.1, 0.2, 1.5, 3.0, 0.7, 0.0, 0.0]
# Long decimals make loads too fine for floats alone: the engine then compares exact fractions.
FINE_WEIGHTS = WEIGHTS + [0.123456789, 2.5e-05]
LASTS = [None, '', '2026-02-01 09:00:00', '2026-02-01 09:00:00', '2026-02-10 12:30:00',
         '2026-02-20 17:45:00']


def random_run(seed):
    """Plain data of a random run: leads, phase-1 ids, team and member arguments.

    Small value ranges on purpose, so that scores, dates, loads and last assignments tie often.
    Half of the seeds keep every weight at 1.0: the engine before weights must be reproduced.
    """
    rng = random.Random(seed)
    weights = [1.0] if not seed % 2 else FINE_WEIGHTS if seed % 6 == 1 else WEIGHTS
    lead_ids = rng.sample(range(1, 10000), rng.randint(0, 160))
    team_ids = rng.sample(range(1, 50), rng.randint(1, 5))
    run_team_ids = team_ids[:-1] if len(team_ids) > 1 and rng.random() < 0.3 else team_ids
    leads, phase1_ids = [], set()
    for lead_id in lead_ids:
        team_id = rng.choice([None, None] + team_ids)
        leads.append((lead_id, team_id, rng.choice([None, 0.0, 5.0, 10.0, 10.0, 25.5]),
                      rng.choice([None, '2026-03-01 10:00:00', '2026-03-01 11:00:00'])))
        if team_id is None or rng.random() < 0.2:
            phase1_ids.add(lead_id)
    teams = []
    for team_id in run_team_ids:
        entry = {lead_id for lead_id in lead_ids if rng.random() < 0.4}
        fits = entry | {lead_id for lead_id in lead_ids if rng.random() < 0.5}
        # Every 7th team has nobody available (all absent or off hours); no draw from rng, so
        # the other values are those the seeds gave before availability existed.
        teams.append((team_id, rng.randint(1, 3), rng.randint(1, 60), rng.randint(0, 40), entry,
                      fits, rng.random() < 0.9, team_id % 7 != 0))
    members, filters = [], []
    # Capacity modes from a generator of their own: the other values stay those the seeds gave
    # before capacity modes existed.
    modes, preferences = random.Random(seed * 7919 + 1), []
    member_ids = rng.sample(range(1, 10000), 60)
    for member_id in member_ids[:rng.randint(0, 60)]:
        team_id = rng.choice(team_ids)
        capacity = rng.choice([0, 1, 2, 3, 5, 10, 10, 20, 30])
        fits = None
        roll = rng.random()
        if roll < 0.15 and filters:
            fits = rng.choice(filters)                    # the very same set as another member
        elif roll < 0.25 and filters:
            fits = set(rng.choice(filters))               # an equal set of its own
        elif roll < 0.45:
            fits = {lead_id for lead_id in lead_ids if rng.random() < rng.random()}
            filters.append(fits)
        members.append((member_id, team_id, member_id + 100000, capacity,
                        rng.randint(0, capacity + 1), rng.choice(LASTS), fits,
                        rng.choice(weights)) + capacity_modes(modes, lead_ids, preferences))
    return leads, phase1_ids, teams, members


def capacity_modes(rng, lead_ids, preferences):
    """(unlimited, open cap, open counter key, open leads of that counter, preferred set) of a
    random member: in about equal parts: no cap, an open-lead
    cap on a counter that other members (the same user in other teams) share, and a preferred
    filter (often the very set of another member)."""
    unlimited = rng.random() < 0.3
    open_cap, open_key, open_count = 0, None, 0
    if rng.random() < 0.35:
        open_cap = rng.choice([1, 2, 3, 5, 8])
        open_key = rng.randint(1, 6)
        open_count = rng.randint(0, 6)  # the counter's start: the first member drawing it wins
    preferred = None
    roll = rng.random()
    if roll < 0.1 and preferences:
        preferred = rng.choice(preferences)
    elif roll < 0.35:
        preferred = {lead_id for lead_id in lead_ids if rng.random() < rng.random()}
        preferences.append(preferred)
    return (unlimited, open_cap, open_key, open_count, preferred)


def states(teams, members):
    """Fresh team and member states (routing changes them) from plain arguments."""
    counters = {}
    for args in members:
        if args[10] is not None:
            counters.setdefault(args[10], engine.OpenLoad(args[11]))
    return ([TeamState(*args) for args in teams],
            [MemberState(*args[:7], weight=args[7], unlimited=args[8], open_cap=args[9],
                         open_load=counters.get(args[10]), preferred=args[12])
             for args in members])


def run_both(leads, phase1_ids, teams, members):
    """Decisions and final member states of the engine and of the reference, on equal inputs."""
    results = []
    for route in (engine.route, reference_route):
        team_states, member_states = states(teams, members)
        decisions = route(leads, phase1_ids, team_states, member_states, NOW)
        results.append((decisions, [(m.id, m.count, m.last, m.open_load and m.open_load.count)
                                    for m in member_states],
                        [(t.id, t.load) for t in team_states]))
    return results


@common.at_install(False)
@common.post_install(True)
class TestEngineReference(unittest.TestCase):
    """No database: plain data in, decisions out."""

    SEEDS = 300

    def route(self, members, leads=None, team_fits=None, capacity=100):
        """Route ``leads`` (default 30) waiting in team 1, which holds ``members``; returns
        {member id: leads given} and the decisions."""
        if leads is None:
            leads = [(lead_id, 1, 0.0, None) for lead_id in range(1, 31)]
        lead_ids = {lead[0] for lead in leads}
        team = TeamState(1, 1, capacity, 0, set(), lead_ids if team_fits is None else team_fits)
        decisions = engine.route(leads, set(), [team], members, NOW)
        given = {member.id: 0 for member in members}
        for decision in decisions:
            if decision.kind == 'member':
                given[decision.member_id] += 1
        return given, decisions

    def test_random_runs_match_reference(self):
        for seed in range(self.SEEDS):
            with self.subTest(seed=seed):
                new, reference = run_both(*random_run(seed))
                self.assertEqual(new, reference)

    def test_random_runs_decide_something(self):
        """The random data exercise every kind of decision, reserve members, and both ways of
        comparing loads (floats alone, exact fractions)."""
        kinds, reserve_given, exact = set(), 0, set()
        beyond_cap, open_stopped = 0, 0
        for seed in range(self.SEEDS):
            leads, phase1_ids, teams, members = random_run(seed)
            (decisions, finals, _teams), _reference = run_both(leads, phase1_ids, teams, members)
            kinds.update((d.kind, d.why) for d in decisions)
            reserves = {args[0] for args in members if args[7] == 0}
            reserve_given += sum(1 for d in decisions if d.member_id in reserves)
            # Unlimited members given leads beyond their capacity; open caps reached in a run.
            args_of = {args[0]: args for args in members}
            beyond_cap += sum(1 for d in decisions if d.kind == 'member'
                              and args_of[d.member_id][8] and d.load >= args_of[d.member_id][3])
            open_stopped += sum(1 for member_id, _count, _last, opened in finals
                                if args_of[member_id][9] and opened is not None
                                and opened >= args_of[member_id][9]
                                and args_of[member_id][11] < args_of[member_id][9])
            _pools, fine = engine._member_pools({args[0] for args in teams},
                                                states(teams, members)[1])
            exact.add(fine)
        self.assertEqual(kinds, {('team', None), ('member', None), ('unassigned', 'no_team'),
                                 ('unassigned', 'team_filter'), ('unassigned', 'no_member'),
                                 ('member', engine.PREFERRED)})
        self.assertGreater(reserve_given, 0)
        self.assertGreater(beyond_cap, 0)
        self.assertGreater(open_stopped, 0)
        self.assertEqual(exact, {False, True})

    def test_equal_weights_split_evenly(self):
        members = [MemberState(member_id, 1, member_id, 50, 0, None) for member_id in (1, 2, 3)]
        given, _decisions = self.route(members)
        self.assertEqual(given, {1: 10, 2: 10, 3: 10})
        more = [MemberState(member_id, 1, member_id, 50, 0, None) for member_id in range(1, 8)]
        given, _decisions = self.route(more)
        self.assertLessEqual(max(given.values()) - min(given.values()), 1)

    def test_two_to_one_weights(self):
        members = [MemberState(1, 1, 11, 40, 0, None, weight=2.0),
                   MemberState(2, 1, 12, 40, 0, None, weight=1.0)]
        given, _decisions = self.route(members)
        self.assertEqual(given, {1: 20, 2: 10})

    def test_weights_and_capacities_multiply(self):
        """Capacity 10 x weight 0.3 equals capacity 30 x weight 0.1: a tie, broken by who waited
        longest, then by id; the decimals typed are compared, not their binary floats."""
        members = [MemberState(1, 1, 11, 10, 1, '2026-02-01 00:00:00', weight=0.3),
                   MemberState(2, 1, 12, 30, 1, '2026-02-02 00:00:00', weight=0.1)]
        _given, decisions = self.route(members, leads=[(1, 1, 0.0, None), (2, 1, 0.0, None)])
        self.assertEqual([d.member_id for d in decisions], [1, 2])

    def test_loads_compared_exactly(self):
        """Loads too close for a float to tell apart are still told apart: the lower wins,
        whoever waited longest."""
        big = 10 ** 9
        members = [MemberState(1, 1, 11, big + 2, big + 1, '2026-02-01 00:00:00'),
                   MemberState(2, 1, 12, big + 1, big, '2026-02-02 00:00:00')]
        self.assertEqual((big + 1) / (big + 2), big / (big + 1))
        _given, decisions = self.route(members, leads=[(1, 1, 0.0, None)])
        self.assertEqual(decisions[0].member_id, 2)

    def test_reserve_takes_only_what_others_cannot(self):
        members = [MemberState(1, 1, 11, 3, 0, None),
                   MemberState(2, 1, 12, 2, 1, None, weight=2.0),
                   MemberState(3, 1, 13, 10, 0, None, weight=0.0),
                   MemberState(4, 1, 14, 10, 2, None, weight=0)]
        given, decisions = self.route(members, leads=[(i, 1, 0.0, None) for i in range(1, 9)])
        self.assertEqual([d.member_id for d in decisions], [1, 2, 1, 1, 3, 3, 4, 3],
                         "reserves wait for the others to be full, then share by load")
        self.assertEqual(given, {1: 3, 2: 1, 3: 3, 4: 1})

    def test_reserve_takes_what_filters_refuse(self):
        members = [MemberState(1, 1, 11, 30, 0, None, {1, 2}),
                   MemberState(2, 1, 12, 30, 0, None, weight=0.0)]
        given, decisions = self.route(members, leads=[(i, 1, 0.0, None) for i in range(1, 5)])
        self.assertEqual([d.member_id for d in decisions], [1, 1, 2, 2])

    def test_capacity_never_exceeded(self):
        members = [MemberState(member_id, 1, member_id, member_id, member_id // 2, None,
                               weight=WEIGHTS[member_id % len(WEIGHTS)])
                   for member_id in range(1, 12)]
        capacity = {member.id: member.capacity - member.count for member in members}
        given, decisions = self.route(members, leads=[(i, 1, 0.0, None) for i in range(1, 200)])
        self.assertEqual(given, capacity, "everyone is filled up to their capacity exactly")
        self.assertEqual(sum(1 for d in decisions if d.why == 'no_member'),
                         199 - sum(given.values()))
        self.assertTrue(all(member.count == member.capacity for member in members))

    def test_member_filters_and_team_filter(self):
        members = [MemberState(1, 1, 11, 30, 0, None, {2, 3}),
                   MemberState(2, 1, 12, 30, 0, None, {3}),
                   MemberState(3, 1, 13, 30, 5, None)]
        _given, decisions = self.route(
            members, leads=[(i, 1, 0.0, None) for i in range(1, 6)], team_fits={1, 2, 3, 4})
        self.assertEqual([(d.lead_id, d.member_id, d.why) for d in decisions],
                         [(1, 3, None), (2, 1, None), (3, 2, None), (4, 3, None),
                          (5, None, 'team_filter')])

    def test_member_state_arguments(self):
        """Positional arguments as before weights; the weight is a keyword with default 1.0."""
        member = MemberState(7, 1, 70, 30, 4, None, {1, 2})
        self.assertEqual((member.id, member.team_id, member.user_id, member.capacity, member.count,
                          member.last, member.fits, member.weight),
                         (7, 1, 70, 30, 4, engine.NEVER, {1, 2}, 1.0))
        self.assertEqual(MemberState(7, 1, 70, 30, 4, None, weight=0).weight, 0)
        for weight in (-1.0, float('nan'), float('inf')):
            with self.assertRaises(ValueError):
                MemberState(7, 1, 70, 30, 4, None, weight=weight)

    def test_collector_state_restored(self):
        """route pauses the cyclic garbage collector and leaves it as it found it."""
        members = [MemberState(1, 1, 11, 30, 0, None)]
        enabled = gc.isenabled()
        try:
            for state in (True, False):
                (gc.enable if state else gc.disable)()
                self.route(members)
                self.assertEqual(gc.isenabled(), state)
            gc.enable()
            with self.assertRaises(TypeError):
                engine.route([(1, 1, 'not a score', None), (2, 1, 1.0, None)], set(), [], [], NOW)
            self.assertTrue(gc.isenabled(), "also after an error")
        finally:
            (gc.enable if enabled else gc.disable)()
