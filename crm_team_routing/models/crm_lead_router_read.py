# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Stage 3, read: candidates, scores, team and member states.

A fixed number of queries per run, whatever the number of leads and members: one search
per team and per distinct member filter, one load query, the members' availability at once.
"""
from odoo import _, fields, models

from ..routing import engine, fallback, policy
from ..routing.filters import parse_domain
from .crm_lead_router import MODES


class CrmLeadRouterRead(models.AbstractModel):
    _inherit = 'crm.lead.router'

    def _read(self, teams, leads, mode, result):
        """Candidates, their refreshed scores, team and member states: a fixed number of
        queries per run (one per team, member filter and scoring rule). None: no candidate."""
        write = MODES[mode].write
        Lead = self.env['crm.lead']
        now = self._now()
        base_domain = self._get_lead_to_assign_domain()
        companies = self.env.context.get('crm_team_routing_companies')
        if companies is not None:
            # A person's run: the leads of the companies they work for only.
            base_domain = base_domain + ['|', ('company_id', '=', False),
                                         ('company_id', 'in', companies)]
        if leads is not None:
            base_domain = base_domain + [('id', 'in', leads.ids)]
        candidates, company_of = self._read_candidates(base_domain)
        if not candidates:
            return None
        scores = self.env['crm.lead.scoring.rule']._routing_scores(base_domain, company_of)
        changed = {lead_id: scores[lead_id] for lead_id, stored
                   in zip(candidates.ids, candidates.scores) if stored != scores[lead_id]}
        if changed and write and self._filters_use_score(teams):
            # Filters read the stored score: store the refreshed ones before searching.
            Lead._routing_write_scores(changed)
            changed = {}
        candidates.rescore(scores)
        info = {}
        team_states, member_states, filters = self._read_states(
            teams, base_domain, scores, result, write, now=now, info=info, overflow=True)
        phase1_ids = self._read_phase1_ids(candidates)
        data = {
            'now': now,
            'leads': candidates,
            'changed': changed,
            'company_of': company_of,
            'team_of': self._teams_read(candidates),
            'phase1_ids': phase1_ids,
            'team_states': team_states,
            'member_states': member_states,
            'filters': filters,
            'skipped': info['skipped'],
            'overflow_teams': info['overflow_teams'],
            'overflow_states': info['overflow_states'],
            'overflow_fits': info['overflow_fits'],
            'fallback': info['fallback'],
            'waited': self._read_waited(candidates, phase1_ids, info['fallback'], now),
        }
        data['owners'] = self._read_owners(teams, data)
        return data

    def _read_candidates(self, base_domain):
        """The candidates as ``engine.Leads`` with their stored scores, oldest first (creation
        date, then id: the order the engine ranks equal scores in), and {lead_id:
        company_id}. Columns of numbers rather than a tuple per lead: a run over a million
        leads reads them in about 100 MB instead of 400."""
        rows = self.env['crm.lead']._routing_select(
            base_domain, ['id', 'team_id', 'score', 'company_id'],
            order='"crm_lead"."create_date" NULLS FIRST, "crm_lead"."id"')
        return engine.Leads(rows), {row[0]: row[3] for row in rows}

    @staticmethod
    def _teams_read(candidates):
        """{lead_id: team_id} of the candidates sitting in a team (the others: none): the
        writer writes a lead only if it is still where the run read it."""
        return {row[0]: row[1] for row in candidates if row[1]}

    def _read_states(self, teams, base_domain, scores, result, write, now=None, info=None,
                     overflow=False, team_candidates=None):
        """Team and member states: one search per team and per distinct member filter (and
        company), one load query, and the members' availability in a fixed number of queries
        whatever the number of members (``crm.team.member._routing_availability``: resources,
        leaves, attendances).

        Members absent now, and members outside their working hours in a team that routes
        during working hours only, are left out; the others are capped by their quota (their
        capacity pro-rated for recent leave days) and weighted. A team whose members are all
        left out so is marked unavailable: phase 1 ranks it last.

        ``info``, a dict when given, receives what reasons and fallback need: ``skipped``
        {team_id: [(cause, member, detail)]} the members left out and why; with ``overflow``,
        ``overflow_teams`` the overflow teams of ``teams`` (two levels at most, taking part:
        active, not opted out), ``overflow_states`` the states of their members when the team
        is not among ``teams``, ``overflow_fits`` {member_id: leads the member's own filter
        accepts, None: no filter} (in an overflow team the team's filter does not apply) and
        ``fallback`` {team_id: routing.fallback.FallbackTeam}.

        ``team_candidates``, when given, is {team_id: lead ids}: a team's filter is then
        searched among its own candidates only (the SLA keeps a lead in its team), a short
        list instead of all of the run's.
        """
        now = now or self._now()
        info = info if info is not None else {}
        Team = self.env['crm.team']
        overflow_teams = self._overflow_teams(teams) if overflow else Team
        all_teams = teams | overflow_teams
        members = self.env['crm.team.member'].search([('team_id', 'in', all_teams.ids)])
        # Every field of the members' users at once (active, share, companies).
        members.mapped('user_id').with_context(active_test=False).read(['active', 'share'])
        availability = members._routing_availability(fields.Datetime.from_string(now))
        capacity_context = self._capacity_context(members)  # capacity modes: one query
        loads = all_teams._routing_member_loads()
        waiting = teams._routing_waiting_counts()
        team_states, member_states, filters = [], [], {}
        skipped = info.setdefault('skipped', {})
        overflow_states = info.setdefault('overflow_states', [])
        overflow_fits = info.setdefault('overflow_fits', {})
        # Members with the same filter in teams of the same company share one search: the
        # leads among the candidates that it accepts (team AND member = the intersection).
        member_fits_of = {}
        # In a team without company, a member takes only leads of the companies their user
        # works for: one search per distinct set of companies.
        company_fits_of = {}
        # Intersections made once per team and distinct (filter, companies), not per member.
        intersections = {}
        team_members = {}
        for member in members:
            team_members.setdefault(member.team_id.id, []).append(member)
        for team in all_teams:
            routed = team in teams
            company = [('company_id', '=', team.company_id.id)] if team.company_id else []
            team_domain, fits = [], None
            if routed:
                try:
                    team_domain = parse_domain(team.assignment_domain)
                    self._check_filter_fields(team_domain, rights=False)
                    if team_candidates is None:
                        fits = self._search(base_domain + company + team_domain,
                                            team.filter_lang)
                    elif team_candidates.get(team.id):
                        fits = self._search([('id', 'in', sorted(team_candidates[team.id]))]
                                            + company + team_domain, team.filter_lang)
                    else:
                        fits = set()  # no candidate in this team: nothing to search
                except Exception as error:
                    self._report_error(team, _("Team %(team)s skipped: its filter is invalid "
                                               "(%(error)s).") % {
                        'team': team.display_name, 'error': self._filter_error_text(error)},
                        result, write)
                    continue
            capacity = 0
            team_load = waiting.get(team.id, 0) if routed else 0
            filters[team.id] = (team, team.assignment_domain or '[]')
            left_out = skipped.setdefault(team.id, [])
            present = 0
            for member in team_members.get(team.id, ()):
                user = member.user_id
                count, last = loads.get((team.id, user.id), (0, None))
                team_load += count
                state = availability[member.id]
                if not policy.may_receive(user.active, user.share, user.company_ids.ids,
                                          team.company_id.id):
                    left_out.append(('archived' if not user.active else 'company', member,
                                     None))
                    continue
                if member.assignment_optout:
                    left_out.append(('paused', member, None))
                    continue
                capacity += state.quota
                if state.quota <= 0:
                    left_out.append(('full', member, (count, state.quota)))
                    continue
                if state.absent_until:
                    left_out.append(('absent', member, state.absent_until))
                    continue
                if team.assignment_hours_only and state.off_hours:
                    left_out.append(('off_hours', member, None))
                    continue
                try:
                    member_domain = parse_domain(member.assignment_domain)
                    self._check_filter_fields(member_domain, rights=False)
                    # No filter of their own: the team's filter applies (no extra search).
                    # In an overflow team the member's own filter alone applies.
                    own, key = None, None
                    if member_domain:
                        key = (team.company_id.id, repr(member_domain), member.filter_lang)
                        if key not in member_fits_of:
                            member_fits_of[key] = self._search(
                                base_domain + company + member_domain, member.filter_lang)
                        own = member_fits_of[key]
                    allowed, companies = None, None
                    if not team.company_id:
                        companies = tuple(sorted(user.company_ids.ids))
                        if companies not in company_fits_of:
                            company_fits_of[companies] = self._search(
                                base_domain + ['|', ('company_id', '=', False),
                                               ('company_id', 'in', list(companies))])
                        allowed = company_fits_of[companies]
                    own_fits = own if allowed is None else (
                        allowed if own is None else self._intersect(
                            intersections, ('own', key, companies), own, allowed))
                    member_fits = None
                    if routed and own_fits is not None:
                        member_fits = self._intersect(
                            intersections, (team.id, key, companies), fits, own_fits)
                    if team in overflow_teams:
                        overflow_fits[member.id] = own_fits
                except Exception as error:
                    self._report_error(team, _(
                        "Member %(user)s of team %(team)s skipped: their filter is invalid "
                        "(%(error)s).") % {'user': user.display_name,
                                           'team': team.display_name,
                                           'error': self._filter_error_text(error)},
                        result, write)
                    continue
                filters[('member', member.id)] = (member, member.assignment_domain or '[]')
                present += 1
                member_state = engine.MemberState(
                    member.id, team.id, user.id, state.quota, count, last,
                    member_fits if routed else overflow_fits[member.id],
                    weight=member.assignment_weight, **self._capacity_member_args(
                        capacity_context, member, team, base_domain, company, result, write,
                        filters))
                (member_states if routed else overflow_states).append(member_state)
            if routed and capacity > 0:
                low, high = team.assignment_score_min, team.assignment_score_max
                entry = engine.IdSet(lead_id for lead_id in fits if scores[lead_id] >= low
                                     and (not high or scores[lead_id] < high))
                if len(entry) == len(fits):
                    entry = fits  # the band keeps every lead: one set for both
                team_states.append(engine.TeamState(
                    team.id, team.sequence, capacity, team_load, entry, fits,
                    available=bool(present)))
        info['overflow_teams'] = overflow_teams
        info['fallback'] = self._fallback_settings(all_teams, overflow_teams)
        return team_states, member_states, filters

    @staticmethod
    def _intersect(memo, key, first, second):
        """``first & second``, made once per ``key`` (members sharing a filter and companies
        share one set)."""
        if key not in memo:
            memo[key] = first & second
        return memo[key]

    def _overflow_teams(self, teams):
        """The overflow teams of ``teams`` that take part (active, not opted out), followed
        two levels down at most (a chain holds three teams)."""
        found = self.env['crm.team']
        level = teams
        for _level in range(fallback.MAX_CHAIN - 1):
            level = level.mapped('assignment_fallback_team_id').filtered(
                lambda team: team.active and not team.assignment_optout) - found
            if not level:
                break
            found |= level
        return found

    def _fallback_settings(self, teams, overflow_teams):
        """{team_id: FallbackTeam} of the teams with an overflow team or a fallback salesperson,
        and of the overflow teams (which must be there to be used)."""
        settings = {}
        for team in teams:
            target = team.assignment_fallback_team_id
            user = team.assignment_fallback_user_id
            target_id = target.id if target in overflow_teams else None
            user_id = user.id if user.active and not user.share else None
            if target_id or user_id or team in overflow_teams:
                # Checked lead by lead: a team without company routes several companies.
                settings[team.id] = fallback.FallbackTeam(
                    team.id, target_id, user_id, team.assignment_fallback_hours,
                    frozenset(user.company_ids.ids) if user_id else None)
        return settings

    def _read_waited(self, lead_rows, phase1_ids, settings, now):
        """{lead_id: hours waited in its team} of the candidates waiting in a team with a
        fallback: since its last ``team`` (or ``manual``) log row of that team, else since its
        creation. One query. Leads entering a team in this run wait from now (not listed)."""
        waiting_teams = {team_id for team_id, team in settings.items()
                         if team.fallback_team_id or team.fallback_user_id}
        if not waiting_teams:
            return {}
        lead_ids = [row[0] for row in lead_rows
                    if row[1] in waiting_teams and row[0] not in phase1_ids]
        if not lead_ids:
            return {}
        self.env.cr.execute("""
            SELECT lead.id, coalesce((SELECT max(log.date) FROM crm_lead_assignment_log log
                                       WHERE log.lead_id = lead.id AND log.team_id = lead.team_id
                                         AND log.kind IN ('team', 'manual')),
                                     lead.create_date)
              FROM crm_lead lead WHERE lead.id = ANY(%s)
        """, (lead_ids,))
        now_dt = fields.Datetime.from_string(now)
        return {lead_id: max((now_dt - fields.Datetime.from_string(since)).total_seconds(), 0.0)
                / 3600.0 for lead_id, since in self.env.cr.fetchall() if since}

    def _search(self, domain, lang=None):
        """Ids of the leads matching a routing filter, its names compared in ``lang`` (the
        filter's, ``_filter_select``), as an ``engine.IdSet`` (a few bytes an id: a run holds
        one per team and member filter). In a savepoint: a filter that fails in the database
        (a wrong value type, say) must not abort the whole run."""
        with self.env.cr.savepoint():
            # Rows come mostly in id order already: sorting them costs little.
            return engine.IdSet(sorted(self._filter_select(domain, lang)))

    def _read_phase1_ids(self, lead_rows):
        """Candidates waiting for a team: no team, or waiting in an intake team (one that hands
        its new leads to routing teams, ``assignment_intake``). An ``engine.IdSet``: often
        every candidate."""
        team_ids = {row[1] for row in lead_rows if row[1]}
        intake = set()
        if team_ids:
            self.env.cr.execute("SELECT id FROM crm_team WHERE id IN %s AND assignment_intake",
                                (tuple(team_ids),))
            intake = {row[0] for row in self.env.cr.fetchall()}
        return engine.IdSet(sorted(row[0] for row in lead_rows
                                   if not row[1] or row[1] in intake))

    def _filters_use_score(self, teams):
        """Whether a team or member filter of this run reads the lead score."""
        texts = teams.mapped('assignment_domain') \
            + teams.mapped('routing_member_ids.assignment_domain') \
            + teams.mapped('routing_member_ids.assignment_domain_preferred')
        return any('score' in (text or '') for text in texts)
