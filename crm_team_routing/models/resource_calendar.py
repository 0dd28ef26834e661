# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResourceCalendar(models.Model):
    _inherit = 'resource.calendar'

    # A routing member's working hours are shown to salespeople in their language: core's
    # "Standard 40 Hours/Week" reads "Tiêu chuẩn 40 giờ/tuần" in Vietnamese (i18n/vi.po
    # translates core's record, resource.resource_calendar_std). Odoo 11 stores the name in
    # one language only; translatable, each person reads it in theirs.
    name = fields.Char(
        translate=True,
    )
