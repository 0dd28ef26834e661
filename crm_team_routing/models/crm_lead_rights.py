# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What a person may change on a lead, whatever the door (DESIGN.md revision 3, Boundaries).

- Fields only the system writes (``routing.policy.SYSTEM_FIELDS``, and ``share_state``, which
  whoever may share sets to 'to_share'): checked on the caller's own values in ``create`` and
  ``write``, before this module adds its own (``assignment_date`` of a salesperson set by hand).
- A lead enters a team only by someone who works for the team's company, and takes its company.
- One sharing policy for ``shared_user_ids``, whatever the x2many command
  (``crm.lead.router._check_share``, as the wizard, ``action_share_with_users`` and the share
  rules ask it); removing shares: whoever may share.
- Followers follow the rights: an internal user follows a lead only while they may write it; a
  user the lead is shared with reads it and never posts on it.

The rules are ``routing.policy``'s; this file gathers the facts and asks.
"""
from odoo import api, models

from ..routing import policy

GUARDED_FIELDS = policy.SYSTEM_FIELDS + (policy.SHARE_STATE_FIELD,)
# Values that set nothing on a creation: the web client sends every field of the form.
UNSET = (False, None, 0, 'none')
# Context key: core's own subscriptions (a team's followers, a message's recipients) leave out
# the people who may not write the lead, where a person's explicit request is refused.
QUIET = 'crm_team_routing_quiet_followers'


class CrmLeadRights(models.Model):
    _inherit = 'crm.lead'

    # ------------------------------------------------------------------------------------------
    # System fields, the team's company, sharing
    # ------------------------------------------------------------------------------------------

    @api.model
    def create(self, vals):
        router = self.env['crm.lead.router']
        person = router._routing_person()
        if person.role != policy.SYSTEM:
            written = [name for name in GUARDED_FIELDS if vals.get(name) not in UNSET]
            if written:
                team_id = vals['team_id'] if 'team_id' in vals \
                    else self.default_get(['team_id']).get('team_id')
                router._routing_refuse(policy.check_system_fields(
                    person, written, vals.get('share_state'), [team_id or None]))
            # The record rule would refuse it too, but only after core's constraints failed
            # reading the lead: say it clearly.
            owner = vals['user_id'] if 'user_id' in vals \
                else self.default_get(['user_id']).get('user_id')
            router._routing_refuse(policy.check_create_owner(person, owner))
        vals = self._routing_team_company(vals, person)
        added, _removed = self._routing_share_changes(vals.get('shared_user_ids'), person)
        lead = super(CrmLeadRights, self).create(vals)
        if added:
            router._check_share(lead, self.env['res.users'].browse(added))
        return lead

    @api.multi
    def write(self, vals):
        guarded = [name for name in GUARDED_FIELDS if name in vals]
        if not (guarded or 'shared_user_ids' in vals or vals.get('team_id')):
            return super(CrmLeadRights, self).write(vals)
        router = self.env['crm.lead.router']
        person = router._routing_person()
        if guarded and person.role != policy.SYSTEM:
            _companies, teams = router._routing_lead_facts(self)
            if 'team_id' in vals:
                teams = set(teams) | {vals['team_id'] or None}
            router._routing_refuse(policy.check_system_fields(
                person, guarded, vals.get('share_state'), teams))
        added, removed = self._routing_share_changes(vals.get('shared_user_ids'), person)
        self._routing_check_share_changes(person, added, removed)
        vals = self._routing_team_company(vals, person)
        result = super(CrmLeadRights, self).write(vals)
        if (added or removed) and ('team_id' in vals or 'company_id' in vals):
            # Again on the leads as written (their new teams and companies).
            self._routing_check_share_changes(person, added, removed)
        return result

    @api.multi
    def _routing_check_share_changes(self, person, added, removed):
        """The one sharing policy for users ``added`` to these leads; removing shares
        (``removed``): whoever may share them."""
        router = self.env['crm.lead.router']
        if removed:
            _companies, teams = router._routing_lead_facts(self)
            router._routing_refuse(policy.check_unshare(person, teams))
        if added:
            router._check_share(self, self.env['res.users'].browse(added))

    @api.multi
    def _routing_team_company(self, vals, person):
        """``vals`` with the company of the team they put the leads in, when it has one; a
        person who does not work for that company is refused."""
        if not vals.get('team_id'):
            return vals
        # Which company a team belongs to is configuration the writer may not read.
        team = self.env['crm.team'].sudo().browse(vals['team_id'])
        company_id = team.company_id.id
        if not company_id:
            return vals
        router = self.env['crm.lead.router']
        router._routing_refuse(policy.check_team_company(person, team.id, company_id))
        if vals.get('company_id') == company_id or (
                self and 'company_id' not in vals
                and router._routing_lead_facts(self)[0] == {company_id}):
            return vals
        return dict(vals, company_id=company_id)

    @api.multi
    def _routing_share_changes(self, commands, person):
        """(ids of the users that x2many ``commands`` on ``shared_user_ids`` add to at least one
        of these leads (none: a new lead), whether they remove any), for a person; creating,
        changing or deleting users through a lead is refused. One query."""
        if not commands or person.role == policy.SYSTEM:
            return [], False
        before = {lead_id: set() for lead_id in self.ids} or {None: set()}
        if self.ids:
            self.env.cr.execute("SELECT lead_id, user_id FROM crm_lead_shared_user_rel "
                                "WHERE lead_id = ANY(%s)", (self.ids,))
            for lead_id, user_id in self.env.cr.fetchall():
                before[lead_id].add(user_id)
        added, removed = set(), False
        for current in before.values():
            after = set(current)
            for command in commands:
                command = tuple(command) if isinstance(command, (list, tuple)) else (4, command)
                if command[0] in (0, 1, 2):
                    self.env['crm.lead.router']._routing_refuse(
                        policy.Refusal('share_existing_users', {}))
                elif command[0] == 3:
                    after.discard(command[1])
                elif command[0] == 4:
                    after.add(command[1])
                elif command[0] == 5:
                    after = set()
                elif command[0] == 6:
                    after = set(command[2] or ())
            added |= after - current
            removed = removed or bool(current - after)
        return sorted(added), removed

    # ------------------------------------------------------------------------------------------
    # Who may write (set-based), followers and posting
    # ------------------------------------------------------------------------------------------

    @api.multi
    def _routing_writable_by(self, user_ids):
        """{user_id: ids of these leads the user may write}, for any number of users in one
        query: each user's access rights and record rules, as the ORM applies them (archived
        leads included; the superuser writes them all)."""
        result = {user_id: set() for user_id in user_ids}
        selects, params = [], []
        for user_id in result:
            Lead = self.sudo(user_id).with_context(active_test=False)
            if self and Lead.check_access_rights('write', raise_exception=False):
                query = Lead._where_calc([('id', 'in', self.ids)], active_test=False)
                Lead._apply_ir_rules(query, 'write')
                from_clause, where_clause, where_params = query.get_sql()
                selects.append('SELECT %%s, "crm_lead".id FROM %s WHERE %s' % (
                    from_clause, where_clause or 'TRUE'))
                params += [user_id] + where_params
        if selects:
            self.env.cr.execute(' UNION ALL '.join(selects), params)
            for user_id, lead_id in self.env.cr.fetchall():
                result[user_id].add(lead_id)
        return result

    @api.multi
    def _routing_shared_readonly_ids(self):
        """Ids of these leads shared with the current user that they may not write: two
        queries for all the records (the shared rows, then the writable ones among them)."""
        lead_ids = [lead_id for lead_id in self.ids if isinstance(lead_id, int)]
        if not lead_ids:
            return set()
        self.env.cr.execute("SELECT lead_id FROM crm_lead_shared_user_rel "
                            "WHERE user_id = %s AND lead_id = ANY(%s)", (self.env.uid, lead_ids))
        shared = [row[0] for row in self.env.cr.fetchall()]
        if not shared:
            return set()
        uid = self.env.uid
        return set(shared) - self.browse(shared)._routing_writable_by([uid])[uid]

    @api.multi
    def _routing_check_poster(self):
        """A user these leads are shared with, who may not write them, posts nothing on them:
        whatever the message type or context, also when someone made them a follower."""
        self.env['crm.lead.router']._routing_refuse(
            policy.check_post(bool(self._routing_shared_readonly_ids())))

    @api.multi
    def _routing_check_followers(self, partner_ids, quiet=False):
        """``partner_ids`` that may follow these leads: partners whose internal users may not
        write every one of them are refused (left out when ``quiet``). Partners without an
        internal user (customers) follow as in core. Two queries."""
        if not partner_ids or not self:
            return partner_ids
        self.env.cr.execute("SELECT partner_id, id FROM res_users "
                            "WHERE partner_id = ANY(%s) AND active AND NOT share ORDER BY id",
                            (list(partner_ids),))
        users_of = {}
        for partner_id, user_id in self.env.cr.fetchall():
            users_of.setdefault(partner_id, []).append(user_id)
        if not users_of:
            return partner_ids
        writable = self._routing_writable_by(sorted({user_id for users in users_of.values()
                                                     for user_id in users}))
        lead_ids = set(self.ids)
        kept = []
        for partner_id in partner_ids:
            users = users_of.get(partner_id)
            refusal = users and policy.check_follower(
                users[0], any(writable[user_id] >= lead_ids for user_id in users))
            if refusal and not quiet:
                self.env['crm.lead.router']._routing_refuse(refusal)
            if not refusal:
                kept.append(partner_id)
        return kept

    @api.multi
    @api.returns('mail.message', lambda value: value.id)
    def message_post(self, *args, **kwargs):
        self._routing_check_poster()
        # A message's recipients subscribed by core (mail_post_autofollow) follow only if they
        # may write the lead.
        return super(CrmLeadRights, self.with_context(**{QUIET: True})).message_post(
            *args, **kwargs)

    @api.multi
    def message_auto_subscribe(self, updated_fields, values=None):
        return super(CrmLeadRights, self.with_context(**{QUIET: True})).message_auto_subscribe(
            updated_fields, values=values)

    @api.multi
    def message_subscribe(self, partner_ids=None, channel_ids=None, subtype_ids=None,
                          force=True):
        """Only someone who may write a lead adds followers to it, themselves included, and
        only people who may write it follow it: a user the lead is shared with reads it and
        nothing more (followers may post). Core's own subscriptions leave such people out,
        also when the system makes them (an email of a reader through the mail gateway)."""
        quiet = self.env.context.get(QUIET)
        if partner_ids or channel_ids:
            if self.env['crm.lead.router']._routing_person().role != policy.SYSTEM:
                self.check_access_rights('write')
                self.check_access_rule('write')
                partner_ids = self._routing_check_followers(partner_ids, quiet=quiet)
            elif quiet:
                partner_ids = self._routing_check_followers(partner_ids, quiet=True)
        return super(CrmLeadRights, self).message_subscribe(
            partner_ids=partner_ids, channel_ids=channel_ids, subtype_ids=subtype_ids,
            force=force)

    @api.model
    def _routing_document_rule(self, table):
        """The one condition that shows rows of ``table`` (followers, activities: rows with
        ``res_model`` and ``res_id``) attached to a lead only to who may read that lead: a
        correlated condition on the lead's own record rules, whatever the number of rows.
        (condition, params), or None when the lead rules restrict nothing (the superuser)."""
        Lead = self.with_context(active_test=False)
        if not Lead.check_access_rights('read', raise_exception=False):
            return '%s."res_model" != %%s' % table, ['crm.lead']
        lead_query = Lead._where_calc([], active_test=False)
        Lead._apply_ir_rules(lead_query, 'read')
        if not lead_query.where_clause:
            return None
        from_clause, where_clause, params = lead_query.get_sql()
        condition = '(%s."res_model" != %%s OR EXISTS (SELECT 1 FROM %s WHERE ' \
                    '"crm_lead"."id" = %s."res_id" AND %s))' % (
                        table, from_clause, table, where_clause)
        return condition, ['crm.lead'] + list(params)
