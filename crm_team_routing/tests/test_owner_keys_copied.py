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

    def copied_kinds(self):
        """The kinds of key whose temporary table this transaction holds."""
        self.env.cr.execute("SELECT kind FROM unnest(%s::varchar[]) AS kind "
                            "WHERE to_regclass('pg_temp.crm_team_routing_keys_' || kind) "
                            "IS NOT NULL", (list(KINDS),))
        return {row[0] for row in self.env.cr.fetchall()}


class TestOwnerCopiedKeys(CopiedKeys, test_owner.TestOwner):

    def test_keys_copied_once_per_kind(self):
        """A run's email and phone keys are in temporary tables, and a second run in the same
        transaction (a preview, then the run) copies its own: same decision."""
        self.assertFalse(self.copied_kinds())
        self.create_owned(self.sales[2], self.south, name='By phone',
                          phone=test_owner.PHONE, email_from='lan@minhphat.vn')
        lead = self.create_leads(1, prefix='Again', phone=test_owner.PHONE,
                                 email_from='lan@minhphat.vn')
        self.route_all(lead)
        self.assertEqual(self.copied_kinds(), {'email', 'phone', 'email_domain'})
        self.assertEqual(lead.user_id, self.sales[2])
        other = self.create_leads(1, prefix='Again later', phone=test_owner.PHONE)
        self.route_all(other)
        self.assertEqual(other.user_id, self.sales[2])


class TestAccountCopiedKeys(CopiedKeys, test_account.TestAccount):
    pass
