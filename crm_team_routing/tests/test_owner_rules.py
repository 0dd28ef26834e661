# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The matching keys (``routing.keys``) and the existing owner step (``routing.owner``) in plain
Python: no database, milliseconds."""
import unittest

from odoo.tests import common

from ..routing import engine, keys, owner

NOW = '2026-11-29 09:00:00'


@common.at_install(False)
@common.post_install(True)
class TestKeys(unittest.TestCase):

    def test_normalize_email(self):
        cases = {
            'lan@acme.vn': 'lan@acme.vn',
            'Lan <LAN@ACME.VN>': 'lan@acme.vn',
            '"Nguyễn, Lan" <Lan@Acme.VN>; other@acme.vn': 'lan@acme.vn',
            '  LAN@ACME.VN  ': 'lan@acme.vn',
            'mailto:Lan@acme.vn.': 'lan@acme.vn',
            'first@a.vn, second@b.vn': 'first@a.vn',
            'nguyễn@nhathuoc.vn': 'nguyễn@nhathuoc.vn',
            'no address': '',
            'lan@localhost': '',
            'a@b.c': '',
            '@acme.vn': '',
            '': '',
            None: '',
            False: '',
        }
        for text, expected in cases.items():
            self.assertEqual(keys.normalize_email(text), expected, text)

    def test_huge_email_gives_nothing(self):
        self.assertEqual(keys.normalize_email('a' * 5000 + '@acme.vn'), '')
        self.assertEqual(keys.normalize_email('x' * 300 + '@acme.vn'), '', "over 254 characters")
        self.assertEqual(keys.normalize_email('@' * 900), '')

    def test_vietnamese_phone_formats(self):
        for typed in ('0912 345 678', '+84 912345678', '84912345678', '0912.345.678',
                      '0912-345-678', '(+84) 912 345 678', '0084912345678', '912345678',
                      '0912 345 678 / 0913 111 222', '0912345678 ext 12'):
            self.assertEqual(keys.sanitize_phone(typed, 'VN'), '+84912345678', typed)
        self.assertEqual(keys.sanitize_phone('(028) 3822 1234', 'VN'), '+842838221234')

    def test_invalid_or_garbage_phones_give_nothing(self):
        for typed in ('', None, False, 'abc', '0', '+', '12', '0912 345', 'call me',
                      '9' * 5000, '+' * 300, '0912 345 678' * 100):
            self.assertEqual(keys.sanitize_phone(typed, 'VN'), '', typed)

    def test_region(self):
        self.assertEqual(keys.sanitize_phone('01 23 45 67 89', 'FR'), '+33123456789')
        self.assertEqual(keys.sanitize_phone('01 23 45 67 89', 'VN'), '')
        self.assertEqual(keys.sanitize_phone('+33 1 23 45 67 89', 'VN'), '+33123456789')
        self.assertEqual(keys.region_code(None, 'fr', 'VN'), 'FR')
        self.assertEqual(keys.region_code('XX', '', None), keys.DEFAULT_REGION)
        self.assertEqual(keys.sanitize_phone('0912345678', 'unknown'), '+84912345678')

    def test_mobile_first_then_phone(self):
        self.assertEqual(keys.sanitize_phones(['0912 345 678', '0903 123 456']), '+84912345678')
        self.assertEqual(keys.sanitize_phones(['garbage', '0903 123 456']), '+84903123456')
        self.assertEqual(keys.sanitize_phones([None, False]), '')


def match(level, user_id, record_id, rank=0, date='', team_id=None, key_kind='phone',
          key='+84912345678', record='opportunity'):
    return owner.Match(level, rank, record, record_id, 'Record %d' % record_id, user_id, team_id,
                       date, key_kind, key, key)


@common.at_install(False)
@common.post_install(True)
class TestOwnerStep(unittest.TestCase):
    """Two teams: 1 (sequence 1) with members 11 (user 100) and 12 (user 101); 2 (sequence 2)
    with member 21 (user 100) and 22 (user 102). Company 1."""

    def setUp(self):
        super(TestOwnerStep, self).setUp()
        self.team1 = engine.TeamState(1, 1, 60, 0, set(), set())
        self.team2 = engine.TeamState(2, 2, 60, 0, set(), set())
        self.members = {
            11: engine.MemberState(11, 1, 100, 30, 0, None),
            12: engine.MemberState(12, 1, 101, 30, 0, None),
            21: engine.MemberState(21, 2, 100, 30, 0, None),
            22: engine.MemberState(22, 2, 102, 30, 0, None),
        }
        self.seats = {
            100: [owner.Seat(1, 1, 1, self.members[11]), owner.Seat(2, 1, 2, self.members[21])],
            101: [owner.Seat(1, 1, 1, self.members[12])],
            102: [owner.Seat(2, 1, 2, self.members[22])],
        }

    def run_step(self, leads, matches=None, keys_of=None, stoplist=(), fits=None):
        """``leads``: {lead_id: score}; every lead matches both teams unless ``fits``."""
        rows = [(lead_id, None, score, '2026-11-28 10:00:00') for lead_id, score in leads.items()]
        for team in (self.team1, self.team2):
            team.fits = set(leads) if fits is None else fits.get(team.id, set())
            team.entry = set(team.fits)
        return owner.route(rows, set(leads), [self.team1, self.team2],
                           list(self.members.values()), NOW, {lead_id: 1 for lead_id in leads},
                           matches or {}, keys_of or {}, set(stoplist), self.seats)

    def decision_of(self, outcome, lead_id):
        decisions = [d for d in outcome.decisions if d.lead_id == lead_id and d.kind == 'member']
        return decisions[0] if decisions else None

    def test_first_level_wins_then_rank_then_date_then_id(self):
        candidates = [match(4, 102, 1), match(3, 101, 2, date='2026-11-20 00:00:00'),
                      match(2, 102, 3, rank=2, date='2026-11-01 00:00:00'),
                      match(2, 101, 4, rank=1, date='2026-10-01 00:00:00')]
        self.assertEqual(owner.first_match(candidates, 1, set()).record_id, 4)
        same_rank = [match(2, 101, 5, date='2026-10-01 00:00:00'),
                     match(2, 102, 6, date='2026-11-01 00:00:00'),
                     match(2, 100, 7, date='2026-11-01 00:00:00')]
        self.assertEqual(owner.first_match(same_rank, 1, set()).record_id, 7)
        self.assertIsNone(owner.first_match([], 1, set()))

    def test_stoplisted_keys_are_ignored(self):
        by_phone = match(2, 101, 1, key_kind='phone', key='+84900000000')
        by_email = match(3, 102, 2, key_kind='email', key='lan@acme.vn')
        stoplist = {(1, 'phone', '+84900000000')}
        self.assertEqual(owner.first_match([by_phone, by_email], 1, stoplist), by_email)
        self.assertEqual(owner.first_match([by_phone, by_email], 2, stoplist), by_phone,
                         "the stoplist is per company")
        by_customer = match(2, 101, 3, key_kind='partner', key=7)
        self.assertEqual(owner.first_match([by_customer], 1, {(1, 'partner', 7)}), by_customer,
                         "a customer is one customer, whatever its number of opportunities")

    def test_is_stoplisted(self):
        self.assertFalse(owner.is_stoplisted(20, 5))
        self.assertTrue(owner.is_stoplisted(21, 2))
        self.assertFalse(owner.is_stoplisted(500, 1))

    def test_owner_takes_the_lead_and_skips_both_phases(self):
        outcome = self.run_step({1: 10.0, 2: 5.0}, matches={1: [match(2, 102, 9, team_id=2)]})
        decision = self.decision_of(outcome, 1)
        self.assertEqual((decision.team_id, decision.user_id, decision.member_id, decision.why),
                         (2, 102, 22, owner.OWNER))
        self.assertEqual([d.kind for d in outcome.decisions if d.lead_id == 1], ['member'])
        self.assertEqual(outcome.placed[1].record_id, 9)
        self.assertEqual(self.members[22].count, 1)
        self.assertEqual(self.team2.load, 1, "the lead entered team 2")
        self.assertEqual(self.decision_of(outcome, 2).why, None, "routed as usual")

    def test_team_choice(self):
        fits = {1: {3}, 2: {2}}
        outcome = self.run_step({1: 0.0, 2: 0.0, 3: 0.0}, fits=fits, matches={
            1: [match(2, 100, 7, team_id=2, key='+841')],   # the record's team
            2: [match(2, 100, 8, team_id=None, key='+842')],  # team 2 fits the lead
            3: [match(1, 100, 9, key_kind=None, key=None, record='partner')],  # team 1 fits
        })
        self.assertEqual(self.decision_of(outcome, 1).team_id, 2)
        self.assertEqual(self.decision_of(outcome, 2).team_id, 2)
        self.assertEqual(self.decision_of(outcome, 3).team_id, 1)
        outcome = self.run_step({4: 0.0}, fits={}, matches={4: [match(2, 100, 10, key='+844')]})
        self.assertEqual(self.decision_of(outcome, 4).team_id, 1, "first by sequence")

    def test_ineligible_owners_are_skipped_with_the_cause(self):
        # A paused membership takes no lead in the run: the engine does not see it either.
        self.seats[101][0].blocked = 'paused'
        self.seats[101][0].state = None
        del self.members[12]
        self.members[22].count = 30
        outcome = self.run_step({1: 0.0, 2: 0.0, 3: 0.0}, matches={
            1: [match(2, 101, 7, key='+841')],
            2: [match(2, 102, 8, key='+842')],
            3: [match(2, 999, 9, key='+843')],
        })
        self.assertEqual(outcome.skipped[1].cause, 'paused')
        self.assertEqual(outcome.skipped[2][1:], ('full', 30, 30))
        self.assertEqual(outcome.skipped[3].cause, 'not_member')
        for lead_id in (1, 2, 3):
            self.assertNotIn(lead_id, outcome.placed)
            decision = self.decision_of(outcome, lead_id)
            self.assertEqual(decision.why, None)
            self.assertNotIn(decision.user_id, (101, 102), "paused and full take nothing")

    def test_seat_of_another_company_is_no_seat(self):
        self.seats[102] = [owner.Seat(2, 7, 2, self.members[22])]
        outcome = self.run_step({1: 0.0}, matches={1: [match(2, 102, 8)]})
        self.assertEqual(outcome.skipped[1].cause, 'not_member')

    def test_owner_quota_is_shared_with_the_engine(self):
        self.members[22].capacity = 1
        outcome = self.run_step({1: 9.0, 2: 5.0}, matches={
            1: [match(2, 102, 8, team_id=2, key='+841')],
            2: [match(2, 102, 8, team_id=2, key='+842')]})
        self.assertIn(1, outcome.placed)
        self.assertEqual(outcome.skipped[2].cause, 'full', "best first: lead 1 took the place")
        self.assertEqual(sum(1 for d in outcome.decisions if d.user_id == 102), 1)

    def test_same_run_stickiness(self):
        keys_of = {lead_id: [('phone', '+84987654321', '+84987654321')] for lead_id in (1, 2, 3)}
        keys_of[4] = [('email', 'new@acme.vn', 'new@acme.vn')]
        keys_of[5] = [('email', 'new@acme.vn', 'new@acme.vn')]
        outcome = self.run_step({1: 1.0, 2: 9.0, 3: 5.0, 4: 0.0, 5: 0.0}, keys_of=keys_of)
        users = {d.lead_id: d.user_id for d in outcome.decisions if d.kind == 'member'}
        self.assertEqual(users[1], users[2])
        self.assertEqual(users[3], users[2])
        self.assertEqual(users[5], users[4])
        self.assertNotIn(2, outcome.placed, "the best of the group is routed as usual")
        self.assertEqual(outcome.placed[1].record_id, 2)
        self.assertEqual(outcome.placed[1].record, 'run')

    def test_owned_or_stoplisted_keys_do_not_group(self):
        keys_of = {1: [('phone', '+841', '+841')], 2: [('phone', '+841', '+841')],
                   3: [('phone', '+842', '+842')], 4: [('phone', '+842', '+842')]}
        outcome = self.run_step({1: 1.0, 2: 0.0, 3: 0.0, 4: 0.0}, keys_of=keys_of,
                                stoplist={(1, 'phone', '+842')}, matches={
                                    1: [match(2, 102, 9, key='+841')]})
        self.assertEqual(set(outcome.placed), {1}, "lead 2 shares an owned key: not a group")
        self.assertEqual(self.decision_of(outcome, 1).user_id, 102)

    def test_groups_are_transitive_and_led_by_the_best(self):
        ordered = [(3, None, 9.0, ''), (1, None, 5.0, ''), (2, None, 1.0, '')]
        keys_of = {1: [('email', 'a', 'a'), ('phone', 'p', 'p')], 2: [('phone', 'p', 'p')],
                   3: [('email', 'a', 'a')]}
        followers = owner.follow_groups(ordered, keys_of, {1: 1, 2: 1, 3: 1}, set())
        self.assertEqual({lead_id: group[0] for lead_id, group in followers.items()},
                         {1: 3, 2: 3})

    def test_follower_of_a_full_salesperson_is_routed_as_usual(self):
        for member in self.members.values():
            member.capacity = 1
        self.members[21].capacity = 0
        keys_of = {1: [('phone', 'p', 'p')], 2: [('phone', 'p', 'p')]}
        outcome = self.run_step({1: 9.0, 2: 0.0}, keys_of=keys_of)
        first, second = self.decision_of(outcome, 1), self.decision_of(outcome, 2)
        self.assertNotEqual(first.user_id, second.user_id)
        self.assertEqual(outcome.skipped[2].cause, 'full')
        counts = [member.count for member in self.members.values()]
        self.assertLessEqual(max(counts), 1, "no quota exceeded")

    def test_counts_are_right_whether_or_not_the_engine_updates_its_states(self):
        def engine_without_side_effects(leads, phase1_ids, teams, members, now):
            saved = [(member, member.count, member.last) for member in members] \
                + [(team, team.load) for team in teams]
            decisions = engine.route(leads, phase1_ids, teams, members, now)
            for state in saved:
                if len(state) == 3:
                    state[0].count, state[0].last = state[1], state[2]
                else:
                    state[0].load = state[1]
            return decisions
        rows = [(lead_id, None, 0.0, '') for lead_id in range(1, 7)]
        for team in (self.team1, self.team2):
            team.fits = team.entry = set(range(1, 7))
        keys_of = {5: [('phone', 'p', 'p')], 6: [('phone', 'p', 'p')]}
        outcome = owner.route(rows, set(range(1, 7)), [self.team1, self.team2],
                              list(self.members.values()), NOW, dict.fromkeys(range(1, 7), 1),
                              {1: [match(2, 102, 9, team_id=2)]}, keys_of, set(), self.seats,
                              engine_route=engine_without_side_effects)
        given = [d for d in outcome.decisions if d.kind == 'member']
        self.assertEqual(len(given), 6)
        for member in self.members.values():
            self.assertEqual(member.count, sum(1 for d in given if d.member_id == member.id))
        # Leads enter a team in phase 1, or when the owner step places them (leads 1 and 6).
        entered = sum(1 for d in outcome.decisions if d.kind == 'team') + len(outcome.placed)
        self.assertEqual(set(outcome.placed), {1, 6})
        self.assertEqual(self.team1.load + self.team2.load, entered)
