# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Stage 4, decide, and the explanations of the decisions.

The decisions are made by plain Python (``routing.engine``, ``routing.owner``,
``routing.fallback``); this file hands them their data and turns each decision into a reason
(a ``routing.reasons`` node the log renders in each reader's language) and the member totals a
preview or a button shows.
"""
from collections import Counter


from odoo import models

from ..routing import engine, fallback
from ..routing import tz as tzs
from ..routing.reasons import filter_node, join, text as reason_text
from .crm_lead_router import REASON_MAX_MEMBERS


class CrmLeadRouterDecide(models.AbstractModel):
    _inherit = 'crm.lead.router'

    def _decide(self, data):
        """The decisions, in plain Python: ``routing.owner`` first when a team of the run routes
        to existing owners, ``routing.engine`` (phases 1 and 2), then ``routing.fallback``."""
        if data.get('owners'):
            decisions = self._decide_owners(data)
        else:
            decisions = engine.route(data['leads'], data['phase1_ids'], data['team_states'],
                                     data['member_states'], data['now'],
                                     decisions=engine.Decisions())
        return self._decide_fallback(data, decisions)

    def _decide_fallback(self, data, decisions):
        """Leads no member could take, waiting long enough in a team with a fallback: to the
        overflow team and its members, then to the fallback salesperson
        (``routing.fallback``). Their waiting decisions are replaced by the fallback's."""
        settings = data.get('fallback')
        data['fallback_origin'] = {}
        data['fallback_skipped'] = {}
        if not settings:
            return decisions
        waiting = {d.lead_id: d.team_id for d in decisions
                   if d.kind == 'unassigned' and d.why == 'no_member' and d.team_id in settings}
        if not waiting:
            return decisions
        leads = [(row[0], waiting[row[0]], row[2], row[3]) for row in data['leads']
                 if row[0] in waiting]
        members = {}
        for state in data['member_states'] + data['overflow_states']:
            members.setdefault(state.team_id, []).append(state)
        replaced, origin = fallback.route(leads, settings, members, data['overflow_fits'],
                                          data['waited'], data['now'], data['company_of'],
                                          data['fallback_skipped'])
        data['fallback_origin'] = origin
        if not replaced:
            return decisions
        result = engine.Decisions()
        for decision in decisions:
            if decision.kind == 'unassigned' and decision.lead_id in replaced:
                result.extend(replaced[decision.lead_id])
            else:
                result.append(decision)
        return result

    def _release_decided(self, data):
        """Let go of what only the decision needed (the candidates, their scores, the leads
        each team may take), before the writes: a run over 1,000,000 leads holds several
        hundred MB of it. The members' own filters stay: reasons name whose filter refused a
        waiting lead."""
        for key in ('leads', 'phase1_ids', 'waited'):
            data[key] = None
        for state in data['team_states']:
            state.entry = state.fits = None

    def _reason_formatter(self, teams, data):
        """A function giving the reason of a decision: a node of ``routing.reasons``, which the
        log writes out in each reader's language. Teams are read once per run, not per lead."""
        filters, member_states = data['filters'], data['member_states']
        overflow_states = data.get('overflow_states', [])
        origin = data.get('fallback_origin', {})
        capacity = {state.id: state.capacity for state in data['team_states']}
        all_teams = teams | data.get('overflow_teams', teams.browse())
        team_values = {team.id: {
            'team': team.name,
            'filter': filter_node(filters.get(team.id, (None, team.assignment_domain))[1]),
            'low': '%g' % team.assignment_score_min,
            'high': ('%g' % team.assignment_score_max) if team.assignment_score_max else '∞',
            'capacity': capacity.get(team.id, 0),
        } for team in all_teams}
        states = member_states + overflow_states
        users = {user.id: user.name for user in
                 self.env['res.users'].browse({m.user_id for m in states})}
        member_values = {state.id: {
            'user': users[state.user_id],
            'filter': filter_node(filters[('member', state.id)][1]),
            'capacity': reason_text('capacity_unlimited', capacity=state.capacity)
            if state.unlimited else state.capacity,
            'preferred': filter_node(filters.get(('preferred', state.id), (None, '[]'))[1]),
        } for state in states}
        waiting_text = self._waiting_members_text(data)
        fallback_skipped = self._fallback_skipped_texts(data)

        def reason(decision):
            values = dict(team_values.get(decision.team_id, {}),
                          score='%g' % (decision.score or 0.0), load=decision.load)
            key = decision.kind if decision.kind != 'unassigned' else decision.why
            if decision.rule in ('fallback_team', 'fallback_user'):
                key = decision.rule
                origin_team, waited = origin.get(decision.lead_id, (None, 0.0))
                values.update(origin=team_values.get(origin_team, {}).get('team', ''),
                              waited='%.1f' % waited)
                if decision.rule == 'fallback_user':
                    values['user'] = self.env['res.users'].browse(decision.user_id).name
            elif decision.kind == 'member':
                values.update(member_values[decision.member_id])
                if decision.why == engine.PREFERRED:
                    key = 'member_preferred'
            elif key == 'no_member':
                values['members'] = waiting_text(decision)
                if not values['members']:
                    key = 'no_member_empty'
            node = reason_text(key, **values)
            if decision.kind == 'unassigned' and decision.lead_id in fallback_skipped:
                node = join(' ', [node, fallback_skipped[decision.lead_id]])
            return node
        return self._owner_reason_formatter(reason, teams, data)

    def _fallback_skipped_texts(self, data):
        """{lead_id: node} saying why a waiting lead was not given to the fallback salesperson
        (they do not work for its company). Names read once for all of them."""
        skipped = data.get('fallback_skipped') or {}
        if not skipped:
            return {}
        Users = self.env['res.users'].with_context(active_test=False, prefetch_fields=False)
        users = {user.id: user.name for user in Users.browse(
            {user_id for _team, user_id, _company in skipped.values()})}
        teams = {team.id: team.name for team in self.env['crm.team'].with_context(
            active_test=False, prefetch_fields=False).browse(
            {team_id for team_id, _user, _company in skipped.values()})}
        companies = {company.id: company.name for company in self.env['res.company'].browse(
            {company_id for _team, _user, company_id in skipped.values() if company_id})}
        return {lead_id: reason_text('fallback_user_company', user=users[user_id],
                                     team=teams.get(team_id, ''),
                                     company=companies.get(company_id, ''))
                for lead_id, (team_id, user_id, company_id) in skipped.items()}

    def _waiting_members_text(self, data):
        """A function naming, for a lead no member of its team could take, the members and why
        each could not ("Bình: on leave until 03/12; Cường: outside working hours; Dũng:
        15/15"), at most ``REASON_MAX_MEMBERS`` of them. What does not depend on the lead is
        put together once per team; a text is made once per team and set of members whose
        filter refuses the lead."""
        rank = {'absent': 0, 'off_hours': 1, 'full': 2, 'filter': 3, 'paused': 4,
                'archived': 5, 'company': 6}

        skipped = data.get('skipped', {})
        present = {}
        for state in data['member_states'] + data.get('overflow_states', []):
            present.setdefault(state.team_id, []).append(state)
        # Names and time zones of everyone named, read at once (not member by member).
        users = self.env['res.users'].browse(
            {state.user_id for states in present.values() for state in states}
            | {member.user_id.id for entries in skipped.values() for _c, member, _d in entries})
        names = {user.id: user.name for user in users}
        user_tz = {user.id: user.tz for user in users}
        teams = self.env['crm.team'].browse(list(skipped))
        company_tz = {team.id: team.company_id.partner_id.tz for team in teams}

        def back_on(member, until):
            return tzs.short(until, tzs.zone(user_tz[member.user_id.id],
                                             company_tz.get(member.team_id.id)))

        static = {}
        for team_id, entries in skipped.items():
            static[team_id] = []
            for cause, member, detail in entries:
                values = {'user': names[member.user_id.id]}
                if cause == 'absent':
                    values['date'] = back_on(member, detail)
                elif cause == 'full':
                    values['count'], values['quota'] = detail
                static[team_id].append((rank[cause], member.id,
                                        reason_text('member_' + cause, **values)))
        overflow_fits = data.get('overflow_fits', {})
        origin = data.get('fallback_origin', {})
        memo = {}

        def text(decision):
            team_id = decision.team_id
            moved = decision.lead_id in origin
            states = present.get(team_id, ())
            refused = frozenset(
                state.id for state in states
                if (overflow_fits.get(state.id) if moved else state.fits) is not None
                and decision.lead_id not in (overflow_fits.get(state.id) if moved
                                             else state.fits))
            key = (team_id, moved, refused)
            if key not in memo:
                entries = list(static.get(team_id, ()))
                for state in states:
                    values = {'user': names[state.user_id], 'count': state.count,
                              'quota': state.capacity}
                    if state.id in refused:
                        entries.append((rank['filter'], state.id,
                                        reason_text('member_filter', **values)))
                    elif state.full():
                        entries.append((rank['full'], state.id,
                                        reason_text('member_full', **values)))
                    elif state.open_full():
                        # "Bình: 40/40 open leads" (DESIGN.md revision 3)
                        entries.append((rank['full'], state.id, reason_text(
                            'member_open_full', user=values['user'],
                            count=state.open_load.count, quota=state.open_cap)))
                entries.sort()
                listed = [entry[2] for entry in entries[:REASON_MAX_MEMBERS]]
                if len(entries) > REASON_MAX_MEMBERS:
                    listed.append(reason_text('more', count=len(entries) - REASON_MAX_MEMBERS))
                memo[key] = join('; ', listed) if listed else ''
            return memo[key]
        return text

    def _member_totals(self, teams, decisions, data):
        """RoutingResult.members: each member of ``teams`` with what the run gave them, their
        30-day count after it against their quota, and why they took nothing (paused, on
        leave, off hours, full)."""
        team_ids = set(teams.ids)
        given = Counter((d.team_id, d.user_id) for d in decisions if d.kind == 'member')
        rows = []
        for state in data['member_states']:
            if state.team_id not in team_ids:
                continue
            got = given[(state.team_id, state.user_id)]
            why = None
            if not got and state.full():
                why = reason_text('status_full', count=state.count, quota=state.capacity)
            elif not got and state.open_full():
                why = reason_text('status_open', count=state.open_load.count,
                                  quota=state.open_cap)
            why = self._capacity_status(state, why)
            rows.append((state.team_id, state.user_id, got, state.count, state.capacity, why))
        for team_id, entries in data.get('skipped', {}).items():
            if team_id not in team_ids:
                continue
            for cause, member, detail in entries:
                values, count, quota = {}, None, None
                if cause == 'absent':
                    # In the member's time zone, as their waiting reasons say it.
                    user = member.user_id
                    values['date'] = tzs.short(detail, tzs.zone(
                        user.tz, member.team_id.company_id.partner_id.tz), with_time=True)
                elif cause == 'full':
                    count, quota = detail
                    values['count'], values['quota'] = detail
                rows.append((team_id, member.user_id.id, 0, count, quota,
                             reason_text('status_' + cause, **values)))
        return rows
