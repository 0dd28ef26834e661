# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""SLA take-back (mode ``sla``): read, decide (``routing.sla``), write.

Leads given to a salesperson and not followed up within the team's delay (in working
hours when the team counts only those) are taken back and given to a colleague.
"""

from odoo import fields, models

from ..routing import sla, tz as tzs
from ..routing.calendar import WorkClock
from ..routing.reasons import text as reason_text


class CrmLeadRouterSla(models.AbstractModel):
    _inherit = 'crm.lead.router'

    def _run_sla(self, teams, result):
        data = self._read_sla(teams, result)
        if data is None:
            return
        decisions = sla.decide(data['leads'], data['members'], data['fits'], data['held_by'],
                               {team.id: team.assignment_sla_max for team in teams}, data['now'])
        for decision in decisions:
            if decision.user_id:
                result.user_counts[decision.user_id] += 1
            else:
                result.unassigned += 1
        result.total_decisions += len(decisions)
        written = self._write_sla(teams, decisions, data)
        self._notify_sla(teams, decisions, written, data)
        if self._routing_transactions():
            # One unit: the take-backs, their followers and log rows, and the notes to the
            # previous salespeople and leaders (a run killed later loses none of them; the
            # next run's digest lists the leads). Committed before the digests mark the rows
            # notified: updating rows its own transaction inserted, PostgreSQL would check each
            # of their foreign keys again (0.4 s for 10,000 take-backs).
            self.env.cr.commit()  # pylint: disable=invalid-commit
        self._notify(commit=True)

    def _read_sla(self, teams, result):
        """Overdue leads in one indexed query, who held them, the members' states and, for
        teams counting working hours, each salesperson's clock. None: nothing overdue."""
        now = self._now()
        teams = teams.filtered('assignment_sla_hours')
        if not teams:
            return None
        cr = self.env.cr
        # Given by routing or a take-back (the last assignment row: sharing and the other
        # rows that are not assignments do not stop the clock), older than the delay, not
        # followed up since; with everyone who held them (salespeople of the lead's log rows
        # and those it was taken from), read from the same log rows. The shortest delay of
        # the teams bounds the assignment date by a constant: PostgreSQL reads the old
        # assignments of each team by index instead of every open lead of the teams.
        cr.execute("""
            SELECT lead.id, lead.team_id, lead.user_id, lead.assignment_date,
                   coalesce(lead.sla_reassign_count, 0), lead.company_id, last.kind, last.user_id,
                   last.holders
              FROM crm_lead lead
              JOIN crm_team team ON team.id = lead.team_id
              JOIN LATERAL (SELECT (array_agg(log.kind ORDER BY log.id DESC))[1] AS kind,
                                   (array_agg(log.user_id ORDER BY log.id DESC))[1] AS user_id,
                                   array_agg(log.user_id) || array_agg(log.previous_user_id)
                                       AS holders
                              FROM crm_lead_assignment_log log
                             WHERE log.lead_id = lead.id
                               AND log.kind IN ('member', 'sla', 'manual')) last
                ON last.kind IN ('member', 'sla')
             WHERE lead.team_id = ANY(%(teams)s) AND lead.user_id IS NOT NULL
               AND lead.active AND lead.probability < 100
               AND lead.assignment_date < %(now)s::timestamp - %(shortest)s * interval '1 hour'
               AND lead.assignment_date < %(now)s::timestamp
                                          - team.assignment_sla_hours * interval '1 hour'
               AND (lead.last_followup_date IS NULL
                    OR lead.last_followup_date < lead.assignment_date)
        """, {'teams': teams.ids, 'now': now,
              'shortest': min(teams.mapped('assignment_sla_hours'))})
        rows = cr.fetchall()
        held_by = {row[0]: set(row[8]) - {None} for row in rows}
        rows = [row[:8] for row in rows]
        by_team = {team.id: team for team in teams}
        rows = self._sla_working_hours(rows, by_team, now)
        if not rows:
            return None
        lead_ids = [row[0] for row in rows]
        base_domain = [('id', 'in', lead_ids)]
        scores = dict.fromkeys(lead_ids, 0.0)
        # A lead stays in its team: each team's filter is searched among its own leads.
        team_candidates = {}
        for row in rows:
            team_candidates.setdefault(row[1], []).append(row[0])
        team_states, member_states, filters = self._read_states(
            teams, base_domain, scores, result, True, now=now, team_candidates=team_candidates)
        members = {}
        for state in member_states:
            members.setdefault(state.team_id, []).append(state)
        return {
            'now': now,
            'leads': [sla.SlaLead(row[0], row[1], row[2], row[3], row[4]) for row in rows],
            'rows': {row[0]: row for row in rows},
            'held_by': held_by,
            'members': members,
            'fits': {state.id: state.fits for state in team_states},
            'filters': filters,
        }

    def _sla_working_hours(self, rows, teams, now):
        """Keep the rows overdue in working hours for teams that count only those: the
        salesperson's calendar (their company's working hours) without their leaves, in their
        time zone. A fixed number of queries, whatever the number of leads."""
        counted = {team_id for team_id, team in teams.items()
                   if team.assignment_sla_working_hours}
        if not counted or not any(row[1] in counted for row in rows):
            return rows
        user_ids = {row[2] for row in rows if row[1] in counted}
        start = min(row[3] for row in rows if row[1] in counted)
        clocks = self._work_clocks(user_ids, teams, start, now)
        now_dt = fields.Datetime.from_string(now)
        kept = []
        for row in rows:
            if row[1] in counted:
                clock = clocks.get((row[1], row[2]))
                worked = clock.seconds(fields.Datetime.from_string(row[3]), now_dt) \
                    if clock else 0.0
                if worked < teams[row[1]].assignment_sla_hours * 3600:
                    continue
            kept.append(row)
        return kept

    def _work_clocks(self, user_ids, teams, start, end):
        """{(team_id, user_id): WorkClock} over [start, end]: the attendances of the
        salesperson's working hours in the team (their membership's resource calendar; the
        team's company calendar when they are no member any more), minus their leaves and the
        calendar's public holidays. A fixed number of queries."""
        users = self.env['res.users'].browse(list(user_ids))
        start_dt, end_dt = fields.Datetime.from_string(start), fields.Datetime.from_string(end)
        members = self.env['crm.team.member'].with_context(active_test=False).search([
            ('team_id', 'in', list(teams)), ('user_id', 'in', users.ids)])
        member_of = {(member.team_id.id, member.user_id.id): member for member in members}
        resources = members.mapped('resource_id')
        calendars = members.mapped('resource_calendar_id') \
            | self.env['crm.team'].browse(list(teams)).mapped('company_id.resource_calendar_id')
        leaves = self.env['resource.calendar.leaves'].search([
            ('date_from', '<', end), ('date_to', '>', start),
            '|', ('resource_id', 'in', resources.ids),
            '&', ('resource_id', '=', False), ('calendar_id', 'in', calendars.ids)])
        attendances = {calendar.id: [(int(a.dayofweek), a.hour_from, a.hour_to)
                                     for a in calendar.attendance_ids]
                       for calendar in calendars}
        clocks = {}
        for team_id, team in teams.items():
            for user in users:
                member = member_of.get((team_id, user.id))
                calendar = member.resource_calendar_id if member and member.resource_id \
                    else team.company_id.resource_calendar_id
                if not calendar:
                    continue
                resource = member.resource_id if member else resources.browse()
                holes = [(fields.Datetime.from_string(leave.date_from),
                          fields.Datetime.from_string(leave.date_to)) for leave in leaves
                         if (resource and leave.resource_id == resource)
                         or (not leave.resource_id and leave.calendar_id == calendar)]
                tz = tzs.name(user.tz, team.company_id.partner_id.tz)
                clocks[(team_id, user.id)] = WorkClock(attendances[calendar.id], tz, holes,
                                                       start_dt, end_dt)
        return clocks

    def _write_sla(self, teams, decisions, data):
        """Take-backs, guarded: a lead touched, reassigned, won or lost since it was read is
        left alone. Stays are logged once per lead. Returns the ids taken back."""
        now, rows = data['now'], data['rows']
        Lead = self.env['crm.lead']
        moves = [d for d in decisions if d.user_id]
        written = self._write_takeback(
            [(d.lead_id, d.user_id, d.previous_user_id, rows[d.lead_id][3]) for d in moves],
            now)
        if written:
            subscriptions = self.env['mail.followers']._routing_subscriptions(
                set(), {d.user_id for d in moves})
            self.env['mail.followers']._routing_subscribe(
                [(d.lead_id, None, d.user_id) for d in moves if d.lead_id in written],
                subscriptions)
            Lead.browse(list(written))._routing_unfollow_previous(
                {d.lead_id: d.previous_user_id for d in moves})
            self._ladder_activities(written, now)  # the follow-up ladder
        reason = self._sla_reason_formatter(teams, data)
        log_rows, previous = [], {}
        for decision in decisions:
            row = rows[decision.lead_id]
            if decision.user_id:
                if decision.lead_id not in written:
                    continue
            elif row[6] == 'sla' and not row[7]:
                continue  # said already: the leader was told at an earlier run
            log_rows.append((decision.lead_id, decision.team_id, decision.user_id, 'sla',
                             reason(decision), row[5]))
            previous[decision.lead_id] = decision.previous_user_id
        self.env['crm.lead.assignment.log']._routing_insert(log_rows, now, notify=True,
                                                            previous=previous)
        self.invalidate_cache()  # the whole cache: SQL wrote leads, followers, logs
        data['told'] = {row[0] for row in log_rows if not row[2]}
        return written

    def _sla_reason_formatter(self, teams, data):
        """A function giving the reason of a take-back decision (a ``routing.reasons`` node)."""
        # Read once, not per lead: the teams' settings, the people's names, and each local
        # date (a run takes back many leads given at the same moment by the same person).
        settings = {team.id: ('%g' % team.assignment_sla_hours, team.assignment_sla_max)
                    for team in teams}
        user_ids = {d for row in data['rows'].values() for d in (row[2],)}
        user_ids |= {state.user_id for states in data['members'].values() for state in states}
        # Only the fields used: reading every field of res.users computes each of its fields
        # inherited from the partner, user by user.
        users = {user.id: user for user in self.env['res.users'].with_context(
            prefetch_fields=False).browse(list(user_ids))}
        names = {user_id: user.name for user_id, user in users.items()}
        dates = {}

        def local(date, user_id):
            """``date`` in the time zone of the salesperson it concerns."""
            if (date, user_id) not in dates:
                user = users[user_id]
                dates[(date, user_id)] = tzs.short(
                    fields.Datetime.from_string(date),
                    tzs.zone(user.tz, user.company_id.partner_id.tz), with_time=True)
            return dates[(date, user_id)]

        def reason(decision):
            hours, maximum = settings[decision.team_id]
            return reason_text('sla_' + (decision.why or 'moved'), **{
                'hours': hours,
                'user': names[decision.previous_user_id],
                'date': local(data['rows'][decision.lead_id][3], decision.previous_user_id),
                'number': decision.number,
                'max': maximum,
                'new': names[decision.user_id] if decision.user_id else '',
            })
        return reason
