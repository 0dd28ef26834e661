# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from xmlrpc.client import Fault

from odoo.tests import common


@common.at_install(False)
@common.post_install(True)
class TestXmlRpc(common.HttpCase):
    """The same rules hold over XML-RPC, logged in as a salesperson against the running server."""

    def setUp(self):
        super(TestXmlRpc, self).setUp()
        # In 11.0 the server works on the registry's test cursor, not on the test case's own:
        # the data must be created there to be seen over HTTP (it is rolled back all the same).
        env = self.env(cr=self.registry.test_cr,
                       context=dict(self.env.context, tracking_disable=True))
        group = env.ref('sales_team.group_sale_salesman')
        Users = env['res.users'].with_context(no_reset_password=True)
        self.seller = Users.create({'name': 'Rpc Seller', 'login': 'rpc_seller',
                                    'password': 'rpc_seller', 'email': 'rpc@example.com',
                                    'groups_id': [(6, 0, [group.id])]})
        other = Users.create({'name': 'Rpc Other', 'login': 'rpc_other', 'password': 'rpc_other',
                              'email': 'rpc2@example.com', 'groups_id': [(6, 0, [group.id])]})
        Lead = env['crm.lead'].with_context(crm_team_routing_no_route=True)
        self.own = Lead.create({'name': 'Rpc own', 'user_id': self.seller.id})
        self.foreign = Lead.create({'name': 'Rpc foreign', 'user_id': other.id})
        self.unassigned = Lead.create({'name': 'Rpc unassigned', 'user_id': False})
        self.shared = Lead.create({'name': 'Rpc shared', 'user_id': other.id,
                                   'shared_user_ids': [(6, 0, [self.seller.id])]})
        self.db = common.get_db_name()

    def call(self, model, method, *args, **kwargs):
        return self.xmlrpc_object.execute_kw(self.db, self.uid, 'rpc_seller', model, method,
                                             list(args), kwargs)

    def test_salesperson_over_xmlrpc(self):
        self.uid = self.xmlrpc_common.login(self.db, 'rpc_seller', 'rpc_seller')
        self.assertEqual(self.uid, self.seller.id)
        rows = self.call('crm.lead', 'search_read', [('name', '=like', 'Rpc %')], fields=['name'])
        self.assertEqual(sorted(row['name'] for row in rows), ['Rpc own', 'Rpc shared'])
        groups = self.call('crm.lead', 'read_group', [('name', '=like', 'Rpc %')], ['user_id'],
                           ['user_id'])
        self.assertEqual(sum(group['user_id_count'] for group in groups), 2)
        with self.assertRaises(Fault) as caught:
            self.call('crm.lead', 'write', [self.shared.id], {'name': 'mine now'})
        self.assertEqual(caught.exception.faultCode, 4, "AccessError arrives as fault 4")
        self.assertIn('security restrictions', caught.exception.faultString)
        with self.assertRaises(Fault):
            self.call('crm.lead', 'read', [self.unassigned.id], ['name'])
        with self.assertRaises(Fault):
            self.call('crm.lead', 'unlink', [self.own.id])
        self.assertTrue(self.call('crm.lead', 'write', [self.own.id], {'description': 'ok'}))
