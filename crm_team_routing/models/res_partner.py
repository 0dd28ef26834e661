# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import time

from psycopg2.extras import execute_values

from odoo import api, fields, models, tools

from ..routing import keys

_logger = logging.getLogger(__name__)

# Rows read and written per statement when the keys of existing records are filled.
KEYS_FILL_BATCH = 20000
# The keys of the existing account, on partners and leads alike.
ACCOUNT_KEYS = ('vat_key', 'company_name_key', 'email_domain')


def fill_keys(cr, table, select, compute, columns):
    """Fill the matching-key ``columns`` of every row of ``table``, in batches, without the ORM.

    Odoo 11 computes a new stored field for all existing records through the ORM (a search, then
    the compute and one UPDATE per record): many minutes for 100,000 leads. Here the inputs are
    read by id ranges, the keys computed in plain Python and written with one statement per batch.

    :param select: SQL giving ``(id, ...inputs)`` rows with ``id > %(after)s``, ordered by id,
        at most ``%(limit)s`` of them
    :param compute: function of an input row (without its id) giving the tuple of ``columns``
    """
    start, after, written = time.time(), 0, 0
    assignments = ', '.join('"%s" = v."%s"' % (column, column) for column in columns)
    names = ', '.join('"%s"' % column for column in columns)
    while True:
        cr.execute(select, {'after': after, 'limit': KEYS_FILL_BATCH})
        rows = cr.fetchall()
        if not rows:
            break
        after = rows[-1][0]
        values = []
        for row in rows:
            computed = compute(row[1:])
            if any(computed):
                values.append((row[0],) + tuple(value or None for value in computed))
        if values:
            execute_values(cr, 'UPDATE "%s" SET %s FROM (VALUES %%s) AS v(id, %s) '
                               'WHERE "%s".id = v.id' % (table, assignments, names, table),
                           values, page_size=len(values))
            written += len(values)
    _logger.info("Matching keys %s of %s filled for %d rows in %.1fs", names, table, written,
                 time.time() - start)


class ResPartner(models.Model):
    _inherit = 'res.partner'

    phone_sanitized = fields.Char(
        string="Phone (E.164)",
        compute='_compute_phone_sanitized',
        store=True,
        index=True,
        copy=False,
        help="The mobile, else the phone, in international format (+84912345678), to recognise "
             "the customer whatever the way the number was typed; empty when it is not valid.",
    )

    # The existing account (DESIGN.md revision 3): the keys crm.lead has too.
    vat_key = fields.Char(
        string="Tax ID Key",
        compute='_compute_vat_key',
        store=True,
        index=True,
        copy=False,
        help="The digits of the tax ID (country prefix, blanks, dots and dashes dropped): how "
             "routing recognises a known company in a new lead.",
    )
    company_name_key = fields.Char(
        compute='_compute_company_name_key',
        store=True,
        index=True,
        copy=False,
        help="A company's name lower-cased, without accents, punctuation and legal forms "
             "(\"CÔNG TY TNHH ABC\" and \"Cty ABC\" give \"abc\"): how routing recognises a "
             "known company in a new lead.",
    )
    email_domain = fields.Char(
        compute='_compute_email_domain',
        store=True,
        index=True,
        copy=False,
        help="The domain of the email address; free-mail domains (system parameter "
             "crm_team_routing.free_email_domains) never match.",
    )

    @api.model_cr_context
    def _auto_init(self):
        # New columns are filled here, in SQL batches, before the ORM would compute them record
        # by record (and before their indexes exist: building one once is cheaper than
        # maintaining it).
        cr = self.env.cr
        new = not tools.column_exists(cr, self._table, 'phone_sanitized')
        if new:
            tools.create_column(cr, self._table, 'phone_sanitized', 'varchar',
                                self._fields['phone_sanitized'].string)
            self._routing_fill_keys()
        new = [name for name in ACCOUNT_KEYS if not tools.column_exists(cr, self._table, name)]
        for name in new:
            tools.create_column(cr, self._table, name, 'varchar', self._fields[name].string)
        if new:
            self._routing_fill_account_keys()
        return super(ResPartner, self)._auto_init()

    @api.model_cr
    def init(self):
        # Customers are matched on their email whatever its case ("Lan@Acme.vn").
        self.env.cr.execute("""
            CREATE INDEX IF NOT EXISTS res_partner_email_lower_idx ON res_partner (lower(email))
        """)

    @api.depends('phone', 'mobile', 'country_id', 'company_id')
    def _compute_phone_sanitized(self):
        default = self._routing_phone_default_region()
        for partner in self:
            # The company's country is configuration a contact's reader may not read.
            region = keys.region_code(partner.country_id.code,
                                      partner.sudo().company_id.country_id.code, default)
            partner.phone_sanitized = keys.sanitize_phones(
                [partner.mobile, partner.phone], region) or False

    @api.model
    def _routing_phone_default_region(self):
        """Region of national numbers of records with no country and no company country:
        system parameter ``crm_team_routing.phone_default_region`` (default VN)."""
        # A system parameter, which plain users may not read.
        value = self.env['ir.config_parameter'].sudo().get_param(
            'crm_team_routing.phone_default_region', keys.DEFAULT_REGION)
        return keys.region_code(value)

    @api.model
    def _routing_fill_keys(self):
        """``phone_sanitized`` of every partner, in SQL batches (install, upgrade)."""
        default = self._routing_phone_default_region()
        fill_keys(self.env.cr, 'res_partner', """
            SELECT p.id, p.phone, p.mobile, country.code, company_country.code
              FROM res_partner p
              LEFT JOIN res_country country ON country.id = p.country_id
              LEFT JOIN res_company company ON company.id = p.company_id
              -- A company's address, country included, is that of its partner.
              LEFT JOIN res_partner company_partner ON company_partner.id = company.partner_id
              LEFT JOIN res_country company_country
                        ON company_country.id = company_partner.country_id
             WHERE p.id > %(after)s AND (p.phone IS NOT NULL OR p.mobile IS NOT NULL)
             ORDER BY p.id LIMIT %(limit)s
        """, lambda row: (keys.sanitize_phones(
            [row[1], row[0]], keys.region_code(row[2], row[3], default)),), ['phone_sanitized'])
        self.invalidate_cache(['phone_sanitized'])

    @api.depends('vat')
    def _compute_vat_key(self):
        for partner in self:
            partner.vat_key = keys.vat_key(partner.vat) or False

    @api.depends('name', 'is_company')
    def _compute_company_name_key(self):
        for partner in self:
            partner.company_name_key = partner.is_company \
                and keys.company_name_key(partner.name) or False

    @api.depends('email')
    def _compute_email_domain(self):
        for partner in self:
            partner.email_domain = keys.email_domain(keys.normalize_email(partner.email)) or False

    @api.model
    def _routing_fill_account_keys(self):
        """``vat_key``, ``company_name_key`` and ``email_domain`` of every partner, in SQL
        batches (install, upgrade)."""
        fill_keys(self.env.cr, 'res_partner', """
            SELECT id, vat, name, is_company, email FROM res_partner
             WHERE id > %(after)s
               AND (vat IS NOT NULL OR is_company OR email IS NOT NULL)
             ORDER BY id LIMIT %(limit)s
        """, lambda row: (
            keys.vat_key(row[0]),
            keys.company_name_key(row[1]) if row[2] else '',
            keys.email_domain(keys.normalize_email(row[3])),
        ), list(ACCOUNT_KEYS))
        self.invalidate_cache(list(ACCOUNT_KEYS))

    @api.model
    def _routing_free_email_domains(self):
        """The free-mail domains, never matched (system parameter
        ``crm_team_routing.free_email_domains``, comma-separated; default ``keys``'s list)."""
        # A system parameter, which plain users may not read.
        return keys.free_email_domains(self.env['ir.config_parameter'].sudo().get_param(
            'crm_team_routing.free_email_domains'))
