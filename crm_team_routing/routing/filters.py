# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Routing filters: Odoo domains on crm.lead stored as text, parsed with ``safe_eval``.

Pure helpers; the validation against the database, with the rights of the person saving the
filter, is the router's (``crm.lead.router._check_filter``).
"""
from odoo.osv.expression import TERM_OPERATORS
from odoo.tools.safe_eval import safe_eval

# Longer filters are refused as such: nobody writes 10,000 characters of conditions by hand.
MAX_FILTER_LENGTH = 10000
# Refusals quote at most this much of the filter.
QUOTE_LENGTH = 100


class FilterError(ValueError):
    """A filter that cannot be used; ``code`` says why, for a translated message."""

    def __init__(self, code, detail=''):
        super(FilterError, self).__init__(code, detail)
        self.code = code
        self.detail = detail


def parse_domain(text):
    """Return the domain list for ``text`` ('' and False mean all leads).

    :raise FilterError: 'too_long', 'syntax' or 'not_list'
    """
    if not text or not text.strip():
        return []
    if len(text) > MAX_FILTER_LENGTH:
        raise FilterError('too_long')
    try:
        domain = safe_eval(text)
    except Exception as error:  # safe_eval raises ValueError, SyntaxError, NameError...
        raise FilterError('syntax', error.__class__.__name__)
    if not isinstance(domain, (list, tuple)):
        raise FilterError('not_list')
    for leaf in domain:
        if isinstance(leaf, str) and leaf in ('&', '|', '!'):
            continue
        if not isinstance(leaf, (list, tuple)) or len(leaf) != 3 \
                or not isinstance(leaf[0], (str, int)) or leaf[1] not in TERM_OPERATORS:
            raise FilterError('leaf', quote(repr(leaf)))
    return list(domain)


def field_paths(domain):
    """The field paths a domain reads, as tuples of names: ``('partner_id', 'lang')``."""
    paths = set()
    for leaf in domain:
        if isinstance(leaf, (list, tuple)) and isinstance(leaf[0], str):
            paths.add(tuple(leaf[0].split('.')))
    return paths


def quote(text, length=QUOTE_LENGTH):
    """At most ``length`` characters of ``text``, with an ellipsis when cut."""
    text = text or ''
    return text if len(text) <= length else text[:length] + '…'
