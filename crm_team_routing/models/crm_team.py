# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import Counter
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.safe_eval import safe_eval

from ..routing.fallback import MAX_CHAIN, chain_problem
from .crm_lead_router import ROUTING_WINDOW_DAYS


class CrmTeam(models.Model):
    _name = 'crm.team'  # with two parents, Odoo 11 needs the name said
    _inherit = ['crm.team', 'crm.routing.filter.mixin']
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
    assignment_filter_text = fields.Char(
        string="Lead Filter in Words",
        compute='_compute_assignment_filter_text',
        help="The lead filter as the domain editor reads it, in your language.",
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
    # "Capacity" is a member's own number (Capacity (30 days)), and a sum of it means the same;
    # the team's figure leaves out paused members and pro-rates leaves: it is a quota, and says
    # so (revision 1's field name stays for the views and the API).
    assignment_max = fields.Integer(
        string="Team Quota (30 days)",
        compute='_compute_assignment_max',
        help="How many leads the team's members may still be given over 30 days: the sum of "
             "the quotas of the active members who are not paused (their capacities, "
             "pro-rated for recent leave days). Paused members' capacities do not count.",
    )
    assignment_on_create = fields.Boolean(
        string="Route New Leads Immediately",
        help="A lead created without a salesperson that matches this team is routed at once, "
             "instead of waiting for the scheduled action.",
    )
    assignment_intake = fields.Boolean(
        string="Hand its new leads to routing teams",
        help="Leads waiting in this team without salesperson go to the routing team whose "
             "filter and score band they match, as leads without team do. For the team new "
             "leads land in by default (core's \"Sales\"); off, the team keeps its leads for "
             "its members or for a person to dispatch.",
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
    assignment_sla_hours = fields.Float(
        string="Take Back if Not Followed Up Within (Hours)",
        default=0.0,
        help="A lead its salesperson has not followed up (stage or type changed, message, note "
             "or email posted, activity done) this many hours after it was given to them is "
             "taken back and given to another member. 0 turns it off.",
    )
    assignment_sla_max = fields.Integer(
        string="Take-backs per Lead",
        default=1,
        help="How many times one lead may be taken back. 0: never take it back, only tell the "
             "team leader.",
    )
    assignment_sla_working_hours = fields.Boolean(
        string="Count Working Hours Only",
        help="Count only the salesperson's working hours (their calendar, without their leaves) "
             "for the take-back delay.",
    )
    resource_calendar_id = fields.Many2one(
        comodel_name='resource.calendar',
        string="Working Hours",
        default=lambda self: self._default_resource_calendar_id(),
        domain="['|', ('company_id', '=', False), ('company_id', '=', company_id)]",
        help="Working hours given to new members who have no working hours in the team's "
             "company yet. Its leaves (public holidays such as Tết) stop its members receiving "
             "leads.",
    )
    assignment_hours_only = fields.Boolean(
        string="Only During Working Hours",
        help="Members outside the working hours of their calendar (in their time zone) receive "
             "no lead: the leads wait for the next run in their hours.",
    )
    assignment_absence_catchup = fields.Boolean(
        string="Catch Up After Absences",
        default=False,
        help="Unticked (the default), a member's quota is pro-rated for their leave days of the "
             "last 30 days, so that someone back from leave is not flooded. Ticked, their full "
             "capacity applies at once.",
    )
    assignment_fallback_team_id = fields.Many2one(
        comodel_name='crm.team',
        string="Overflow Team",
        domain="[('id', '!=', id)]",
        help="Leads no member can take (all full, absent, off hours or filtered out), once they "
             "waited the fallback delay, move to this team and are routed to its members.",
    )
    assignment_fallback_user_id = fields.Many2one(
        comodel_name='res.users',
        string="Fallback Salesperson",
        domain="[('share', '=', False)]",
        help="Leads still waiting after the overflow team (or without one) go to this "
             "salesperson, whatever their load.",
    )
    assignment_fallback_hours = fields.Float(
        string="Fallback After (Hours)",
        default=0.0,
        help="How long a lead waits in the team before the overflow team and the fallback "
             "salesperson apply; 0: at once.",
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

    lead_waiting_team_count = fields.Integer(
        string="Waiting for a Team",
        compute='_compute_lead_waiting_team_count',
        help="Open leads without salesperson that have no team yet (or wait in a team that "
             "hands its new leads to routing teams) and match this team's filter and score "
             "band: the next run may bring them here.",
    )

    @api.model
    def _default_resource_calendar_id(self):
        return self.env['res.company']._company_default_get('crm.team').resource_calendar_id

    @api.depends('assignment_domain', 'filter_lang')
    def _compute_assignment_filter_text(self):
        texts = self.env['crm.lead.router']._filter_texts_of(self)
        for team, text in zip(self, texts):
            team.assignment_filter_text = text

    @api.depends('routing_member_ids.assignment_max', 'routing_member_ids.active',
                 'routing_member_ids.assignment_optout', 'routing_member_ids.assignment_quota')
    def _compute_assignment_max(self):
        for team in self:
            team.assignment_max = sum(
                member.assignment_quota for member in team.routing_member_ids
                if not member.assignment_optout)

    def _compute_routing_counts(self):
        waiting = self._routing_waiting_counts()
        month = Counter()
        for (team_id, _user_id), (count, _last) in self._routing_member_loads().items():
            month[team_id] += count
        for team in self:
            team.lead_unassigned_count = waiting.get(team.id, 0)
            team.lead_month_count = month.get(team.id, 0)

    def _compute_lead_waiting_team_count(self):
        """One count per team (a screen shows a few teams), as the system: the leads waiting
        for a team are nobody's yet and unreadable to most people, and only their number for
        this team's filter comes out (a number of the team, like its 30-day count)."""
        Lead = self.env['crm.lead'].sudo()
        base = self.env['crm.team']._get_lead_to_assign_domain() + [
            '|', ('team_id', '=', False), ('team_id.assignment_intake', '=', True)]
        for team in self:
            if not isinstance(team.id, int):
                team.lead_waiting_team_count = 0
                continue
            try:
                domain = safe_eval(team.sudo().assignment_domain or '[]')
                domain = base + list(domain) + [('score', '>=', team.assignment_score_min)]
                if team.assignment_score_max:
                    domain.append(('score', '<', team.assignment_score_max))
                if team.company_id:
                    domain.append(('company_id', '=', team.company_id.id))
                with self.env.cr.savepoint():
                    team.lead_waiting_team_count = Lead.search_count(domain)
            except Exception:  # pylint: disable=broad-except
                # A filter made invalid since it was saved (a field removed): routing skips the
                # team with a note; the count says nothing rather than breaking the screen.
                team.lead_waiting_team_count = 0

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

    @api.constrains('assignment_fallback_team_id', 'company_id')
    def _check_assignment_fallback_team(self):
        """Same company, no cycle, at most 3 teams in a chain (the team, two overflow
        levels)."""
        # The chains may pass through teams the person saving cannot read.
        teams = self.sudo()
        for team in teams:
            overflow = team.assignment_fallback_team_id
            if overflow and overflow.company_id != team.company_id:
                raise ValidationError(
                    _("Team %(team)s: the overflow team %(overflow)s belongs to another "
                      "company.") % {'team': team.name, 'overflow': overflow.name})
        if not teams.filtered('assignment_fallback_team_id'):
            return
        self.env.cr.execute("SELECT id, assignment_fallback_team_id FROM crm_team")
        next_of = dict(self.env.cr.fetchall())
        for team in teams:
            problem = chain_problem(next_of, team.id)
            if problem == 'cycle':
                raise ValidationError(
                    _("Team %s: its overflow teams lead back to a team already in the chain; "
                      "choose an overflow team that does not overflow into it.") % team.name)
            if problem:
                raise ValidationError(
                    _("Team %(team)s: an overflow chain holds at most %(max)s teams (a team and "
                      "two overflow levels).") % {'team': team.name, 'max': MAX_CHAIN})

    @api.constrains('assignment_fallback_user_id', 'company_id')
    def _check_assignment_fallback_user(self):
        for team in self.sudo():
            user = team.assignment_fallback_user_id
            if not user:
                continue
            if user.share:
                raise ValidationError(
                    _("Team %(team)s: %(user)s is not an internal user and cannot be the "
                      "fallback salesperson.") % {'team': team.name, 'user': user.name})
            if team.company_id and team.company_id not in user.company_ids:
                raise ValidationError(
                    _("Team %(team)s: the fallback salesperson %(user)s does not work for "
                      "%(company)s.") % {'team': team.name, 'user': user.name,
                                         'company': team.company_id.name})

    @api.constrains('assignment_fallback_hours')
    def _check_assignment_fallback_hours(self):
        for team in self:
            if team.assignment_fallback_hours < 0:
                raise ValidationError(_("Team %s: the fallback delay cannot be negative.")
                                      % team.display_name)

    @api.constrains('assignment_sla_hours', 'assignment_sla_max')
    def _check_assignment_sla(self):
        for team in self:
            if team.assignment_sla_hours < 0 or team.assignment_sla_max < 0:
                raise ValidationError(
                    _("Team %s: the take-back delay and the number of take-backs cannot be "
                      "negative.") % team.display_name)

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

    @api.model
    def _cron_sla_reassign(self):
        """Scheduled action: take back the leads not followed up in time (teams with a delay)."""
        teams = self.sudo().search([('assignment_sla_hours', '>', 0),
                                    ('assignment_optout', '=', False)]).sudo(self.env.uid)
        self.env['crm.lead.router']._route(teams, mode='sla')
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
        return self.env['crm.team.routing.preview']._create_from_result(
            result, self, title=_("Assignment done"), summary=message)

    @api.multi
    def action_preview_assignment(self):
        """Button: show what routing would do for these teams, writing nothing."""
        result = self._action_assign_leads(mode='preview')
        return self.env['crm.team.routing.preview']._create_from_result(
            result, self, title=_("Assignment preview"))

    # ------------------------------------------------------------------------------------------
    # Counters (team form, router)
    # ------------------------------------------------------------------------------------------

    def _routing_member_loads(self):
        """{(team_id, user_id): (30-day count, last assignment date)} for the teams of ``self``.

        Archived leads count too: whatever was given in the window uses the capacity. So do
        the leads the SLA took back from the salesperson: inaction does not free a place. A
        lead handed back (a ``release`` row) leaves the count of whoever it was taken from:
        the release clears its salesperson, and a take-back from that same person before it
        no longer counts either. Nor does a lead credited back to its salesperson (a ``credit``
        row since its assignment).
        """
        team_ids = tuple(team_id for team_id in self.ids if isinstance(team_id, int))
        if not team_ids:
            return {}
        now = fields.Datetime.from_string(fields.Datetime.now())
        since = fields.Datetime.to_string(now - timedelta(days=ROUTING_WINDOW_DAYS))
        self.env.cr.execute("""
            SELECT team_id, user_id, count(*), max(assignment_date)
              FROM (SELECT team_id, user_id, assignment_date FROM crm_lead lead
                     WHERE team_id IN %(teams)s AND user_id IS NOT NULL
                       AND assignment_date >= %(since)s
                       -- Credited back (crm.lead.action_routing_credit): not counted.
                       AND NOT EXISTS (SELECT 1 FROM crm_lead_assignment_log credit
                                        WHERE credit.kind = 'credit'
                                          AND credit.lead_id = lead.id
                                          AND credit.user_id = lead.user_id
                                          AND credit.date >= lead.assignment_date)
                    UNION ALL
                    SELECT team_id, previous_user_id, NULL FROM crm_lead_assignment_log sla
                     WHERE kind = 'sla' AND user_id IS NOT NULL AND team_id IN %(teams)s
                       AND date >= %(since)s
                       AND NOT EXISTS (SELECT 1 FROM crm_lead_assignment_log released
                                        WHERE released.kind = 'release'
                                          AND released.lead_id = sla.lead_id
                                          AND released.previous_user_id = sla.previous_user_id
                                          AND released.date >= sla.date)) AS given
             GROUP BY team_id, user_id
        """, {'teams': team_ids, 'since': since})
        # Odoo 11 reads timestamps as strings, which sort like the dates they hold.
        return {(team_id, user_id): (count, last)
                for team_id, user_id, count, last in self.env.cr.fetchall()}

    def _routing_member_credits(self):
        """{(team_id, user_id): leads credited back in the last 30 days} for these teams."""
        team_ids = tuple(team_id for team_id in self.ids if isinstance(team_id, int))
        if not team_ids:
            return {}
        now = fields.Datetime.from_string(fields.Datetime.now())
        self.env.cr.execute("""
            SELECT team_id, user_id, count(DISTINCT lead_id) FROM crm_lead_assignment_log
             WHERE kind = 'credit' AND team_id IN %s AND date >= %s
             GROUP BY team_id, user_id
        """, (team_ids, fields.Datetime.to_string(now - timedelta(days=ROUTING_WINDOW_DAYS))))
        return {(team_id, user_id): count for team_id, user_id, count in self.env.cr.fetchall()}

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

    @api.model
    def _routing_init_intake(self):
        """At install: each company's default team (core's "Sales") hands its new leads to the
        routing teams; no other existing team does, so a team dispatched by hand keeps its
        leads."""
        default = self.env.ref('sales_team.team_sales_department', raise_if_not_found=False)
        if default:
            default.write({'assignment_intake': True})
        return True
