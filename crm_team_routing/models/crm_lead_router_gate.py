# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Stage 1, the gate: who may run a mode, on which teams and leads.

Every entry point passes here before anything runs as the system. The rights themselves are
decided by ``routing.policy``; this file gathers the facts it needs (the person, the companies
and teams of the records) in a few queries, and turns its refusals into translated errors. The
wizard's choices (domains, targets) and every sharing path are checked here too.
"""
from odoo import _, api, models
from odoo.exceptions import AccessError

from ..routing import policy
from .crm_lead_router import MODES


class CrmLeadRouterGate(models.AbstractModel):
    _inherit = 'crm.lead.router'

    # ------------------------------------------------------------------------------------------
    # The person and the refusals
    # ------------------------------------------------------------------------------------------

    @api.model
    def _routing_person(self, user=None):
        """The ``routing.policy.Person`` of ``user`` (default: the current user)."""
        user = (user or self.env.user).sudo()
        superuser = user._is_superuser()
        self.env.cr.execute("""
            SELECT data.module || '.' || data.name FROM res_groups_users_rel rel
              JOIN ir_model_data data ON data.model = 'res.groups' AND data.res_id = rel.gid
             WHERE rel.uid = %s
        """, (user.id,))
        groups = {row[0] for row in self.env.cr.fetchall()}
        self.env.cr.execute("SELECT id FROM crm_team WHERE user_id = %s AND active", (user.id,))
        led = frozenset(row[0] for row in self.env.cr.fetchall())
        return policy.Person(user.id, policy.role_of(superuser, groups),
                             'base.group_system' in groups, frozenset(user.company_ids.ids), led)

    @api.model
    def _routing_refuse(self, refusal):
        """Raise the translated AccessError of a ``routing.policy.Refusal`` (None: nothing)."""
        if refusal is None:
            return
        values = dict(refusal.values)
        if 'company' in values:
            values['company'] = self.env['res.company'].sudo().browse(values['company']).name
        if 'team' in values:
            values['team'] = self.env['crm.team'].sudo().browse(values['team']).name \
                if values['team'] else _("no team")
        if 'user' in values:
            values['user'] = self.env['res.users'].sudo().browse(values['user']).name
        if 'field' in values:
            field = self.env['crm.lead']._fields.get(values['field']) \
                or self.env['crm.lead.assignment.log']._fields.get(values['field'])
            values['field'] = '%s (%s)' % (field.string, field.name) if field \
                else values['field']
        messages = {
            'system_only': _("Only the system runs the scheduled lead routing."),
            'manager_only': _("Only sales managers can run lead routing from the team."),
            'foreign_company': _("You cannot route leads of the company %(company)s."),
            'bulk_leader_only': _("Only team leaders and sales managers can assign leads in "
                                  "bulk."),
            'sales_only': _("Only sales users can route leads."),
            'team_not_led': _("You can only assign leads into the teams you lead; %(team)s is "
                              "not one of them."),
            'lead_not_led': _("You can only assign leads of the teams you lead; a lead of "
                              "%(team)s is not one of them."),
            'cross_company': _("A lead stays in its company: it cannot go to a team of "
                               "%(company)s."),
            'not_internal': _("%(user)s is not an internal user."),
            'archived_user': _("%(user)s is archived."),
            'not_in_company': _("%(user)s does not work for %(company)s."),
            'share_leader_only': _("Only team leaders and sales managers can share leads."),
            'not_team_member': _("%(user)s is not a member of the teams you lead."),
            'system_field': _("The field %(field)s is written by lead routing only."),
            'credit_not_allowed': _("Only sales managers and team leaders can credit leads "
                                    "back."),
            'credit_not_led': _("You can only credit back leads of the teams you lead; a lead "
                                "of %(team)s is not one of them."),
            'credit_no_salesperson': _("Only a lead with a salesperson can be credited back."),
            'absence_not_yours': _("You may only record absences for yourself, the members of "
                                   "the teams you lead or, as a sales manager, the routing "
                                   "members of your companies."),
            'calendar_not_routing': _("The working hours of %(user)s are their own schedule "
                                      "(an employee's resource, shared with HR), not one sales "
                                      "routing made: you may not change them. Ask an HR "
                                      "officer or an administrator."),
            'hand_back_leader_only': _("Only team leaders and sales managers can hand back "
                                       "a salesperson's leads."),
            'hand_back_not_led': _("You can only hand back the leads of members of the teams "
                                   "you lead; %(team)s is not one of them."),
            'own_leads_only': _("You can only create leads for which you are the salesperson."),
            'team_foreign_company': _("The team %(team)s belongs to %(company)s, a company you "
                                      "do not work for."),
            'share_existing_users': _("Leads are shared with existing users only: choose them, "
                                      "do not create or change users from a lead."),
            'follower_not_writer': _("%(user)s may not change this lead, so cannot follow it: "
                                     "a lead's followers are the people who may change it."),
            'reader_no_post': _("This lead is shared with you to read: you cannot post on it "
                                "or follow it."),
            'share_rules_manager_only': _("Only sales managers can apply share rules."),
            'scores_manager_only': _("Only sales managers can recompute the lead scores."),
            'foreign_rule': _("You cannot apply the rules of %(company)s."),
        }
        raise AccessError(messages[refusal.code] % values)

    @api.model
    def _routing_lead_facts(self, leads):
        """(company ids, team ids) of ``leads``, in one query each: through the ORM, reading
        the company of 20,000 leads reads every field."""
        ids = leads.ids if leads is not None else []
        if not ids:
            return set(), set()
        self.env.cr.execute("SELECT DISTINCT company_id, team_id FROM crm_lead "
                            "WHERE id = ANY(%s)", (ids,))
        rows = self.env.cr.fetchall()
        return {row[0] for row in rows}, {row[1] for row in rows}

    # ------------------------------------------------------------------------------------------
    # The gate
    # ------------------------------------------------------------------------------------------

    @api.model
    def _gate(self, teams, leads, mode):
        """Check that the current user may run ``mode`` on ``teams`` and ``leads``; return both
        with superuser rights, which the run needs to read configuration and write decisions,
        and the companies whose leads the run may touch (None: all of them)."""
        gate = MODES[mode].gate
        person = self._routing_person()
        if gate in ('wizard', 'writable') and person.role != policy.SYSTEM:
            self._check_writable(leads)
        lead_companies, _lead_teams = self._routing_lead_facts(leads) \
            if gate in ('manager', 'writable') else (set(), set())
        self._routing_refuse(policy.check_run(
            person, gate, team_company_ids=teams.sudo().mapped('company_id').ids,
            team_ids=teams.ids, lead_company_ids=lead_companies))
        companies = policy.run_companies(person, gate)
        # The gate has run: from here on the run reads and writes as the system, on the leads
        # of ``companies`` only (a person's run: the companies they work for).
        return teams.sudo(), (leads.sudo() if leads is not None else None), companies

    @api.model
    def _check_writable(self, leads):
        if leads is None:
            raise AccessError(_("Select the leads to route."))
        leads.check_access_rights('write')
        leads.check_access_rule('write')

    # ------------------------------------------------------------------------------------------
    # The people and teams a person may hand leads to (wizard, sharing)
    # ------------------------------------------------------------------------------------------

    @api.model
    def _led_teams(self):
        """Teams the current user leads."""
        # Team leadership is configuration a leader may not be able to search.
        return self.env['crm.team'].sudo().browse(sorted(self._routing_person().led_team_ids))

    @api.model
    def _led_team_users(self, led=None):
        """Who works in the teams the current user leads (``led``): their active routing
        members, core's members and the leaders; the people a team leader may assign to or
        share with."""
        led = self._led_teams() if led is None else led
        return led.mapped('routing_member_ids.user_id') | led.mapped('member_ids') \
            | led.mapped('user_id')

    @api.model
    def _get_wizard_lead_domain(self):
        """Which leads the mass assignment takes when it applies to every lead matching a
        search, added to that search (which runs with the caller's rights)."""
        return policy.wizard_lead_domain(self._routing_person())

    @api.model
    def _get_wizard_user_domain(self):
        """The people the mass assignment offers to the current user (a domain on res.users).
        The wizard's checks stay the real test; this spares choices that would be refused."""
        person = self._routing_person()
        led_users = self._led_team_users().ids if person.role < policy.ALL_DOCUMENTS else []
        return policy.wizard_user_domain(person, led_users)

    @api.model
    def _get_wizard_team_domain(self):
        """The teams the mass assignment offers to the current user (a domain on crm.team)."""
        return policy.wizard_team_domain(self._routing_person())

    @api.model
    def _check_targets(self, leads, users):
        """The current user may write ``leads``, and ``users`` may receive or read them:
        active internal users who work for the leads' companies."""
        self._check_writable(leads)
        companies, _teams = self._routing_lead_facts(leads)
        for target in users.sudo().with_context(active_test=False):
            for company_id in sorted(company for company in companies if company) or [None]:
                refusal = policy.receive_refusal(target.active, target.share,
                                                 target.company_ids.ids, company_id)
                if refusal:
                    self._routing_refuse(policy.Refusal(refusal.code, dict(
                        refusal.values, user=target.id)))

    @api.model
    def _check_share(self, leads, users):
        """One sharing policy, whatever the door (wizard, ``action_share_with_users``, writing
        ``shared_user_ids``, share rules run by a person): the current user may write the
        leads, the users are internal users of the leads' companies, and a leader shares only
        leads of the teams they lead with the people of those teams."""
        person = self._routing_person()
        if person.role == policy.SYSTEM:
            return
        self._check_targets(leads, users)
        _companies, lead_teams = self._routing_lead_facts(leads)
        led_users = self._led_team_users().ids if person.role < policy.ALL_DOCUMENTS else []
        self._routing_refuse(policy.check_share(person, lead_teams, users.ids, led_users))

    @api.model
    def _check_wizard_targets(self, leads, users=None, teams=None, share_users=None):
        """What a person may do to ``leads`` through the mass assignment, beyond the gate:
        assign only leads they may reassign (a leader: of the teams they lead), into teams
        they may fill (a leader: the teams they lead; others: of their companies; a lead
        never leaves its company), to people who may receive them; share by the sharing
        policy."""
        person = self._routing_person()
        if person.role == policy.SYSTEM:
            return
        self._routing_refuse(policy.check_run(person, 'wizard'))
        users = users or self.env['res.users']
        self._check_targets(leads, users)
        lead_companies, lead_teams = self._routing_lead_facts(leads)
        self._routing_refuse(policy.check_lead_teams(person, lead_teams))
        if teams:
            team_companies = teams.sudo().mapped('company_id').ids
            self._routing_refuse(policy.check_target_teams(person, teams.ids, team_companies))
            self._routing_refuse(policy.check_lead_companies(person, lead_companies,
                                                             team_companies))
        if person.role < policy.ALL_DOCUMENTS:
            strangers = users.sudo() - self._led_team_users()
            if strangers:
                self._routing_refuse(policy.Refusal('not_team_member', {'user': strangers[0].id}))
        if share_users:
            self._check_share(leads, share_users)
