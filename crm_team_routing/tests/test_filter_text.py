# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Filters in words: the plain-Python renderer without a database, then the fields of the
teams, members and rules that show it, in the reader's language."""
import unittest

from odoo.addons.crm_team_routing.routing.filter_text import WORDS, describe
from odoo.tests import common

from .common import RoutingCase, ensure_vietnamese

# What fields_get returns, for the fields these tests use.
FIELDS = {
    'crm.lead': {
        'country_id': {'string': 'Country', 'type': 'many2one', 'relation': 'res.country'},
        'score': {'string': 'Score', 'type': 'float'},
        'planned_revenue': {'string': 'Expected Revenue', 'type': 'float'},
        'type': {'string': 'Type', 'type': 'selection',
                 'selection': [('lead', 'Lead'), ('opportunity', 'Opportunity')]},
        'tag_ids': {'string': 'Tags', 'type': 'many2many', 'relation': 'crm.lead.tag'},
        'email_from': {'string': 'Email', 'type': 'char'},
        'active': {'string': 'Active', 'type': 'boolean'},
        'partner_id': {'string': 'Customer', 'type': 'many2one', 'relation': 'res.partner'},
    },
    'res.country': {
        'code': {'string': 'Country Code', 'type': 'char'},
    },
    'res.partner': {
        'lang': {'string': 'Language', 'type': 'selection',
                 'selection': [('en_US', 'English'), ('vi_VN', 'Vietnamese')]},
    },
}
NAMES = {'res.country': {241: 'Vietnam', 75: 'France'}, 'crm.lead.tag': {3: 'Pharma'}}


def fields_of(model):
    return FIELDS.get(model, {})


def names(model, ids):
    calls.append((model, tuple(ids)))
    return {record_id: NAMES[model][record_id] for record_id in ids
            if record_id in NAMES.get(model, {})}


calls = []


def words(domain, **kwargs):
    return describe(domain, 'crm.lead', fields_of, names=names, **kwargs)


@common.at_install(False)
@common.post_install(True)
class TestFilterText(unittest.TestCase):

    def setUp(self):
        super(TestFilterText, self).setUp()
        del calls[:]

    def test_all_leads(self):
        self.assertEqual(words([]), "All leads")

    def test_path_and_comparison_like_the_domain_editor(self):
        self.assertEqual(words([('country_id.code', '=', 'VN'), ('score', '>=', 50)]),
                         "Country ▸ Country Code = VN and Score ≥ 50")
        self.assertEqual(words([('planned_revenue', '<', 1000.5), ('score', '!=', 0)]),
                         "Expected Revenue < 1000.5 and Score ≠ 0")

    def test_or_and_not_are_bracketed(self):
        self.assertEqual(
            words(['|', ('country_id.code', '=', 'VN'), ('country_id.code', '=', 'TH'),
                   ('score', '>', 20)]),
            "(Country ▸ Country Code = VN or Country ▸ Country Code = TH) and Score > 20")
        self.assertEqual(words(['!', ('email_from', 'ilike', 'gmail')]),
                         "not (Email contains gmail)")
        self.assertEqual(words(['|', '|', ('score', '>', 1), ('score', '<', -1),
                                ('active', '=', False)]),
                         "Score > 1 or Score < -1 or Active is false")

    def test_values_in_words(self):
        self.assertEqual(words([('type', '=', 'opportunity')]), "Type = Opportunity")
        self.assertEqual(words([('partner_id.lang', 'in', ['vi_VN', 'en_US'])]),
                         "Customer ▸ Language is in (Vietnamese, English)")
        self.assertEqual(words([('country_id', 'in', [241, 75, 9999])]),
                         "Country is in (Vietnam, France, #9999)")
        self.assertEqual(calls, [('res.country', (241, 75, 9999))],
                         "the names of a condition's records are asked for at once")
        self.assertEqual(words([('tag_ids', '=', 3)]), "Tags = Pharma")
        self.assertEqual(words([('country_id', '=', False)]), "Country is not set")
        self.assertEqual(words([('partner_id', '!=', False)]), "Customer is set")
        self.assertEqual(words([('active', '=', True)]), "Active is true")
        self.assertEqual(words([(1, '=', 1)]), "always")

    def test_unknown_fields_keep_their_technical_name(self):
        self.assertEqual(words([('x_company_size', '>=', 50)]), "x_company_size ≥ 50")
        self.assertEqual(words([('country_id.x_region', '=', 'north')]),
                         "Country ▸ x_region = north")

    def test_words_in_the_readers_language(self):
        vietnamese = {'and': 'và', 'or': 'hoặc', 'set': 'đã đặt'}
        self.assertEqual(
            words(['|', ('score', '>=', 50), ('partner_id', '!=', False),
                   ('country_id.code', '=', 'VN')], words=vietnamese),
            "(Score ≥ 50 hoặc Customer đã đặt) và Country ▸ Country Code = VN")
        self.assertEqual(set(WORDS), set(WORDS) | set(vietnamese))


class TestFilterTextFields(RoutingCase):
    """The fields that show filters in lists, read in English and in Vietnamese."""

    @classmethod
    def setUpClass(cls):
        super(TestFilterTextFields, cls).setUpClass()
        ensure_vietnamese(cls.env)
        cls.team = cls.create_team(
            'Words', domain="[('country_id.code', '=', 'VN'), ('score', '>=', 50)]",
            members=[(cls.sales[0], 10, "[('country_id', '=', %d)]" % cls.country_vn.id),
                     (cls.sales[1], 10)])

    def test_team_and_members_in_words(self):
        team = self.team.sudo(self.manager)
        self.assertEqual(team.assignment_filter_text,
                         "Country ▸ Country Code = VN and Score ≥ 50")
        texts = dict((member.user_id, member.assignment_filter_text)
                     for member in team.routing_member_ids)
        self.assertEqual(texts, {self.sales[0]: "Country = %s" % self.country_vn.name,
                                 self.sales[1]: "All leads"})

    def test_rules_in_words(self):
        campaign = self.env['utm.campaign'].create({'name': 'Words campaign'})
        share_rule = self.env['crm.lead.share.rule'].create({
            'name': 'Words', 'campaign_id': campaign.id, 'domain': "[('score', '>', 20)]",
            'user_ids': [(6, 0, [self.sales[2].id])]})
        scoring_rule = self.env['crm.lead.scoring.rule'].create({
            'name': 'Words', 'domain': "[('type', '=', 'opportunity')]", 'points': 5})
        self.assertEqual(share_rule.sudo(self.manager).filter_text, "Score > 20")
        self.assertEqual(scoring_rule.sudo(self.manager).filter_text, "Type = Opportunity")

    def test_in_the_readers_language(self):
        self.manager.lang = 'vi_VN'
        team = self.team.sudo(self.manager).with_context(lang='vi_VN')
        text = team.assignment_filter_text
        # The labels are the Vietnamese ones of fields_get, the joining word vi.po's.
        labels = self.env['crm.lead'].with_context(lang='vi_VN').fields_get(['country_id'])
        self.assertIn(labels['country_id']['string'], text)
        self.assertIn(' và ', text)
        self.assertNotIn(' and ', text)
