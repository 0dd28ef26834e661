# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..routing import policy

# Where and when a leave is: what a person may record a leave for is checked again after a
# write of one of them.
ABSENCE_PLACE_FIELDS = ('resource_id', 'calendar_id', 'date_from', 'date_to')


class ResourceCalendarLeaves(models.Model):
    _inherit = 'resource.calendar.leaves'

    is_routing_absence = fields.Boolean(
        string="Routing Absence",
        compute='_compute_is_routing_absence',
        search='_search_is_routing_absence',
        help="A leave of a routing member, or a public holiday (no resource) of the working "
             "hours of a routing team or member.",
    )

    @api.model
    def _routing_absence_domain(self):
        # Which resources and calendars take part in routing is configuration: read as the
        # system, the leaves themselves are searched with the caller's rights.
        members = self.env['crm.team.member'].sudo().search([])
        calendars = members.mapped('resource_calendar_id') \
            | members.mapped('team_id.resource_calendar_id')
        return ['|', ('resource_id', 'in', members.mapped('resource_id').ids),
                '&', ('resource_id', '=', False), ('calendar_id', 'in', calendars.ids)]

    def _compute_is_routing_absence(self):
        routing = self.search([('id', 'in', self.ids)] + self._routing_absence_domain())
        for leave in self:
            leave.is_routing_absence = leave in routing

    def _search_is_routing_absence(self, operator, value):
        if operator not in ('=', '!=') or not isinstance(value, bool):
            raise ValueError(_("Search on routing absences: only = and != True or False are "
                               "supported."))
        domain = self._routing_absence_domain()
        return domain if (operator == '=') == value else ['!'] + domain

    @api.constrains('date_from', 'date_to')
    def check_dates(self):
        """Core's check (a leave may not end before it starts), overridden: the message names
        the absence, the person and the dates, and the dates are read as the system, so that a
        leave its author may not record is refused by the record rules (AccessError) rather
        than by a failed read inside this check."""
        def local(value):
            return fields.Datetime.context_timestamp(
                self, fields.Datetime.from_string(value)).strftime('%d/%m/%Y %H:%M')

        # The dates only: the person saving may not read the leave itself (a leave they may
        # not create is refused right after, by the record rules).
        for leave in self.sudo():
            if leave.date_from and leave.date_to and leave.date_to < leave.date_from:
                raise ValidationError(
                    _("The absence \"%(name)s\" of %(who)s ends (%(end)s) before it starts "
                      "(%(start)s).") % {
                        'name': leave.name or '',
                        'who': leave.resource_id.name or leave.calendar_id.name or '',
                        'start': local(leave.date_from), 'end': local(leave.date_to)})

    @api.model
    def create(self, vals):
        leave = super(ResourceCalendarLeaves, self).create(vals)
        leave._check_absence_rights()
        return leave

    @api.multi
    def write(self, vals):
        res = super(ResourceCalendarLeaves, self).write(vals)
        if set(vals) & set(ABSENCE_PLACE_FIELDS):
            self._check_absence_rights()
        return res

    @api.multi
    def _check_absence_rights(self):
        """A leave is recorded or moved only onto a resource its writer may record for, checked
        on the leave as it is after the write (an AccessError, hence not a constraint, which
        Odoo turns into a ValidationError): Odoo 11 checks the record rules of a write on the
        records as they were before it (a salesperson could move their own leave onto a
        colleague's resource).

        ``routing.policy.check_absence`` says who may, for sales rights; rights other modules
        give on leaves (HR officers' record rules) are Odoo's record rules on the leave as it
        now is. Refused when neither allows it. Runs as the writer."""
        person = self.env['crm.lead.router']._routing_person()
        if person.role == policy.SYSTEM:
            return
        # The facts (the resource's person, memberships and teams) are configuration, read as
        # the system; the decision is the writer's rights.
        for leave, facts in zip(self, self.sudo()):
            resource = facts.resource_id
            members = resource.crm_team_member_ids.filtered(
                lambda member: member.active and member.team_id.active)
            refusal = policy.check_absence(
                person, resource.user_id.id or None, members.mapped('team_id.user_id').ids,
                (resource.company_id if resource else facts.company_id).id or None,
                bool(members), public_holiday=not resource)
            if refusal is None:
                continue
            try:
                leave.check_access_rule('write')
            except AccessError:
                self.env['crm.lead.router']._routing_refuse(refusal)
