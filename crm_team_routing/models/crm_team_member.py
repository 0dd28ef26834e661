# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta
from math import isinf, isnan

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..routing import absence, policy, tz as tzs


class CrmTeamMember(models.Model):
    _name = 'crm.team.member'
    _description = "Sales Team Routing Member"
    _inherit = ['mail.thread', 'crm.routing.filter.mixin']
    _order = 'team_id, id'
    _rec_name = 'user_id'

    team_id = fields.Many2one(
        comodel_name='crm.team',
        string="Sales Channel",
        required=True,
        ondelete='cascade',
        index=True,
        track_visibility='onchange',
    )
    user_id = fields.Many2one(
        comodel_name='res.users',
        string="Salesperson",
        required=True,
        ondelete='cascade',
        index=True,
        domain=[('share', '=', False)],
        track_visibility='onchange',
    )
    active = fields.Boolean(
        default=True,
        track_visibility='onchange',
    )
    company_id = fields.Many2one(
        related='team_id.company_id',
        store=True,
        readonly=True,
    )
    assignment_domain = fields.Char(
        string="Lead Filter",
        default='[]',
        track_visibility='onchange',
        help="A narrower filter inside the team's: this salesperson receives only leads "
             "matching both. [] takes every lead of the team.",
    )
    assignment_filter_text = fields.Char(
        string="Own Filter in Words",
        compute='_compute_assignment_filter_text',
        help="The salesperson's own filter as the domain editor reads it, in your language.",
    )
    assignment_max = fields.Integer(
        string="Capacity (30 days)",
        default=lambda self: self._default_assignment_max(),
        track_visibility='onchange',
        help="Leads this salesperson may receive from this team over a rolling 30 days; "
             "0 takes none.",
    )
    assignment_optout = fields.Boolean(
        string="Paused",
        track_visibility='onchange',
        help="Paused members (holiday, leave) receive no new leads; their open leads stay "
             "with them.",
    )
    lead_month_count = fields.Integer(
        string="Leads (30 days)",
        compute='_compute_lead_month_count',
        help="Leads of this team given to this salesperson during the last 30 days, however "
             "they were assigned.",
    )
    lead_credit_count = fields.Integer(
        string="Credited Back (30 days)",
        compute='_compute_lead_month_count',
        help="Leads of the last 30 days a manager or the team leader credited back: they do "
             "not count against this salesperson.",
    )
    assignment_weight = fields.Float(
        string="Weight",
        default=1.0,
        track_visibility='onchange',
        help="Share of the leads: a member of weight 2 receives about twice as many as a member "
             "of weight 1 with the same capacity. 0 makes a reserve member, who receives a lead "
             "only when no member of weight above 0 can take it.",
    )
    resource_id = fields.Many2one(
        comodel_name='resource.resource',
        string="Resource",
        readonly=True,
        ondelete='set null',
        help="The salesperson's resource in the team's company: their working hours and their "
             "leaves.",
    )
    resource_calendar_id = fields.Many2one(
        related='resource_id.calendar_id',
        string="Working Hours",
        help="The salesperson's working hours in the team's company. Leaves of this calendar "
             "(public holidays) stop them receiving leads, and so do their own leaves.",
    )
    is_absent = fields.Boolean(
        string="On Leave",
        compute='_compute_availability',
        search='_search_is_absent',
        help="On leave now (a leave of theirs or a public holiday of their working hours), or "
             "for the rest of their working day: they receive no lead meanwhile.",
    )
    leave_date_to = fields.Datetime(
        string="On Leave Until",
        compute='_compute_availability',
        help="When the absence covering now ends (leaves that overlap or follow each other "
             "count as one).",
    )
    assignment_quota = fields.Integer(
        string="Quota (30 days)",
        compute='_compute_availability',
        help="The capacity pro-rated for the leave days of the last 30 days, so that someone "
             "back from leave is not flooded: capacity x (1 - leave days / working days), "
             "rounded. The capacity itself when the team catches up after absences.",
    )

    _sql_constraints = [
        ('team_user_uniq', 'unique(team_id, user_id)',
         "This salesperson is already a member of this team."),
        ('assignment_max_positive', 'CHECK(assignment_max >= 0)',
         "The capacity of a member cannot be negative."),
    ]

    @api.model
    def _default_assignment_max(self):
        return 30

    @api.depends('assignment_domain', 'filter_lang')
    def _compute_assignment_filter_text(self):
        texts = self.env['crm.lead.router']._filter_texts_of(self)
        for member, text in zip(self, texts):
            member.assignment_filter_text = text

    @api.multi
    def _message_get_auto_subscribe_fields(self, updated_fields, auto_follow_fields=None):
        """No salesperson follows their membership, and nobody is mailed "You have been
        assigned to the sales team routing member ...": core's mail.thread auto-subscribes and
        notifies the user of a tracked field named ``user_id``, as for a lead's salesperson.
        A membership is the team's configuration, tracked in its chatter for managers; the
        salesperson learns of it from their leads (the digest)."""
        names = super(CrmTeamMember, self)._message_get_auto_subscribe_fields(
            updated_fields, auto_follow_fields=auto_follow_fields)
        return [name for name in names if name != 'user_id']

    @api.depends('team_id', 'user_id')
    def _compute_lead_month_count(self):
        teams = self.mapped('team_id')
        loads = teams._routing_member_loads()
        credits = teams._routing_member_credits()
        for member in self:
            key = (member.team_id.id, member.user_id.id)
            member.lead_month_count = loads.get(key, (0,))[0]
            member.lead_credit_count = credits.get(key, 0)

    @api.depends('assignment_max', 'resource_id', 'team_id.assignment_absence_catchup')
    def _compute_availability(self):
        availability = self._routing_availability()
        for member in self:
            state = availability.get(member.id)
            member.is_absent = bool(state and state.absent_until)
            member.leave_date_to = state and state.absent_until and \
                fields.Datetime.to_string(state.absent_until)
            member.assignment_quota = state.quota if state else member.assignment_max

    def _search_is_absent(self, operator, value):
        if operator not in ('=', '!=') or not isinstance(value, bool):
            raise ValueError(_("Search on absence: only = and != True or False are supported."))
        members = self.search([])
        availability = members._routing_availability()
        absent = [member_id for member_id, state in availability.items() if state.absent_until]
        return [('id', 'in' if (operator == '=') == value else 'not in', absent)]

    def _routing_availability(self, now=None):
        """{member id: routing.absence.Availability} of these members at ``now`` (a naive UTC
        datetime; default: the router's now), in a fixed number of queries whatever the number
        of members: the members with their resources, the leaves overlapping the window, the
        attendances of their calendars. Interval arithmetic in ``routing.absence``.

        Time zones: the user's, else the team's company partner's, else UTC.
        """
        members = self.filtered('id')
        if not members:
            return {}
        if now is None:
            now = fields.Datetime.from_string(self.env['crm.lead.router']._now())
        # Read in SQL, as the system: colleagues' leaves are not all readable by everyone who
        # sees a team's members (core shows an employee their own leaves only); only the end of
        # an absence and the quota come out of here, never a leave's reason.
        cr = self.env.cr
        cr.execute("""
            SELECT m.id, m.assignment_max, r.id, r.calendar_id, p.tz, cp.tz,
                   coalesce(t.assignment_absence_catchup, FALSE)
              FROM crm_team_member m
              JOIN res_users u ON u.id = m.user_id
              JOIN res_partner p ON p.id = u.partner_id
              LEFT JOIN crm_team t ON t.id = m.team_id
              LEFT JOIN res_company c ON c.id = coalesce(t.company_id, u.company_id)
              LEFT JOIN res_partner cp ON cp.id = c.partner_id
              LEFT JOIN resource_resource r ON r.id = m.resource_id
             WHERE m.id = ANY(%s)
        """, (members.ids,))
        rows = cr.fetchall()
        resource_ids = sorted({row[2] for row in rows if row[2]})
        calendar_ids = sorted({row[3] for row in rows if row[3]})
        # The quota looks at the 30 local days before today (a day more covers any time zone);
        # a leave covering now is followed to its end through the leaves it adjoins.
        start = now - timedelta(days=absence.QUOTA_WINDOW_DAYS + 2)
        end = now + timedelta(days=366)
        leaves_of_resource, leaves_of_calendar = {}, {}
        if resource_ids or calendar_ids:
            cr.execute("""
                SELECT resource_id, calendar_id, date_from, date_to
                  FROM resource_calendar_leaves
                 WHERE date_to > %s AND date_from < %s AND date_to > date_from
                   AND (resource_id = ANY(%s)
                        OR (resource_id IS NULL AND calendar_id = ANY(%s)))
            """, (fields.Datetime.to_string(start), fields.Datetime.to_string(end),
                  resource_ids, calendar_ids))
            for resource_id, calendar_id, date_from, date_to in cr.fetchall():
                interval = (fields.Datetime.from_string(date_from),
                            fields.Datetime.from_string(date_to))
                if resource_id:
                    leaves_of_resource.setdefault(resource_id, []).append(interval)
                else:
                    leaves_of_calendar.setdefault(calendar_id, []).append(interval)
        attendances = {}
        if calendar_ids:
            cr.execute("""
                SELECT calendar_id, dayofweek, hour_from, hour_to
                  FROM resource_calendar_attendance
                 WHERE calendar_id = ANY(%s) AND hour_to > hour_from
                 ORDER BY calendar_id, dayofweek, hour_from
            """, (calendar_ids,))
            for calendar_id, dayofweek, hour_from, hour_to in cr.fetchall():
                attendances.setdefault(calendar_id, []).append(
                    (int(dayofweek), hour_from, hour_to))
        result, memo = {}, {}
        for member_id, maximum, resource_id, calendar_id, tz, company_tz, catchup in rows:
            leaves = tuple(sorted(leaves_of_resource.get(resource_id, [])
                                  + leaves_of_calendar.get(calendar_id, [])))
            key = (maximum, leaves, calendar_id, tzs.name(tz, company_tz), catchup)
            if key not in memo:
                memo[key] = absence.availability(maximum, leaves, attendances.get(calendar_id, ()),
                                                 key[3], now, catchup)
            result[member_id] = memo[key]
        return result

    @api.constrains('assignment_weight')
    def _check_assignment_weight(self):
        for member in self:
            weight = member.assignment_weight
            if weight < 0 or isnan(weight) or isinf(weight):
                raise ValidationError(_("%s: the weight must be a number, 0 or more (0 makes a "
                                        "reserve member).") % member.display_name)

    @api.constrains('assignment_domain')
    def _check_assignment_domain(self):
        for member in self:
            self.env['crm.lead.router']._check_filter(member, 'assignment_domain')

    @api.constrains('team_id', 'user_id')
    def _check_user(self):
        """Only internal users who may work in the team's company take leads."""
        for member in self.sudo():
            if member.user_id.share:
                raise ValidationError(_("%s is not an internal user: only internal users can be "
                                        "routing members.") % member.user_id.name)
            company = member.team_id.company_id
            if company and company not in member.user_id.company_ids:
                raise ValidationError(_("%(user)s does not work for %(company)s, the company of "
                                        "team %(team)s.") % {
                    'user': member.user_id.name, 'company': company.name,
                    'team': member.team_id.name})

    @api.multi
    def name_get(self):
        return [(member.id, '%s (%s)' % (member.user_id.name, member.team_id.name))
                for member in self]

    @api.model
    def create(self, vals):
        """Adding an archived team/user pair again reactivates it instead of failing."""
        if vals.get('team_id') and vals.get('user_id'):
            archived = self.with_context(active_test=False).search([
                ('team_id', '=', vals['team_id']), ('user_id', '=', vals['user_id']),
                ('active', '=', False)], limit=1)
            if archived:
                archived.write(dict(vals, active=True))
                return archived
        vals = dict(vals)
        calendar_id = vals.pop('resource_calendar_id', None)
        member = super(CrmTeamMember, self).create(vals)
        member._routing_ensure_resource()
        if calendar_id:
            member._routing_set_calendar(calendar_id)
        return member

    @api.multi
    def write(self, vals):
        vals = dict(vals)
        set_calendar = 'resource_calendar_id' in vals
        calendar_id = vals.pop('resource_calendar_id', None)
        res = super(CrmTeamMember, self).write(vals)
        if 'team_id' in vals or 'user_id' in vals:
            self._routing_ensure_resource()
        if set_calendar:
            self._routing_set_calendar(calendar_id)
        return res

    @api.model
    def _routing_ensure_all_resources(self):
        """Install and upgrade: give a resource to the members made before members had one
        (archived ones too, so that reactivating them needs nothing more)."""
        self.with_context(active_test=False).search(
            [('resource_id', '=', False)])._routing_ensure_resource()
        return True

    def _routing_ensure_resource(self):
        """Give each member the user's resource in the team's company: an existing one is
        reused, with its working hours; else one is created on the team's working hours (the
        company's when the team has none), marked as routing's own (``routing_created``)."""
        # Resources are HR configuration that only administrators may create or change, and a
        # sales manager adds members: the member's own resource is looked up and made as the
        # system, nothing else (an existing resource is only linked, never written).
        Resource = self.env['resource.resource'].sudo()
        for member in self.sudo():
            company = member.team_id.company_id or member.user_id.company_id
            resource = member.resource_id
            if resource and resource.user_id == member.user_id and resource.company_id == company:
                continue
            resource = Resource.search([('user_id', '=', member.user_id.id),
                                        ('company_id', '=', company.id)], order='id', limit=1)
            if not resource:
                calendar = member.team_id.resource_calendar_id or company.resource_calendar_id
                resource = Resource.create({
                    'name': member.user_id.name,
                    'user_id': member.user_id.id,
                    'company_id': company.id,
                    'calendar_id': calendar.id,
                    'resource_type': 'user',
                    'routing_created': True,
                })
            member.resource_id = resource

    def _routing_set_calendar(self, calendar_id):
        """Change the working hours of the members' resources (the Working Hours field), for
        whoever may change the members.

        Whose rights write the resource is ``routing.policy.member_calendar_writer``'s to say:
        a resource routing made for a membership and no other model uses is routing
        configuration, which a sales manager of its company sets (the module writes it for
        them: only administrators may write resources in Odoo); any other resource (an
        employee's, shared with HR) is written with the writer's own rights, so that Odoo's
        rights decide, and refused with a message naming the person when they do not allow it:
        never a silent write of someone's HR schedule."""
        self.check_access_rights('write')
        self.check_access_rule('write')
        calendar = self.env['resource.calendar'].browse(calendar_id)
        if not calendar:
            raise ValidationError(_("Working hours are required."))
        router = self.env['crm.lead.router']
        person = router._routing_person()
        # Which resource the members have, and whether it is routing's: configuration read
        # as the system; nothing is written here.
        resources = self.sudo().mapped('resource_id').filtered(
            lambda resource: resource.calendar_id != calendar)
        own = resources._routing_own()
        for resource in resources:
            refusal = policy.member_calendar_writer(
                person, resource in own, resource.company_id.id, resource.user_id.id)
            if refusal is None:
                # Routing's own resource, for a manager of its company: written by the module.
                resource.write({'calendar_id': calendar.id})
                continue
            # Someone else's resource: the writer's rights, never the system's.
            mine = resource.sudo(self.env.uid)
            try:
                mine.check_access_rights('write')
                mine.check_access_rule('write')
            except AccessError:
                router._routing_refuse(refusal)
            mine.write({'calendar_id': calendar.id})

    @api.multi
    def action_add_absence(self):
        """Button: record a leave of this member (their resource), in a dialog."""
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'name': _("Add absence"),
            'res_model': 'resource.calendar.leaves',
            'view_mode': 'form',
            'target': 'new',
            'context': {
                'default_resource_id': self.resource_id.id,
                'default_calendar_id': self.resource_calendar_id.id,
                'default_name': _("Leave"),
                'default_tz': self.user_id.tz or self.company_id.partner_id.tz or 'UTC',
            },
        }
