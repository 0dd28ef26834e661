# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The routing schedule (the routing cron) edited by a sales manager without developer mode,
and by administrators in CRM > Settings."""
from odoo.exceptions import AccessError, ValidationError

from .common import RoutingCase

FIELDS = ['crm_auto_assignment_action', 'crm_auto_assignment_interval_number',
          'crm_auto_assignment_interval_type', 'crm_auto_assignment_run_datetime']


class TestRoutingSchedule(RoutingCase):

    def settings(self, user):
        return self.env['res.config.settings'].sudo(user).with_context(
            crm_team_routing_schedule=True)

    def cron(self):
        cron = self.env.ref('crm_team_routing.ir_cron_assign_leads')
        cron.invalidate_cache()
        return cron

    def test_manager_reads_and_changes_the_schedule(self):
        self.cron().write({'active': True, 'interval_number': 15, 'interval_type': 'minutes'})
        Settings = self.settings(self.manager)
        values = Settings.default_get(FIELDS)
        self.assertEqual(values['crm_auto_assignment_action'], 'auto')
        self.assertEqual(values['crm_auto_assignment_interval_number'], 15)
        self.assertEqual(values['crm_auto_assignment_interval_type'], 'minutes')
        Settings.create({
            'crm_auto_assignment_action': 'auto',
            'crm_auto_assignment_interval_number': 2,
            'crm_auto_assignment_interval_type': 'hours',
        }).action_save_routing_schedule()
        cron = self.cron()
        self.assertEqual((cron.active, cron.interval_number, cron.interval_type),
                         (True, 2, 'hours'))
        Settings.create({'crm_auto_assignment_action': 'manual'}).action_save_routing_schedule()
        self.assertFalse(self.cron().active, "manually: the scheduled action is off")
        self.assertEqual(Settings.default_get(FIELDS)['crm_auto_assignment_action'], 'manual')

    def test_interval_must_be_positive(self):
        with self.assertRaises(ValidationError):
            self.settings(self.manager).create({
                'crm_auto_assignment_action': 'auto',
                'crm_auto_assignment_interval_number': 0,
                'crm_auto_assignment_interval_type': 'minutes',
            }).action_save_routing_schedule()

    def test_others_may_not_change_it(self):
        self.cron().write({'active': True})
        for user in (self.all_leads, self.leader_north, self.sales[0]):
            with self.assertRaisesFor(AccessError, user.login):
                self.settings(user).create({
                    'crm_auto_assignment_action': 'manual',
                }).action_save_routing_schedule()
        self.assertTrue(self.cron().active)

    def test_settings_page_of_administrators(self):
        """The administrators' settings page reads and writes the same cron."""
        self.cron().write({'active': True, 'interval_number': 30, 'interval_type': 'minutes'})
        settings = self.env['res.config.settings'].create({})
        self.assertEqual(settings.crm_auto_assignment_interval_number, 30)
        settings.write({'crm_auto_assignment_interval_number': 3,
                        'crm_auto_assignment_interval_type': 'hours'})
        settings.set_values()
        cron = self.cron()
        self.assertEqual((cron.interval_number, cron.interval_type), (3, 'hours'))

    def test_assign_leads_in_the_list_action_menu(self):
        """Managers find "Assign leads" in the Action menu of the leads lists."""
        action = self.env.ref('crm_team_routing.crm_lead_mass_assign_action')
        self.assertEqual(action.name, 'Assign leads')
        self.assertEqual(action.binding_model_id.model, 'crm.lead')
        bindings = self.env['ir.actions.actions'].sudo(self.manager).get_bindings('crm.lead')
        self.assertIn(action.id, [item['id'] for item in bindings['action']])
        bindings = self.env['ir.actions.actions'].sudo(self.sales[0]).get_bindings('crm.lead')
        self.assertNotIn(action.id, [item['id'] for item in bindings['action']])
