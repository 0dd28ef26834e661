# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class CrmTeamMember(models.Model):
    _name = 'crm.team.member'
    _description = "Sales Team Routing Member"
    _inherit = ['mail.thread']
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

    _sql_constraints = [
        ('team_user_uniq', 'unique(team_id, user_id)',
         "This salesperson is already a member of this team."),
        ('assignment_max_positive', 'CHECK(assignment_max >= 0)',
         "The capacity of a member cannot be negative."),
    ]

    @api.model
    def _default_assignment_max(self):
        return 30

    @api.depends('team_id', 'user_id')
    def _compute_lead_month_count(self):
        loads = self.mapped('team_id')._routing_member_loads()
        for member in self:
            member.lead_month_count = loads.get((member.team_id.id, member.user_id.id), (0,))[0]

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
        return super(CrmTeamMember, self).create(vals)
