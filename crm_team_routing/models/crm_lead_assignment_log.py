# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import Counter
from datetime import timedelta

from odoo import api, fields, models

LOG_KINDS = [
    ('team', 'Entered a team'),
    ('member', 'Given to a salesperson'),
    ('manual', 'Changed by hand'),
    ('share', 'Shared'),
    ('unassigned', 'Waiting'),
]


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
    reason = fields.Text(
        readonly=True,
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

    @api.model_cr
    def init(self):
        # Digests look for the rows not notified yet: a handful among millions.
        self.env.cr.execute("""
            CREATE INDEX IF NOT EXISTS crm_lead_assignment_log_pending_idx
                ON crm_lead_assignment_log (user_id) WHERE kind = 'member' AND NOT notified
        """)

    @api.model
    def _routing_insert(self, rows, date):
        """Insert log rows given as (lead_id, team_id, user_id, kind, reason, company_id) in one
        statement. Only routing digests notify: other kinds are born notified."""
        if not rows:
            return
        # Columns travel as arrays: cheaper to build and to parse than a VALUES list.
        lead_ids, team_ids, user_ids, kinds, reasons, company_ids = map(list, zip(*rows))
        self.env.cr.execute("""
            INSERT INTO crm_lead_assignment_log
                   (lead_id, team_id, user_id, kind, reason, company_id, notified, date)
            SELECT lead_id, team_id, user_id, kind, reason, company_id, kind != 'member', %s
              FROM unnest(%s::int[], %s::int[], %s::int[], %s::varchar[], %s::text[], %s::int[])
                   AS r(lead_id, team_id, user_id, kind, reason, company_id)
        """, (date, lead_ids, [team_id or None for team_id in team_ids],
              [user_id or None for user_id in user_ids], kinds, reasons,
              [company_id or None for company_id in company_ids]))
        # New rows only: no log record is stale, the leads' history is.
        self.env['crm.lead'].invalidate_cache(['assignment_log_ids'])

    @api.model
    def _routing_pending_digests(self, max_lines):
        """What the digests say, for the routing rows not notified yet (this run's, and those a
        killed run left): {user_id: (count, team_id, [(lead_id, lead_name)])} with the team of
        most of the user's rows (the first one on a tie; None when all their teams were deleted
        since) and their first ``max_lines`` leads, oldest first. Two queries, whatever the
        number of rows."""
        cr = self.env.cr
        cr.execute("""
            SELECT user_id, team_id, count(*), min(id) FROM crm_lead_assignment_log
             WHERE kind = 'member' AND NOT notified AND user_id IS NOT NULL
             GROUP BY user_id, team_id
        """)
        best = {}  # user_id: (has a team, count, -first row id, team_id)
        totals = Counter()
        for user_id, team_id, count, first in cr.fetchall():
            totals[user_id] += count
            best[user_id] = max(best.get(user_id, (False, 0, 0, None)),
                                (bool(team_id), count, -first, team_id))
        if not totals:
            return {}
        cr.execute("""
            SELECT log.user_id, log.lead_id, lead.name
              FROM (SELECT id, user_id, lead_id,
                           row_number() OVER (PARTITION BY user_id ORDER BY id) AS line
                      FROM crm_lead_assignment_log
                     WHERE kind = 'member' AND NOT notified AND user_id IS NOT NULL) AS log
              JOIN crm_lead lead ON lead.id = log.lead_id
             WHERE log.line <= %s
             ORDER BY log.user_id, log.id
        """, (max_lines,))
        lines = {}
        for user_id, lead_id, name in cr.fetchall():
            lines.setdefault(user_id, []).append((lead_id, name))
        return {user_id: (total, best[user_id][3], lines.get(user_id, []))
                for user_id, total in totals.items()}

    @api.model
    def _routing_mark_notified(self):
        """Mark notified the rows ``_routing_pending_digests`` read. The same condition in the
        same transaction, whose snapshot does not move: the same rows, not those another
        transaction committed meanwhile."""
        self.env.cr.execute("""
            UPDATE crm_lead_assignment_log SET notified = TRUE
             WHERE kind = 'member' AND NOT notified AND user_id IS NOT NULL
        """)
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
        return True
