# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Filters are validated as the person who saves them (DESIGN.md, Filters): a filter can never
search what its author could not, and a refusal is short, names the record, and quotes neither
the whole filter nor PostgreSQL."""
from odoo.exceptions import ValidationError
from odoo.tools import mute_logger

from .common import RoutingCase

# Filters a sales manager who is not an administrator may not search with.
PROTECTED_FILTERS = (
    "[('create_uid.password_crypt', '>=', '$pbkdf2')]",
    "[('create_uid.password', '!=', False)]",
    "[('partner_id.signup_token', '!=', False)]",
)
# What PostgreSQL's own error text looks like.
SQL_TEXT = ('invalid input syntax', 'LINE 1', 'psycopg2', 'SELECT ', 'FROM "crm_lead"')


class TestFilters(RoutingCase):

    @classmethod
    def setUpClass(cls):
        super(TestFilters, cls).setUpClass()
        cls.team = cls.create_team('Filter North', members=[(cls.sales[0], 10)])
        cls.member = cls.team.routing_member_ids
        cls.scoring_rule = cls.env['crm.lead.scoring.rule'].create({
            'name': 'Filter scoring', 'domain': '[]', 'points': 5})
        campaign = cls.env['utm.campaign'].create({'name': 'Filter campaign'})
        cls.share_rule = cls.env['crm.lead.share.rule'].create({
            'name': 'Filter sharing', 'campaign_id': campaign.id,
            'user_ids': [(6, 0, [cls.sales[1].id])]})
        # (record, filter field, what a message naming the record contains)
        cls.targets = (
            (cls.team, 'assignment_domain', cls.team.name),
            (cls.member, 'assignment_domain', cls.sales[0].name),
            (cls.scoring_rule, 'domain', cls.scoring_rule.name),
            (cls.share_rule, 'domain', cls.share_rule.name),
        )
        cls.administrator = cls.create_user('routing_administrator', 'base.group_system',
                                            groups_id=[(6, 0, [
                                                cls.env.ref('base.group_system').id,
                                                cls.env.ref('sales_team.group_sale_manager').id])])

    def save(self, user, record, field, text):
        record.sudo(user).write({field: text})
        record.invalidate_cache()
        self.assertEqual(record[field], text)

    def assertRefused(self, user, record, field, text):
        """``user`` saving ``text`` gets a ValidationError and nothing is stored; returns the
        message."""
        before = record[field]
        # The savepoint stands for the request's rollback; the SQL error of a test search that
        # fails in PostgreSQL is expected, not a problem of the run.
        with mute_logger('odoo.sql_db'), self.assertRaisesFor(
                ValidationError, "%s accepted on %s" % (text[:80], record.display_name)) as caught:
            with self.env.cr.savepoint():
                record.sudo(user).write({field: text})
        record.invalidate_cache()
        self.assertEqual(record[field], before, "the refused filter was stored")
        return caught.exception.name

    def assertProtectedRefused(self, record, field):
        for text in PROTECTED_FILTERS:
            self.assertRefused(self.manager, record, field, text)

    def test_team_filter_on_protected_fields_refused(self):
        self.assertProtectedRefused(self.team, 'assignment_domain')

    def test_member_filter_on_protected_fields_refused(self):
        self.assertProtectedRefused(self.member, 'assignment_domain')

    def test_scoring_rule_filter_on_protected_fields_refused(self):
        self.assertProtectedRefused(self.scoring_rule, 'domain')

    def test_share_rule_filter_on_protected_fields_refused(self):
        self.assertProtectedRefused(self.share_rule, 'domain')

    def test_too_long_filter_refused_with_a_short_message(self):
        text = '[%s]' % ', '.join("('name', '!=', 'long %05d')" % index for index in range(500))
        self.assertGreater(len(text), 10000)
        for record, field, label in self.targets:
            message = self.assertRefused(self.manager, record, field, text)
            self.assertLess(len(message), 400, message[:500])
            self.assertNotIn(text, message)
            self.assertIn(label, message)

    def test_wrong_value_type_message_names_the_record_not_sql(self):
        for text in ("[('planned_revenue', '>', 'abc')]", "[('date_deadline', '<', 'soon')]"):
            for record, field, label in self.targets:
                message = self.assertRefused(self.manager, record, field, text)
                self.assertIn(label, message)
                for sql in SQL_TEXT:
                    self.assertNotIn(sql, message, "PostgreSQL's text shown: %s" % message)

    def test_unknown_field_message_names_the_record(self):
        for record, field, label in self.targets:
            message = self.assertRefused(self.manager, record, field,
                                         "[('no_such_field', '=', 1)]")
            self.assertIn(label, message)
            for sql in SQL_TEXT:
                self.assertNotIn(sql, message)

    def test_not_a_list_refused(self):
        for record, field, _label in self.targets:
            self.assertRefused(self.manager, record, field, "42")

    def test_related_field_filters_accepted(self):
        for record, field, _label in self.targets:
            self.save(self.manager, record, field, "[('partner_id.lang', '=', 'vi_VN')]")
            self.save(self.manager, record, field, "[('country_id.code', '=', 'VN')]")

    def test_administrator_saves_normal_filters(self):
        for record, field, _label in self.targets:
            self.save(self.administrator, record, field,
                      "['|', ('country_id', '=', %d), ('planned_revenue', '>=', 1000)]"
                      % self.country_vn.id)
        # uid 1, as data files and the database manager save them.
        for record, field, _label in self.targets:
            record.write({field: "[('partner_id.lang', '=', 'vi_VN')]"})
