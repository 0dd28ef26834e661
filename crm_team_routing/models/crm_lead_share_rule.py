# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..routing import policy
from ..routing.filters import parse_domain
from ..routing.reasons import text as reason_text

_logger = logging.getLogger(__name__)


class CrmLeadShareRule(models.Model):
    _name = 'crm.lead.share.rule'
    _description = "Lead Share Rule"
    _inherit = ['crm.routing.filter.mixin']
    _routing_filter_field = 'domain'
    _order = 'name, id'

    name = fields.Char(
        required=True,
        translate=True,
    )
    active = fields.Boolean(
        default=True,
    )
    campaign_id = fields.Many2one(
        comodel_name='utm.campaign',
        string="Campaign",
        required=True,
        ondelete='cascade',
        help="Leads of this campaign marked 'To share' are shared by this rule.",
    )
    domain = fields.Char(
        string="Extra Filter",
        default='[]',
        help="Optional: share only the leads of the campaign that also match this filter.",
    )
    filter_text = fields.Char(
        string="Extra Filter in Words",
        compute='_compute_filter_text',
        help="The filter as the domain editor reads it, in your language.",
    )
    user_ids = fields.Many2many(
        comodel_name='res.users',
        relation='crm_lead_share_rule_user_rel',
        column1='rule_id',
        column2='user_id',
        string="Share With",
        domain=[('share', '=', False)],
        help="These users may read the shared leads, nothing more.",
    )
    company_id = fields.Many2one(
        comodel_name='res.company',
        string="Company",
        default=lambda self: self.env['res.company']._company_default_get('crm.lead.share.rule'),
    )

    @api.depends('domain', 'filter_lang')
    def _compute_filter_text(self):
        texts = self.env['crm.lead.router']._filter_texts_of(self)
        for rule, text in zip(self, texts):
            rule.filter_text = text

    @api.constrains('domain')
    def _check_domain(self):
        for rule in self:
            self.env['crm.lead.router']._check_filter(rule, 'domain')

    @api.constrains('user_ids', 'company_id')
    def _check_user_ids(self):
        """At least one user; internal users who work for the rule's company."""
        # The relation as stored: reading user_ids applies the field's domain, which hides
        # the very portal users this check is about.
        self.env.cr.execute("""
            SELECT rule_id, array_agg(user_id) FROM crm_lead_share_rule_user_rel
             WHERE rule_id = ANY(%s) GROUP BY rule_id
        """, (self.ids,))
        users_of = dict(self.env.cr.fetchall())
        for rule in self.sudo():
            users = self.env['res.users'].sudo().browse(users_of.get(rule.id, []))
            if not users:
                raise ValidationError(_("Share rule %s: choose at least one user to share the "
                                        "leads with.") % rule.name)
            for user in users:
                if user.share:
                    raise ValidationError(_("Share rule %(rule)s: %(user)s is not an internal "
                                            "user.") % {'rule': rule.name, 'user': user.name})
                if rule.company_id and rule.company_id not in user.company_ids:
                    raise ValidationError(_("Share rule %(rule)s: %(user)s does not work for "
                                            "%(company)s.") % {
                        'rule': rule.name, 'user': user.name, 'company': rule.company_id.name})

    @api.model
    def _cron_apply_share_rules(self):
        """Scheduled action: apply every active share rule."""
        # A system path: the cron user applies the configuration of every company.
        self.sudo().search([])._apply_share_rules()
        return True

    @api.multi
    def action_apply(self):
        """Button: apply these rules now (sales managers, rules of their companies; a rule
        without a company only to the leads of the manager's companies)."""
        router = self.env['crm.lead.router']
        person = router._routing_person()
        router._routing_refuse(policy.check_rules_apply(
            person, 'share_rules_manager_only', self.sudo().mapped('company_id').ids))
        self._apply_share_rules(companies=policy.run_companies(person, 'manager'))
        return {
            'type': 'ir.actions.client',
            'tag': 'reload',
        }

    @api.multi
    def _apply_share_rules(self, companies=None):
        """Share the 'to share' leads of each rule's campaign with those of the rule's users
        who work for each lead's company (leads of ``companies`` only, when given: a person's
        run, checked by the one sharing policy as them): one search and a few set-based
        statements per rule and company, whatever the number of leads. Returns the number of
        leads shared. The callers checked who may apply the rules."""
        router = self.env['crm.lead.router']
        # A person's run reads the leads with their rights; the cron reads them all.
        Lead = self.env['crm.lead'] if companies is not None else self.env['crm.lead'].sudo()
        total = 0
        for rule in self.sudo().filtered(lambda r: r.active and r.user_ids):
            domain = [('campaign_id', '=', rule.campaign_id.id), ('share_state', '=', 'to_share')]
            if rule.company_id:
                domain.append(('company_id', '=', rule.company_id.id))
            if companies is not None:
                domain += ['|', ('company_id', '=', False), ('company_id', 'in', sorted(companies))]
            try:
                with self.env.cr.savepoint():
                    rows = router._filter_select(
                        domain + parse_domain(rule.domain), rule.filter_lang,
                        ['id', 'company_id'], flat=False, sudo=companies is None)
            except Exception as error:
                _logger.error("Share rule %s skipped: invalid filter (%s)", rule.name, error)
                continue
            reason = reason_text('share_rule', users=', '.join(rule.user_ids.mapped('name')),
                                 rule=rule.name)
            by_company = {}
            for lead_id, company_id in rows:
                by_company.setdefault(company_id or None, []).append(lead_id)
            for company_id, lead_ids in sorted(by_company.items(), key=lambda item: item[0] or 0):
                # Nobody is shared a lead of a company they do not work for.
                users = rule.user_ids.filtered(lambda user: policy.may_receive(
                    user.active, user.share, user.company_ids.ids, company_id))
                if not users:
                    continue
                if companies is not None:
                    router._check_share(Lead.browse(lead_ids), users.sudo(self.env.uid))
                Lead.sudo().browse(lead_ids)._routing_share(users, reason)
                total += len(lead_ids)
        return total
