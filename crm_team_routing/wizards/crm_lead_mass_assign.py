# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import Counter

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

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
    # Rights
    # ------------------------------------------------------------------------------------------

    def _led_teams(self):
        return self.env['crm.team'].sudo().search([('user_id', '=', self.env.uid)])

    def _check_rights(self, users=None, team=None):
        """Managers and 'all documents' users may do anything; team leaders only on their teams'
        leads, towards their teams and members; salespeople not at all."""
        user = self.env.user
        if user.has_group('sales_team.group_sale_salesman_all_leads'):
            return
        if not user.has_group('crm_team_routing.group_sale_team_leader'):
            raise AccessError(_("Only team leaders and sales managers can assign leads in bulk."))
        teams = self._led_teams()
        # Read the selection as the system: a lead the leader cannot read is refused, not hidden.
        outside = self.sudo().lead_ids.filtered(lambda lead: lead.team_id not in teams)
        if outside:
            raise AccessError(_("You can only assign leads of the teams you lead; %s is not one "
                                "of them.") % outside[0].display_name)
        if team and team not in teams:
            raise AccessError(_("You can only move leads to the teams you lead."))
        members = teams.mapped('routing_member_ids.user_id') | teams.mapped('member_ids') \
            | teams.mapped('user_id')
        strangers = (users or self.env['res.users']) - members
        if strangers:
            raise AccessError(_("%s is not a member of the teams you lead.") % strangers[0].name)

    # ------------------------------------------------------------------------------------------
    # Action
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
            'res_model': self._name,
            'res_id': self.id,
            'view_mode': 'form',
            'target': 'new',
            'context': dict(self.env.context, crm_lead_mass_assign_done=True),
        }

    def _team_of(self, user):
        """The team a salesperson's leads go to: the chosen one, else their routing team, else
        core's default team of the user."""
        if self.team_id:
            return self.team_id
        member = self.env['crm.team.member'].sudo().search([('user_id', '=', user.id)], limit=1)
        return member.team_id or self.env['crm.team'].sudo()._get_default_team_id(user_id=user.id)

    def _assign(self, to_team, to_user, reasons):
        """The routing write path (no per-lead tracking), with a manual log row per lead."""
        # Rights were checked by _check_rights against the selection: write as the system.
        Lead = self.env['crm.lead'].sudo()
        now = fields.Datetime.now()
        written = Lead._routing_write_assignment(to_team, to_user, now, force=True)
        self.env['crm.lead.assignment.log']._routing_insert(
            [(lead_id, team_id, user_id, 'manual', reasons[lead_id], company_id)
             for lead_id, (team_id, user_id, company_id) in sorted(written.items())], now)
        # Written in SQL: what was computed from the leads (the teams' and members' counters)
        # is stale.
        self.invalidate_cache()
        return written

    def _report(self, counts):
        lines = ['%s: %d' % (name, count) for name, count in sorted(counts.items())]
        return _("%d leads updated.") % sum(counts.values()) + '\n' + '\n'.join(lines)

    def _apply_user(self):
        if not self.user_id:
            raise UserError(_("Choose the salesperson."))
        self._check_rights(users=self.user_id, team=self.team_id or None)
        team = self._team_of(self.user_id)
        reason = _("Assigned to %(salesperson)s by %(user)s (mass assignment).") % {
            'salesperson': self.user_id.name, 'user': self.env.user.name}
        to_user = dict.fromkeys(self.lead_ids.ids, (team.id or None, self.user_id.id))
        leads = self._assign({}, to_user, dict.fromkeys(self.lead_ids.ids, reason))
        return self._report({self.user_id.name: len(leads)})

    def _apply_team(self):
        if not self.team_id:
            raise UserError(_("Choose the team."))
        self._check_rights(team=self.team_id)
        reason = _("Moved to team %(team)s by %(user)s (mass assignment); routing will give "
                   "it to a salesperson.") % {'team': self.team_id.name,
                                              'user': self.env.user.name}
        to_team = dict.fromkeys(self.lead_ids.ids, self.team_id.id)
        leads = self._assign(to_team, {}, dict.fromkeys(self.lead_ids.ids, reason))
        return self._report({self.team_id.name: len(leads)})

    def _apply_split(self):
        if not self.user_ids:
            raise UserError(_("Choose the salespeople to split the leads among."))
        self._check_rights(users=self.user_ids, team=self.team_id or None)
        users = self.user_ids.sorted('id')
        team_of = {user: self._team_of(user).id or None for user in users}
        reason_of = {user: _("Split among %(count)d salespeople by %(user)s: given to "
                             "%(salesperson)s.") % {'count': len(users), 'user': self.env.user.name,
                                                    'salesperson': user.name}
                     for user in users}
        to_user, reasons, counts = {}, {}, Counter()
        for index, lead_id in enumerate(sorted(self.lead_ids.ids)):
            user = users[index % len(users)]
            to_user[lead_id] = (team_of[user], user.id)
            reasons[lead_id] = reason_of[user]
            counts[user.name] += 1
        self._assign({}, to_user, reasons)
        return self._report(counts)

    def _apply_route(self):
        self._check_rights()
        if self.env.user.has_group('sales_team.group_sale_salesman_all_leads'):
            teams = self.env['crm.team'].sudo().search(
                self.env['crm.team']._get_routing_team_domain())
        else:
            teams = self._led_teams()
        result = teams._action_assign_leads(leads=self.lead_ids.sudo(), lock='raise')
        counts = Counter()
        for user in self.env['res.users'].sudo().browse(list(result.user_counts)):
            counts[user.name] = result.user_counts[user.id]
        report = self._report(counts)
        return report + '\n' + _("%(teams)d leads entered a team, %(waiting)d left waiting.") % {
            'teams': sum(result.team_counts.values()), 'waiting': result.unassigned}

    def _apply_share(self):
        if not self.share_user_ids:
            raise UserError(_("Choose the users to share the leads with."))
        self._check_rights()
        self.lead_ids.sudo().action_share_with_users(self.share_user_ids)
        return _("%(count)d leads shared read-only with %(users)s.") % {
            'count': len(self.lead_ids), 'users': ', '.join(self.share_user_ids.mapped('name'))}

    def _apply_to_share(self):
        self._check_rights()
        self.lead_ids.sudo().write({'share_state': 'to_share'})
        return _("%d leads marked as to share; the share rules of their campaign will share "
                 "them.") % len(self.lead_ids)
