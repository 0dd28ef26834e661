# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import Counter

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.safe_eval import safe_eval

from ..routing.reasons import text as reason_text

MODES = [
    ('user', 'Assign to a salesperson'),
    ('team', 'Move to a team'),
    ('split', 'Split evenly among salespeople'),
    ('route', 'Run routing on the selection'),
    ('share', 'Share read-only'),
    ('to_share', 'Mark as to share'),
]

SCOPES = [
    ('selected', 'The selected leads'),
    ('search', 'All leads matching the current search'),
]


class CrmLeadMassAssign(models.TransientModel):
    """Assign, move, split, route or share many leads at once, through the routing write path."""
    _name = 'crm.lead.mass.assign'
    _description = "Mass Lead Assignment"

    mode = fields.Selection(
        selection=MODES,
        string="Action",
        required=True,
        default='user',
    )
    lead_ids = fields.Many2many(
        comodel_name='crm.lead',
        string="Leads",
        default=lambda self: self._default_lead_ids(),
    )
    lead_count = fields.Integer(
        string="Selected Leads",
        compute='_compute_lead_count',
    )
    scope = fields.Selection(
        selection=SCOPES,
        string="Apply To",
        required=True,
        default='selected',
        help="The leads ticked in the list, or every lead the list's search finds, also "
             "those on the pages not shown (a team leader: those of the teams they lead).",
    )
    search_domain = fields.Char(
        string="Search",
        default=lambda self: self._default_search_domain(),
        help="The search of the list the wizard was opened from (Odoo passes it as "
             "'active_domain').",
    )
    matching_count = fields.Integer(
        string="Leads Matching the Search",
        compute='_compute_matching_count',
    )
    scope_text = fields.Char(
        string="Leads Concerned",
        compute='_compute_scope_text',
    )
    user_id = fields.Many2one(
        comodel_name='res.users',
        string="Salesperson",
        domain=lambda self: self._router()._get_wizard_user_domain(),
    )
    team_id = fields.Many2one(
        comodel_name='crm.team',
        string="Sales Channel",
        default=lambda self: self._default_team_id(),
        domain=lambda self: self._router()._get_wizard_team_domain(),
        help="For 'Assign to a salesperson': leave empty to use the salesperson's team.",
    )
    user_ids = fields.Many2many(
        comodel_name='res.users',
        relation='crm_lead_mass_assign_user_rel',
        string="Salespeople",
        domain=lambda self: self._router()._get_wizard_user_domain(),
    )
    share_user_ids = fields.Many2many(
        comodel_name='res.users',
        relation='crm_lead_mass_assign_share_user_rel',
        string="Share With",
        domain=lambda self: self._router()._get_wizard_user_domain(),
    )
    result = fields.Text(
        readonly=True,
    )
    filter_warning = fields.Text(
        compute='_compute_filter_warning',
        help="Salespeople whose own lead filter in the team does not match some of the leads "
             "they would receive: they receive them all the same if you apply.",
    )

    @api.model
    def _default_lead_ids(self):
        if self.env.context.get('active_model') == 'crm.lead':
            return [(6, 0, self.env.context.get('active_ids') or [])]
        return []

    @api.model
    def _default_search_domain(self):
        context = self.env.context
        if context.get('active_model') == 'crm.lead' and context.get('active_domain'):
            return repr(context['active_domain'])
        return False

    @api.model
    def _default_team_id(self):
        """The team of the selected leads, when they all wait in one the user may fill."""
        if self.env.context.get('active_model') != 'crm.lead':
            return False
        leads = self.env['crm.lead'].browse(self.env.context.get('active_ids') or [])
        try:
            teams = leads.mapped('team_id')
        except AccessError:
            return False  # the checks of Apply say why; no guess here
        if len(teams) != 1 or len(leads.filtered(lambda lead: not lead.team_id)):
            return False
        return self.env['crm.team'].search(
            self._router()._get_wizard_team_domain() + [('id', '=', teams.id)]).id

    @api.onchange('mode', 'team_id')
    def _onchange_split_members(self):
        """"Split evenly" with a team: its routing members taking leads (active, not paused)
        that the user may choose, ready to be trimmed."""
        if self.mode == 'split' and self.team_id:
            members = self.team_id.routing_member_ids.filtered(
                lambda member: not member.assignment_optout)
            self.user_ids = self.env['res.users'].search(
                self._router()._get_wizard_user_domain()
                + [('id', 'in', members.mapped('user_id').ids)])

    @api.depends('mode', 'user_id', 'user_ids', 'team_id', 'lead_ids', 'scope', 'search_domain')
    def _compute_filter_warning(self):
        for wizard in self:
            lines = [
                _("%(user)s's own filter in %(team)s (%(filter)s) does not match %(count)d of "
                  "the %(total)d leads they would receive.") % mismatch
                for mismatch in wizard._filter_mismatches()]
            if lines:
                lines.append(_("Apply gives them these leads all the same."))
            wizard.filter_warning = '\n'.join(lines) or False

    def _filter_mismatches(self):
        """[{user, team, filter, count, total}]: for each salesperson chosen (assign or split),
        the leads they would receive in a team where their own filter does not match them.
        One count per salesperson and team, whatever the number of leads."""
        if self.mode == 'user' and self.user_id:
            users = self.user_id
        elif self.mode == 'split' and self.user_ids:
            users = self.user_ids.sorted('id')
        else:
            return []
        leads = self._leads()
        ids = sorted(leads.ids)
        if not ids:
            return []
        # The same share as _apply_split: the n-th lead (by id) to the (n mod count)-th person.
        shares = {user: ids[index::len(users)] for index, user in enumerate(users)}
        groups = {}
        for user, share in shares.items():
            for lead_id, team_id in self._targets(user, leads.browse(share)).items():
                if team_id:
                    groups.setdefault((user.id, team_id), []).append(lead_id)
        if not groups:
            return []
        # Memberships and their filters are team configuration (a leader may not read every
        # member's); the counts run on leads the user just read, as the system, because a
        # member's filter may follow a path its leader cannot search.
        members = self.env['crm.team.member'].sudo().search([
            ('user_id', 'in', users.ids),
            ('team_id', 'in', sorted({team_id for _user, team_id in groups}))])
        Lead = self.env['crm.lead'].sudo().with_context(active_test=False)
        mismatches = []
        for member in members.sorted(lambda member: (member.user_id.name, member.team_id.name)):
            lead_ids = groups.get((member.user_id.id, member.team_id.id))
            domain = safe_eval(member.assignment_domain or '[]')
            if not lead_ids or not domain:
                continue
            matching = Lead.search_count([('id', 'in', lead_ids)] + domain)
            if matching < len(lead_ids):
                mismatches.append({
                    'user': member.user_id.name,
                    'team': member.team_id.name,
                    'filter': member.sudo(self.env.uid).assignment_filter_text
                    or member.assignment_domain,
                    'count': len(lead_ids) - matching,
                    'total': len(lead_ids),
                })
        return mismatches

    @api.depends('lead_ids')
    def _compute_lead_count(self):
        for wizard in self:
            wizard.lead_count = len(wizard.lead_ids)

    @api.depends('search_domain')
    def _compute_matching_count(self):
        for wizard in self:
            wizard.matching_count = self.env['crm.lead'].search_count(
                wizard._get_search_domain()) if wizard.search_domain else 0

    @api.depends('scope', 'lead_count', 'matching_count')
    def _compute_scope_text(self):
        for wizard in self:
            if wizard.scope == 'search':
                wizard.scope_text = _("All %d leads matching the current search") \
                    % wizard.matching_count
            else:
                wizard.scope_text = _("The %d selected leads") % wizard.lead_count

    def _get_search_domain(self):
        """The list's search, narrowed to what the current user may assign in bulk."""
        self.ensure_one()
        domain = safe_eval(self.search_domain or '[]')
        return domain + self._router()._get_wizard_lead_domain()

    # ------------------------------------------------------------------------------------------
    # Action: every mode goes through the router's gate, lock, writes and digests
    # ------------------------------------------------------------------------------------------

    @api.multi
    def action_apply(self):
        self.ensure_one()
        if not self._leads():
            raise UserError(_("Select at least one lead."))
        method = getattr(self, '_apply_%s' % self.mode)
        # Said before the form closes and kept in the result: who received leads their own
        # filter does not match (the person chose it; routing would not have).
        warning = self.filter_warning
        self.result = method() + ('\n\n' + warning if warning else '')
        return {
            'type': 'ir.actions.act_window',
            'name': _("Mass Lead Assignment"),
            'res_model': self._name,
            'res_id': self.id,
            'view_mode': 'form',
            'target': 'new',
            'context': dict(self.env.context, crm_lead_mass_assign_done=True),
        }

    def _router(self):
        return self.env['crm.lead.router']

    def _leads(self):
        """The leads to act on, as the current user. The selected ones: all of them, a lead
        they may not read is refused by the checks, not silently left out. All leads matching
        the search: searched with the user's rights (and, for a team leader, within the teams
        they lead), in one query whatever their number; the checks then run on the whole set.
        """
        self.ensure_one()
        if self.scope == 'search' and self.search_domain:
            return self.env['crm.lead'].search(self._get_search_domain(), order='id')
        if isinstance(self.id, models.NewId):
            # The form's onchange (the filter warning): a record in memory, whose values only
            # its own environment holds (sudo() would read an empty selection).
            return self.env['crm.lead'].browse(self.lead_ids.ids)
        return self.env['crm.lead'].browse(self.sudo().lead_ids.ids)

    def _targets(self, user, leads=None):
        """{lead_id: team_id} for giving ``leads`` to ``user``: the chosen team; else the
        lead's own team when the salesperson works in it; else their first routing team
        (among the teams a leader leads); else core's default team of the user. Who works in
        a team is read once per team, not per lead."""
        leads = self._leads() if leads is None else leads
        if self.team_id:
            return dict.fromkeys(leads.ids, self.team_id.id)
        # Memberships are configuration a leader may not read in full.
        memberships = self.env['crm.team.member'].sudo().search([('user_id', '=', user.id)])
        teams = memberships.mapped('team_id')
        if not self.env.user.has_group('sales_team.group_sale_salesman_all_leads'):
            teams &= self._router()._led_teams()
        default = teams[:1] or self.env['crm.team'].sudo()._get_default_team_id(user_id=user.id)
        # The leads' teams, read in one query (the checks read the leads as the user).
        team_of = {row['id']: row['team_id'] for row in
                   leads.sudo().read(['team_id'], load='_classic_write')}
        works_in = {team.id for team in self.env['crm.team'].sudo().browse(
            {team_id for team_id in team_of.values() if team_id})
            if user in (team.routing_member_ids.mapped('user_id') | team.member_ids
                        | team.user_id)}
        return {lead_id: team_id if team_id in works_in else (default.id or None)
                for lead_id, team_id in team_of.items()}

    def _assign(self, to_team, to_user, reasons):
        """The routing write path (no per-lead tracking), a manual log row per lead and one
        digest per salesperson. The caller ran the router's checks."""
        return self._router()._assign(to_team, to_user, reasons)

    def _report(self, counts):
        lines = ['%s: %d' % (name, count) for name, count in sorted(counts.items())]
        return _("%d leads updated.") % sum(counts.values()) + '\n' + '\n'.join(lines)

    def _apply_user(self):
        if not self.user_id:
            raise UserError(_("Choose the salesperson."))
        leads = self._leads()
        targets = self._targets(self.user_id, leads)
        self._router()._check_wizard_targets(
            leads, users=self.user_id,
            teams=self.env['crm.team'].browse({t for t in targets.values() if t}))
        reason = reason_text('mass_user', salesperson=self.user_id.name,
                             user=self.env.user.name)
        to_user = {lead_id: (team_id, self.user_id.id) for lead_id, team_id in targets.items()}
        written = self._assign({}, to_user, dict.fromkeys(leads.ids, reason))
        return self._report({self.user_id.name: len(written)})

    def _apply_team(self):
        if not self.team_id:
            raise UserError(_("Choose the team."))
        leads = self._leads()
        self._router()._check_wizard_targets(leads, teams=self.team_id)
        reason = reason_text('mass_team', team=self.team_id.name, user=self.env.user.name)
        to_team = dict.fromkeys(leads.ids, self.team_id.id)
        written = self._assign(to_team, {}, dict.fromkeys(leads.ids, reason))
        return self._report({self.team_id.name: len(written)})

    def _apply_split(self):
        if not self.user_ids:
            raise UserError(_("Choose the salespeople to split the leads among."))
        leads = self._leads()
        users = self.user_ids.sorted('id')
        targets = {user: self._targets(user, leads) for user in users}
        self._router()._check_wizard_targets(
            leads, users=users, teams=self.env['crm.team'].browse(
                {t for by_lead in targets.values() for t in by_lead.values() if t}))
        reason_of = {user: reason_text('mass_split', count=len(users), user=self.env.user.name,
                                       salesperson=user.name)
                     for user in users}
        to_user, reasons, counts = {}, {}, Counter()
        for index, lead_id in enumerate(sorted(leads.ids)):
            user = users[index % len(users)]
            to_user[lead_id] = (targets[user][lead_id], user.id)
            reasons[lead_id] = reason_of[user]
            counts[user.name] += 1
        self._assign({}, to_user, reasons)
        return self._report(counts)

    def _apply_route(self):
        router = self._router()
        Team = self.env['crm.team']
        # Which teams route is configuration; the router's gate checks the caller next.
        teams = Team.sudo().search(Team._get_routing_team_domain() + [
            '|', ('company_id', '=', False),
            ('company_id', 'in', self.env.user.company_ids.ids)])
        if not self.env.user.has_group('sales_team.group_sale_salesman_all_leads'):
            teams &= router._led_teams()
        result = router._route(teams.sudo(self.env.uid), leads=self._leads(), mode='wizard')
        counts = Counter()
        for user in self.env['res.users'].sudo().browse(list(result.user_counts)):
            counts[user.name] = result.user_counts[user.id]
        report = self._report(counts)
        return report + '\n' + _("%(teams)d leads entered a team, %(waiting)d left waiting.") % {
            'teams': sum(result.team_counts.values()), 'waiting': result.unassigned}

    def _apply_share(self):
        if not self.share_user_ids:
            raise UserError(_("Choose the users to share the leads with."))
        leads = self._leads()
        self._router()._check_wizard_targets(leads, share_users=self.share_user_ids)
        leads.action_share_with_users(self.share_user_ids)
        return _("%(count)d leads shared read-only with %(users)s.") % {
            'count': len(leads), 'users': ', '.join(self.share_user_ids.mapped('name'))}

    def _apply_to_share(self):
        leads = self._leads()
        self._router()._check_wizard_targets(leads)
        # Checked above: the care status is written as the system.
        leads.sudo().write({'share_state': 'to_share'})
        return _("%d leads marked as to share; the share rules of their campaign will share "
                 "them.") % len(leads)
