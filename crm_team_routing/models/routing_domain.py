# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Routing filters: Odoo domains on crm.lead stored as text.

They are parsed with ``safe_eval`` (never ``eval``) and validated when saved: the text must give a
list and a test search must succeed inside a savepoint, so that a bad filter is refused with a
message naming the record instead of breaking a routing run later.
"""
from odoo import _
from odoo.exceptions import ValidationError

from ..routing.filters import parse_domain


def check_domain(record, field_name):
    """Constraint helper: validate ``record[field_name]`` as a filter on crm.lead."""
    text = record[field_name]
    try:
        domain = parse_domain(text)
        # A test search on the real table, rolled back whatever happens.
        with record.env.cr.savepoint():
            record.env['crm.lead'].sudo().search(domain, limit=1)
    except Exception as error:
        raise ValidationError(
            _("The filter of %(record)s is not valid: %(error)s\nFilter: %(filter)s")
            % {'record': record.display_name, 'error': error, 'filter': text})
