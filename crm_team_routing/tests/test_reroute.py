# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Leads that change (DESIGN revision 3): the "Re-route leads" server action, from an automated
action on update, as the real user whose update fires it."""
import os

from odoo import tools
from odoo.exceptions import AccessError

from .common import RoutingCase

VI_PO = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'i18n',
                     'vi.po')


class TestReroute(RoutingCase):

    @classmethod
    def setUpClass(cls):
        super(TestReroute, cls).setUpClass()
        cls.env['res.lang'].load_lang('vi_VN')
        tools.trans_load(cls.env.cr, VI_PO, 'vi_VN', verbose=False,
                         module_name='crm_team_routing')
        State = cls.env['res.country.state']
        cls.hanoi = State.create({'name': 'Hà Nội', 'code': 'RR-HN',
                                  'country_id': cls.country_vn.id})
        cls.saigon = State.create({'name': 'Hồ Chí Minh', 'code': 'RR-SG',
                                   'country_id': cls.country_vn.id})
        cls.north = cls.create_team('North', leader=cls.leader_north,
                                    domain="[('state_id', '=', %d)]" % cls.hanoi.id,
                                    members=[(cls.sales[0], 30)])
        cls.south = cls.create_team('South', leader=cls.leader_south,
                                    domain="[('state_id', '=', %d)]" % cls.saigon.id,
                                    members=[(cls.sales[1], 30)])

    def setUp(self):
        super(TestReroute, self).setUp()
        # The demo's automated action, active: saving one commits and reloads the registry in
        # 11.0; in a test its hooks are installed on this registry instead, and taken off after.
        Automation = self.env['base.automation'].with_context(import_file=True)
        Automation.create({
            'name': 'Re-route on province change',
            'model_id': self.env.ref('crm.model_crm_lead').id,
            'trigger': 'on_write',
            'state': 'code',
            'code': "records._action_reroute_leads(['state_id'])\naction = False",
        })
        Automation._register_hook()
        self.addCleanup(type(self.Lead)._revert_method, '_write')

    def routed(self, name, state):
        lead = self.create_leads(1, prefix=name, state_id=state.id)
        self.route(mode='cron')
        return lead

    def move(self, lead, state, user=None):
        lead.sudo(user or self.manager).write({'state_id': state.id})
        self.Lead.invalidate_cache()

    def kinds(self, lead):
        return [row.kind for row in lead.assignment_log_ids.sorted('id')]

    def test_untouched_routed_lead_moves_to_the_team_it_now_matches(self):
        lead = self.routed('Moved', self.hanoi)
        self.assertEqual((lead.team_id, lead.user_id), (self.north, self.sales[0]))
        self.move(lead, self.saigon)
        self.assertEqual((lead.team_id, lead.user_id), (self.south, self.sales[1]))
        self.assertEqual(self.kinds(lead), ['team', 'member', 'release', 'team', 'member'])
        release = lead.assignment_log_ids.filtered(lambda row: row.kind == 'release')
        self.assertEqual(release.previous_user_id, self.sales[0])
        self.assertEqual(release.rule, 'reroute')
        self.assertEqual(release.team_id, self.north)
        self.assertEqual(release.reason, "Re-routed: the lead changed after routing gave it to "
                                         "%s; it is routed again." % self.sales[0].name)
        self.assertFollows(self.sales[0], lead, False)
        # Another field changing re-routes nothing.
        lead.sudo(self.manager).write({'description': 'called back'})
        self.Lead.invalidate_cache()
        self.assertEqual(len(lead.assignment_log_ids), 5)

    def test_touched_and_manual_leads_stay(self):
        touched = self.routed('Touched', self.hanoi)
        touched.sudo(self.sales[0]).message_post(body='Called', message_type='comment')
        manual = self.create_leads(1, prefix='Manual', state_id=self.hanoi.id)
        manual.sudo(self.manager).write({'user_id': self.sales[0].id,
                                         'team_id': self.north.id})
        self.move(touched, self.saigon)
        self.move(manual, self.saigon)
        self.assertEqual((touched.team_id, touched.user_id), (self.north, self.sales[0]))
        self.assertEqual((manual.team_id, manual.user_id), (self.north, self.sales[0]))
        self.assertNotIn('release', self.kinds(touched) + self.kinds(manual))

    def test_lead_waiting_in_the_team_routing_chose_moves_too(self):
        # North takes the lead but nobody there can: it waits in the team routing chose.
        self.member_of(self.north, self.sales[0]).assignment_optout = True
        self.Member.create({'team_id': self.north.id, 'user_id': self.sales[2].id,
                            'assignment_domain': "[('id', '=', 0)]"})
        lead = self.routed('Waiting', self.hanoi)
        self.assertEqual((lead.team_id, lead.user_id.id), (self.north, False))
        self.move(lead, self.saigon)
        self.assertEqual((lead.team_id, lead.user_id), (self.south, self.sales[1]))

    def test_loop_guard_stops_after_three_reroutes_in_a_day(self):
        self.sales[0].lang = 'vi_VN'
        lead = self.routed('Ping-pong', self.hanoi)
        states = [self.saigon, self.hanoi, self.saigon]
        for state in states:
            self.move(lead, state)
        self.assertEqual((lead.team_id, lead.user_id), (self.south, self.sales[1]))
        self.assertEqual(self.kinds(lead).count('release'), 3)
        # The fourth change in 24 hours: it stays, and one row says why.
        self.move(lead, self.hanoi)
        self.assertEqual((lead.team_id, lead.user_id), (self.south, self.sales[1]))
        self.assertEqual(self.kinds(lead)[-1], 'unassigned')
        guard = lead.assignment_log_ids.sorted('id')[-1]
        self.assertEqual(guard.reason, "Not re-routed: already re-routed 3 times in 24 hours; "
                                       "it stays with %s." % self.sales[1].name)
        self.assertEqual(guard.sudo(self.leader_south).with_context(lang='vi_VN').reason,
                         "Không phân bổ lại: đã phân bổ lại 3 lần trong 24 giờ; vẫn giữ cho %s."
                         % self.sales[1].name)
        # Said once, not at every change.
        self.move(lead, self.saigon)
        self.assertEqual(self.kinds(lead).count('unassigned'), 1)
        self.assertEqual(lead.user_id, self.sales[1])
        # Every row in the reader's language: the release rows, read by Bình in Vietnamese.
        self.env['ir.config_parameter'].set_param('crm_team_routing.reroute_max_per_day', '10')
        self.move(lead, self.hanoi)
        self.assertEqual(lead.user_id, self.sales[0])
        release = self.env['crm.lead.assignment.log'].sudo(self.sales[0]).search(
            [('lead_id', '=', lead.id), ('kind', '=', 'release')], order='id desc', limit=1)
        self.assertEqual(release.reason, "Đã phân bổ lại: khách hàng tiềm năng thay đổi sau khi "
                                         "được giao cho %s; được phân bổ lại." % self.sales[1].name)

    def test_reroute_only_for_who_may_write_the_leads(self):
        lead = self.routed('Not yours', self.hanoi)
        action = self.env.ref('crm_team_routing.action_server_reroute_leads')
        with self.assertRaisesFor(AccessError, self.sales[1]):
            action.sudo(self.sales[1]).with_context(
                active_model='crm.lead', active_ids=lead.ids, active_id=lead.id).run()
        self.Lead.invalidate_cache()
        self.assertEqual(lead.user_id, self.sales[0])
        self.assertNotIn('release', self.kinds(lead))
        # Run by hand by its salesperson (no update, hence no 'old_values'): released and routed
        # again, to the team it matches, here back to the same person.
        action.sudo(self.sales[0]).with_context(
            active_model='crm.lead', active_ids=lead.ids, active_id=lead.id).run()
        self.Lead.invalidate_cache()
        self.assertEqual((lead.team_id, lead.user_id), (self.north, self.sales[0]))
        self.assertEqual(self.kinds(lead), ['team', 'member', 'release', 'team', 'member'])
