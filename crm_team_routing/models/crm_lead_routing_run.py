# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A record of every routing run: when, who, what it did, and how it ended.

Written by the router (``crm.lead.router._run``, models/crm_lead_router_runs.py) on a cursor of
its own at the start and at the end of a run, so that a run killed half way stays ``running``
(shown "interrupted" once the routing lock is free) and a crashed run keeps its error."""
from odoo import api, fields, models

from .crm_lead_router import ROUTING_LOCK_KEY

RUN_MODES = [
    ('cron', 'Scheduled routing'),
    ('sla', 'SLA take-back'),
    ('button', 'Team button'),
    ('wizard', 'Mass assignment'),
    ('server_action', 'Server action'),
    ('create', 'Route on create'),
    ('hand_back', 'Hand back'),
]
RUN_STATES = [
    ('running', 'Running'),
    ('done', 'Done'),
    ('failed', 'Failed'),
    ('skipped', 'Skipped (busy)'),
]


class CrmLeadRoutingRun(models.Model):
    _name = 'crm.lead.routing.run'
    _description = "Lead Routing Run"
    _order = 'date_start desc, id desc'
    _rec_name = 'date_start'
    # Written by the router only, two statements a run: no create/write columns.
    _log_access = False

    mode = fields.Selection(
        selection=RUN_MODES,
        required=True,
        readonly=True,
    )
    user_id = fields.Many2one(
        comodel_name='res.users',
        string="Started By",
        ondelete='set null',
        readonly=True,
    )
    team_ids = fields.Many2many(
        comodel_name='crm.team',
        relation='crm_lead_routing_run_team_rel',
        column1='run_id',
        column2='team_id',
        string="Sales Channels",
        readonly=True,
    )
    date_start = fields.Datetime(
        string="Started",
        required=True,
        index=True,
        readonly=True,
    )
    duration = fields.Float(
        string="Duration (s)",
        readonly=True,
    )
    state = fields.Selection(
        selection=RUN_STATES,
        required=True,
        default='running',
        index=True,
        readonly=True,
    )
    status = fields.Selection(
        selection=RUN_STATES + [('interrupted', 'Interrupted')],
        compute='_compute_status',
        help="The state; a run still 'running' while no run holds the routing lock was "
             "interrupted (its process was killed).",
    )
    lead_count = fields.Integer(
        string="Leads Looked At",
        readonly=True,
    )
    team_count = fields.Integer(
        string="Entered a Team",
        readonly=True,
    )
    member_count = fields.Integer(
        string="Given to Salespeople",
        readonly=True,
    )
    waiting_count = fields.Integer(
        string="Left Waiting",
        readonly=True,
    )
    takeback_count = fields.Integer(
        string="Taken Back",
        readonly=True,
    )
    error = fields.Text(
        readonly=True,
    )

    @api.model
    def _routing_lock_free(self):
        """Whether no session holds the routing lock (read, never taken)."""
        self.env.cr.execute("""
            SELECT NOT EXISTS (SELECT 1 FROM pg_locks
                                WHERE locktype = 'advisory' AND granted
                                  AND classid = 0 AND objid = %s AND objsubid = 1)
        """, (ROUTING_LOCK_KEY,))
        return self.env.cr.fetchone()[0]

    @api.depends('state')
    def _compute_status(self):
        running = self.filtered(lambda run: run.state == 'running')
        free = bool(running) and self._routing_lock_free()
        for run in self:
            run.status = 'interrupted' if run.state == 'running' and free else run.state

    @api.model
    def _routing_purge(self, before):
        """Drop the runs started before ``before`` (with the log's purge)."""
        self.env.cr.execute("DELETE FROM crm_lead_routing_run WHERE date_start < %s",
                            (before,))
        self.invalidate_cache()
