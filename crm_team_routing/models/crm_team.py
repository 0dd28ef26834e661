# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import Counter
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .crm_lead_router import ROUTING_WINDOW_DAYS


class CrmTeam(models.Model):
    _inherit = 'crm.team'
    _order = 'sequence, name'

    sequence = fields.Integer(
        default=10,
        help="Order of the teams: breaks ties between equally loaded teams in routing.",
    )
    assignment_optout = fields.Boolean(
        string="Skip Automatic Assignment",
        help="Routing ignores this team; the leads waiting in it stay put.",
    )
    assignment_domain = fields.Char(
        string="Lead Filter",
        default='[]',
        help="Which leads this team takes (a domain on leads); [] takes all leads.",
    )
    assignment_score_min = fields.Float(
        string="Minimum Score",
        default=0.0,
        help="Only leads whose score is at least this value enter the team.",
    )
    assignment_score_max = fields.Float(
        string="Maximum Score",
        default=0.0,
        help="Only leads whose score is below this value enter the team; 0 means no upper bound.",
    )
    assignment_max = fields.Integer(
        string="Capacity (30 days)",
        compute='_compute_assignment_max',
        help="Sum of the capacities of the active members who are not paused.",
    )
    assignment_on_create = fields.Boolean(
        string="Route New Leads Immediately",
        help="A lead created without a salesperson that matches this team is routed at once, "
             "instead of waiting for the scheduled action.",
    )
    assignment_owner = fields.Boolean(
        string="Route to the existing owner",
        default=False,
        help="A lead of a customer who already has a salesperson goes to that salesperson, "
             "before the team filters and the balance: the salesperson of its customer, else "
             "of an open opportunity, an open lead or a customer with the same email or phone "
             "(\"0912 345 678\" and \"+84 912345678\" are the same number). They must be an "
             "active member of one of the routing teams with this option, not paused and with "
             "capacity left; otherwise the lead is routed as usual.",
    )
    routing_member_ids = fields.One2many(
        comodel_name='crm.team.member',
        inverse_name='team_id',
        string="Routing Members",
        help="Salespeople who receive leads of this team by routing.",
    )
    lead_unassigned_count = fields.Integer(
        string="Leads Waiting",
        compute='_compute_routing_counts',
        help="Open leads in this team that have no salesperson yet.",
    )
    lead_month_count = fields.Integer(
        string="Leads (30 days)",
        compute='_compute_routing_counts',
        help="Leads given to the routing members of this team during the last 30 days.",
    )

    @api.depends('routing_member_ids.assignment_max', 'routing_member_ids.active',
                 'routing_member_ids.assignment_optout')
    def _compute_assignment_max(self):
        for team in self:
            team.assignment_max = sum(
                member.assignment_max for member in team.routing_member_ids
                if not member.assignment_optout)

    def _compute_routing_counts(self):
        waiting = self._routing_waiting_counts()
        month = Counter()
        for (team_id, _user_id), (count, _last) in self._routing_member_loads().items():
            month[team_id] += count
        for team in self:
            team.lead_unassigned_count = waiting.get(team.id, 0)
            team.lead_month_count = month.get(team.id, 0)

    @api.constrains('assignment_domain')
    def _check_assignment_domain(self):
        for team in self:
            self.env['crm.lead.router']._check_filter(team, 'assignment_domain')

    @api.constrains('assignment_score_min', 'assignment_score_max')
    def _check_assignment_score(self):
        for team in self:
            if team.assignment_score_max and team.assignment_score_max <= team.assignment_score_min:
                raise ValidationError(
                    _("Team %s: the maximum score must be 0 (no upper bound) or greater than "
                      "the minimum score.") % team.display_name)

    # ------------------------------------------------------------------------------------------
    # Entry points: thin delegates to the router (crm.lead.router), which checks the rights
    # ------------------------------------------------------------------------------------------

    @api.model
    def _get_routing_team_domain(self):
        """Teams the scheduled action routes to."""
        return [('assignment_optout', '=', False), ('routing_member_ids', '!=', False)]

    @api.model
    def _get_lead_to_assign_domain(self):
        """Candidates: open leads and opportunities with no salesperson."""
        return [('user_id', '=', False), ('probability', '<', 100)]

    @api.model
    def _cron_assign_leads(self):
        """Scheduled action: route every waiting lead to every routing team."""
        # The cron user reads the teams of every company; the router's gate checks it is the
        # system.
        teams = self.sudo().search(self._get_routing_team_domain()).sudo(self.env.uid)
        self.env['crm.lead.router']._route(teams, mode='cron')
        return True

    @api.multi
    def _action_assign_leads(self, leads=None, mode='button'):
        """Route waiting leads (all, or ``leads``) to these teams (revision 1's worker, now a
        delegate to the router). Returns the router's RoutingResult."""
        return self.env['crm.lead.router']._route(self, leads=leads, mode=mode)

    @api.multi
    def action_assign_leads(self):
        """Button: route waiting leads to these teams now."""
        result = self._action_assign_leads(mode='button')
        message = _("%(assigned)s leads assigned to salespeople, %(teams)s leads entered a team, "
                    "%(waiting)s leads left waiting.") % {
            'assigned': result.assigned,
            'teams': sum(result.team_counts.values()),
            'waiting': result.unassigned,
        }
        if result.errors:
            message += '\n' + '\n'.join(result.errors)
        return self.env['crm.team.routing.preview'].create_from_result(
            result, self, title=_("Assignment done"), summary=message)

    @api.multi
    def action_preview_assignment(self):
        """Button: show what routing would do for these teams, writing nothing."""
        result = self._action_assign_leads(mode='preview')
        return self.env['crm.team.routing.preview'].create_from_result(
            result, self, title=_("Assignment preview"))

    # ------------------------------------------------------------------------------------------
    # Counters (team form, router)
    # ------------------------------------------------------------------------------------------

    def _routing_member_loads(self):
        """{(team_id, user_id): (30-day count, last assignment date)} for the teams of ``self``.

        Archived leads count too: whatever was given in the window uses the capacity.
        """
        team_ids = tuple(team_id for team_id in self.ids if isinstance(team_id, int))
        if not team_ids:
            return {}
        now = fields.Datetime.from_string(fields.Datetime.now())
        since = fields.Datetime.to_string(now - timedelta(days=ROUTING_WINDOW_DAYS))
        self.env.cr.execute("""
            SELECT team_id, user_id, count(*), max(assignment_date)
              FROM crm_lead
             WHERE team_id IN %s AND user_id IS NOT NULL AND assignment_date >= %s
             GROUP BY team_id, user_id
        """, (team_ids, since))
        # Odoo 11 reads timestamps as strings, which sort like the dates they hold.
        return {(team_id, user_id): (count, last)
                for team_id, user_id, count, last in self.env.cr.fetchall()}

    def _routing_waiting_counts(self):
        """{team_id: open leads waiting in the team without salesperson}."""
        team_ids = tuple(team_id for team_id in self.ids if isinstance(team_id, int))
        if not team_ids:
            return {}
        self.env.cr.execute("""
            SELECT team_id, count(*) FROM crm_lead
             WHERE team_id IN %s AND user_id IS NULL AND active AND probability < 100
             GROUP BY team_id
        """, (team_ids,))
        return dict(self.env.cr.fetchall())
