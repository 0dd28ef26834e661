# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Capacity modes and preferred leads (DESIGN.md revision 3, issue #22): "No cap", "Open leads
at most", "Preferred leads", through routing, the SLA, the owner step and the overflow team, as
the real users; the preview and the reasons in Vietnamese."""
import random
import unittest
from datetime import timedelta
from xmlrpc.client import Fault

from odoo import fields, tools
from odoo.exceptions import ValidationError
from odoo.tests import common

from ..routing import sla
from ..routing.engine import MemberState, OpenLoad
from .common import RoutingCase, set_other_records_aside
from .test_reasons import VI_PO

VN_FILTER = "[('country_id.code', '=', 'VN')]"


class TestCapacity(RoutingCase):

    @classmethod
    def setUpClass(cls):
        super(TestCapacity, cls).setUpClass()
        cls.binh, cls.lan, cls.cuong = cls.sales[0], cls.sales[1], cls.sales[2]

    def team(self, name, *members, **values):
        """A team of ``members`` ((user, capacity, {member values})), led by leader_north."""
        team = self.create_team(name, leader=self.leader_north,
                                members=[(user, capacity) for user, capacity, _v in members],
                                **values)
        for user, _capacity, member_values in members:
            if member_values:
                self.member_of(team, user).sudo(self.manager).write(member_values)
        return team

    def run_as_manager(self, team, leads=None, mode='button'):
        return self.route(team, leads=leads, user=self.manager, mode=mode)

    def given(self, leads):
        return {user: count for user, count in self.counts_by_user(leads).items() if user}

    # ------------------------------------------------------------------------------------------
    # No cap
    # ------------------------------------------------------------------------------------------

    def test_equal_unlimited_members_split_evenly_beyond_their_capacity(self):
        team = self.team('No cap', (self.binh, 2, {'assignment_unlimited': True}),
                         (self.lan, 2, {'assignment_unlimited': True}))
        leads = self.create_leads(11)
        self.run_as_manager(team)
        given = self.given(leads)
        self.assertEqual(sum(given.values()), 11, "nobody waits: no cap")
        self.assertEqual(sorted(given.values()), [5, 6], "an even split, beyond 2 each")

    def test_limited_member_stops_while_unlimited_goes_on(self):
        team = self.team('Mixed', (self.binh, 2, {}),
                         (self.lan, 2, {'assignment_unlimited': True}))
        leads = self.create_leads(8)
        result = self.run_as_manager(team)
        self.assertEqual(self.given(leads), {self.binh: 2, self.lan: 6})
        render = self.env['crm.lead.assignment.log']._routing_reason_renderer()
        status = {row[1]: render(row[5]) if row[5] else '' for row in result.members}
        self.assertEqual(status[self.lan.id], 'no cap')
        row = leads.filtered(lambda lead: lead.user_id == self.lan)[-1].assignment_log_ids \
            .filtered(lambda row: row.kind == 'member')
        self.assertIn('load 5/2, no cap', row.reason)

    def test_no_cap_needs_a_capacity(self):
        team = self.team('Zero', (self.binh, 0, {}))
        with self.assertRaisesFor(ValidationError, 'no cap with capacity 0'):
            self.member_of(team, self.binh).sudo(self.manager).assignment_unlimited = True

    # ------------------------------------------------------------------------------------------
    # Open-lead cap
    # ------------------------------------------------------------------------------------------

    def test_open_cap_counts_leads_of_every_team_and_stops_within_one_run(self):
        other = self.create_team('Elsewhere')
        self.create_owned(self.binh, other, name='Open elsewhere')
        self.create_owned(self.binh, False, name='Open in no team', lead_type='lead')
        self.create_owned(self.binh, other, name='Won elsewhere').action_set_won()
        self.create_owned(self.binh, other, name='Lost elsewhere').action_set_lost()
        team = self.team('Open cap', (self.binh, 30, {'assignment_max_open': 3}),
                         (self.lan, 30, {}))
        self.assertEqual(self.member_of(team, self.binh).lead_open_count, 2,
                         "open leads of every team and none; won and lost do not count")
        leads = self.create_leads(6)
        self.run_as_manager(team)
        self.assertEqual(self.given(leads), {self.binh: 1, self.lan: 5},
                         "Bình stops at 3 open leads within the run")

    def test_open_cap_shared_by_a_users_teams_in_one_run(self):
        north = self.team('Cap North', (self.binh, 30, {'assignment_max_open': 2}),
                          domain=VN_FILTER)
        south = self.team('Cap South', (self.binh, 30, {'assignment_max_open': 2}),
                          domain="[('country_id.code', '=', 'FR')]")
        vn = self.create_leads(2, prefix='VN', country_id=self.country_vn.id)
        fr = self.create_leads(2, prefix='FR', country_id=self.country_fr.id)
        self.run_as_manager(north | south)
        self.assertEqual(len((vn | fr).filtered('user_id')), 2,
                         "2 open leads at most, whichever team gave them")
        waiting = (vn | fr).filtered(lambda lead: not lead.user_id)
        reasons = ' '.join(waiting.mapped('assignment_log_ids.reason'))
        self.assertIn('%s: 2/2 open leads' % self.binh.name, reasons)

    def test_closing_a_lead_frees_a_place_at_the_next_run(self):
        team = self.team('Close', (self.binh, 30, {'assignment_max_open': 2}))
        first = self.create_owned(self.binh, team, name='First')
        second = self.create_owned(self.binh, team, name='Second')
        new = self.create_leads(2)
        self.run_as_manager(team)
        self.assertFalse(new.mapped('user_id'), "2/2 open leads: both wait")
        first.sudo(self.binh).action_set_won()
        self.run_as_manager(team)
        self.assertEqual(len(new.filtered('user_id')), 1, "winning freed one place")
        second.sudo(self.binh).action_set_lost()
        self.run_as_manager(team)
        self.assertEqual(new.mapped('user_id'), self.binh, "losing freed another")

    def test_owner_at_open_cap_is_skipped_with_a_reason(self):
        team = self.team('Owner cap', (self.binh, 30, {'assignment_max_open': 1}),
                         (self.lan, 30, {}), assignment_owner=True)
        self.create_owned(self.binh, team, name='Nhà thuốc An Khang',
                          email_from='lan@ankhang.vn')
        lead = self.create_leads(1, email_from='Lan <LAN@ankhang.vn>')
        self.run_as_manager(team)
        self.assertEqual(lead.user_id, self.lan, "routed as usual")
        reason = lead.assignment_log_ids.sorted('id')[-1].reason
        self.assertIn('Existing owner skipped', reason)
        self.assertIn('%s has 1/1 open leads' % self.binh.name, reason)

    def test_sla_take_back_respects_the_open_cap(self):
        team = self.team('SLA cap', (self.binh, 30, {}), (self.lan, 30, {}),
                         (self.cuong, 30, {'assignment_unlimited': True}),
                         assignment_sla_hours=24, assignment_sla_max=2)
        self.member_of(team, self.lan).assignment_optout = True
        self.member_of(team, self.cuong).assignment_optout = True
        leads = self.create_leads(2)
        self.run_as_manager(team)
        self.assertEqual(leads.mapped('user_id'), self.binh)
        (self.member_of(team, self.lan) | self.member_of(team, self.cuong)).write(
            {'assignment_optout': False})
        self.member_of(team, self.lan).assignment_max_open = 1
        self.member_of(team, self.cuong).assignment_max_open = 1
        self.create_owned(self.cuong, team, name='Cường holds one')
        self.env.cr.execute("UPDATE crm_lead SET assignment_date = now() at time zone 'UTC' "
                            "- interval '30 hours' WHERE id = ANY(%s)", (leads.ids,))
        leads.invalidate_cache()
        self.env['crm.team']._cron_sla_reassign()
        self.env['crm.lead'].invalidate_cache()
        self.assertEqual(self.given(leads), {self.binh: 1, self.lan: 1},
                         "Lan takes one and is then at her cap; Cường is at his")

    def test_overflow_team_respects_the_open_cap(self):
        overflow = self.team('Overflow', (self.lan, 30, {'assignment_max_open': 1}))
        team = self.team('Full team', (self.binh, 1, {}), assignment_fallback_hours=0,
                         assignment_fallback_team_id=overflow.id)
        leads = self.create_leads(3)
        self.run_as_manager(team)
        self.assertEqual(self.given(leads), {self.binh: 1, self.lan: 1})
        self.assertEqual(leads.filtered(lambda lead: not lead.user_id).team_id, overflow)

    # ------------------------------------------------------------------------------------------
    # Preferred leads
    # ------------------------------------------------------------------------------------------

    def preferred_team(self, binh_values=None, binh_capacity=30):
        team = self.team('Preferred', (self.binh, binh_capacity, dict(
            {'assignment_domain_preferred': VN_FILTER}, **(binh_values or {}))),
            (self.lan, 30, {}))
        # Bình is more loaded than Lan: 3 leads of the team in the last 30 days.
        for index in range(3):
            self.create_owned(self.binh, team, name='Earlier %d' % index)
        return team

    def test_preferred_lead_goes_to_the_preferring_member_though_more_loaded(self):
        team = self.preferred_team()
        vn = self.create_leads(1, prefix='VN', country_id=self.country_vn.id)
        fr = self.create_leads(1, prefix='FR', country_id=self.country_fr.id)
        self.run_as_manager(team)
        self.assertEqual(vn.user_id, self.binh, "preferred, though more loaded")
        self.assertEqual(fr.user_id, self.lan, "not preferred: the least loaded")
        row = vn.assignment_log_ids.filtered(lambda row: row.kind == 'member')
        self.assertEqual(row.rule, 'balance')
        self.assertIn('preferred: Country ▸ Country Code = VN', row.reason)
        self.assertNotIn('preferred', fr.assignment_log_ids.filtered(
            lambda row: row.kind == 'member').reason)

    def test_preference_never_restricts(self):
        team = self.team('Only Bình', (self.binh, 30, {'assignment_domain_preferred':
                                                       VN_FILTER}))
        fr = self.create_leads(2, prefix='FR', country_id=self.country_fr.id)
        self.run_as_manager(team)
        self.assertEqual(fr.mapped('user_id'), self.binh)

    def test_preferred_lead_not_to_a_full_paused_or_absent_member(self):
        for case in ('full', 'open_full', 'paused', 'absent'):
            with self.subTest(case=case):
                with self.env.cr.savepoint():
                    values = {'paused': {'assignment_optout': True},
                              'open_full': {'assignment_max_open': 3}}.get(case, {})
                    team = self.preferred_team(values, binh_capacity=3 if case == 'full' else 30)
                    if case == 'absent':
                        now = fields.Datetime.from_string(fields.Datetime.now())
                        member = self.member_of(team, self.binh)
                        self.env['resource.calendar.leaves'].sudo(self.manager).create({
                            'name': 'Nghỉ phép', 'resource_id': member.resource_id.id,
                            'calendar_id': member.resource_calendar_id.id,
                            'date_from': fields.Datetime.to_string(now - timedelta(hours=1)),
                            'date_to': fields.Datetime.to_string(now + timedelta(days=2))})
                    vn = self.create_leads(1, prefix='VN', country_id=self.country_vn.id)
                    self.run_as_manager(team)
                    self.assertEqual(vn.user_id, self.lan)

    def test_preferred_filter_validated_with_the_savers_rights(self):
        team = self.team('Validate', (self.binh, 30, {}))
        member = self.member_of(team, self.binh).sudo(self.manager)
        for bad in ("[('name', '=',", "[('no_such_field', '=', 1)]",
                    "[('user_id.password', '=', 'x')]"):
            with self.assertRaisesFor(ValidationError, bad):
                member.assignment_domain_preferred = bad
        member.assignment_domain_preferred = VN_FILTER
        self.assertEqual(member.assignment_preferred_text, 'Country ▸ Country Code = VN')

    # ------------------------------------------------------------------------------------------
    # Vietnamese
    # ------------------------------------------------------------------------------------------

    def test_preview_and_reasons_in_vietnamese(self):
        self.env['res.lang'].load_lang('vi_VN')
        tools.trans_load(self.env.cr, VI_PO, 'vi_VN', verbose=False,
                         module_name='crm_team_routing')
        self.manager.lang = 'vi_VN'
        team = self.team('Miền Bắc', (self.binh, 30, {'assignment_max_open': 1,
                                                      'assignment_domain_preferred': VN_FILTER}),
                         (self.lan, 2, {'assignment_unlimited': True}))
        self.create_leads(1, prefix='VN', country_id=self.country_vn.id)
        self.create_leads(3, prefix='FR', country_id=self.country_fr.id)
        action = team.sudo(self.manager).with_context(
            lang='vi_VN').action_preview_assignment()
        preview = self.env['crm.team.routing.preview'].sudo(self.manager).with_context(
            lang='vi_VN').browse(action['res_id'])
        html = preview.totals_html
        self.assertIn('Tình trạng', html)
        self.assertIn('không giới hạn', html)
        self.assertIn('1/1 khách hàng tiềm năng đang mở', html)
        reasons = ' '.join(preview.line_ids.mapped('reason'))
        self.assertIn('ưu tiên: ', reasons)
        self.assertIn('đã nhận 2/2, không giới hạn', reasons)


@common.at_install(False)
@common.post_install(True)
class TestCapacityRpc(common.HttpCase):
    """The capacity fields over XML-RPC: a sales manager sets them, a salesperson may not, and
    a preferred filter reading what may not be searched is refused."""

    def setUp(self):
        super(TestCapacityRpc, self).setUp()
        # The server works on the registry's test cursor in 11.0: the data is created there.
        env = self.env(cr=self.registry.test_cr,
                       context=dict(self.env.context, tracking_disable=True))
        set_other_records_aside(env)
        Users = env['res.users'].with_context(no_reset_password=True)

        def user(login, group):
            return Users.create({'name': login.title(), 'login': login, 'password': login,
                                 'email': '%s@example.com' % login,
                                 'groups_id': [(6, 0, [env.ref(group).id])]})
        self.manager = user('rpc_cap_manager', 'sales_team.group_sale_manager')
        self.seller = user('rpc_cap_seller', 'sales_team.group_sale_salesman')
        team = env['crm.team'].create({'name': 'Rpc capacity', 'assignment_domain': '[]'})
        self.member = env['crm.team.member'].create({'team_id': team.id,
                                                     'user_id': self.seller.id})
        self.db = common.get_db_name()

    def call(self, login, model, method, *args):
        uid = self.xmlrpc_common.login(self.db, login, login)
        self.registry.test_cr.commit()  # pylint: disable=invalid-commit
        try:
            return self.xmlrpc_object.execute_kw(self.db, uid, login, model, method,
                                                 list(args), {})
        finally:
            self.member.invalidate_cache()

    def test_capacity_fields_over_xmlrpc(self):
        values = {'assignment_unlimited': True, 'assignment_max_open': 40,
                  'assignment_domain_preferred': VN_FILTER}
        with self.assertRaises(Fault) as caught:
            self.call('rpc_cap_seller', 'crm.team.member', 'write', [self.member.id], values)
        self.assertEqual(caught.exception.faultCode, 4, "AccessError arrives as fault 4")
        self.assertTrue(self.call('rpc_cap_manager', 'crm.team.member', 'write',
                                  [self.member.id], values))
        self.assertEqual((self.member.assignment_unlimited, self.member.assignment_max_open,
                          self.member.assignment_domain_preferred), (True, 40, VN_FILTER))
        with self.assertRaises(Fault) as caught:
            self.call('rpc_cap_manager', 'crm.team.member', 'write', [self.member.id],
                      {'assignment_domain_preferred': "[('user_id.password', '=', 'x')]"})
        self.assertIn('is not valid', caught.exception.faultString)
        self.assertEqual(self.member.assignment_domain_preferred, VN_FILTER)
        read = self.call('rpc_cap_seller', 'crm.team.member', 'read', [self.member.id],
                         ['assignment_max_open', 'lead_open_count'])
        self.assertEqual(read[0]['assignment_max_open'], 40)


@common.at_install(False)
@common.post_install(True)
class TestCapacitySlaScan(unittest.TestCase):
    """The SLA's choice with the three rules against a scan of every member, without a
    database: no cap, open-lead caps on counters shared by a user's memberships, preferences."""

    def test_sla_choices_with_capacity_modes(self):
        preferred = 0
        for seed in range(40):
            with self.subTest(seed=seed):
                preferred += self.check(seed)
        self.assertGreater(preferred, 0, "preferences decide some leads")

    def check(self, seed):
        now = '2026-11-29 08:00:00'

        def members():
            rng = random.Random(seed)
            counters = {key: OpenLoad(rng.randint(0, 4)) for key in range(4)}
            liked = [set(range(1, 200, 3)), set(range(1, 200, 5))]
            by_team = {}
            for team_id in (1, 2):
                by_team[team_id] = []
                for index in range(6):
                    capped = rng.random() < 0.4
                    by_team[team_id].append(MemberState(
                        team_id * 100 + index, team_id, team_id * 100 + index,
                        rng.randint(1, 6), rng.randint(0, 6),
                        '2026-11-%02d 09:00:00' % rng.randint(1, 28), None,
                        weight=rng.choice([0.0, 1.0, 1.0, 2.0]),
                        unlimited=rng.random() < 0.3,
                        open_cap=rng.randint(1, 6) if capped else 0,
                        open_load=counters[rng.randint(0, 3)] if capped else None,
                        preferred=rng.choice([None, None] + liked)))
            return by_team

        leads = [sla.SlaLead(lead_id, 1 + lead_id % 2, (1 + lead_id % 2) * 100 + lead_id % 6,
                             '2026-11-27 %02d:00:00' % (lead_id % 24), 0)
                 for lead_id in range(1, 200)]
        held_by = {lead.lead_id: set() for lead in leads}
        fits = {1: set(range(1, 200)), 2: set(range(1, 200))}
        decisions = sla.decide(leads, members(), fits, held_by, dict.fromkeys(fits, 1), now)

        by_team = members()
        opens = {}
        for team in by_team.values():
            for member in team:
                if member.open_load is not None:
                    opens.setdefault(id(member.open_load), member.open_load.count)
        expected, preferred = [], 0
        for lead in sla.overdue_first(leads):
            eligible = [m for m in by_team[lead.team_id] if m.user_id != lead.user_id
                        and (m.unlimited or m.count < m.capacity)
                        and (not m.open_cap or opens[id(m.open_load)] < m.open_cap)]

            def key(member):
                reserve, load, last, member_id = sla.member_key(member)
                liked = member.preferred is not None and lead.lead_id in member.preferred
                return (reserve, not liked, load, last, member_id)
            member = min(eligible, key=key) if eligible else None
            expected.append((lead.lead_id, member.user_id if member else None))
            if member:
                preferred += not key(member)[1]
                member.count += 1
                member.last = now
                if member.open_load is not None:
                    opens[id(member.open_load)] += 1
        self.assertEqual([(d.lead_id, d.user_id) for d in decisions], expected)
        return preferred
