# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Routing filters in words, like the readable form of Odoo's domain editor:
``[('country_id.code', '=', 'VN'), ('score', '>=', 50)]`` reads
"Country ▸ Country Code = VN and Score ≥ 50".

Plain Python: the caller gives the field metadata (``fields_get``-like, already in the reader's
language), the words (translated by the caller) and, optionally, the names of records a filter
points at by id. Nothing here reads the database.
"""
from odoo.osv.expression import normalize_domain


def _(source):
    """Marks a word for the translation template; the caller translates it (``WORDS``)."""
    return source


# The words of a filter in words; the caller passes their translations (same keys).
WORDS = {
    'all': _("All leads"),
    'and': _("and"),
    'or': _("or"),
    'not': _("not"),
    'always': _("always"),
    'never': _("never"),
    'set': _("is set"),
    'not_set': _("is not set"),
    'true': _("is true"),
    'false': _("is false"),
    'in': _("is in"),
    'not in': _("is not in"),
    'like': _("contains"),
    'ilike': _("contains"),
    'not like': _("does not contain"),
    'not ilike': _("does not contain"),
    '=like': _("matches"),
    '=ilike': _("matches"),
    'child_of': _("is under"),
    'parent_of': _("is above"),
    # Core's Vietnamese calls a lead's state_id "Trạng thái" (status); filters say province.
    'state_id': _("State / Province"),
    # After a filter that compares names (a country's "Việt Nam"): in which language.
    'names_in': _("names as written in %s"),
}
# Fields shown under the module's own label (WORDS key), whatever their core translation.
LABELS = {('res.country.state', 'state_id'): 'state_id'}
SYMBOLS = {'=': '=', '==': '=', '=?': '=', '!=': '≠', '<>': '≠', '<': '<', '>': '>',
           '<=': '≤', '>=': '≥'}
PATH_SEPARATOR = ' ▸ '
RELATIONAL = ('many2one', 'many2many', 'one2many')


def describe(domain, model, fields_of, words=None, names=None):
    """The domain (a parsed list) in words.

    :param model: the model the domain is on (``'crm.lead'``)
    :param fields_of: ``fields_of(model)`` returns ``{name: {'string', 'type', 'relation',
        'selection'}}`` (what ``fields_get`` returns), in the reader's language; an unknown
        field is shown by its technical name
    :param words: translations of ``WORDS`` (same keys); English when not given
    :param names: ``names(model, ids)`` returns ``{id: display name}`` of the records a filter
        points at by id, those the reader may read (the others are shown as ``#id``)
    """
    words = dict(WORDS, **(words or {}))
    if not domain:
        return words['all']
    tree = _tree(iter(normalize_domain(list(domain))))
    return _render(tree, model, fields_of, words, names, top=True)


def _tree(tokens):
    """('&', [children]) / ('|', [children]) / ('!', child) / ('leaf', leaf) from Polish
    notation; nested '&' (or '|') are flattened into one list."""
    token = next(tokens)
    if token in ('&', '|'):
        children = []
        for child in (_tree(tokens), _tree(tokens)):
            if child[0] == token:
                children.extend(child[1])
            else:
                children.append(child)
        return (token, children)
    if token == '!':
        return ('!', _tree(tokens))
    return ('leaf', token)


def _render(node, model, fields_of, words, names, top=False):
    kind = node[0]
    if kind == 'leaf':
        return _leaf(node[1], model, fields_of, words, names)
    if kind == '!':
        inner = _render(node[1], model, fields_of, words, names, top=True)
        return '%s (%s)' % (words['not'], inner)
    joiner = ' %s ' % words['and' if kind == '&' else 'or']
    text = joiner.join(_render(child, model, fields_of, words, names) for child in node[1])
    return text if top else '(%s)' % text


def _leaf(leaf, model, fields_of, words, names):
    path, operator, value = leaf
    if not isinstance(path, str):  # TRUE_LEAF (1, '=', 1) and FALSE_LEAF (0, '=', 1)
        return words['always'] if path == value else words['never']
    labels, field = [], None
    current = model
    for name in path.split('.'):
        field = (fields_of(current) or {}).get(name) if current else None
        own = LABELS.get((field.get('relation'), name)) if field else None
        labels.append(words[own] if own else field.get('string') or name if field else name)
        current = field.get('relation') if field else None
    label = PATH_SEPARATOR.join(labels)
    ftype = field.get('type') if field else None
    equality = operator in ('=', '==', '!=', '<>')
    if equality and (value is None or value is False and ftype != 'boolean'):
        return '%s %s' % (label, words['not_set' if operator in ('=', '==') else 'set'])
    if ftype == 'boolean' and equality:
        truth = bool(value) == (operator in ('=', '=='))
        return '%s %s' % (label, words['true' if truth else 'false'])
    shown = _value(value, field, names)
    if operator in SYMBOLS:
        return '%s %s %s' % (label, SYMBOLS[operator], shown)
    if operator in ('in', 'not in'):
        shown = '(%s)' % shown
    return '%s %s %s' % (label, words.get(operator, operator), shown)


def _is_id(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _value(value, field, names, found=None):
    ftype = field.get('type') if field else None
    if found is None and ftype in RELATIONAL and field.get('relation') and names:
        # The names of every id of the value, in one call.
        ids = [item for item in (value if isinstance(value, (list, tuple)) else [value])
               if _is_id(item)]
        found = names(field['relation'], ids) if ids else {}
    if isinstance(value, (list, tuple)):
        return ', '.join(_value(item, field, names, found or {}) for item in value)
    if ftype == 'selection' and not isinstance(value, bool):
        return dict(field.get('selection') or ()).get(value, str(value))
    if ftype in RELATIONAL and _is_id(value):
        return (found or {}).get(value) or '#%d' % value
    if isinstance(value, float):
        return ('%f' % value).rstrip('0').rstrip('.')
    return str(value)


def compares_names(domain, model, fields_of):
    """Whether the domain (a parsed list) compares names, whose meaning depends on the
    language: a text value on a relational field (``('country_id', '=', 'Việt Nam')``, which
    Odoo 11's domain editor writes) or on a translated field (``country_id.name``)."""
    for leaf in domain:
        if not isinstance(leaf, (list, tuple)) or not isinstance(leaf[0], str):
            continue
        values = leaf[2] if isinstance(leaf[2], (list, tuple)) else [leaf[2]]
        if not any(isinstance(value, str) and value for value in values):
            continue
        field, current = None, model
        for name in leaf[0].split('.'):
            field = (fields_of(current) or {}).get(name) if current else None
            current = field.get('relation') if field else None
        if field and (field.get('type') in RELATIONAL or field.get('translate')):
            return True
    return False
