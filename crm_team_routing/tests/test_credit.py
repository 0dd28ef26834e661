# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Credit back: a lead that should not count against its salesperson leaves their 30-day
count; managers and the leader of the lead's team may do it, with a reason."""
from xmlrpc.client import Fault

from odoo.exceptions import AccessError
from odoo.tests import common

from .common import RoutingCase
from . import test_rpc_doors


class TestCredit(RoutingCase):

    @classmethod
    def setUpClass(cls):
        super(TestCredit, cls).setUpClass()
        cls.create_north_south([cls.sales[2]])

    def test_credit_frees_a_place_in_the_next_run(self):
        member = self.member_of(self.north, self.sales[0])
        self.member_of(self.north, self.sales[1]).write({'assignment_optout': True})
        member.write({'assignment_max': 1})
        first = self.create_leads(1, prefix='Credit first')
        self.route(self.north, leads=first)
        self.assertEqual(first.user_id, self.sales[0])
        second = self.create_leads(1, prefix='Credit second')
        self.route(self.north, leads=second)
        self.assertFalse(second.user_id, "full: 1/1")
        first.sudo(self.manager).action_routing_credit(reason='Junk: a test form')
        member.invalidate_cache()
        self.assertEqual(member.lead_month_count, 0)
        self.assertEqual(member.lead_credit_count, 1)
        self.route(self.north, leads=second)
        self.assertEqual(second.user_id, self.sales[0], "the credited lead freed a place")
        self.assertEqual(first.user_id, self.sales[0], "the lead itself stays theirs")
        credit = first.assignment_log_ids.filtered(lambda row: row.kind == 'credit')
        self.assertEqual(len(credit), 1)
        self.assertEqual(credit.user_id, self.sales[0])
        self.assertEqual(credit.previous_user_id, self.manager)
        self.assertIn('Junk: a test form', credit.reason)
        self.assertIn(self.manager.name, credit.reason)
        # Crediting again changes nothing.
        first.sudo(self.manager).action_routing_credit(reason='again')
        self.assertEqual(len(first.assignment_log_ids.filtered(
            lambda row: row.kind == 'credit')), 1)

    def test_no_reason_asks_for_one(self):
        lead = self.create_owned(self.sales[0], self.north)
        action = lead.sudo(self.leader_north).action_routing_credit()
        self.assertEqual(action['res_model'], 'crm.lead.routing.credit')
        self.assertFalse(lead.assignment_log_ids.filtered(lambda row: row.kind == 'credit'))
        wizard = self.env['crm.lead.routing.credit'].sudo(self.leader_north).with_context(
            **action['context']).create({'reason': 'Duplicate of another lead'})
        wizard.action_confirm()
        lead.invalidate_cache()
        credit = lead.assignment_log_ids.filtered(lambda row: row.kind == 'credit')
        self.assertIn('Duplicate of another lead', credit.reason)
        self.assertEqual(credit.previous_user_id, self.leader_north)

    def test_who_may_credit(self):
        lead = self.create_owned(self.sales[0], self.north)
        for user in (self.sales[0], self.leader_south, self.employee):
            with self.assertRaisesFor(AccessError, user.login):
                lead.sudo(user).action_routing_credit(reason='mine')
        waiting = self.create_leads(1)
        with self.assertRaisesFor(AccessError, 'a lead without salesperson'):
            waiting.sudo(self.manager).action_routing_credit(reason='nobody')
        self.create_company_b()
        with self.assertRaisesFor(AccessError, 'a manager of another company'):
            lead.sudo(self.manager_b).action_routing_credit(reason='not mine')
        self.assertFalse(lead.assignment_log_ids.filtered(lambda row: row.kind == 'credit'))


@common.at_install(False)
@common.post_install(True)
class TestCreditRpc(test_rpc_doors.TestRpcDoors):
    """The doors of "Routing you can see" over XML-RPC (the fixtures of test_rpc_doors, not
    its tests: they run in their own file)."""

    def test_credit_and_report(self):
        self.assertFault(4, 'credit leads back', self.seller, 'crm.lead', 'action_routing_credit',
                         [self.own.id], 'mine')
        action = self.call(self.leader, 'crm.lead', 'action_routing_credit', [self.own.id])
        self.assertEqual(action['res_model'], 'crm.lead.routing.credit')
        self.assertTrue(self.call(self.leader, 'crm.lead', 'action_routing_credit',
                                  [self.own.id], 'Junk'))
        kinds = self.call(self.manager, 'crm.lead.assignment.log', 'search_read',
                          [('lead_id', '=', self.own.id), ('kind', '=', 'credit')], ['user_id'])
        self.assertEqual([row['user_id'][0] for row in kinds], [self.seller.id])
        # The report: the seller reads their rows only, the employee nothing.
        rows = self.call(self.seller, 'crm.lead.routing.report', 'search_read', [], ['user_id'])
        self.assertTrue(rows)
        self.assertEqual({row['user_id'][0] for row in rows}, {self.seller.id})
        self.assertFault(4, '', self.employee, 'crm.lead.routing.report', 'search_read', [],
                         ['user_id'])
        # Runs: managers only; the touch fields of the log are the system's.
        self.assertFault(4, '', self.leader, 'crm.lead.routing.run', 'search_read', [],
                         ['state'])
        self.assertIsInstance(self.fault(self.seller, 'crm.lead.assignment.log', 'write',
                                         [1], {'touch_date': '2026-01-01 00:00:00'}), Fault)


for _name in dir(test_rpc_doors.TestRpcDoors):
    if _name.startswith('test'):
        setattr(TestCreditRpc, _name, None)
