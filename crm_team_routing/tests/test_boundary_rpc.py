# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Revision 3, Boundaries, over XML-RPC as the real users: system fields, sharing, followers
and posting."""
from xmlrpc.client import Fault

from odoo.tests import common


@common.at_install(False)
@common.post_install(True)
class TestBoundaryRpc(common.HttpCase):

    def setUp(self):
        super(TestBoundaryRpc, self).setUp()
        # In 11.0 the server works on the registry's test cursor: the data is created there.
        env = self.env(cr=self.registry.test_cr,
                       context=dict(self.env.context, tracking_disable=True))
        Users = env['res.users'].with_context(no_reset_password=True)

        def user(login, group):
            return Users.create({'name': login.replace('_', ' ').title(), 'login': login,
                                 'password': login, 'email': '%s@example.com' % login,
                                 'groups_id': [(6, 0, [env.ref(group).id])]})
        self.seller = user('rpcb_seller', 'sales_team.group_sale_salesman')
        self.reader = user('rpcb_reader', 'sales_team.group_sale_salesman')
        self.stranger = user('rpcb_stranger', 'sales_team.group_sale_salesman')
        self.leader = user('rpcb_leader', 'crm_team_routing.group_sale_team_leader')
        self.employee = user('rpcb_employee', 'base.group_user')
        team = env['crm.team'].create({'name': 'Rpc boundary', 'user_id': self.leader.id})
        env['crm.team.member'].create({'team_id': team.id, 'user_id': self.seller.id})
        env['crm.team.member'].create({'team_id': team.id, 'user_id': self.reader.id})
        self.lead = env['crm.lead'].with_context(crm_team_routing_no_route=True).create({
            'name': 'Rpc boundary lead', 'user_id': self.seller.id, 'team_id': team.id,
            'shared_user_ids': [(6, 0, [self.reader.id])]})
        env['mail.followers'].create({'res_model': 'crm.lead', 'res_id': self.lead.id,
                                      'partner_id': self.seller.partner_id.id})
        self.db = common.get_db_name()

    def call(self, user, model, method, *args, **kwargs):
        uid = self.xmlrpc_common.login(self.db, user.login, user.login)
        self.assertEqual(uid, user.id)
        return self.xmlrpc_object.execute_kw(self.db, uid, user.login, model, method,
                                             list(args), kwargs)

    def assertAccessError(self, text, user, model, method, *args, **kwargs):
        with self.assertRaises(Fault) as caught:
            self.call(user, model, method, *args, **kwargs)
        self.assertEqual(caught.exception.faultCode, 4, caught.exception.faultString[-300:])
        if text:
            self.assertIn(text, caught.exception.faultString)

    def test_system_fields_over_rpc(self):
        for name, value in (('assignment_date', '2026-01-01 00:00:00'), ('score', 50),
                            ('sla_reassign_count', 2), ('last_followup_date', False)):
            self.assertAccessError('(%s)' % name, self.seller, 'crm.lead', 'write',
                                   [self.lead.id], {name: value})
        self.assertAccessError('(score)', self.seller, 'crm.lead', 'create',
                               {'name': 'Scored', 'user_id': self.seller.id, 'score': 80})
        self.assertAccessError('(share_state)', self.seller, 'crm.lead', 'write',
                               [self.lead.id], {'share_state': 'to_share'})
        self.assertTrue(self.call(self.leader, 'crm.lead', 'write', [self.lead.id],
                                  {'share_state': 'to_share'}))

    def test_sharing_over_rpc(self):
        self.assertAccessError(self.stranger.name, self.leader, 'crm.lead', 'write',
                               [self.lead.id], {'shared_user_ids': [(4, self.stranger.id)]})
        self.assertAccessError(self.stranger.name, self.leader, 'crm.lead',
                               'action_share_with_users', [self.lead.id], [self.stranger.id])
        self.assertAccessError(None, self.seller, 'crm.lead', 'write', [self.lead.id],
                               {'shared_user_ids': [(5,)]})
        self.assertTrue(self.call(self.leader, 'crm.lead', 'action_share_with_users',
                                  [self.lead.id], [self.seller.id]))

    def test_followers_and_posting_over_rpc(self):
        self.assertEqual(self.call(self.employee, 'mail.followers', 'search_read',
                                   [('res_model', '=', 'crm.lead')], fields=['res_id']), [])
        self.assertEqual(self.call(self.stranger, 'mail.followers', 'search_count',
                                   [('res_id', '=', self.lead.id),
                                    ('res_model', '=', 'crm.lead')]), 0)
        self.assertTrue(self.call(self.seller, 'mail.followers', 'search_count',
                                  [('res_id', '=', self.lead.id),
                                   ('res_model', '=', 'crm.lead')]))
        self.assertAccessError(self.reader.name, self.seller, 'crm.lead', 'message_subscribe',
                               [self.lead.id], [self.reader.partner_id.id])
        self.assertAccessError('shared with you', self.reader, 'crm.lead', 'message_post',
                               [self.lead.id], body='Me too', message_type='notification')
        self.assertAccessError('shared with you', self.reader, 'mail.message', 'create',
                               {'model': 'crm.lead', 'res_id': self.lead.id, 'body': 'Me'})
