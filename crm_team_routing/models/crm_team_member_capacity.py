# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Capacity modes and preferred leads of a member (DESIGN.md revision 3): "No cap", "Open leads
at most", "Preferred leads", and what the member card shows of them."""
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class CrmTeamMemberCapacity(models.Model):
    _inherit = 'crm.team.member'

    assignment_unlimited = fields.Boolean(
        string="No cap",
        track_visibility='onchange',
        help="The 30-day capacity does not stop this salesperson: they receive leads however "
             "many they already had. The capacity still sets their share, so that members with "
             "equal capacities and weights split the leads evenly.",
    )
    assignment_max_open = fields.Integer(
        string="Open leads at most",
        default=0,
        track_visibility='onchange',
        help="This salesperson receives no new lead while they hold this many open leads "
             "(active, not won, leads and opportunities of any team of this company); closing "
             "(winning or losing) leads frees places for the next run. 0: no cap on open "
             "leads.",
    )
    assignment_domain_preferred = fields.Char(
        string="Preferred leads",
        track_visibility='onchange',
        help="Leads this salesperson receives first: among the members who may take a lead, a "
             "lead matching this filter goes to the least loaded of those who prefer it. It "
             "never restricts: they still receive other leads. Empty: no preference.",
    )
    preferred_filter_lang = fields.Char(
        string="Preferred Filter Language",
        readonly=True,
        help="The language the names in the preferred leads' filter are compared in: the "
             "language of the person who last saved it.",
    )
    assignment_preferred_text = fields.Char(
        string="Preferred Leads in Words",
        compute='_compute_assignment_preferred_text',
        help="The preferred leads' filter as the domain editor reads it, in your language.",
    )
    lead_open_count = fields.Integer(
        string="Open leads",
        compute='_compute_lead_open_count',
        help="Open leads (active, not won) this salesperson holds in this team's company, of "
             "any team.",
    )

    _sql_constraints = [
        ('assignment_max_open_positive', 'CHECK(assignment_max_open >= 0)',
         "The open-lead cap of a member cannot be negative."),
    ]

    @api.model
    def create(self, values):
        return super(CrmTeamMemberCapacity, self).create(self._preferred_lang_values(values))

    @api.multi
    def write(self, values):
        return super(CrmTeamMemberCapacity, self).write(self._preferred_lang_values(values))

    def _preferred_lang_values(self, values):
        """``values`` with the saver's language when they change the preferred filter: its
        names are compared in the language they saw its matches in (as the member filter's,
        ``crm.routing.filter.mixin``)."""
        if 'assignment_domain_preferred' in values:
            values = dict(values, preferred_filter_lang=self.env.lang or 'en_US')
        return values

    @api.depends('assignment_domain_preferred', 'preferred_filter_lang')
    def _compute_assignment_preferred_text(self):
        texts = self.env['crm.lead.router']._filter_texts_of(
            self, 'assignment_domain_preferred', 'preferred_filter_lang')
        for member, text in zip(self, texts):
            member.assignment_preferred_text = text if member.assignment_domain_preferred else ''

    @api.depends('team_id', 'user_id')
    def _compute_lead_open_count(self):
        # Counted as the router counts them (one query), as the system: a member card shows a
        # colleague's number, not their leads.
        members = self.filtered('id')
        counts = self.env['crm.lead.router']._read_open_counts(members.mapped('user_id').ids) \
            if members else {}
        for member in self:
            company_id = member.team_id.company_id.id
            member.lead_open_count = sum(
                count for (user_id, company), count in counts.items()
                if user_id == member.user_id.id and (not company_id or company == company_id))

    @api.constrains('assignment_domain_preferred')
    def _check_assignment_domain_preferred(self):
        # The member filter's path: a test search with the rights of the person saving it.
        for member in self.filtered('assignment_domain_preferred'):
            self.env['crm.lead.router']._check_filter(member, 'assignment_domain_preferred')

    @api.constrains('assignment_unlimited', 'assignment_max')
    def _check_assignment_unlimited(self):
        for member in self:
            if member.assignment_unlimited and member.assignment_max <= 0:
                raise ValidationError(_(
                    "%s: a member with no cap needs a capacity above 0: it sets their share of "
                    "the leads.") % member.display_name)
