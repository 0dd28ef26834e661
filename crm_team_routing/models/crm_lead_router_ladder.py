# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The follow-up ladder (DESIGN.md revision 3): before the SLA takes a lead back.

1. A lead routing gives a salesperson lands in their activities (``mail.activity``, marked
   ``routing_assignment``), due at the take-back deadline in their time zone (working hours
   when the team counts only those; today when the team has no delay). When the lead is taken
   back or reassigned (by anyone), the previous holder's open routing activity goes and the new
   holder gets one. Written set-based by the writer's hooks (``_ladder_activities``).
2. The SLA run reminds each salesperson, in one private message per run, of their leads not
   followed up ``assignment_sla_remind_hours`` after assignment (each assignment once: the log
   row's ``reminded``).
3. The take-back (``crm_lead_router_sla.py``).
4. The SLA run that makes a member's N-th take-back in 7 days pauses them
   (``assignment_optout``), with one note to them and one to the team leader.

Decisions in ``routing/ladder.py``; messages through the notifier.
"""
import logging
from datetime import timedelta

from odoo import _, fields, models
from odoo.tools import html_escape

from ..routing import ladder, tz as tzs
from .crm_lead_router import DIGEST_MAX_LINES

_logger = logging.getLogger(__name__)


class CrmLeadRouterLadder(models.AbstractModel):
    _inherit = 'crm.lead.router'

    # ------------------------------------------------------------------------------------------
    # 1. Activities: a fixed number of statements per batch
    # ------------------------------------------------------------------------------------------

    def _ladder_activities(self, lead_ids, now, reassigned=True, uid=None):
        """Follow-up activities of ``lead_ids`` just given to a salesperson (or taken from
        one): with ``reassigned``, routing activities of people who no longer hold a lead are
        removed first; the holder gets one when the lead's team plans follow-ups and they have
        none on it yet. ``uid``: the author (default: who runs). Called by the writer, which
        holds the routing lock or wrote as a person whose rights were checked."""
        lead_ids = list(lead_ids)
        if not lead_ids:
            return
        Activity = self.env['mail.activity']
        # The leads' next deadline is stored once, after the removal and the additions (a
        # take-back of 10,000 leads: one statement on them, not two).
        kept, removed = Activity._routing_remove_stale(lead_ids, sync=False) if reassigned \
            else (set(), False)
        cr = self.env.cr
        cr.execute("""
            SELECT lead.id, lead.team_id, lead.user_id, lead.assignment_date,
                   team.assignment_activity_type_id
              FROM crm_lead lead
              JOIN crm_team team ON team.id = lead.team_id
             WHERE lead.id = ANY(%s) AND team.assignment_activity AND lead.user_id IS NOT NULL
        """, (lead_ids,))
        rows = [row for row in cr.fetchall() if (row[0], row[2]) not in kept]
        planned = list(self._ladder_plan(rows, now).values())
        Activity._routing_insert(planned, uid or self.env.uid, now, sync=False)
        if removed or planned:
            Activity._routing_sync_leads(lead_ids)

    def _ladder_plan_batch(self, to_user, now):
        """The activities of a routing batch, before it is written: {lead_id: activity row}
        for ``to_user`` ({lead_id: (team_id, user_id)}, given at ``now``) in teams planning
        follow-ups. The writer stores their due dates with the leads (one statement)."""
        if not to_user:
            return {}
        self.env.cr.execute("""
            SELECT id, assignment_activity_type_id FROM crm_team
             WHERE id = ANY(%s) AND assignment_activity
        """, (sorted({team_id for team_id, _user_id in to_user.values()}),))
        types = dict(self.env.cr.fetchall())
        return self._ladder_plan(
            [(lead_id, team_id, user_id, now, types[team_id])
             for lead_id, (team_id, user_id) in to_user.items() if team_id in types], now)

    def _ladder_plan(self, rows, now):
        """{lead_id: (lead_id, user_id, activity type id, due date, summary)}: the activity
        rows (``mail.activity._routing_insert``) of ``rows`` (lead_id, team_id, user_id,
        assignment date, activity type id or None), leads of teams planning follow-ups."""
        if not rows:
            return {}
        dates = self._ladder_due_dates([row[:4] for row in rows], now)
        todo = self.env.ref('mail.mail_activity_data_todo', raise_if_not_found=False)
        summaries = {}
        langs = self._ladder_users(row[2] for row in rows)
        for lang in {user[2] for user in langs.values()}:
            summaries[lang] = self.with_context(lang=lang)._ladder_activity_summary()
        return {row[0]: (row[0], row[2], row[4] or todo.id, dates[row[0]],
                         summaries[langs[row[2]][2]]) for row in rows}

    def _ladder_activity_summary(self):
        """The follow-up activity's summary, in the language of the context (its holder's)."""
        return _("Follow up this new lead")

    def _ladder_users(self, user_ids):
        """{user_id: (their time zone, their company's, their language)} in one query."""
        self.env.cr.execute("""
            SELECT person.id, partner.tz, company_partner.tz, partner.lang
              FROM res_users person
              JOIN res_partner partner ON partner.id = person.partner_id
              LEFT JOIN res_company company ON company.id = person.company_id
              LEFT JOIN res_partner company_partner ON company_partner.id = company.partner_id
             WHERE person.id = ANY(%s)
        """, (sorted(set(user_ids)),))
        return {row[0]: row[1:] for row in self.env.cr.fetchall()}

    def _ladder_deadlines(self, rows, now):
        """{lead_id: (the take-back deadline as naive UTC datetime or None when the team has no
        delay, the holder's time zone)} for ``rows`` (lead_id, team_id, user_id, assignment
        date string). Computed once per (team, salesperson, assignment date): a routing batch
        gives many leads at the same moment. A fixed number of queries."""
        teams = {team.id: team for team in self.env['crm.team'].browse(
            sorted({row[1] for row in rows}))}
        # Read once per team, not per lead (ORM attribute reads cost microseconds each).
        delay = {team_id: (team.assignment_sla_hours, team.assignment_sla_working_hours)
                 for team_id, team in teams.items()}
        users = self._ladder_users(row[2] for row in rows)
        zones = {user_id: tzs.zone(user[0], user[1]) for user_id, user in users.items()}
        counted = [row for row in rows if delay[row[1]][0] and delay[row[1]][1]]
        clocks = {}
        if counted:
            starts = [fields.Datetime.from_string(row[3] or now) for row in counted]
            longest = max(delay[row[1]][0] for row in counted)
            clocks = self._work_clocks(
                {row[2] for row in counted}, {row[1]: teams[row[1]] for row in counted},
                fields.Datetime.to_string(min(starts)),
                fields.Datetime.to_string(max(starts) + ladder.clock_window(longest)))
        known = {}
        result = {}
        for lead_id, team_id, user_id, assigned in rows:
            key = (team_id, user_id, assigned)
            if key not in known:
                hours, working = delay[team_id]
                start = fields.Datetime.from_string(assigned or now)
                moment = None
                if hours:
                    clock = clocks.get((team_id, user_id)) if working else None
                    moment = ladder.deadline(start, hours, clock) \
                        or ladder.deadline(start, hours)
                known[key] = moment
            result[lead_id] = (known[key], zones.get(user_id, tzs.zone()))
        return result

    def _ladder_due_dates(self, rows, now):
        """{lead_id: due date string} of the follow-up activities: the deadline's day in the
        holder's time zone, today there when the team has no delay."""
        now_dt = fields.Datetime.from_string(now)
        days = {}  # a batch's leads share a few (deadline, zone) pairs: each converted once
        result = {}
        for lead_id, key in self._ladder_deadlines(rows, now).items():
            if key not in days:
                days[key] = fields.Date.to_string(ladder.due_date(key[0] or now_dt, key[1]))
            result[lead_id] = days[key]
        return result

    def _ladder_reassigned(self, leads, uid):
        """Leads whose salesperson a person changed (``crm.lead.write``): the previous holder's
        routing activity goes, the new one gets theirs (authored by ``uid``)."""
        # The person's write passed their rights; activities are the system's bookkeeping.
        self.sudo()._ladder_activities(leads.ids, fields.Datetime.now(), uid=uid)

    # ------------------------------------------------------------------------------------------
    # 2 and 4. In the SLA run: pauses after the take-backs, then reminders
    # ------------------------------------------------------------------------------------------

    def _run_sla(self, teams, result):
        # The log rows of this run's take-backs are those after this one.
        self.env.cr.execute("SELECT coalesce(max(id), 0) FROM crm_lead_assignment_log")
        marker = self.env.cr.fetchone()[0]
        res = super(CrmLeadRouterLadder, self)._run_sla(teams, result)
        now = self._now()
        self._ladder_pause(teams, marker, now)
        self._ladder_remind(teams, now)
        if self._routing_transactions():
            # The pauses, the reminders and their marks as one unit.
            self.env.cr.commit()  # pylint: disable=invalid-commit
        return res

    def _ladder_pause(self, teams, marker, now):
        """Pause the members whose N-th take-back in 7 days this run made (the log rows after
        ``marker``), and tell them and their leaders. Two queries and one write."""
        thresholds = {team.id: team.assignment_sla_pause_after for team in teams
                      if team.assignment_sla_pause_after}
        if not thresholds:
            return
        cr = self.env.cr
        cr.execute("""
            SELECT log.team_id, log.previous_user_id,
                   count(*) FILTER (WHERE log.id <= %(marker)s), count(*)
              FROM crm_lead_assignment_log log
             WHERE log.kind = 'sla' AND log.team_id = ANY(%(teams)s)
               AND log.date >= %(since)s::timestamp
               AND log.user_id IS NOT NULL AND log.previous_user_id IS NOT NULL
               AND (log.team_id, log.previous_user_id) IN (
                       SELECT team_id, previous_user_id FROM crm_lead_assignment_log
                        WHERE id > %(marker)s AND kind = 'sla' AND user_id IS NOT NULL)
             GROUP BY log.team_id, log.previous_user_id
        """, {'marker': marker, 'teams': list(thresholds),
              'since': fields.Datetime.to_string(fields.Datetime.from_string(now)
                                                 - timedelta(days=ladder.PAUSE_WINDOW_DAYS))})
        counts = {(row[0], row[1]): (row[2], row[3]) for row in cr.fetchall()}
        paused = ladder.to_pause(counts, thresholds)
        if not paused:
            return
        pairs = {(team_id, user_id): count for team_id, user_id, count in paused}
        members = self.env['crm.team.member'].search([
            ('team_id', 'in', sorted({pair[0] for pair in pairs})),
            ('user_id', 'in', sorted({pair[1] for pair in pairs})),
            ('assignment_optout', '=', False)]).filtered(
                lambda member: (member.team_id.id, member.user_id.id) in pairs)
        if not members:
            return
        members.write({'assignment_optout': True})
        _logger.info("Lead routing: %d members paused after repeated take-backs", len(members))
        self._ladder_notify_pause(members, pairs)

    def _ladder_notify_pause(self, members, counts):
        """One private message to each paused salesperson and one to each leader of their
        teams, in their language, saying who is paused where and why."""
        by_user, by_leader = {}, {}
        for member in members:
            by_user.setdefault(member.user_id, []).append(member)
            if member.team_id.user_id:
                by_leader.setdefault(member.team_id.user_id, []).append(member)
        messages = []
        for user, paused in sorted(by_user.items(), key=lambda item: item[0].id):
            me = self.with_context(lang=user.lang)
            lines = [me._ladder_pause_line(member, counts) for member in paused]
            messages.append((user, me._ladder_pause_title(None),
                             me._ladder_body(me._ladder_pause_title(None), lines)))
        for leader, paused in sorted(by_leader.items(), key=lambda item: item[0].id):
            me = self.with_context(lang=leader.lang)
            lines = [me._ladder_pause_line(member, counts, leader=True) for member in paused]
            messages.append((leader, me._ladder_pause_title(leader),
                             me._ladder_body(me._ladder_pause_title(leader), lines)))
        self.env['crm.lead.routing.notifier']._send_many(messages)

    def _ladder_pause_title(self, leader):
        """The first line of a pause note, in the language of the context (its reader's): to
        the paused salesperson (``leader`` None) or to a leader."""
        if leader is None:
            return _("You are paused: you receive no new leads until someone resumes you.")
        return _("Members paused after repeated take-backs (resume them on the team's "
                 "Routing tab):")

    def _ladder_pause_line(self, member, counts, leader=False):
        """One line of a pause note, in the language of the context."""
        values = {'user': member.user_id.name, 'team': member.team_id.name,
                  'count': counts[(member.team_id.id, member.user_id.id)]}
        if leader:
            return _("%(user)s is paused in %(team)s: %(count)s leads taken back in 7 days.") \
                % values
        return _("Paused in %(team)s: %(count)s of your leads were taken back in 7 days.") \
            % values

    def _ladder_body(self, title, lines):
        return '<p>%s</p><ul>%s</ul>' % (html_escape(title), ''.join(
            '<li>%s</li>' % html_escape(line) for line in lines))

    def _ladder_remind(self, teams, now):
        """One private message per salesperson listing their leads not followed up
        ``assignment_sla_remind_hours`` after assignment (routing's or a take-back's, the SLA's
        clock), each assignment once. A fixed number of queries."""
        teams = teams.filtered(lambda team: team.assignment_sla_hours
                               and team.assignment_sla_remind_hours)
        if not teams:
            return
        cr = self.env.cr
        # As the take-back's query: the last assignment row decides (routing's or the SLA's,
        # to the salesperson who holds the lead), not reminded yet, not followed up since.
        cr.execute("""
            SELECT lead.id, lead.team_id, lead.user_id, lead.assignment_date, last.id
              FROM crm_lead lead
              JOIN crm_team team ON team.id = lead.team_id
              JOIN LATERAL (SELECT log.id, log.kind, log.user_id, log.reminded
                              FROM crm_lead_assignment_log log
                             WHERE log.lead_id = lead.id
                               AND log.kind IN ('member', 'sla', 'manual')
                             ORDER BY log.id DESC LIMIT 1) last
                ON last.kind IN ('member', 'sla') AND last.user_id = lead.user_id
                   AND NOT coalesce(last.reminded, FALSE)
             WHERE lead.team_id = ANY(%(teams)s) AND lead.user_id IS NOT NULL
               AND lead.active AND lead.probability < 100
               AND lead.assignment_date < %(now)s::timestamp - %(shortest)s * interval '1 hour'
               AND lead.assignment_date < %(now)s::timestamp
                                          - team.assignment_sla_remind_hours * interval '1 hour'
               AND (lead.last_followup_date IS NULL
                    OR lead.last_followup_date < lead.assignment_date)
             ORDER BY lead.assignment_date, lead.id
        """, {'teams': teams.ids, 'now': now,
              'shortest': min(teams.mapped('assignment_sla_remind_hours'))})
        rows = cr.fetchall()
        rows = self._ladder_worked(rows, {team.id: team for team in teams}, now)
        if not rows:
            return
        cr.execute("UPDATE crm_lead_assignment_log SET reminded = TRUE WHERE id = ANY(%s)",
                   ([row[4] for row in rows],))
        self.env['crm.lead.assignment.log'].invalidate_cache(['reminded'])
        by_user = {}
        for row in rows:
            by_user.setdefault(row[2], []).append(row)
        listed = [row for user_rows in by_user.values() for row in user_rows[:DIGEST_MAX_LINES]]
        deadlines = self._ladder_deadlines([row[:4] for row in listed], now)
        cr.execute("SELECT id, name FROM crm_lead WHERE id = ANY(%s)",
                   ([row[0] for row in listed],))
        names = dict(cr.fetchall())
        users = self.env['res.users'].with_context(prefetch_fields=False).browse(sorted(by_user))
        notes = []
        for user in users:
            me = self.with_context(lang=user.lang)
            lines = []
            for row in by_user[user.id][:DIGEST_MAX_LINES]:
                moment, zone = deadlines[row[0]]
                lines.append((row[0], me._ladder_remind_line(
                    names[row[0]] or '', tzs.short(moment, zone, with_time=True))))
            notes.append((user, me._ladder_remind_title(len(by_user[user.id])), lines,
                          len(by_user[user.id])))
        self.env['crm.lead.routing.notifier']._send_lead_lists(notes)
        _logger.info("Lead routing: reminded %d salespeople of %d leads", len(notes), len(rows))

    def _ladder_worked(self, rows, teams, now):
        """Keep the rows whose reminder delay passed in working hours for teams that count
        only those (the SLA's clocks); the others as they are."""
        counted = [row for row in rows if teams[row[1]].assignment_sla_working_hours]
        if not counted:
            return rows
        clocks = self._work_clocks({row[2] for row in counted}, teams,
                                   min(row[3] for row in counted), now)
        now_dt = fields.Datetime.from_string(now)
        return [row for row in rows if not teams[row[1]].assignment_sla_working_hours
                or ((row[1], row[2]) in clocks and ladder.worked_enough(
                    fields.Datetime.from_string(row[3]), now_dt,
                    teams[row[1]].assignment_sla_remind_hours, clocks[(row[1], row[2])]))]

    def _ladder_remind_title(self, count):
        """The first line of a reminder, in the language of the context (its reader's)."""
        return _("Not followed up yet (%s): follow them up before they are taken back:") % count

    def _ladder_remind_line(self, name, deadline):
        """A lead of a reminder with its take-back deadline, in the language of the context."""
        return _("%(lead)s (before %(deadline)s)") % {'lead': name, 'deadline': deadline}
