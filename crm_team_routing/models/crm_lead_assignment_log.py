# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
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
    def _routing_pending_digests(self):
        """{user_id: [(log_id, lead_id, team_id, lead_name)]} for routing rows not notified yet
        (this run's, and those a killed run left), oldest first."""
        self.env.cr.execute("""
            SELECT log.user_id, log.id, log.lead_id, log.team_id, lead.name
              FROM crm_lead_assignment_log log
              JOIN crm_lead lead ON lead.id = log.lead_id
             WHERE log.kind = 'member' AND NOT log.notified AND log.user_id IS NOT NULL
             ORDER BY log.user_id, log.id
        """)
        pending = {}
        for user_id, log_id, lead_id, team_id, name in self.env.cr.fetchall():
            pending.setdefault(user_id, []).append((log_id, lead_id, team_id, name))
        return pending

    @api.multi
    def _routing_mark_notified(self):
        self.env.cr.execute(
            "UPDATE crm_lead_assignment_log SET notified = TRUE WHERE id IN %s", (tuple(self.ids),))
        self.invalidate_cache(['notified'], self.ids)

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
