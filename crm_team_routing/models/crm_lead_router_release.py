# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""People who leave, leads that change: releases (DESIGN revision 3).

- Hand back: the open leads of a member (all, or those not touched in N days) lose their
  salesperson and stay in the team, with a ``release`` log row each (rule ``hand_back``); they
  are routed at once (mode ``hand_back``, once the release is committed) or by the next run,
  never back to the person they were taken from until someone is given them again, and the
  team leader receives one note listing them. The wizard ``crm.lead.hand.back`` asks for it;
  archiving a user or a membership does it by itself (``crm_team_routing.hand_back_on_archive``).
- Re-route: a lead routing gave (its last assignment row is a routing decision, not a person's
  ``manual`` choice) that its salesperson has not touched is released (rule ``reroute``; its
  team too when routing chose it) and routed again from phase 1 once the change is committed
  (mode ``server_action``), at most ``crm_team_routing.reroute_max_per_day`` times in 24 hours.

Releases are written by the router's writer (``_write_release``), guarded; each caller runs
its rights check first (``routing.policy.check_hand_back``, the server action's gate).
"""
from array import array
from datetime import timedelta

from odoo import _, api, fields, models

from ..routing import engine, policy
from ..routing.reasons import text as reason_text
from .crm_lead_router import DIGEST_MAX_LINES, ROUTING_WINDOW_DAYS

# Re-routes of one lead in 24 hours, when the system parameter is not set (the loop guard).
REROUTE_MAX_PER_DAY = 3
TRUE_VALUES = ('1', 'true', 'yes', 'on')
FALSE_VALUES = ('0', 'false', 'no', 'off', '')


class CrmLeadRouterRelease(models.AbstractModel):
    _inherit = 'crm.lead.router'

    # ------------------------------------------------------------------------------------------
    # Settings
    # ------------------------------------------------------------------------------------------

    @api.model
    def _param_bool(self, key, default):
        """A Boolean system parameter: ``1``/``0`` and ``True``/``False`` (any case); missing or
        unreadable: ``default``."""
        value = self.env['ir.config_parameter'].sudo().get_param(key)
        if value is None or value is False:
            return default
        value = ('%s' % value).strip().lower()
        if value in TRUE_VALUES:
            return True
        if value in FALSE_VALUES:
            return False
        return default

    @api.model
    def _reroute_max_per_day(self):
        value = self.env['ir.config_parameter'].sudo().get_param(
            'crm_team_routing.reroute_max_per_day', '%d' % REROUTE_MAX_PER_DAY)
        try:
            return max(int(value), 0)
        except (TypeError, ValueError):
            return REROUTE_MAX_PER_DAY

    # ------------------------------------------------------------------------------------------
    # Rights
    # ------------------------------------------------------------------------------------------

    @api.model
    def _hand_back_refusal(self, member, person=None):
        """The ``routing.policy.Refusal`` of the current user (or ``person``) handing back
        ``member``'s leads (None: allowed)."""
        member = member.sudo()
        return policy.check_hand_back(person or self._routing_person(), member.team_id.id,
                                      member.team_id.company_id.id)

    @api.model
    def _check_hand_back(self, members):
        """Raise unless the current user may hand back the leads of every one of ``members``:
        managers, for teams of their companies; leaders, for the members of teams they lead."""
        for member in members:
            self._routing_refuse(self._hand_back_refusal(member))

    # ------------------------------------------------------------------------------------------
    # Hand back
    # ------------------------------------------------------------------------------------------

    @api.model
    def _hand_back_since(self, idle_days):
        """The moment before which a lead counts as not touched, for ``idle_days`` (None: every
        open lead)."""
        if idle_days is None:
            return None
        now = fields.Datetime.from_string(fields.Datetime.now())
        return fields.Datetime.to_string(now - timedelta(days=max(idle_days, 0)))

    @staticmethod
    def _hand_back_pairs(members, pairs=()):
        """[(team, user)] of ``members`` (crm.team.member), then ``pairs``, each once."""
        members = members.sudo().with_context(active_test=False)
        result, seen = [], set()
        for team, user in [(member.team_id, member.user_id) for member in members] \
                + list(pairs):
            if (team.id, user.id) not in seen:
                seen.add((team.id, user.id))
                result.append((team, user))
        return result

    @api.model
    def _hand_back_rows(self, members, idle_days=None, pairs=()):
        """The open leads (active, not won) of each member's salesperson in the member's team
        (and of each user in each team of ``pairs``), all or only those not touched in the
        last ``idle_days`` days (the later of the last follow-up and the assignment, else the
        creation, older than that): [(lead_id, user_id, team_id)] by id. One query for all of
        them. The preview and the release use this same selection; the release checks it
        again (``_write_release``)."""
        pairs = [(team.id, user.id) for team, user in self._hand_back_pairs(members, pairs)]
        if not pairs:
            return []
        self.env.cr.execute("""
            SELECT lead.id, lead.user_id, lead.team_id
              FROM crm_lead lead
              JOIN unnest(%(teams)s::int[], %(users)s::int[]) AS m(team_id, user_id)
                ON lead.team_id = m.team_id AND lead.user_id = m.user_id
             WHERE lead.active AND coalesce(lead.probability, 0) < 100
               AND (%(before)s::timestamp IS NULL
                    OR coalesce(greatest(lead.last_followup_date, lead.assignment_date),
                                lead.create_date) < %(before)s::timestamp)
             ORDER BY lead.id
        """, {'teams': [pair[0] for pair in pairs], 'users': [pair[1] for pair in pairs],
              'before': self._hand_back_since(idle_days)})
        return self.env.cr.fetchall()

    @api.model
    def _hand_back(self, members, idle_days=None, route_now=False, actor=None, left=False,
                   pairs=(), own_transactions=False):
        """Hand back the open leads of ``members`` (and of ``pairs``: (team, user), see
        ``_hand_back_rows``), as the system:
        the caller checked the rights (``_check_hand_back``) or is the archive of a user or a
        membership. One statement per batch, a ``release`` row per lead, one note to each team
        leader listing the leads; with ``route_now`` they are routed once this transaction is
        committed (mode ``hand_back``), else by the next run.

        :param actor: the person handing back (res.users; they get no note of their own act)
        :param left: the salesperson left (an archive): the reasons say so
        :param own_transactions: the caller's transaction does nothing else (the wizard): the
            release may be committed on the writer connections (``_write_release``)
        :return: {lead_id: (team_id, company_id)} of the leads handed back
        """
        self = self.sudo()
        pairs = self._hand_back_pairs(members, pairs)
        rows = self._hand_back_rows(members.browse(), idle_days, pairs)
        if not rows:
            return {}
        teams = {team.id: team for team, _user in pairs}
        by = actor.name if actor else self.env.user.name
        nodes = {}
        for team, person in pairs:
            key = (team.id, person.id)
            user = person.name
            if left:
                nodes[key] = reason_text('release_left', user=user, team=team.name)
            elif idle_days is not None:
                nodes[key] = reason_text('release_untouched', user=user, by=by,
                                         days=max(idle_days, 0))
            else:
                nodes[key] = reason_text('release_hand_back', user=user, by=by)
        now = fields.Datetime.now()
        released = self._write_release(
            [(lead_id, user_id, team_id, False, nodes[(team_id, user_id)])
             for lead_id, user_id, team_id in rows], now, 'hand_back',
            idle_before=self._hand_back_since(idle_days), own_transactions=own_transactions)
        if not released:
            return released
        user_of = {row[0]: row[1] for row in rows}
        self._hand_back_notes(released, user_of, teams, actor, left)
        if route_now:
            team_ids = sorted({team_id for team_id, _company in released.values() if team_id})
            self = self._started_by(actor.id if actor else self.env.uid)
            self._route(self.env['crm.team'].browse(team_ids),
                        self.env['crm.lead'].browse(sorted(released)), mode='hand_back')
        return released

    @api.model
    def _hand_back_archived(self, users=None, members=None):
        """Archiving users or memberships hands back their open leads in routing teams, when
        ``crm_team_routing.hand_back_on_archive`` is true (the default): the leads of each
        user in the routing teams and in the teams they are a routing member of (active, not
        opted out), the leads of each membership in its team. As the system: the archive
        itself passed its rights."""
        if not self._param_bool('crm_team_routing.hand_back_on_archive', True):
            return {}
        Member = self.env['crm.team.member'].sudo().with_context(active_test=False)
        members = Member.browse(members.ids if members else [])
        pairs = []
        if users:
            members |= Member.search([('user_id', 'in', users.ids)])
            Team = self.env['crm.team'].sudo()
            routing_teams = Team.search(Team._get_routing_team_domain())
            pairs = [(team, user) for user in users.sudo() for team in routing_teams]
        members = members.filtered(lambda member: member.team_id.active
                                   and not member.team_id.assignment_optout)
        if not members and not pairs:
            return {}
        return self._hand_back(members, left=True, pairs=pairs)

    @api.model
    def _hand_back_note_title(self, user, count, left):
        """The first line of a leader's hand-back note, in the language of the context (the
        leader's)."""
        if left:
            return _("%(user)s left: %(count)s open leads handed back to your team; routing "
                     "gives them to other members:") % {'user': user.name, 'count': count}
        return _("%(count)s open leads of %(user)s handed back to your team; routing gives "
                 "them to other members:") % {'user': user.name, 'count': count}

    @api.model
    def _hand_back_notes(self, released, user_of, teams, actor, left):
        """One note to each team leader listing the leads handed back from each salesperson
        (through ``crm.lead.assignment.log._routing_post_notes``); none to the person who did
        it, nor to an archived leader."""
        # Each team's leader once, not once per lead (10,000 leads: 20,000 field reads).
        leader_of = {}
        for team_id, team in teams.items():
            leader = team.user_id
            if leader and leader.active and not (actor and leader.id == actor.id):
                leader_of[team_id] = (team, leader.id)
        groups = {}
        for lead_id in sorted(released):
            found = leader_of.get(released[lead_id][0])
            if found:
                groups.setdefault((found[1], user_of[lead_id]), (found[0], []))[1].append(
                    lead_id)
        if not groups:
            return
        self.env.cr.execute("SELECT id, name FROM crm_lead WHERE id = ANY(%s)", (
            [lead_id for _team, lead_ids in groups.values()
             for lead_id in lead_ids[:DIGEST_MAX_LINES]],))
        names = dict(self.env.cr.fetchall())
        Users = self.env['res.users'].with_context(active_test=False, prefetch_fields=False)
        notes = []
        for (leader_id, user_id), (team, lead_ids) in sorted(groups.items()):
            leader, user = Users.browse(leader_id), Users.browse(user_id)
            notes.append((team, leader, self.with_context(lang=leader.lang)._hand_back_note_title(
                user, len(lead_ids), left),
                [(lead_id, names[lead_id]) for lead_id in lead_ids[:DIGEST_MAX_LINES]],
                len(lead_ids)))
        self.env['crm.lead.assignment.log']._routing_post_notes(notes)

    # ------------------------------------------------------------------------------------------
    # A run: leads handed back do not go back to who they were taken from
    # ------------------------------------------------------------------------------------------

    def _read(self, teams, leads, mode, result):
        data = super(CrmLeadRouterRelease, self)._read(teams, leads, mode, result)
        if data is not None:
            self._read_handed_back(data)
        return data

    def _read_handed_back(self, data):
        """Keep each lead handed back, and not given to anyone since, away from the person it
        was taken from: out of their members' filters (phase 2, overflow teams) and out of the
        existing owner step. One query on the release rows of the 30-day window (a partial
        index), nothing per lead of the run: the rows of leads that are not candidates of
        this run filter nothing.

        A release row counts while no assignment row of its lead follows it: each row is
        probed on the assignments' (lead, id) index, and the leads' table is not read. Right
        after a hand-back of 10,000 leads, before autovacuum had counted the new rows, the
        planner believed there were none and almost no lead without salesperson: a join of
        the release rows with the leads and their last assignment took 21 s (EXPLAIN
        ANALYZE; 10 s with the leads alone, scanned on their salesperson's index for each
        row); this query takes 21 ms there, and as much with fresh statistics."""
        since = fields.Datetime.from_string(data['now']) - timedelta(days=ROUTING_WINDOW_DAYS)
        self.env.cr.execute("""
            SELECT released.lead_id, released.previous_user_id
              FROM crm_lead_assignment_log released
             WHERE released.kind = 'release' AND released.rule = 'hand_back'
               AND released.previous_user_id IS NOT NULL AND released.date >= %s
               AND NOT EXISTS (SELECT 1 FROM crm_lead_assignment_log given
                                WHERE given.lead_id = released.lead_id
                                  AND given.kind IN ('member', 'sla', 'manual')
                                  AND given.id > released.id)
        """, (fields.Datetime.to_string(since),))
        kept_from = {}
        for lead_id, user_id in self.env.cr.fetchall():
            kept_from.setdefault(user_id, set()).add(lead_id)
        if not kept_from:
            return
        team_fits = {state.id: state.fits for state in data['team_states']}
        for state in data['member_states']:
            away = kept_from.get(state.user_id)
            fits = state.fits if state.fits is not None else team_fits.get(state.team_id)
            if away and fits is not None:
                state.fits = self._without(fits, away)
        overflow_fits = data.get('overflow_fits') or {}
        everyone = None
        for state in data.get('overflow_states') or ():
            away = kept_from.get(state.user_id)
            if not away:
                continue
            fits = overflow_fits.get(state.id)
            if fits is None:
                if everyone is None:
                    everyone = engine.IdSet(sorted(data['leads'].ids))
                fits = everyone
            state.fits = overflow_fits[state.id] = self._without(fits, away)
        owners = data.get('owners')
        if owners:
            matches = owners['matches']
            # Plain tuples of owner.Match's fields: [5] is the user_id.
            for lead_id in list(matches):
                kept = [match for match in matches[lead_id]
                        if lead_id not in kept_from.get(match[5], ())]
                if kept:
                    matches[lead_id] = kept
                else:
                    del matches[lead_id]

    @staticmethod
    def _without(fits, away):
        """``fits`` (an IdSet) without the ids of ``away``."""
        return engine.IdSet(array('i', (lead_id for lead_id in fits if lead_id not in away)))

    # ------------------------------------------------------------------------------------------
    # Re-route on change (server action "Re-route leads")
    # ------------------------------------------------------------------------------------------

    @api.model
    def _reroute(self, leads):
        """Re-route ``leads`` that changed after routing (see the module docstring): release
        those routing gave that nobody touched since (their team too when routing chose it),
        then route them, and the given leads waiting without salesperson, through the routing
        teams of their companies once the transaction is committed. A lead re-routed
        ``crm_team_routing.reroute_max_per_day`` times in 24 hours stays as it is, with one
        ``unassigned`` row saying why. The caller must be allowed to write the leads (the
        server action's gate)."""
        Team = self.env['crm.team']
        companies = leads.sudo().mapped('company_id')
        # Which teams route is configuration the caller may not read; the gate runs next.
        teams = Team.sudo().search(Team._get_routing_team_domain() + [
            '|', ('company_id', '=', False), ('company_id', 'in', companies.ids)])
        teams, leads, _companies = self._gate(teams.sudo(self.env.uid), leads, 'server_action')
        # The gate has run: the rest as the system, the run recorded as the caller's.
        self = self._started_by(self.env.uid).sudo()
        now = fields.Datetime.now()
        since = fields.Datetime.to_string(
            fields.Datetime.from_string(now) - timedelta(hours=24))
        self.env.cr.execute("""
            SELECT lead.id, lead.user_id, lead.team_id, lead.company_id,
                   (SELECT log.kind FROM crm_lead_assignment_log log
                     WHERE log.lead_id = lead.id AND log.kind IN ('member', 'sla', 'manual')
                     ORDER BY log.id DESC LIMIT 1),
                   EXISTS (SELECT 1 FROM crm_lead_assignment_log log
                            WHERE log.lead_id = lead.id AND log.team_id = lead.team_id
                              AND (log.kind = 'team'
                                   OR (log.kind = 'member' AND log.rule = 'owner'))
                              AND log.id > coalesce((SELECT max(manual.id)
                                                       FROM crm_lead_assignment_log manual
                                                      WHERE manual.lead_id = lead.id
                                                        AND manual.kind = 'manual'), 0)),
                   (SELECT count(*) FROM crm_lead_assignment_log log
                     WHERE log.lead_id = lead.id AND log.kind = 'release'
                       AND log.rule = 'reroute' AND log.date > %(since)s),
                   (SELECT log.kind FROM crm_lead_assignment_log log
                     WHERE log.lead_id = lead.id ORDER BY log.id DESC LIMIT 1),
                   (lead.last_followup_date IS NULL
                    OR lead.last_followup_date < lead.assignment_date)
              FROM crm_lead lead
             WHERE lead.id = ANY(%(ids)s) AND lead.active AND coalesce(lead.probability, 0) < 100
             ORDER BY lead.id
        """, {'ids': leads.ids, 'since': since})
        rows = self.env.cr.fetchall()
        maximum = self._reroute_max_per_day()
        user_names = {user.id: user.name for user in self.env['res.users'].with_context(
            active_test=False, prefetch_fields=False).browse({row[1] for row in rows if row[1]})}
        team_names = {team.id: team.name for team in self.env['crm.team'].with_context(
            active_test=False, prefetch_fields=False).browse({row[2] for row in rows if row[2]})}
        releases, guarded, waiting = [], [], []
        for lead_id, user_id, team_id, assigned_by, routed_team, count, last_kind, untouched \
                in ((row[0], row[1], row[2], row[4], row[5], row[6], row[7], row[8])
                    for row in rows):
            if user_id:
                eligible = assigned_by in ('member', 'sla') and untouched
                node = reason_text('release_reroute', user=user_names[user_id])
            else:
                eligible = bool(team_id and routed_team)
                node = reason_text('release_reroute_team', team=team_names.get(team_id, ''))
            if eligible and count >= maximum:
                if last_kind != 'unassigned':  # said once, until the situation changes
                    guarded.append(lead_id)
                continue
            if eligible:
                releases.append((lead_id, user_id, team_id, routed_team, node))
            elif not user_id:
                waiting.append(lead_id)
        if guarded:
            company_of = {row[0]: row[3] for row in rows}
            holder = {row[0]: user_names.get(row[1]) or team_names.get(row[2], '')
                      for row in rows}
            team_of = {row[0]: row[2] for row in rows}
            self.env['crm.lead.assignment.log']._routing_insert([
                (lead_id, team_of[lead_id], None, 'unassigned',
                 reason_text('reroute_limit', count=maximum, holder=holder[lead_id]),
                 company_of[lead_id]) for lead_id in guarded], now)
        released = self._write_release(releases, now, 'reroute', untouched=True) \
            if releases else {}
        to_route = sorted(set(released) | set(waiting))
        if to_route and teams:
            self._route(teams, self.env['crm.lead'].browse(to_route), mode='server_action')
        return released
