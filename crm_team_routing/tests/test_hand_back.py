# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""People who leave (DESIGN revision 3): handing back a salesperson's open leads, by the wizard
``crm.lead.hand.back`` or by archiving the user or their membership. As the real users."""
import os
from xmlrpc.client import Fault

from odoo import tools
from odoo.exceptions import AccessError
from odoo.tests import common

from .common import RoutingCase

VI_PO = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'i18n',
                     'vi.po')


class TestHandBack(RoutingCase):

    @classmethod
    def setUpClass(cls):
        super(TestHandBack, cls).setUpClass()
        cls.env['res.lang'].load_lang('vi_VN')
        tools.trans_load(cls.env.cr, VI_PO, 'vi_VN', verbose=False,
                         module_name='crm_team_routing')
        # Who archives users: an administrator of access rights, not the superuser.
        cls.admin_user = cls.create_user('routing_access_admin', 'base.group_erp_manager')
        cls.binh = cls.create_user('routing_binh', 'sales_team.group_sale_salesman',
                                   name='Bình')
        cls.north = cls.create_team('North', leader=cls.leader_north,
                                    members=[(cls.binh, 100), (cls.sales[1], 100),
                                             (cls.sales[2], 100)])
        cls.south = cls.create_team('South', leader=cls.leader_south,
                                    members=[(cls.binh, 100), (cls.sales[3], 100)])

    def owned(self, user, team, count, prefix, days_ago=1, **values):
        """``count`` open leads of ``user`` in ``team`` given by routing ``days_ago`` days
        ago."""
        leads = self.create_leads(count, prefix=prefix, **values)
        self.env['crm.lead.router']._write_leads(
            {}, {lead_id: (team.id or None, user.id) for lead_id in leads.ids},
            '2000-01-01 00:00:00', force=True)
        self.env.cr.execute("""
            UPDATE crm_lead SET assignment_date = now() at time zone 'UTC' - %s * interval '1 day'
             WHERE id = ANY(%s)
        """, (days_ago, leads.ids))
        self.Lead.invalidate_cache()
        return leads

    def load(self, team, user):
        return team._routing_member_loads().get((team.id, user.id), (0, None))[0]

    def notes_to(self, user, before):
        return self.env['mail.message'].search([
            ('id', '>', before), ('model', '=', False),
            ('partner_ids', 'in', user.partner_id.ids)])

    def last_message_id(self):
        return self.env['mail.message'].search([], order='id desc', limit=1).id

    def releases(self, leads):
        return self.env['crm.lead.assignment.log'].search(
            [('lead_id', 'in', leads.ids), ('kind', '=', 'release')])

    # ------------------------------------------------------------------------------------------
    # Archiving
    # ------------------------------------------------------------------------------------------

    def test_archived_user_hands_back_open_leads_won_and_lost_untouched(self):
        others = self.owned(self.sales[3], self.south, 3, 'Colleague')
        open_leads = self.owned(self.binh, self.north, 30, 'Bình open')
        won = self.owned(self.binh, self.north, 5, 'Bình won')
        lost = self.owned(self.binh, self.north, 3, 'Bình lost')
        won.action_set_won()
        lost.action_set_lost()
        self.assertEqual(self.load(self.north, self.binh), 38)
        before = self.last_message_id()

        self.binh.sudo(self.admin_user).write({'active': False})
        self.Lead.invalidate_cache()

        self.assertFalse(open_leads.mapped('user_id'), "the open leads are handed back")
        self.assertEqual(open_leads.mapped('team_id'), self.north, "they stay in their team")
        self.assertEqual(won.mapped('user_id'), self.binh, "won leads stay with Bình")
        lost_now = self.Lead.with_context(active_test=False).browse(lost.ids)
        self.assertEqual(lost_now.mapped('user_id'), self.binh, "lost leads stay with Bình")
        self.assertFalse(any(lost_now.mapped('active')))
        self.assertEqual(others.mapped('user_id'), self.sales[3])
        rows = self.releases(open_leads | won | lost)
        self.assertEqual(rows.mapped('lead_id'), open_leads)
        self.assertEqual(set(rows.mapped('rule')), {'hand_back'})
        self.assertEqual(rows.mapped('previous_user_id'), self.binh)
        self.assertEqual(rows[0].reason, "Handed back: Bình left the team North.")
        # Counted out of the leaver's load: only the won and lost leads remain.
        self.assertEqual(self.load(self.north, self.binh), 8)
        # The leader receives one note listing them.
        notes = self.notes_to(self.leader_north, before)
        self.assertEqual(len(notes), 1)
        self.assertIn("Bình left: 30 open leads handed back", notes.body)
        self.assertIn('Bình open 0', notes.body)

        # The next run gives them to the others, never to the archived user.
        self.Team._cron_assign_leads()
        self.Lead.invalidate_cache()
        self.assertEqual(self.counts_by_user(open_leads),
                         {self.sales[1]: 15, self.sales[2]: 15})
        self.assertEqual(self.load(self.north, self.binh), 8)

    def test_archived_membership_hands_back_that_team_only(self):
        north_leads = self.owned(self.binh, self.north, 4, 'North')
        south_leads = self.owned(self.binh, self.south, 2, 'South')
        before = self.last_message_id()
        self.member_of(self.north, self.binh).sudo(self.manager).write({'active': False})
        self.Lead.invalidate_cache()
        self.assertFalse(north_leads.mapped('user_id'))
        self.assertEqual(south_leads.mapped('user_id'), self.binh)
        self.assertEqual(len(self.notes_to(self.leader_north, before)), 1)
        self.assertFalse(self.notes_to(self.leader_south, before))
        self.route(self.north, mode='cron')
        self.assertNotIn(self.binh, north_leads.mapped('user_id'))
        self.assertTrue(all(north_leads.mapped('user_id')))

    def test_archiving_hands_back_nothing_when_switched_off(self):
        Param = self.env['ir.config_parameter']
        member = self.member_of(self.north, self.binh)
        for value in ('0', 'False'):
            Param.set_param('crm_team_routing.hand_back_on_archive', value)
            leads = self.owned(self.binh, self.north, 2, 'Kept %s' % value)
            member.sudo(self.manager).write({'active': False})
            self.Lead.invalidate_cache()
            self.assertEqual(leads.mapped('user_id'), self.binh, value)
            member.sudo(self.manager).write({'active': True})
        Param.set_param('crm_team_routing.hand_back_on_archive', '1')
        leads = self.owned(self.binh, self.north, 2, 'Handed back')
        # A routing team Bình is no member of: handed back too; a lead in no team stays.
        other = self.create_team('Other', members=[(self.sales[3], 30)])
        elsewhere = self.owned(self.binh, other, 1, 'Elsewhere')
        no_team = self.owned(self.binh, self.Team, 1, 'No team')
        self.binh.sudo(self.admin_user).toggle_active()
        self.Lead.invalidate_cache()
        self.assertFalse((leads | elsewhere).mapped('user_id'))
        self.assertEqual(no_team.user_id, self.binh)

    # ------------------------------------------------------------------------------------------
    # The wizard
    # ------------------------------------------------------------------------------------------

    def wizard(self, user, member, **values):
        action = member.sudo(user).action_hand_back_leads()
        return self.env['crm.lead.hand.back'].sudo(user).with_context(
            **action['context']).create(values)

    def test_wizard_preview_equals_what_it_does(self):
        stale = self.owned(self.binh, self.north, 4, 'Stale', days_ago=10)
        fresh = self.owned(self.binh, self.north, 3, 'Fresh', days_ago=2)
        touched = self.owned(self.binh, self.north, 2, 'Touched', days_ago=10)
        for lead in touched:
            lead.sudo(self.binh).message_post(body='Called', message_type='comment')
        won = self.owned(self.binh, self.north, 1, 'Won', days_ago=10)
        won.action_set_won()
        elsewhere = self.owned(self.binh, self.south, 2, 'South', days_ago=10)
        # The others are loaded more than Bình: without the rule, routing would give him back
        # what was just taken from him.
        self.owned(self.sales[1], self.north, 20, 'Load 1')
        self.owned(self.sales[2], self.north, 20, 'Load 2')
        member = self.member_of(self.north, self.binh)

        wizard = self.wizard(self.leader_north, member, scope='untouched', days=7)
        self.assertEqual(wizard.lead_ids, stale)
        wizard.scope = 'all'
        self.assertEqual(wizard.lead_ids, stale | fresh | touched)
        wizard.scope = 'untouched'
        preview = wizard.lead_ids
        before = self.last_message_id()
        wizard.action_confirm()
        self.Lead.invalidate_cache()

        released = self.releases(stale | fresh | touched | won | elsewhere).mapped('lead_id')
        self.assertEqual(released, preview, "the preview is what it does")
        self.assertEqual((fresh | touched | won).mapped('user_id'), self.binh)
        self.assertEqual(elsewhere.mapped('user_id'), self.binh)
        # Routed at once, to the others: never back to Bình in that run.
        self.assertTrue(all(stale.mapped('user_id')))
        self.assertNotIn(self.binh, stale.mapped('user_id'))
        self.assertEqual(stale.mapped('team_id'), self.north)
        row = self.releases(stale[0])
        self.assertEqual(row.previous_user_id, self.binh)
        self.assertEqual(row.reason, "Handed back from Bình by %s: not touched in the last 7 "
                                     "days." % self.leader_north.name)
        # In the reader's language.
        self.assertEqual(row.sudo(self.leader_north).with_context(lang='vi_VN').reason,
                         "Đã trả lại từ Bình bởi %s: không được chăm sóc trong 7 ngày qua."
                         % self.leader_north.name)
        # The leader did it: no note to themselves.
        self.assertFalse(self.notes_to(self.leader_north, before))

    def test_hand_back_to_the_next_run(self):
        leads = self.owned(self.binh, self.north, 3, 'Later')
        self.owned(self.sales[1], self.north, 20, 'Load 1')
        self.owned(self.sales[2], self.north, 20, 'Load 2')
        before = self.last_message_id()
        self.wizard(self.manager, self.member_of(self.north, self.binh),
                    route_now=False).action_confirm()
        self.Lead.invalidate_cache()
        self.assertFalse(leads.mapped('user_id'), "left to the next run")
        notes = self.notes_to(self.leader_north, before)
        self.assertEqual(len(notes), 1)
        self.assertIn("3 open leads of Bình handed back", notes.body)
        self.route(self.north, mode='cron')
        self.assertTrue(all(leads.mapped('user_id')))
        self.assertNotIn(self.binh, leads.mapped('user_id'),
                         "the next run does not give them back to Bình")

    def test_leader_cannot_hand_back_a_member_of_another_team(self):
        leads = self.owned(self.binh, self.north, 2, 'North')
        member = self.member_of(self.north, self.binh)
        with self.assertRaisesFor(AccessError, self.leader_south):
            member.sudo(self.leader_south).action_hand_back_leads()
        with self.assertRaisesFor(AccessError, self.leader_south):
            self.env['crm.lead.hand.back'].sudo(self.leader_south).create(
                {'member_id': member.id})
        # Nor by the preview of an unsaved wizard.
        draft = self.env['crm.lead.hand.back'].sudo(self.leader_south).new(
            {'member_id': member.id, 'scope': 'all'})
        self.assertFalse(draft.lead_ids)
        for user in (self.sales[1], self.binh, self.employee):
            with self.assertRaisesFor(AccessError, user):
                member.sudo(user).action_hand_back_leads()
        self.Lead.invalidate_cache()
        self.assertEqual(leads.mapped('user_id'), self.binh)
        # The leader of the team may; the card and the form show the door to them only.
        self.assertEqual(self.wizard(self.leader_north, member).lead_ids, leads)
        member.invalidate_cache()
        self.assertTrue(member.sudo(self.leader_north).hand_back_allowed)
        self.assertTrue(member.sudo(self.manager).hand_back_allowed)
        self.assertFalse(member.sudo(self.leader_south).hand_back_allowed)
        self.assertFalse(member.sudo(self.sales[1]).hand_back_allowed)


@common.at_install(False)
@common.post_install(True)
class TestHandBackRpc(common.HttpCase):
    """The hand-back doors over XML-RPC, logged in as a team leader."""

    def setUp(self):
        super(TestHandBackRpc, self).setUp()
        # The server works on the registry's test cursor in 11.0: the data is created there.
        env = self.env(cr=self.registry.test_cr,
                       context=dict(self.env.context, tracking_disable=True))
        Users = env['res.users'].with_context(no_reset_password=True)

        def user(login, group):
            return Users.create({'name': login.title(), 'login': login, 'password': login,
                                 'email': '%s@example.com' % login,
                                 'groups_id': [(6, 0, [env.ref(group).id])]})
        self.leader = user('rpc_hb_leader', 'crm_team_routing.group_sale_team_leader')
        other_leader = user('rpc_hb_other', 'crm_team_routing.group_sale_team_leader')
        seller = user('rpc_hb_seller', 'sales_team.group_sale_salesman')
        Team, Member = env['crm.team'], env['crm.team.member']
        mine = Team.create({'name': 'Rpc mine', 'user_id': self.leader.id})
        theirs = Team.create({'name': 'Rpc theirs', 'user_id': other_leader.id})
        self.my_member = Member.create({'team_id': mine.id, 'user_id': seller.id})
        self.their_member = Member.create({'team_id': theirs.id, 'user_id': seller.id})
        self.lead = env['crm.lead'].with_context(crm_team_routing_no_route=True).create(
            {'name': 'Rpc theirs lead', 'user_id': seller.id, 'team_id': theirs.id})
        self.db = common.get_db_name()

    def call(self, model, method, *args):
        return self.xmlrpc_object.execute_kw(self.db, self.uid, 'rpc_hb_leader', model, method,
                                             list(args), {})

    def test_leader_over_xmlrpc(self):
        self.uid = self.xmlrpc_common.login(self.db, 'rpc_hb_leader', 'rpc_hb_leader')
        self.assertEqual(self.uid, self.leader.id)
        action = self.call('crm.team.member', 'action_hand_back_leads', [self.my_member.id])
        self.assertEqual(action['res_model'], 'crm.lead.hand.back')
        with self.assertRaises(Fault) as caught:
            self.call('crm.team.member', 'action_hand_back_leads', [self.their_member.id])
        self.assertEqual(caught.exception.faultCode, 4, "AccessError arrives as fault 4")
        self.assertIn('Rpc theirs', caught.exception.faultString)
        with self.assertRaises(Fault) as caught:
            self.call('crm.lead.hand.back', 'create', {'member_id': self.their_member.id})
        self.assertEqual(caught.exception.faultCode, 4)
        self.lead.invalidate_cache()
        self.assertTrue(self.lead.user_id, "the other team's lead stays with its salesperson")
