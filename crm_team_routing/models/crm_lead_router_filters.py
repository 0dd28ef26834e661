# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Routing filters: validated with the rights of the person saving them.

Used by teams, members, scoring and share rules (their constraints), by the run (which
checks the fields again) and by the screens that show a filter in words.
"""
from odoo import _, api, models
from odoo.exceptions import AccessError, ValidationError

from ..routing import filter_text
from ..routing.filters import FilterError, field_paths, parse_domain, quote
from .crm_lead_router import PROTECTED_FIELDS


class CrmLeadRouterFilters(models.AbstractModel):
    _inherit = 'crm.lead.router'

    @api.model
    def _check_filter(self, record, field_name):
        """Constraint helper: refuse ``record[field_name]`` unless it is a list of conditions
        on leads that the person saving it may search, field by field and row by row."""
        text = record[field_name]
        try:
            domain = parse_domain(text)
            self._check_filter_fields(domain)
            # A test search as the person saving, rolled back whatever happens: what they may
            # not search, the filter may not use.
            with self.env.cr.savepoint():
                # By id: the leads' own order (priority, next activity) would sort every lead
                # matching the filter, at each save (a team of 1,000 members: 1,000 sorts).
                self.env['crm.lead'].search(domain, limit=1, order='id')
        except Exception as error:  # whatever the cause, the user gets one clear message
            raise ValidationError(
                _("The filter of %(record)s is not valid: %(error)s\nFilter: %(filter)s") % {
                    'record': record.display_name,
                    'error': self._filter_error_text(error),
                    'filter': quote(text)})

    def _check_filter_fields(self, domain, rights=True):
        """Each field of each path exists and is not a secret; with ``rights``, its model may
        also be read by the current user (so a path never reaches what they could not read).
        """
        superuser = self.env.user._is_superuser() or not rights
        for path in field_paths(domain):
            model = self.env['crm.lead']
            for name in path:
                field = model._fields.get(name)
                if field is None:
                    raise FilterError('field', name)
                if name in PROTECTED_FIELDS or (
                        field.groups and not superuser and not self.user_has_groups(field.groups)):
                    raise FilterError('protected', name)
                if field.relational:
                    model = self.env[field.comodel_name]
                    if not superuser and not model.check_access_rights(
                            'read', raise_exception=False):
                        raise FilterError('protected', name)

    @api.model
    def _filter_texts(self, texts):
        """{text: the filter in words} for filter texts as stored, in the current user's
        language, like the domain editor's readable form ("Country ▸ Country Code = VN and
        Score ≥ 50"): field labels from ``fields_get``, names of the records a filter points
        at read with the user's rights (``#id`` for the others). Set-wise: the labels of a
        model and the names of its records are read once for all the texts. A text that is
        not a filter is shown as it is."""
        return self._filter_words(texts)[0]

    @api.model
    def _filter_words(self, texts):
        """``_filter_texts``, with the ``fields_of`` and ``words`` it used."""
        lang = self.env.lang or 'en_US'
        get_source = self.env['ir.translation']._get_source
        words = {key: get_source(None, ('code',), lang, source)
                 for key, source in filter_text.WORDS.items()}
        labels, found = {}, {}

        def fields_of(model):
            if model not in labels:
                labels[model] = self.env[model].fields_get(
                    attributes=['string', 'type', 'relation', 'selection', 'translate']) \
                    if model in self.env else {}
            return labels[model]

        def names(model, ids):
            missing = [record_id for record_id in ids if (model, record_id) not in found]
            if missing:
                records = self.env[model].with_context(active_test=False)
                if records.check_access_rights('read', raise_exception=False):
                    readable = records.search([('id', 'in', missing)])
                    for record_id, name in readable.name_get():
                        found[model, record_id] = name
                for record_id in missing:
                    found.setdefault((model, record_id), None)
            return {record_id: found[model, record_id] for record_id in ids
                    if found.get((model, record_id))}

        result = {}
        for text in set(texts):
            try:
                result[text] = filter_text.describe(parse_domain(text), 'crm.lead', fields_of,
                                                    words, names)
            except (FilterError, AssertionError, ValueError, TypeError, StopIteration):
                result[text] = text or ''
        return result, fields_of, words

    @api.model
    def _filter_texts_of(self, records, field=None, lang_field='filter_lang'):
        """The filters of ``records`` (teams, members, scoring or share rules: models with
        ``crm.routing.filter.mixin``) in words, in the order of ``records``; a filter that
        compares names says in which language (the one it is searched in,
        ``_filter_select``). A record being edited shows the language saving would store.
        ``field``, ``lang_field``: another filter of the records and its language (a member's
        preferred leads)."""
        field = field or records._routing_filter_field
        texts = [record[field] for record in records]
        words_of, fields_of, words = self._filter_words(texts)
        languages = dict(self.env['res.lang'].sudo().with_context(
            active_test=False).search([]).mapped(lambda lang: (lang.code, lang.name)))
        result = []
        for record, text in zip(records, texts):
            shown = words_of.get(text, '')
            lang = record[lang_field] if isinstance(record.id, int) else None
            lang = lang or self.env.lang or 'en_US'
            try:
                names = filter_text.compares_names(parse_domain(text), 'crm.lead', fields_of)
            except FilterError:
                names = False
            if names:
                shown = '%s (%s)' % (shown, words['names_in'] % languages.get(lang, lang))
            result.append(shown)
        return result

    @api.model
    def _filter_select(self, domain, lang, columns=('id',), flat=True, order=None, sudo=False):
        """The one place a routing filter is searched (teams', members', scoring and share
        rules', for runs, previews, the SLA): rows of ``columns`` of the leads matching
        ``domain`` (a filter and the run's conditions), the names in it compared in ``lang``,
        the language of the person who saved the filter (``filter_lang``; None or False: the
        names as written in the code, English). ``sudo``: without record rules (the callers
        checked who may run)."""
        Lead = self.env['crm.lead'].sudo() if sudo else self.env['crm.lead']
        return Lead.with_context(lang=lang or None)._routing_select(
            domain, list(columns), flat=flat, order=order, keep_lang=True)

    @api.model
    def _filter_error_text(self, error):
        """A short, translated explanation of why a filter cannot be used; never raw database
        text."""
        if isinstance(error, FilterError):
            texts = {
                'too_long': _("it is longer than 10,000 characters"),
                'syntax': _("it is not a valid expression"),
                'not_list': _("a filter must be a list of conditions"),
                'leaf': _("%s is not a condition") % error.detail,
                'field': _("the field %s does not exist") % error.detail,
                'protected': _("the field %s may not be used in a filter") % error.detail,
            }
            return texts.get(error.code, error.code)
        if isinstance(error, AccessError):
            return _("it reads data you are not allowed to read")
        return _("the database cannot search it (check the field names and the values)")
