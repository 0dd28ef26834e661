# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError

ROUTING_CRON = 'crm_team_routing.ir_cron_assign_leads'


class ResConfigSettings(models.TransientModel):
    """The routing schedule (the scheduled action 'CRM: route leads to teams and
    salespeople'), where Odoo 14+ users look for it: run manually, or repeatedly every N
    minutes or hours. Administrators see it in CRM > Configuration > Settings; sales managers,
    who may not open Odoo 11's settings page, edit it from CRM > Configuration > Lead Routing >
    Schedule (the same fields, without the rest of the settings)."""
    _inherit = 'res.config.settings'

    crm_auto_assignment_action = fields.Selection(
        selection=[
            ('manual', 'Manually'),
            ('auto', 'Repeatedly'),
        ],
        string="Run Lead Routing",
        default='auto',
        help="Manually: leads wait until a sales manager presses Assign now on a team or runs "
             "routing from the mass assignment. Repeatedly: the scheduled action routes "
             "waiting leads at the interval below.",
    )
    crm_auto_assignment_interval_number = fields.Integer(
        string="Repeat Every",
        default=15,
        help="How often the scheduled action routes waiting leads.",
    )
    crm_auto_assignment_interval_type = fields.Selection(
        selection=[
            ('minutes', 'Minutes'),
            ('hours', 'Hours'),
        ],
        string="Repeat Unit",
        default='minutes',
    )
    crm_auto_assignment_run_datetime = fields.Datetime(
        string="Next Run",
        help="When the scheduled action routes leads next.",
    )

    # ------------------------------------------------------------------------------------------
    # The cron, for sales managers
    # ------------------------------------------------------------------------------------------

    @api.model
    def _may_schedule_routing(self):
        user = self.env.user
        return user._is_superuser() or user.has_group('base.group_system') \
            or user.has_group('sales_team.group_sale_manager')

    @api.model
    def _routing_cron(self):
        """The routing cron, with superuser rights, for a sales manager or an administrator.

        Scheduled actions are technical records only administrators may read or write in
        Odoo 11; when lead routing runs is a sales manager's decision. So, once the group is
        checked, this one record is read and written as the system (nothing else is)."""
        if not self._may_schedule_routing():
            raise AccessError(_("Only sales managers can change when lead routing runs."))
        cron_id = self.env['ir.model.data'].xmlid_to_res_id(ROUTING_CRON)
        return self.env['ir.cron'].sudo().browse(cron_id).exists()

    @api.model
    def _get_routing_schedule(self):
        if not self._may_schedule_routing():
            return {}
        cron = self._routing_cron()
        if not cron:
            return {}
        interval_type = cron.interval_type
        number = cron.interval_number
        # The form offers minutes and hours; days and weeks read as hours.
        if interval_type in ('days', 'weeks', 'months'):
            number *= {'days': 24, 'weeks': 24 * 7, 'months': 24 * 30}[interval_type]
            interval_type = 'hours'
        elif interval_type not in ('minutes', 'hours'):
            interval_type = 'minutes'
        return {
            'crm_auto_assignment_action': 'auto' if cron.active else 'manual',
            'crm_auto_assignment_interval_number': number,
            'crm_auto_assignment_interval_type': interval_type,
            'crm_auto_assignment_run_datetime': cron.nextcall,
        }

    @api.multi
    def _set_routing_schedule(self):
        self.ensure_one()
        cron = self._routing_cron()
        if not cron:
            return
        auto = self.crm_auto_assignment_action == 'auto'
        if auto and self.crm_auto_assignment_interval_number < 1:
            raise ValidationError(_("Lead routing repeats at least every 1 minute or hour."))
        values = {'active': auto}
        if auto:
            values.update({
                'interval_number': self.crm_auto_assignment_interval_number,
                'interval_type': self.crm_auto_assignment_interval_type or 'minutes',
            })
            if self.crm_auto_assignment_run_datetime:
                values['nextcall'] = self.crm_auto_assignment_run_datetime
        cron.write(values)

    @api.model
    def get_values(self):
        res = super(ResConfigSettings, self).get_values()
        res.update(self._get_routing_schedule())
        return res

    @api.multi
    def set_values(self):
        res = super(ResConfigSettings, self).set_values()
        # Odoo's settings page is saved by administrators only (res.config.settings.execute).
        if self._may_schedule_routing():
            self._set_routing_schedule()
        return res

    @api.model
    def default_get(self, fields_list):
        if self.env.context.get('crm_team_routing_schedule'):
            # The schedule form of sales managers: the routing schedule alone. The other
            # modules' settings read records only administrators may read (record rules,
            # modules), and the form shows none of them.
            res = models.TransientModel.default_get(self, fields_list)
            res.update(self._get_routing_schedule())
            return res
        return super(ResConfigSettings, self).default_get(fields_list)

    @api.multi
    def action_save_routing_schedule(self):
        """Save button of the sales managers' schedule form."""
        self.ensure_one()
        self._set_routing_schedule()
        return {'type': 'ir.actions.client', 'tag': 'reload'}
