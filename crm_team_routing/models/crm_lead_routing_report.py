# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The routing report: one row per assignment (log rows ``member``, ``sla``, ``manual`` naming
a salesperson), with how fast it was followed up and how it ended."""
from odoo import fields, models, tools

from .crm_lead_assignment_log import LOG_RULES


class CrmLeadRoutingReport(models.Model):
    _name = 'crm.lead.routing.report'
    _description = "Lead Routing Analysis"
    _auto = False
    _order = 'date desc, id desc'
    _rec_name = 'lead_id'

    date = fields.Datetime(
        string="Assigned On",
        readonly=True,
    )
    lead_id = fields.Many2one(
        comodel_name='crm.lead',
        string="Lead",
        readonly=True,
    )
    team_id = fields.Many2one(
        comodel_name='crm.team',
        string="Sales Channel",
        readonly=True,
    )
    user_id = fields.Many2one(
        comodel_name='res.users',
        string="Salesperson",
        readonly=True,
    )
    company_id = fields.Many2one(
        comodel_name='res.company',
        string="Company",
        readonly=True,
    )
    kind = fields.Selection(
        selection=[
            ('member', 'Routing'),
            ('sla', 'Take-back'),
            ('manual', 'By hand'),
        ],
        string="Assigned By",
        readonly=True,
    )
    rule = fields.Selection(
        selection=LOG_RULES,
        readonly=True,
    )
    source_id = fields.Many2one(
        comodel_name='utm.source',
        string="Source",
        readonly=True,
    )
    medium_id = fields.Many2one(
        comodel_name='utm.medium',
        string="Medium",
        readonly=True,
    )
    campaign_id = fields.Many2one(
        comodel_name='utm.campaign',
        string="Campaign",
        readonly=True,
    )
    country_id = fields.Many2one(
        comodel_name='res.country',
        string="Country",
        readonly=True,
    )
    response_hours = fields.Float(
        group_operator='avg',
        readonly=True,
        help="Hours from the assignment to the salesperson's first follow-up; empty until "
             "touched. Averaged over the touched assignments.",
    )
    touched = fields.Boolean(
        string="Followed Up",
        readonly=True,
    )
    has_sla = fields.Boolean(
        string="With SLA",
        readonly=True,
        help="The team had a follow-up delay when the lead was assigned.",
    )
    within_sla = fields.Boolean(
        string="Within SLA",
        readonly=True,
        help="Followed up within the team's delay (its working hours when it counts only "
             "those); not when late, untouched or without SLA.",
    )
    taken_back = fields.Boolean(
        readonly=True,
    )
    won = fields.Boolean(
        readonly=True,
        help="The lead was won while with this salesperson.",
    )
    lost = fields.Boolean(
        readonly=True,
        help="The lead was lost while with this salesperson.",
    )
    # Measures of the pivot: numbers per row, summed or averaged by groups.
    assignment_count = fields.Integer(
        string="# Assignments",
        readonly=True,
    )
    within_sla_rate = fields.Float(
        string="% Within SLA",
        group_operator='avg',
        readonly=True,
        help="Share of the assignments with an SLA followed up within it (100 per row within, "
             "0 late or untouched, empty without SLA: the average is the percentage).",
    )
    taken_back_count = fields.Integer(
        string="# Taken Back",
        readonly=True,
    )
    won_count = fields.Integer(
        string="# Won",
        readonly=True,
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        # The log's columns are all the grouping needs; the lead gives the marketing origin
        # and the outcome. Won or lost counts for the row of the salesperson holding the lead.
        self.env.cr.execute("""
            CREATE VIEW crm_lead_routing_report AS (
                SELECT log.id, 1 AS assignment_count, log.date, log.lead_id, log.team_id,
                       log.user_id, log.company_id, log.kind, log.rule,
                       lead.source_id, lead.medium_id, lead.campaign_id, lead.country_id,
                       log.response_hours,
                       log.touch_date IS NOT NULL AS touched,
                       coalesce(log.sla_hours, 0) > 0 AS has_sla,
                       coalesce(log.within_sla, FALSE) AS within_sla,
                       coalesce(log.taken_back, FALSE) AS taken_back,
                       (lead.probability = 100 AND lead.active
                        AND lead.user_id = log.user_id) AS won,
                       (NOT lead.active AND lead.probability = 0
                        AND lead.user_id = log.user_id) AS lost,
                       CASE WHEN coalesce(log.sla_hours, 0) > 0
                            THEN CASE WHEN log.within_sla THEN 100.0 ELSE 0.0 END
                       END AS within_sla_rate,
                       CASE WHEN log.taken_back THEN 1 ELSE 0 END AS taken_back_count,
                       CASE WHEN lead.probability = 100 AND lead.active
                                 AND lead.user_id = log.user_id THEN 1 ELSE 0 END AS won_count
                  FROM crm_lead_assignment_log log
                  JOIN crm_lead lead ON lead.id = log.lead_id
                 WHERE log.kind IN ('member', 'sla', 'manual') AND log.user_id IS NOT NULL
            )
        """)
