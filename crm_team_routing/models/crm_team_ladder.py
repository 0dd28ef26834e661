# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The follow-up ladder's settings on the team (DESIGN.md revision 3): a follow-up activity on
each lead routing gives, a reminder before the take-back, a pause for repeated take-backs. The
run itself is ``crm.lead.router``'s ladder stage (``crm_lead_router_ladder.py``)."""
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class CrmTeamLadder(models.Model):
    _inherit = 'crm.team'

    assignment_activity = fields.Boolean(
        string="Plan a Follow-up",
        help="Each lead routing gives a salesperson (by balance, to the existing owner, by "
             "take-back, to the fallback salesperson) gets an activity for them, due at the "
             "take-back deadline in their time zone (today when the team takes nothing back). "
             "Marking it done follows the lead up. When the lead is taken back or given to "
             "someone else, the previous salesperson's activity is removed and the new one "
             "gets theirs.",
    )
    assignment_activity_type_id = fields.Many2one(
        comodel_name='mail.activity.type',
        string="Follow-up Activity",
        default=lambda self: self._default_assignment_activity_type_id(),
        domain="['|', ('res_model_id', '=', False), ('res_model_id.model', '=', 'crm.lead')]",
        help="The type of the follow-up activity (by default, To Do).",
    )
    assignment_sla_remind_hours = fields.Float(
        string="Remind After (Hours)",
        default=0.0,
        help="This many hours after a lead was given to a salesperson (counted like the "
             "take-back delay), the salesperson receives a private reminder listing their leads "
             "not followed up yet; each lead once per assignment. Less than the take-back "
             "delay; 0 turns it off.",
    )
    assignment_sla_pause_after = fields.Integer(
        string="Pause After N Take-backs in 7 Days",
        default=0,
        help="A member whose leads were taken back this many times in the last 7 days is "
             "paused (receives no new leads) until a person resumes them; they and the team "
             "leader are told. 0 turns it off.",
    )

    @api.model
    def _default_assignment_activity_type_id(self):
        return self.env.ref('mail.mail_activity_data_todo', raise_if_not_found=False)

    @api.constrains('assignment_sla_remind_hours', 'assignment_sla_hours',
                    'assignment_sla_pause_after')
    def _check_assignment_ladder(self):
        for team in self:
            if team.assignment_sla_remind_hours < 0 or team.assignment_sla_pause_after < 0:
                raise ValidationError(
                    _("Team %s: the reminder delay and the number of take-backs before a pause "
                      "cannot be negative.") % team.display_name)
            if team.assignment_sla_remind_hours \
                    and team.assignment_sla_remind_hours >= team.assignment_sla_hours:
                raise ValidationError(
                    _("Team %(team)s: the reminder must come before the take-back: remind after "
                      "fewer hours than the take-back delay (%(hours)s h).") % {
                        'team': team.display_name, 'hours': '%g' % team.assignment_sla_hours})
