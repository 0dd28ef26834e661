# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo import api, fields, models

from ..routing import policy
from ..routing.filters import parse_domain

_logger = logging.getLogger(__name__)

SCORING_BATCH_SIZE = 50000


class CrmLeadScoringRule(models.Model):
    _name = 'crm.lead.scoring.rule'
    _description = "Lead Scoring Rule"
    _inherit = ['crm.routing.filter.mixin']
    _routing_filter_field = 'domain'
    _order = 'sequence, id'

    name = fields.Char(
        required=True,
        translate=True,
    )
    sequence = fields.Integer(
        default=10,
    )
    active = fields.Boolean(
        default=True,
    )
    domain = fields.Char(
        string="Filter",
        required=True,
        default='[]',
        help="Leads matching this filter receive the points of the rule.",
    )
    filter_text = fields.Char(
        string="Filter in Words",
        compute='_compute_filter_text',
        help="The filter as the domain editor reads it, in your language.",
    )
    points = fields.Float(
        default=10.0,
        help="Added to the score of every lead matching the filter (may be negative).",
    )
    company_id = fields.Many2one(
        comodel_name='res.company',
        string="Company",
        default=lambda self: self.env['res.company']._company_default_get(
            'crm.lead.scoring.rule'),
        help="Applies to the leads of this company; empty applies to every company.",
    )

    @api.constrains('domain')
    def _check_domain(self):
        for rule in self:
            self.env['crm.lead.router']._check_filter(rule, 'domain')

    @api.depends('domain', 'filter_lang')
    def _compute_filter_text(self):
        texts = self.env['crm.lead.router']._filter_texts_of(self)
        for rule, text in zip(self, texts):
            rule.filter_text = text

    @api.model
    def _routing_scores(self, domain, company_of):
        """{lead_id: score} for the leads of ``company_of`` ({lead_id: company_id}), which
        ``domain`` selects: one search per active rule, whatever the number of leads. A rule of
        a company scores only the leads of that company."""
        scores = dict.fromkeys(company_of, 0.0)
        if not scores:
            return scores
        router = self.env['crm.lead.router'].with_context(active_test=False)
        # Rules are configuration: applied whoever creates or routes the lead.
        for rule in self.sudo().search([]):
            try:
                with self.env.cr.savepoint():
                    matched = router._filter_select(domain + parse_domain(rule.domain),
                                                    rule.filter_lang, sudo=True)
            except Exception as error:
                _logger.error("Scoring rule %s skipped: invalid filter (%s)", rule.name, error)
                continue
            company_id, points = rule.company_id.id, rule.points  # read once, not per lead
            for lead_id in matched:
                if lead_id in scores and (not company_id or company_of[lead_id] == company_id):
                    scores[lead_id] += points
        return scores

    @api.multi
    def action_recompute_scores(self):
        """Recompute the score of every open lead of the manager's companies, in batches: a
        rule without a company scores only the leads of those companies."""
        router = self.env['crm.lead.router']
        person = router._routing_person()
        router._routing_refuse(policy.check_rules_apply(
            person, 'scores_manager_only', self.sudo().mapped('company_id').ids))
        domain = [('probability', '<', 100)]
        companies = policy.run_companies(person, 'manager')
        if companies is not None:
            domain += ['|', ('company_id', '=', False), ('company_id', 'in', sorted(companies))]
        # Checked: a manager rescores the leads of their companies, which they may all write.
        Lead = self.env['crm.lead'].sudo()
        rows = Lead._routing_select(domain, ['id', 'score', 'company_id'])
        for start in range(0, len(rows), SCORING_BATCH_SIZE):
            batch = rows[start:start + SCORING_BATCH_SIZE]
            scores = self._routing_scores([('id', 'in', [row[0] for row in batch])],
                                          {row[0]: row[2] for row in batch})
            Lead._routing_write_scores({row[0]: scores[row[0]] for row in batch
                                        if (row[1] or 0.0) != scores[row[0]]})
        return {
            'type': 'ir.actions.client',
            'tag': 'reload',
        }
