# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from datetime import timedelta

from odoo import _, api, fields, models

from ..routing import reasons

_logger = logging.getLogger(__name__)

LOG_KINDS = [
    ('team', 'Entered a team'),
    ('member', 'Given to a salesperson'),
    ('manual', 'Changed by hand'),
    ('share', 'Shared'),
    ('unassigned', 'Waiting'),
    ('sla', 'Taken back (not followed up)'),
    ('release', 'Handed back'),
    ('credit', 'Not counted (credited back)'),
]

# How the team or salesperson of a decision was chosen (empty on unassigned, manual, share rows).
LOG_RULES = [
    ('balance', 'Least loaded'),
    ('owner', 'Existing owner'),
    ('fallback_team', 'Overflow team'),
    ('fallback_user', 'Fallback salesperson'),
    ('sla', 'Take-back'),
    # Why a lead was released (``release`` rows): its salesperson left or a person handed it
    # back; it changed after routing and is routed again.
    ('hand_back', 'Handed back'),
    ('reroute', 'Re-routed'),
]
# The rule of a row when its writer gives none: ordinary routing balances, the SLA takes back.
DEFAULT_RULE = {'team': 'balance', 'member': 'balance', 'sla': 'sla'}


class CrmLeadAssignmentLog(models.Model):
    """One row per routing decision. Written by the system only (raw inserts in batches, no
    access right grants creation), read according to the leads a user may read."""
    _name = 'crm.lead.assignment.log'
    _description = "Lead Assignment Log"
    _order = 'date desc, id desc'
    _rec_name = 'lead_id'
    # Rows are never edited and ``date`` says when they were written: no create/write columns
    # (two foreign keys less per row, and the log grows by a row per routing decision).
    _log_access = False

    lead_id = fields.Many2one(
        comodel_name='crm.lead',
        string="Lead",
        required=True,
        ondelete='cascade',
        index=True,
        readonly=True,
    )
    team_id = fields.Many2one(
        comodel_name='crm.team',
        string="Sales Channel",
        ondelete='set null',
        index=True,
        readonly=True,
    )
    user_id = fields.Many2one(
        comodel_name='res.users',
        string="Salesperson",
        ondelete='set null',
        readonly=True,
    )
    date = fields.Datetime(
        required=True,
        index=True,
        readonly=True,
    )
    kind = fields.Selection(
        selection=LOG_KINDS,
        string="Type",
        required=True,
        readonly=True,
    )
    rule = fields.Selection(
        selection=LOG_RULES,
        readonly=True,
        help="How the team or the salesperson was chosen: the least loaded, the existing owner, "
             "the overflow team or the fallback salesperson of a team, a take-back.",
    )
    reason = fields.Text(
        compute='_compute_reason',
        help="Why: written out in your language from what the decision stored.",
    )
    reason_data = fields.Text(
        string="Reason (stored)",
        readonly=True,
        help="What the reason says, as the decision stored it (JSON of routing.reasons).",
    )
    previous_user_id = fields.Many2one(
        comodel_name='res.users',
        string="Previous Salesperson",
        ondelete='set null',
        readonly=True,
        help="Who had the lead before: the salesperson it was taken back from, or changed from "
             "by hand.",
    )
    notified = fields.Boolean(
        string="Salesperson Notified",
        readonly=True,
        help="Whether the salesperson received this lead in their digest message.",
    )
    company_id = fields.Many2one(
        comodel_name='res.company',
        string="Company",
        readonly=True,
    )
    # Speed to lead (assignment rows: member, sla, manual), written by the salesperson's first
    # touch while the lead is theirs (crm.lead._routing_touch), never by a person.
    touch_date = fields.Datetime(
        string="First Follow-up",
        readonly=True,
        help="When the salesperson of this assignment first followed the lead up while it was "
             "theirs.",
    )
    response_hours = fields.Float(
        readonly=True,
        help="Hours from this assignment to the salesperson's first follow-up (wall clock).",
    )
    sla_hours = fields.Float(
        string="SLA Hours Then",
        readonly=True,
        help="The team's follow-up delay when the lead was assigned (0: no SLA).",
    )
    within_sla = fields.Boolean(
        string="Within SLA",
        readonly=True,
        help="Followed up within the team's delay (in working hours when the team counts "
             "only those).",
    )
    taken_back = fields.Boolean(
        readonly=True,
        help="The lead was taken back from this salesperson because they did not follow it "
             "up in time.",
    )
    reminded = fields.Boolean(
        readonly=True,
        help="Whether the salesperson was reminded to follow this assignment up (the follow-up "
             "ladder: once per assignment).",
    )

    @api.model_cr
    def init(self):
        # Digests look for the rows not notified yet: a handful among millions.
        self.env.cr.execute("DROP INDEX IF EXISTS crm_lead_assignment_log_pending_idx")
        self.env.cr.execute("""
            CREATE INDEX IF NOT EXISTS crm_lead_assignment_log_unnotified_idx
                ON crm_lead_assignment_log (user_id) WHERE NOT notified
        """)
        # Leads handed back: kept from who they were taken from until assigned again, and out
        # of that person's 30-day load; re-routes counted for the loop guard.
        self.env.cr.execute("""
            CREATE INDEX IF NOT EXISTS crm_lead_assignment_log_release_idx
                ON crm_lead_assignment_log (lead_id, date) WHERE kind = 'release'
        """)
        # Take-backs count in the previous salesperson's 30-day load.
        self.env.cr.execute("""
            CREATE INDEX IF NOT EXISTS crm_lead_assignment_log_sla_idx
                ON crm_lead_assignment_log (team_id, date) WHERE kind = 'sla'
        """)
        # A touch finds the lead's last assignment row; credits leave the 30-day count.
        self.env.cr.execute("""
            CREATE INDEX IF NOT EXISTS crm_lead_assignment_log_assignment_idx
                ON crm_lead_assignment_log (lead_id, id)
             WHERE kind IN ('member', 'sla', 'manual')
        """)
        self.env.cr.execute("""
            CREATE INDEX IF NOT EXISTS crm_lead_assignment_log_credit_idx
                ON crm_lead_assignment_log (lead_id, user_id, date) WHERE kind = 'credit'
        """)

    @api.depends('reason_data')
    def _compute_reason(self):
        render = self._routing_reason_renderer()
        for row in self:
            row.reason = render(reasons.loads(row.reason_data))

    @api.model
    def _routing_reason_renderer(self, lang=None):
        """A function writing a reason (a ``routing.reasons`` node) out in ``lang``, by default
        the reader's language (the context's, else their preference). Templates are looked up
        in the translations once per language and template."""
        lang = lang or self.env.lang or self.env.user.lang
        describe_filter = self._routing_filter_describer(lang)
        if not lang or lang == 'en_US':
            return lambda node: reasons.render(node, describe_filter=describe_filter)
        Translation = self.env['ir.translation']
        cache = {}

        def translate(source):
            if source not in cache:
                cache[source] = Translation._get_source(None, ('code',), lang, source)
            return cache[source]
        return lambda node: reasons.render(node, translate, describe_filter)

    @api.model
    def _routing_filter_describer(self, lang):
        """A function writing a routing filter of a reason in words for a reader of ``lang``
        (``crm.lead.router._filter_texts``), each filter once."""
        router = self.env['crm.lead.router'].with_context(lang=lang)
        described = {}

        def describe(text):
            if text not in described:
                described.update(router._filter_texts([text]))
            return described.get(text) or text
        return describe

    @api.model
    def _routing_insert(self, rows, date, notify=False, previous=None):
        """Insert log rows given as (lead_id, team_id, user_id, kind, reason, company_id) or
        (..., company_id, rule) in one statement (``reason``: a ``routing.reasons`` node);
        without a rule, ``DEFAULT_RULE`` of the kind applies. ``previous``: {lead_id: previous
        salesperson} for take-backs and changes by hand. Digests list the rows not notified
        yet: routing's ``member`` rows, and the rows of assignments a person made in bulk or
        the SLA made (``notify``); the others are born notified (a change by hand sends core's
        own message)."""
        if not rows:
            return
        previous = previous or {}
        # Columns travel as arrays: cheaper to build and to parse than a VALUES list.
        lead_ids, team_ids, user_ids, kinds, nodes, company_ids = map(
            list, zip(*[row[:6] for row in rows]))
        rules = [(row[6] if len(row) > 6 else None) or DEFAULT_RULE.get(row[3])
                 for row in rows]
        # Rows often share one reason node (a hand-back's: one per salesperson and team):
        # each node is encoded once.
        encoded = {}
        dumps = reasons.dumps
        reasons_data = []
        for node in nodes:
            key = id(node)
            if key not in encoded:
                encoded[key] = dumps(node)
            reasons_data.append(encoded[key])
        taken = [row[0] for row in rows if row[3] == 'sla' and row[2]]
        if taken:
            # The assignment these take-backs end was taken back (the routing report).
            self._routing_mark_taken_back(taken)
        # An assignment row keeps the team's SLA of that moment (the report's "within SLA").
        self.env.cr.execute("""
            INSERT INTO crm_lead_assignment_log
                   (lead_id, team_id, user_id, kind, rule, reason_data, company_id,
                    previous_user_id, notified, date, sla_hours)
            SELECT r.lead_id, r.team_id, r.user_id, r.kind, r.rule, r.reason_data,
                   r.company_id, r.previous_user_id,
                   r.user_id IS NULL OR NOT (r.kind = 'member' OR %s), %s,
                   CASE WHEN r.kind IN ('member', 'sla', 'manual')
                        THEN coalesce(team.assignment_sla_hours, 0) END
              FROM unnest(%s::int[], %s::int[], %s::int[], %s::varchar[], %s::varchar[],
                          %s::text[], %s::int[], %s::int[]) WITH ORDINALITY
                   AS r(lead_id, team_id, user_id, kind, rule, reason_data, company_id,
                        previous_user_id, position)
              LEFT JOIN crm_team team ON team.id = r.team_id
             -- Ids in the order of the rows (a lead's history is read in id order): the
             -- join alone may return them in any order.
             ORDER BY r.position
        """, (bool(notify), date, lead_ids, [team_id or None for team_id in team_ids],
              [user_id or None for user_id in user_ids], kinds, rules, reasons_data,
              [company_id or None for company_id in company_ids],
              [previous.get(lead_id) or None for lead_id in lead_ids]))
        # New rows only: no log record is stale, the leads' history is.
        self.env['crm.lead'].invalidate_cache(['assignment_log_ids'])

    @api.model
    def _routing_mark_taken_back(self, lead_ids):
        """The last assignment row of each of ``lead_ids`` was taken back: one statement."""
        self.env.cr.execute("""
            UPDATE crm_lead_assignment_log log SET taken_back = TRUE
              FROM (SELECT DISTINCT ON (lead_id) id FROM crm_lead_assignment_log
                     WHERE lead_id = ANY(%s) AND kind IN ('member', 'sla', 'manual')
                       AND (user_id IS NOT NULL OR kind = 'manual')
                     ORDER BY lead_id, id DESC) last
             WHERE log.id = last.id AND log.user_id IS NOT NULL
        """, (list(lead_ids),))

    @api.model
    def _routing_record_touch(self, lead_ids, now, user_id):
        """``user_id`` followed up ``lead_ids`` at ``now``: the last assignment row of each
        lead, when it gave the lead to them and the lead is still theirs, gets its first touch,
        response hours and whether it came within the team's SLA, in one statement (a touch by
        someone else, or a second touch, changes nothing; a take-back starts a new row). Teams
        counting working hours only: their rows' SLA is checked on the salesperson's clock
        (``crm.lead.router._work_clocks``) and written in one more statement."""
        cr = self.env.cr
        cr.execute("""
            UPDATE crm_lead_assignment_log log
               SET touch_date = %(now)s,
                   response_hours = greatest(
                       extract(epoch FROM %(now)s::timestamp - log.date) / 3600.0, 0),
                   within_sla = coalesce(log.sla_hours, 0) > 0 AND NOT last.working
                                AND %(now)s::timestamp - log.date
                                    <= log.sla_hours * interval '1 hour'
              FROM (SELECT DISTINCT ON (row.lead_id) row.id,
                           coalesce(team.assignment_sla_working_hours, FALSE) AS working
                      FROM crm_lead_assignment_log row
                      LEFT JOIN crm_team team ON team.id = row.team_id
                     WHERE row.lead_id = ANY(%(leads)s)
                       AND row.kind IN ('member', 'sla', 'manual')
                       -- An SLA row giving nobody (the lead stayed) ends no assignment.
                       AND (row.user_id IS NOT NULL OR row.kind = 'manual')
                     ORDER BY row.lead_id, row.id DESC) last,
                   crm_lead lead
             WHERE log.id = last.id AND log.touch_date IS NULL AND log.user_id = %(user)s
               AND lead.id = log.lead_id AND lead.user_id = %(user)s
         RETURNING log.id, log.team_id, log.date, log.sla_hours, last.working
        """, {'now': now, 'leads': list(lead_ids), 'user': user_id})
        counted = [row for row in cr.fetchall() if row[1] and row[3] and row[4]]
        self.invalidate_cache(['touch_date', 'response_hours', 'within_sla'])
        if not counted:
            return
        teams = {team.id: team for team in self.env['crm.team'].sudo().browse(
            list({row[1] for row in counted}))}
        start = min(row[2] for row in counted)
        clocks = self.env['crm.lead.router'].sudo()._work_clocks(
            {user_id}, teams, start, now)
        now_dt = fields.Datetime.from_string(now)
        within = []
        for row_id, team_id, date, hours, _working in counted:
            clock = clocks.get((team_id, user_id))
            if clock and clock.seconds(fields.Datetime.from_string(date), now_dt) \
                    <= hours * 3600:
                within.append(row_id)
        if within:
            cr.execute("UPDATE crm_lead_assignment_log SET within_sla = TRUE WHERE id = ANY(%s)",
                       (within,))

    @api.model
    def _routing_pending_digests(self, max_lines):
        """What the digests say, for the rows not notified yet (this run's, and those a killed
        run left): ({user_id: (count, [(lead_id, lead_name)])}, last row id) with each user's
        first ``max_lines`` leads, oldest first. Two queries, whatever the number of rows. The
        caller holds the routing lock: no other transaction adds such rows meanwhile."""
        cr = self.env.cr
        cr.execute("""
            SELECT user_id, count(*), max(id) FROM crm_lead_assignment_log
             WHERE NOT notified AND user_id IS NOT NULL
             GROUP BY user_id
        """)
        totals = {}
        last_id = 0
        for user_id, count, last in cr.fetchall():
            last_id = max(last_id, last)
            totals[user_id] = count
        if not totals:
            return {}, 0
        cr.execute("""
            SELECT log.user_id, log.lead_id, lead.name
              FROM (SELECT id, user_id, lead_id,
                           row_number() OVER (PARTITION BY user_id ORDER BY id) AS line
                      FROM crm_lead_assignment_log
                     WHERE NOT notified AND user_id IS NOT NULL AND id <= %s) AS log
              JOIN crm_lead lead ON lead.id = log.lead_id
             WHERE log.line <= %s
             ORDER BY log.user_id, log.id
        """, (last_id, max_lines))
        lines = {}
        for user_id, lead_id, name in cr.fetchall():
            lines.setdefault(user_id, []).append((lead_id, name))
        return {user_id: (total, lines.get(user_id, []))
                for user_id, total in totals.items()}, last_id

    @api.model
    def _routing_mark_notified(self, last_id):
        """Mark notified exactly the rows ``_routing_pending_digests`` listed: those not
        notified up to ``last_id``, never rows another transaction adds later."""
        self.env.cr.execute("""
            UPDATE crm_lead_assignment_log SET notified = TRUE
             WHERE NOT notified AND user_id IS NOT NULL AND id <= %s
        """, (last_id,))
        self.invalidate_cache(['notified'])

    @api.model
    def _get_retention_days(self):
        value = self.env['ir.config_parameter'].sudo().get_param(
            'crm_team_routing.log_retention_days', '365')
        try:
            return max(int(value), 1)
        except ValueError:
            return 365

    @api.model
    def _cron_purge_logs(self):
        """Scheduled action: drop rows older than the retention (ir.config_parameter
        crm_team_routing.log_retention_days, default 365)."""
        limit = fields.Datetime.from_string(fields.Datetime.now()) - timedelta(
            days=self._get_retention_days())
        self.env.cr.execute("DELETE FROM crm_lead_assignment_log WHERE date < %s",
                            (fields.Datetime.to_string(limit),))
        self.invalidate_cache()
        # The run records go with the log they explain.
        self.env['crm.lead.routing.run'].sudo()._routing_purge(fields.Datetime.to_string(limit))
        return True

    @api.model
    def _routing_send_digests(self, max_lines):
        """One private message per salesperson listing their new leads (and those a killed run
        left), through the notifier (``crm.lead.routing.notifier``): addressed to them alone,
        in their Inbox and, by their preference, their e-mail; all written together in a few
        statements whatever the number of people. The caller holds the routing lock, and calls
        this as the system."""
        pending, last_id = self._routing_pending_digests(max_lines)
        if not pending:
            return
        notes = []
        # Only the fields the digests use: reading every field of res.users computes each of
        # its fields inherited from the partner, user by user.
        for user in self.env['res.users'].with_context(prefetch_fields=False).browse(
                sorted(pending)):
            count, rows = pending[user.id]
            notes.append((user, self.with_context(lang=user.lang)._routing_digest_title(
                user, count), rows, count))
        self.env['crm.lead.routing.notifier']._send_lead_lists(notes)
        self._routing_mark_notified(last_id)

    @api.model
    def _routing_digest_title(self, user, count):
        """The first line of ``user``'s digest, in the language of the context (theirs)."""
        return _("New leads for %(user)s (%(count)s):") % {'user': user.name, 'count': count}

    @api.model
    def _routing_more_text(self, count):
        """The last line of a note listing fewer leads than it counts, in the language of the
        context (its reader's)."""
        return _("... and %s more.") % count

    @api.model
    def _routing_post_notes(self, notes):
        """Send private messages listing leads, each to one person: ``notes`` is [(team, user,
        title, [(lead_id, lead name)], total number of leads)]; the team is the one the note
        is about, never where it is posted (see ``crm.lead.routing.notifier``)."""
        return self.env['crm.lead.routing.notifier']._send_lead_lists(
            [(user, title, rows, count) for _team, user, title, rows, count in notes])
