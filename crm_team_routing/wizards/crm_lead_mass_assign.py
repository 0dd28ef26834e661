# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import Counter

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..routing.reasons import text as reason_text

MODES = [
    ('user', 'Assign to a salesperson'),
    ('team', 'Move to a team'),
    ('split', 'Split evenly among salespeople'),
    ('route', 'Run routing on the selection'),
    ('share', 'Share read-only'),
    ('to_share', 'Mark as to share'),
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
    user_id = fields.Many2one(
        comodel_name='res.users',
        string="Salesperson",
        domain=[('share', '=', False)],
    )
    team_id = fields.Many2one(
        comodel_name='crm.team',
        string="Sales Channel",
        help="For 'Assign to a salesperson': leave empty to use the salesperson's team.",
    )
    user_ids = fields.Many2many(
        comodel_name='res.users',
        relation='crm_lead_mass_assign_user_rel',
        string="Salespeople",
        domain=[('share', '=', False)],
    )
    share_user_ids = fields.Many2many(
        comodel_name='res.users',
        relation='crm_lead_mass_assign_share_user_rel',
        string="Share With",
        domain=[('share', '=', False)],
    )
    result = fields.Text(
        readonly=True,
    )

    @api.model
    def _default_lead_ids(self):
        if self.env.context.get('active_model') == 'crm.lead':
            return [(6, 0, self.env.context.get('active_ids') or [])]
        return []

    @api.depends('lead_ids')
    def _compute_lead_count(self):
        for wizard in self:
            wizard.lead_count = len(wizard.lead_ids)

    # ------------------------------------------------------------------------------------------
    # Action: every mode goes through the router's gate, lock, writes and digests
    # ------------------------------------------------------------------------------------------

    @api.multi
    def action_apply(self):
        self.ensure_one()
        if not self.sudo().lead_ids:
            raise UserError(_("Select at least one lead."))
        method = getattr(self, '_apply_%s' % self.mode)
        self.result = method()
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
        """The selected leads, all of them, as the current user: a lead they may not read is
        refused by the checks, not silently left out."""
        return self.env['crm.lead'].browse(self.sudo().lead_ids.ids)

    def _targets(self, user):
        """{lead_id: team_id} for giving the selected leads to ``user``: the chosen team; else
        the lead's own team when the salesperson works in it; else their first routing team
        (among the teams a leader leads); else core's default team of the user."""
        if self.team_id:
            return dict.fromkeys(self.sudo().lead_ids.ids, self.team_id.id)
        # Memberships are configuration a leader may not read in full.
        memberships = self.env['crm.team.member'].sudo().search([('user_id', '=', user.id)])
        teams = memberships.mapped('team_id')
        if not self.env.user.has_group('sales_team.group_sale_salesman_all_leads'):
            teams &= self._router()._led_teams()
        default = teams[:1] or self.env['crm.team'].sudo()._get_default_team_id(user_id=user.id)
        targets = {}
        for lead in self.sudo().lead_ids:
            team = lead.team_id
            works_there = user in (team.routing_member_ids.mapped('user_id') | team.member_ids
                                   | team.user_id)
            targets[lead.id] = team.id if team and works_there else (default.id or None)
        return targets

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
        targets = self._targets(self.user_id)
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
        targets = {user: self._targets(user) for user in users}
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
