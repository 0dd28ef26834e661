# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The existing owner and account steps when the run's keys are many: every test of
test_owner and test_account again, with the keys copied into temporary tables instead of
travelling as arrays with each query (``crm.lead.router._owner_key_relations``). The modules
are imported, not their classes: the test loader would run the classes a second time under
their own names."""
from ..models import crm_lead_router_owner
from . import test_account, test_owner

KINDS = ('email', 'phone', 'vat', 'company_name', 'email_domain')


class CopiedKeys(object):
    """Every run copies its keys, whatever their number."""

    def setUp(self):
        super(CopiedKeys, self).setUp()
        inline_max = crm_lead_router_owner.OWNER_KEYS_INLINE_MAX
        crm_lead_router_owner.OWNER_KEYS_INLINE_MAX = 0
        self.addCleanup(setattr, crm_lead_router_owner, 'OWNER_KEYS_INLINE_MAX', inline_max)

    def copied_kinds(self, name='keys'):
        """The kinds of key whose temporary table ``name`` ('keys': the run's, 'owned': those
        someone owns) this transaction holds."""
        self.env.cr.execute("SELECT kind FROM unnest(%s::varchar[]) AS kind "
                            "WHERE to_regclass('pg_temp.crm_team_routing_' || %s || '_' || kind) "
                            "IS NOT NULL", (list(KINDS), name))
        return {row[0] for row in self.env.cr.fetchall()}


class TestOwnerCopiedKeys(CopiedKeys, test_owner.TestOwner):

    def test_keys_copied_once_per_kind(self):
        """A run's keys, and those someone owns (for the stoplist), are in temporary tables;
        a second run in the same transaction copies its own: same decision."""
        self.assertFalse(self.copied_kinds())
        self.assertFalse(self.copied_kinds('owned'))
        self.create_owned(self.sales[2], self.south, name='By phone',
                          phone=test_owner.PHONE, email_from='lan@minhphat.vn')
        lead = self.create_leads(1, prefix='Again', phone=test_owner.PHONE,
                                 email_from='lan@minhphat.vn')
        self.route_all(lead)
        self.assertEqual(self.copied_kinds(), {'email', 'phone', 'email_domain'})
        self.assertEqual(self.copied_kinds('owned'), {'email', 'phone', 'email_domain'})
        self.assertEqual(lead.user_id, self.sales[2])
        other = self.create_leads(1, prefix='Again later', phone=test_owner.PHONE)
        self.route_all(other)
        self.assertEqual(other.user_id, self.sales[2])

    def test_lead_without_company_finds_its_owner(self):
        """A key of a lead without company is copied with no company (an empty CSV field,
        NULL) and matches the records without company only."""
        team = self.create_team('Anywhere', company_id=False, assignment_owner=True,
                                members=[(self.sales[0], 30), (self.sales[1], 30)])
        self.create_owned(self.sales[1], team, name='No company', phone=test_owner.PHONE,
                          company_id=False)
        self.create_owned(self.sales[0], self.north, name='Main company',
                          phone=test_owner.PHONE)
        lead = self.create_leads(1, prefix='No company', phone=test_owner.PHONE,
                                 company_id=False)
        self.route(team, mode='cron')
        self.assertEqual(self.copied_kinds(), {'phone'})
        self.assertOwner(lead, self.sales[1], team, "open opportunity 'No company'")


class TestAccountCopiedKeys(CopiedKeys, test_account.TestAccount):
    pass
