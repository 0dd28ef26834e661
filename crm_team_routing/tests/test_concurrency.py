# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import UserError

from ..models.crm_lead_router import ROUTING_LOCK_KEY
from .common import RoutingCase


class TestConcurrency(RoutingCase):
    """Two runs at once: the second skips (cron) or says so (buttons); nothing is assigned twice.

    A class of its own: the routing lock lives as long as the transaction that took it, and
    SavepointCase keeps one transaction for a whole class.
    """

    def test_overlapping_runs(self):
        team = self.create_team('Lock', members=[(self.sales[0], 30)])
        leads = self.create_leads(2)
        with self.env.registry.cursor() as other_cr:
            # Another run, in another transaction, holds the lock.
            other_cr.execute("SELECT pg_try_advisory_xact_lock(%s)", (ROUTING_LOCK_KEY,))
            self.assertTrue(other_cr.fetchone()[0])
            result = self.route(team, mode='cron')
            self.assertEqual(result.assigned, 0, "the cron skips cleanly")
            with self.assertRaises(UserError):
                team.sudo(self.manager).action_assign_leads()
            other_cr.rollback()  # the other run ends: its lock goes with its transaction
        self.assertFalse(leads.mapped('user_id'))
        self.route(team, mode='cron')
        self.assertEqual(leads.mapped('user_id'), self.sales[0])

    def test_lead_taken_meanwhile_is_not_assigned_twice(self):
        team = self.create_team('Guard', members=[(self.sales[0], 30)])
        lead = self.create_leads(1)
        decided = team._action_assign_leads(leads=lead, mode='preview')
        self.assertEqual(decided.assigned, 1)
        # Between the decision and the write, a person gives the lead to someone else.
        lead.sudo(self.manager).write({'user_id': self.sales[1].id})
        written = self.env['crm.lead.router']._write_leads(
            {}, {lead.id: (team.id, self.sales[0].id)}, '2026-11-22 10:00:00',
            expected={lead.id: None})
        self.assertFalse(written)
        lead.invalidate_cache()
        self.assertEqual(lead.user_id, self.sales[1])

    def test_lead_moved_won_or_lost_meanwhile_is_left_alone(self):
        """Guarded writes: between the decision and the write, a person moves one lead to
        another team, wins one and archives (loses) one; the run writes only the untouched
        lead, without error."""
        team = self.create_team('Guarded', members=[(self.sales[0], 30)])
        other = self.create_team('Elsewhere', leader=self.leader_north)
        moved, won, lost, untouched = leads = self.create_leads(4)
        won_stage = self.env['crm.stage'].create({'name': 'Won (test)', 'probability': 100})
        router = self.env['crm.lead.router']
        decided = {lead.id: (team.id, self.sales[0].id) for lead in leads}
        moved.sudo(self.manager).write({'team_id': other.id})
        won.sudo(self.manager).write({'stage_id': won_stage.id, 'probability': 100})
        lost.sudo(self.manager).write({'active': False})
        written = router._write_leads({}, decided, '2026-11-22 10:00:00',
                                      expected=dict.fromkeys(leads.ids))
        self.assertEqual(set(written), {untouched.id})
        leads.invalidate_cache()
        self.assertEqual(moved.team_id, other)
        self.assertFalse((moved | won | lost).mapped('user_id'))
        self.assertEqual(untouched.user_id, self.sales[0])
