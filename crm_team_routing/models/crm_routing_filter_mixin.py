# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The language a routing filter's names are compared in (DESIGN.md: "names compared in the
language of the person who saved the filter (stored with it)").

Odoo 11's domain editor writes what the person typed: "Quốc gia = Việt Nam" is stored as
``[('country_id', '=', 'Việt Nam')]``, and the form counts its matches in that person's
language. A run (the cron, another person's button) must compare the names in that same
language, or the filter that showed 5 matches routes none. Teams, members, scoring and share
rules keep the language next to their filter; the router searches every filter in it
(``crm.lead.router._filter_select``).
"""
from odoo import api, fields, models


class CrmRoutingFilterMixin(models.AbstractModel):
    _name = 'crm.routing.filter.mixin'
    _description = "Routing Filter Language"

    # The field holding the filter (a domain on leads, as text).
    _routing_filter_field = 'assignment_domain'

    filter_lang = fields.Char(
        string="Filter Language",
        readonly=True,
        help="The language the names in the filter (a country's, a tag's) are compared in: "
             "the language of the person who last saved the filter, in which they saw its "
             "matches.",
    )

    def _routing_filter_lang_values(self, values):
        """``values`` with the saver's language when they change the filter."""
        if self._routing_filter_field in values:
            values = dict(values, filter_lang=self.env.lang or 'en_US')
        return values

    @api.model
    def create(self, values):
        return super(CrmRoutingFilterMixin, self).create(
            self._routing_filter_lang_values(values))

    @api.multi
    def write(self, values):
        return super(CrmRoutingFilterMixin, self).write(self._routing_filter_lang_values(values))
