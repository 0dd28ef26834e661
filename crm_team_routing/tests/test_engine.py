# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The routing decisions without a database (DESIGN.md, Routing): plain data in, decisions out."""
import random
import unittest
from collections import Counter

from odoo.addons.crm_team_routing.routing.engine import (
    Decision, Decisions, IdSet, LeadGroups, Leads, MemberState, TeamState, best_first, route)
from odoo.tests import common

NOW = '2026-11-29 08:00:00'
DAY = '2026-11-%02d 09:00:00'


def leads_in_team(team_id, count, first_id=1, score=0.0):
    """``count`` lead tuples (id, team_id, score, create_date) waiting in ``team_id``."""
    return [(lead_id, team_id, score, DAY % (1 + lead_id % 28))
            for lead_id in range(first_id, first_id + count)]


def one_team(leads, team_id=1, capacity=100):
    """A team taking every one of ``leads`` (no phase 1)."""
    ids = {lead[0] for lead in leads}
    return TeamState(team_id, 10, capacity, 0, entry=ids, fits=ids)


def given(decisions):
    """{user_id: number of leads} of the member decisions."""
    return Counter(d.user_id for d in decisions if d.kind == 'member')


@common.at_install(False)
@common.post_install(True)
class TestEngine(unittest.TestCase):

    def test_equal_capacities_split_evenly(self):
        leads = leads_in_team(1, 10)
        members = [MemberState(member_id, 1, 100 + member_id, 30, 0, None)
                   for member_id in (1, 2, 3)]
        counts = given(route(leads, set(), [one_team(leads)], members, NOW))
        self.assertEqual(sum(counts.values()), 10)
        self.assertEqual(len(counts), 3)
        self.assertLessEqual(max(counts.values()) - min(counts.values()), 1, counts)

    def test_two_to_one_capacities_give_a_two_to_one_share(self):
        leads = leads_in_team(1, 30)
        members = [MemberState(1, 1, 101, 40, 0, None), MemberState(2, 1, 102, 20, 0, None)]
        counts = given(route(leads, set(), [one_team(leads)], members, NOW))
        self.assertAlmostEqual(counts[101], 20, delta=1)
        self.assertAlmostEqual(counts[102], 10, delta=1)

    def test_capacity_never_exceeded(self):
        leads = leads_in_team(1, 8)
        members = [MemberState(1, 1, 101, 3, 1, '2026-11-20 10:00:00'),
                   MemberState(2, 1, 102, 4, 0, None)]
        decisions = route(leads, set(), [one_team(leads)], members, NOW)
        counts = given(decisions)
        self.assertEqual(counts, Counter({101: 2, 102: 4}))
        waiting = [d for d in decisions if d.kind == 'unassigned']
        self.assertEqual(len(waiting), 2)
        self.assertEqual({d.why for d in waiting}, {'no_member'})
        self.assertEqual(len(decisions), 8, "one decision per lead")

    def test_capacity_never_exceeded_on_random_data(self):
        rng = random.Random(20261129)
        leads = [(lead_id, 1, float(rng.randint(0, 5)), DAY % rng.randint(1, 28))
                 for lead_id in range(1, 301)]
        members = [MemberState(member_id, 1, 100 + member_id, rng.randint(0, 60),
                               0, None) for member_id in range(1, 8)]
        for member in members:
            member.count = rng.randint(0, member.capacity)
        before = {member.user_id: (member.count, member.capacity) for member in members}
        counts = given(route(leads, set(), [one_team(leads)], members, NOW))
        for user_id, (count, capacity) in before.items():
            self.assertLessEqual(count + counts[user_id], capacity, user_id)

    def test_ties_go_to_the_longest_waiting_then_lowest_member_id(self):
        leads = leads_in_team(1, 5)
        # Equally loaded; given in an order that is none of the expected ones.
        members = [
            MemberState(5, 1, 105, 10, 0, None),
            MemberState(1, 1, 101, 10, 0, '2026-11-20 10:00:00'),
            MemberState(2, 1, 102, 10, 0, '2026-11-10 10:00:00'),
            MemberState(4, 1, 104, 10, 0, None),
            MemberState(3, 1, 103, 10, 0, '2026-11-25 10:00:00'),
        ]
        decisions = route(leads, set(), [one_team(leads)], members, NOW)
        self.assertEqual([d.member_id for d in decisions], [4, 5, 2, 1, 3],
                         "never assigned first (by id), then the oldest last assignment")

    def test_leads_taken_best_first(self):
        leads = [
            (1, 1, 10.0, '2026-11-01 09:00:00'),
            (2, 1, 50.0, '2026-11-05 09:00:00'),
            (4, 1, 50.0, '2026-11-02 09:00:00'),
            (3, 1, 50.0, '2026-11-02 09:00:00'),
            (5, 1, None, '2026-10-01 09:00:00'),
        ]
        self.assertEqual([lead[0] for lead in best_first(leads)], [3, 4, 2, 1, 5],
                         "higher score, then older, then lower id")
        member = MemberState(1, 1, 101, 2, 0, None)
        decisions = route(leads, set(), [one_team(leads)], [member], NOW)
        self.assertEqual([d.lead_id for d in decisions if d.kind == 'member'], [3, 4])
        self.assertEqual([d.lead_id for d in decisions if d.kind == 'unassigned'], [2, 1, 5])

    def test_phase1_lowest_relative_load_wins(self):
        leads = [(1, None, 0.0, '2026-11-01 09:00:00')]
        busy = TeamState(1, 1, 20, 10, entry={1}, fits={1})   # 10 / 20
        light = TeamState(2, 9, 10, 3, entry={1}, fits={1})   # 3 / 10
        decisions = route(leads, {1}, [busy, light], [], NOW)
        self.assertEqual([(d.kind, d.team_id) for d in decisions if d.kind == 'team'],
                         [('team', 2)])

    def test_phase1_ties_by_sequence_then_id(self):
        leads = [(1, None, 0.0, '2026-11-01 09:00:00')]
        teams = [TeamState(3, 5, 10, 5, entry={1}, fits={1}),
                 TeamState(7, 1, 20, 10, entry={1}, fits={1}),
                 TeamState(2, 5, 10, 5, entry={1}, fits={1})]
        decisions = route(leads, {1}, teams, [], NOW)
        self.assertEqual([d.team_id for d in decisions if d.kind == 'team'], [7],
                         "same relative load: lowest sequence")
        teams = [TeamState(3, 5, 10, 5, entry={1}, fits={1}),
                 TeamState(2, 5, 10, 5, entry={1}, fits={1})]
        decisions = route(leads, {1}, teams, [], NOW)
        self.assertEqual([d.team_id for d in decisions if d.kind == 'team'], [2],
                         "same load and sequence: lowest id")

    def test_phase1_load_grows_lead_by_lead(self):
        leads = [(lead_id, None, 0.0, '2026-11-01 09:00:00') for lead_id in range(1, 7)]
        ids = {lead[0] for lead in leads}
        teams = [TeamState(1, 10, 20, 0, entry=ids, fits=ids),
                 TeamState(2, 10, 10, 0, entry=ids, fits=ids)]
        decisions = route(leads, ids, teams, [], NOW)
        self.assertEqual(Counter(d.team_id for d in decisions if d.kind == 'team'),
                         Counter({1: 4, 2: 2}), "shared in proportion to capacity")

    def test_lead_matching_no_team_waits(self):
        leads = [(1, None, 0.0, '2026-11-01 09:00:00'), (2, None, 0.0, '2026-11-01 09:00:00')]
        team = TeamState(1, 10, 10, 0, entry={1}, fits={1})
        decisions = route(leads, {1, 2}, [team], [MemberState(1, 1, 101, 10, 0, None)], NOW)
        mine = [d for d in decisions if d.lead_id == 2]
        self.assertEqual([(d.kind, d.why, d.team_id, d.user_id) for d in mine],
                         [('unassigned', 'no_team', None, None)])

    def test_member_filter_respected(self):
        leads = leads_in_team(1, 6)
        narrow = MemberState(1, 1, 101, 30, 0, None, fits={1, 2})
        wide = MemberState(2, 1, 102, 30, 0, '2026-11-28 10:00:00')
        decisions = route(leads, set(), [one_team(leads)], [narrow, wide], NOW)
        for decision in decisions:
            if decision.user_id == 101:
                self.assertIn(decision.lead_id, {1, 2})
        self.assertTrue(any(d.user_id == 101 for d in decisions), "the narrow member takes some")
        only_narrow = route(leads, set(), [one_team(leads)],
                            [MemberState(1, 1, 101, 30, 0, None, fits={1, 2})], NOW)
        self.assertEqual({d.lead_id for d in only_narrow if d.kind == 'member'}, {1, 2})
        self.assertEqual({(d.lead_id, d.why) for d in only_narrow if d.kind == 'unassigned'},
                         {(3, 'no_member'), (4, 'no_member'), (5, 'no_member'),
                          (6, 'no_member')})

    def test_deterministic(self):
        def build(shuffle=None):
            rng = random.Random(7)
            leads = [(lead_id, None if lead_id % 3 else 1, float(rng.randint(0, 3)),
                      DAY % rng.randint(1, 28)) for lead_id in range(1, 121)]
            phase1 = {lead[0] for lead in leads if lead[1] is None}
            teams = []
            for team_id in (1, 2, 3):
                entry = {lead[0] for lead in leads if rng.random() < 0.7}
                teams.append(TeamState(team_id, rng.randint(1, 2), 30, rng.randint(0, 5),
                                       entry=entry, fits=entry | {lead[0] for lead in leads
                                                                  if lead[1] == team_id}))
            members = [MemberState(member_id, 1 + member_id % 3, 100 + member_id,
                                   rng.randint(5, 15), rng.randint(0, 3),
                                   rng.choice([None, DAY % rng.randint(1, 28)]))
                       for member_id in range(1, 10)]
            if shuffle is not None:
                for items in (leads, teams, members):
                    shuffle.shuffle(items)
            return leads, phase1, teams, members

        first = route(*build(), now=NOW)
        self.assertEqual(route(*build(), now=NOW), first, "same input, same decisions")
        self.assertEqual(route(*build(random.Random(1)), now=NOW), first,
                         "the order of the input does not matter")
        self.assertTrue(any(d.kind == 'member' for d in first))


@common.at_install(False)
@common.post_install(True)
class TestEngineColumns(unittest.TestCase):
    """The compact forms a router of many leads uses (``Leads``, ``Decisions``,
    ``LeadGroups``) give exactly what the lists of tuples give."""

    def random_run(self, seed):
        rng = random.Random(seed)
        leads = [(lead_id, rng.choice([None, 1, 2]), float(rng.randint(-1, 3)),
                  rng.choice([None, DAY % rng.randint(1, 28), '2026-11-03 09:00:00.5']))
                 for lead_id in rng.sample(range(1, 1000), 150)]
        phase1 = {lead[0] for lead in leads if lead[1] is None or rng.random() < 0.2}

        def states():
            state_rng = random.Random(seed)
            teams = [TeamState(team_id, 1, 40, 0,
                               entry={lead[0] for lead in leads if state_rng.random() < 0.6},
                               fits={lead[0] for lead in leads if state_rng.random() < 0.9})
                     for team_id in (1, 2)]
            members = [MemberState(member_id, 1 + member_id % 2, 100 + member_id,
                                   state_rng.randint(3, 20), 0, None,
                                   fits=None if member_id % 3 else teams[0].fits,
                                   weight=member_id % 4 * 0.5)
                       for member_id in range(1, 9)]
            return teams, members
        return leads, phase1, states

    def test_leads_and_decisions_decide_the_same(self):
        for seed in range(20):
            leads, phase1, states = self.random_run(seed)
            expected = route(leads, phase1, *states(), now=NOW)
            # As the router reads them: oldest first (creation date, then id).
            created = sorted(leads, key=lambda lead: (lead[3] or '', lead[0]))
            decisions = route(Leads(created), phase1, *states(), now=NOW,
                              decisions=Decisions())
            self.assertIsInstance(decisions, Decisions)
            self.assertEqual(list(decisions), expected, "seed %d" % seed)
            self.assertEqual(decisions[5:12], expected[5:12])
            self.assertEqual(decisions[-1], expected[-1])
            self.assertEqual([row[:3] for row in best_first(Leads(created))],
                             [lead[:3] for lead in best_first(leads)])

    def test_id_sets_decide_the_same(self):
        def compact(teams, members):
            """The states with their sets as IdSet, one per distinct set, as the router has."""
            sets = {}

            def id_set(ids):
                if ids is None:
                    return None
                return sets.setdefault(id(ids), IdSet(sorted(ids)))
            for team in teams:
                team.entry, team.fits = id_set(team.entry), id_set(team.fits)
            for member in members:
                member.fits = id_set(member.fits)
            return teams, members
        for seed in range(20):
            leads, phase1, states = self.random_run(seed)
            self.assertEqual(route(leads, phase1, *compact(*states()), now=NOW),
                             route(leads, phase1, *states(), now=NOW), "seed %d" % seed)

    def test_id_set(self):
        rng = random.Random(16)
        for count, span in ((0, 10), (1, 10), (60, 80), (60, 100000), (5000, 9000)):
            ids = sorted(rng.sample(range(7, 7 + span), count))
            id_set = IdSet(ids)
            self.assertEqual(list(id_set), ids)
            self.assertEqual(len(id_set), count)
            self.assertEqual([lead_id for lead_id in range(-5, span + 20) if lead_id in id_set],
                             ids)
        self.assertEqual(IdSet([3, 5]), IdSet([3, 5]))
        self.assertNotEqual(IdSet([3, 5]), IdSet([3, 6]))

    def test_id_set_intersection(self):
        """A member's leads are their own filter's AND their team's, whatever the sets' sizes
        and density (a bitmap or a sorted array)."""
        rng = random.Random(17)
        for count_a, count_b, span in ((0, 5, 10), (50, 3000, 4000), (40, 60, 100000)):
            ids_a = sorted(rng.sample(range(1, span), count_a))
            ids_b = sorted(rng.sample(range(1, span), count_b))
            expected = sorted(set(ids_a) & set(ids_b))
            self.assertEqual(list(IdSet(ids_a) & IdSet(ids_b)), expected)
            self.assertEqual(list(IdSet(ids_b) & IdSet(ids_a)), expected)
            self.assertEqual(list(set(ids_b) & IdSet(ids_a)), expected)

    def test_decisions_keep_every_value(self):
        rows = [Decision(7, None, None, None, 'unassigned', -5.0, None, 'no_team'),
                Decision(8, 3, 12, 4, 'member', 2.5, 2 ** 40, None, 'fallback_user'),
                Decision(9, 3, None, None, 'team', 0.0, 0, None, None)]
        decisions = Decisions(rows * 3000)
        self.assertEqual(len(decisions), 9000)
        self.assertEqual(list(decisions), rows * 3000)

    def test_lead_groups(self):
        rows = [Decision(lead_id, 1, None, None, kind, 0.0, None, None)
                for lead_id, kind in ((5, 'team'), (3, 'team'), (5, 'member'), (9, 'unassigned'),
                                      (3, 'unassigned'), (5, 'unassigned'))]
        for decisions in (rows, Decisions(rows)):
            groups = LeadGroups(decisions)
            self.assertEqual([list(groups[index]) for index in range(len(groups))],
                             [[0, 2, 5], [1, 4], [3]])
