# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The existing account on crm.lead (DESIGN.md revision 3, "The existing account"): the tax ID
(``vat``, "Tax ID / MST") and the stored keys (indexed where set, ``crm_lead.init``) that
recognise a known company in a new lead, whoever writes and however its name is typed:
``vat_key``, ``company_name_key``, ``email_domain`` (the same keys as on res.partner). Their
install-time fill in SQL batches, the tax ID carried between a lead and its customer, and the
"Same customer" button widened to the same account. The owner step that uses the keys is in
crm_lead_router_owner.py.
"""
from odoo import api, fields, models, tools
from odoo.osv import expression

from ..routing import keys
from .res_partner import ACCOUNT_KEYS, fill_keys


class CrmLead(models.Model):
    _inherit = 'crm.lead'

    vat = fields.Char(
        string="Tax ID / MST",
        help="The customer company's tax identification number (mã số thuế), as given: routing "
             "recognises it however it is typed (blanks, dots, a 'VN' prefix, a branch's "
             "'-001').",
    )
    vat_key = fields.Char(
        string="Tax ID Key",
        compute='_compute_vat_key',
        store=True,
        copy=False,
        help="The digits of the tax ID (country prefix, blanks, dots and dashes dropped): how "
             "routing recognises the customer with that tax ID.",
    )
    company_name_key = fields.Char(
        compute='_compute_company_name_key',
        store=True,
        copy=False,
        help="The company name lower-cased, without accents, punctuation and legal forms "
             "(\"CÔNG TY TNHH ABC\" and \"Cty ABC\" give \"abc\"): how routing recognises a "
             "known company.",
    )
    email_domain = fields.Char(
        compute='_compute_email_domain',
        store=True,
        copy=False,
        help="The domain of the normalized email; free-mail domains (system parameter "
             "crm_team_routing.free_email_domains) never match.",
    )
    same_customer_count = fields.Integer(
        help="Open leads and opportunities of the same customer, email or phone, or of the "
             "same account (tax ID, company name, corporate email domain), that you may read.",
    )

    @api.model_cr_context
    def _auto_init(self):
        # New key columns are filled here, in SQL batches, before the ORM would compute them
        # record by record (and before their indexes exist: built once, not maintained).
        cr = self.env.cr
        new = [name for name in ACCOUNT_KEYS if not tools.column_exists(cr, self._table, name)]
        for name in new:
            tools.create_column(cr, self._table, name, 'varchar', self._fields[name].string)
        if new:
            self._routing_fill_account_keys()
        return super(CrmLead, self)._auto_init()

    @api.depends('vat')
    def _compute_vat_key(self):
        for lead in self:
            lead.vat_key = keys.vat_key(lead.vat) or False

    @api.depends('partner_name')
    def _compute_company_name_key(self):
        for lead in self:
            lead.company_name_key = keys.company_name_key(lead.partner_name) or False

    @api.depends('email_normalized')
    def _compute_email_domain(self):
        for lead in self:
            lead.email_domain = keys.email_domain(lead.email_normalized) or False

    @api.model
    def _routing_fill_account_keys(self):
        """``vat_key``, ``company_name_key`` and ``email_domain`` of every lead, in SQL batches
        (install, upgrade). The domain is read from ``email_from`` as ``email_normalized``
        reads it: that column may be filled after this one."""
        cr = self.env.cr
        # At install the tax ID column does not exist yet: no lead has one.
        vat = 'vat' if tools.column_exists(cr, self._table, 'vat') else 'NULL'
        fill_keys(cr, 'crm_lead', """
            SELECT id, {vat}, partner_name, email_from FROM crm_lead
             WHERE id > %(after)s
               AND ({vat} IS NOT NULL OR partner_name IS NOT NULL OR email_from IS NOT NULL)
             ORDER BY id LIMIT %(limit)s
        """.format(vat=vat), lambda row: (
            keys.vat_key(row[0]),
            keys.company_name_key(row[1]),
            keys.email_domain(keys.normalize_email(row[2])),
        ), list(ACCOUNT_KEYS))
        self.invalidate_cache(list(ACCOUNT_KEYS))

    # ------------------------------------------------------------------------------------------
    # The tax ID between a lead and its customer
    # ------------------------------------------------------------------------------------------

    @api.model
    def _onchange_partner_id_values(self, partner_id):
        """Choosing a customer also gives the lead its company's tax ID, when it has one."""
        values = super(CrmLead, self)._onchange_partner_id_values(partner_id)
        if partner_id:
            vat = self.env['res.partner'].browse(partner_id).commercial_partner_id.vat
            if vat:
                values['vat'] = vat
        return values

    @api.multi
    def _create_lead_partner_data(self, name, is_company, parent_id=False):
        """The company a conversion creates, or the contact created without a company, gets the
        lead's tax ID (a contact of a company has its company's, as Odoo syncs it)."""
        values = super(CrmLead, self)._create_lead_partner_data(name, is_company,
                                                                parent_id=parent_id)
        if self.vat and not parent_id:
            values['vat'] = self.vat
        return values

    # ------------------------------------------------------------------------------------------
    # The "Same customer" button: the same account too
    # ------------------------------------------------------------------------------------------

    @api.multi
    def _get_same_customer_domain(self):
        """Also the open leads and opportunities of the same account: the same tax ID, company
        name key or corporate email domain (never a free-mail one)."""
        self.ensure_one()
        domain = super(CrmLead, self)._get_same_customer_domain()
        account = [(name, '=', value) for name, value in (
            ('vat_key', self.vat_key),
            ('company_name_key', self.company_name_key),
            ('email_domain', keys.corporate_domain(
                self.email_domain, self.env['res.partner']._routing_free_email_domains())),
        ) if value]
        if not account:
            return domain
        # Odoo 11's expression.OR does not normalise its operands: done here.
        account = expression.normalize_domain(
            [('id', '!=', self.id), ('probability', '<', 100),
             ('company_id', '=', self.company_id.id)] + ['|'] * (len(account) - 1) + account)
        if not domain:
            return account
        return ['|'] + expression.normalize_domain(domain) + account

    @api.depends('vat', 'partner_name')
    def _compute_same_customer_count(self):
        return super(CrmLead, self)._compute_same_customer_count()
