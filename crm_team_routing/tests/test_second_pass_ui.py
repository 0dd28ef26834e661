# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 27, second pass (items 5 to 10), as the real users: members added while a team is
created, a shared lead that stays read-only and a digest link that explains a lead taken
away, "Mine" / "Shared with me" on the leads, the mass assignment's pre-filling and filter
warning, the leader's "My teams", and numbers that mean one thing; over XML-RPC and HTTP
(TestSecondPassDoors); in the web client (TestSecondPassBrowser, steps in
tests/browser/second_pass_ui.py, see test_ui.py for how browser tests run here)."""
import logging
import os
import time

import requests
from lxml import etree

from odoo.tests import common
from odoo.tools.safe_eval import safe_eval

from . import test_ui
from .common import RoutingCase, ensure_vietnamese

_logger = logging.getLogger(__name__)


@common.at_install(False)
@common.post_install(True)
class TestSecondPassUi(RoutingCase):

    @classmethod
    def setUpClass(cls):
        super(TestSecondPassUi, cls).setUpClass()
        cls.create_north_south([cls.sales[2]])

    def arch(self, user, model, view_type, view_xmlid=None):
        view_id = self.env.ref(view_xmlid).id if view_xmlid else None
        return etree.fromstring(self.env[model].sudo(user).fields_view_get(
            view_id=view_id, view_type=view_type)['arch'])

    # ------------------------------------------------------------------------------------------
    # 5. Members added while the team is created
    # ------------------------------------------------------------------------------------------

    def test_05_members_added_while_creating_the_team(self):
        """The Routing tab's member dialog asks no team (it is the one being created), and the
        team saved with its new members gives them that team."""
        form = self.arch(self.manager, 'crm.team', 'form')
        members = form.xpath("//field[@name='routing_member_ids']")[0]
        self.assertIn("crm_team_routing.crm_team_member_view_form_in_team",
                      members.get('context'))
        dialog = self.arch(self.manager, 'crm.team.member', 'form',
                           'crm_team_routing.crm_team_member_view_form_in_team')
        team_field = dialog.xpath("//field[@name='team_id']")[0]
        modifiers = team_field.get('modifiers')
        self.assertIn('"invisible": true', modifiers)
        self.assertNotIn('"required": true', modifiers)
        # What the web client sends when the new team is saved: the members without team.
        team = self.Team.sudo(self.manager).create({
            'name': 'East',
            'company_id': self.company.id,
            'routing_member_ids': [
                (0, 0, {'user_id': self.sales[3].id, 'assignment_max': 12}),
                (0, 0, {'user_id': self.sales[0].id, 'assignment_max': 8,
                        'assignment_domain': "[('country_id.code', '=', 'VN')]"}),
            ],
        })
        self.assertEqual(sorted(team.routing_member_ids.mapped('assignment_max')), [8, 12])
        self.assertEqual(team.routing_member_ids.mapped('team_id'), team)
        self.assertTrue(all(team.routing_member_ids.mapped('resource_id')))
        self.assertEqual(team.assignment_max, 20)

    # ------------------------------------------------------------------------------------------
    # 6. A shared lead stays read-only; a digest's link explains a lead taken away
    # ------------------------------------------------------------------------------------------

    def test_06_shared_lead_is_read_only_in_its_views(self):
        """The lead kanbans load the read-only mark their priority stars obey (the widget
        writes even in a read-only form), and it is true for the reader only."""
        lead = self.create_owned(self.sales[1], self.north, name='Shared star')
        self.share(lead, self.sales[0])
        for view in ('crm.view_crm_lead_kanban', 'crm.crm_case_kanban_view_leads'):
            kanban = self.arch(self.sales[0], 'crm.lead', 'kanban', view)
            self.assertTrue(kanban.xpath("//field[@name='routing_shared_readonly']"), view)
        self.assertTrue(lead.sudo(self.sales[0]).routing_shared_readonly)
        self.assertFalse(lead.sudo(self.sales[1]).routing_shared_readonly)

    def test_06_digest_links_explain_a_lead_taken_away(self):
        """A digest links to /crm_team_routing/lead/<id>: the lead's form for whoever may read
        it; a former holder reads who has it now, or that it was taken back; anyone else
        reads the same sentence for another's lead and for a lead that does not exist."""
        lead = self.create_owned(self.sales[0], self.north, name='Hanoi Pharmacy')
        Lead = self.Lead.sudo(self.sales[0])
        self.assertEqual(Lead._routing_link_target(lead.id),
                         {'url': '/web#id=%d&model=crm.lead&view_type=form' % lead.id})
        lead.write({'user_id': self.sales[1].id})  # reassigned by hand (a manual row)
        gone = Lead._routing_link_target(lead.id)
        self.assertNotIn('url', gone)
        self.assertIn('Hanoi Pharmacy', gone['message'])
        self.assertIn('reassigned to %s' % self.sales[1].name, gone['message'])
        lead.write({'user_id': False})
        self.assertIn('taken back', Lead._routing_link_target(lead.id)['message'])
        # Someone who never held it learns nothing from the link, not even that it exists.
        stranger = self.Lead.sudo(self.sales[2])
        never = stranger._routing_link_target(lead.id)['message']
        missing = stranger._routing_link_target(lead.id + 10 ** 7)['message']
        self.assertEqual(never, missing)
        self.assertNotIn('Hanoi', never)
        # Its leader still opens it.
        self.assertIn('url', self.Lead.sudo(self.leader_north)._routing_link_target(lead.id))

    # ------------------------------------------------------------------------------------------
    # 7. "Mine" and "Shared with me"
    # ------------------------------------------------------------------------------------------

    def test_07_mine_and_shared_with_me(self):
        """A salesperson tells her leads from those shared with her: a "Yours" value per lead,
        the Salesperson column in the Leads list, and filters that find each."""
        seller = self.sales[0]
        mine = self.create_owned(seller, self.north, name='Mine', lead_type='lead')
        shared = self.create_owned(self.sales[1], self.north, name='Shared', lead_type='lead')
        self.share(shared, seller)
        both = mine | shared
        as_seller = both.sudo(seller)
        self.assertEqual({lead.name: lead.routing_relation for lead in as_seller},
                         {'Mine': 'mine', 'Shared': 'shared'})
        self.assertEqual(shared.sudo(self.sales[1]).routing_relation, 'mine')
        self.assertEqual({lead.name: lead.routing_relation
                          for lead in both.sudo(self.leader_north)},
                         {'Mine': False, 'Shared': False}, "seen through the team")
        tree = self.arch(seller, 'crm.lead', 'tree', 'crm.crm_case_tree_view_leads')
        user_column = tree.xpath("//field[@name='user_id']")[0]
        self.assertNotIn('"invisible": true', user_column.get('modifiers') or '')
        self.assertTrue(tree.xpath("//field[@name='routing_relation']"))
        search = self.arch(seller, 'crm.lead', 'search', 'crm.view_crm_case_leads_filter')
        for name, expected in (('routing_mine', mine), ('shared_with_me', shared)):
            domain = search.xpath("//filter[@name='%s']" % name)[0].get('domain')
            found = self.Lead.sudo(seller).search(
                safe_eval(domain, {'uid': seller.id}) + [('id', 'in', both.ids)])
            self.assertEqual(found, expected, name)

    # ------------------------------------------------------------------------------------------
    # 8. The mass assignment: pre-filled, and it warns
    # ------------------------------------------------------------------------------------------

    def test_08_wizard_prefills_team_and_members(self):
        leads = self.create_leads(3, prefix='North waiting', team_id=self.north.id)
        wizard = self.mass_assign(self.leader_north, leads, mode='user',
                                  user_id=self.sales[0].id)
        self.assertEqual(wizard.team_id, self.north, "the leads' one team")
        mixed = leads | self.create_leads(1, prefix='South waiting', team_id=self.south.id)
        self.assertFalse(self.mass_assign(self.manager, mixed, mode='team').team_id,
                         "two teams: no guess")
        self.member_of(self.north, self.sales[1]).assignment_optout = True
        split = self.env['crm.lead.mass.assign'].sudo(self.leader_north).with_context(
            active_model='crm.lead', active_ids=leads.ids).new({'mode': 'split'})
        split.team_id = self.north
        split._onchange_split_members()
        self.assertEqual(split.user_ids, self.sales[0], "North's members taking leads")

    def test_08_wizard_warns_when_a_members_own_filter_does_not_match(self):
        """Korean and Japanese leads given to a member whose own filter is Vietnam only: the
        wizard says how many before Apply, and says it again in its result."""
        self.member_of(self.north, self.sales[1]).assignment_domain = \
            "[('country_id.code', '=', 'VN')]"
        korea, japan = self.env.ref('base.kr'), self.env.ref('base.jp')
        leads = self.create_leads(1, prefix='Seoul', team_id=self.north.id,
                                  country_id=korea.id) \
            | self.create_leads(1, prefix='Osaka', team_id=self.north.id, country_id=japan.id) \
            | self.create_leads(1, prefix='Hanoi', team_id=self.north.id,
                                country_id=self.country_vn.id)
        wizard = self.mass_assign(self.leader_north, leads, mode='user',
                                  user_id=self.sales[1].id)
        warning = wizard.filter_warning
        self.assertIn(self.sales[1].name, warning)
        self.assertIn('does not match 2 of the 3 leads', warning)
        self.assertIn('Country Code = VN', warning)
        # Split between the two: the member without filter gets no warning; the other one's
        # share (every second lead by id) is the Japanese lead.
        split = self.mass_assign(self.leader_north, leads, mode='split',
                                 user_ids=[(6, 0, [self.sales[0].id, self.sales[1].id])])
        self.assertIn('does not match 1 of the 1 leads', split.filter_warning)
        self.assertNotIn(self.sales[0].name, split.filter_warning)
        wizard.action_apply()
        leads.invalidate_cache()
        self.assertIn('does not match 2 of the 3 leads', wizard.result)
        self.assertEqual(leads.mapped('user_id'), self.sales[1], "the person's choice stands")
        # The same in the form, before anything is saved (the onchange's record in memory).
        draft = self.env['crm.lead.mass.assign'].sudo(self.leader_north).new({
            'mode': 'user', 'user_id': self.sales[1].id, 'team_id': self.north.id,
            'lead_ids': [(6, 0, leads.ids)]})
        self.assertIn('does not match 2 of the 3 leads', draft.filter_warning)
        # Nothing to say when the filter matches.
        vn = self.mass_assign(self.leader_north, leads[2], mode='user', user_id=self.sales[0].id)
        self.assertFalse(vn.filter_warning)

    # ------------------------------------------------------------------------------------------
    # 9. "My teams" for a team leader
    # ------------------------------------------------------------------------------------------

    def test_09_my_teams_for_a_leader(self):
        action = self.env.ref('crm_team_routing.crm_team_member_action_my_teams')
        menu = self.env.ref('crm_team_routing.crm_team_member_menu_my_teams')
        self.assertEqual(menu.action, action)
        domain = safe_eval(action.domain, {'uid': self.leader_north.id})
        cards = self.Member.sudo(self.leader_north).search(domain)
        self.assertEqual(cards, self.north.routing_member_ids)
        self.assertEqual(cards.mapped('lead_month_count'), [0, 0])
        self.assertEqual(cards.mapped('assignment_quota'), [30, 30])
        kanban = self.arch(self.leader_north, 'crm.team.member', 'kanban',
                           'crm_team_routing.crm_team_member_view_kanban')
        self.assertEqual(kanban.get('create'), 'false', "a leader reads, adds no member")
        visible = self.env['ir.ui.menu'].sudo(self.leader_north)._visible_menu_ids()
        self.assertIn(menu.id, visible)
        self.assertNotIn(menu.id, self.env['ir.ui.menu'].sudo(self.sales[0])._visible_menu_ids())

    # ------------------------------------------------------------------------------------------
    # 10. Numbers that mean one thing
    # ------------------------------------------------------------------------------------------

    def test_10_capacity_and_quota_say_what_they_count(self):
        """A member's capacity is their own number; the team's figure leaves paused members
        out: it is named a quota. The members list shows the capacity once."""
        self.member_of(self.north, self.sales[1]).assignment_optout = True
        self.north.invalidate_cache()
        self.assertEqual(self.north.assignment_max, 30)
        self.assertEqual(sum(self.north.routing_member_ids.mapped('assignment_max')), 60)
        labels = self.Team.sudo(self.manager).fields_get(['assignment_max'])
        self.assertEqual(labels['assignment_max']['string'], "Team Quota (30 days)")
        member_labels = self.Member.sudo(self.manager).fields_get(['assignment_max'])
        self.assertEqual(member_labels['assignment_max']['string'], "Capacity (30 days)")
        tree = self.arch(self.manager, 'crm.team.member', 'tree')
        columns = [field.get('name') for field in tree.xpath('//field')
                   if '"invisible": true' not in (field.get('modifiers') or '')]
        self.assertIn('assignment_max', columns)
        self.assertNotIn('assignment_quota', columns, "the same number twice")

    def test_10_leads_waiting_for_a_team(self):
        """The team counts the leads waiting for a team that its filter and score band take:
        no team (or an intake team), no salesperson, open, of its company."""
        self.north.write({'assignment_domain': "[('country_id.code', '=', 'VN')]",
                          'assignment_score_min': 10})
        waiting = self.create_leads(3, prefix='Hanoi', country_id=self.country_vn.id)
        self.create_leads(2, prefix='Paris', country_id=self.country_fr.id)
        self.Lead._routing_write_scores({waiting[0].id: 20, waiting[1].id: 20})
        intake = self.create_team('Intake', assignment_intake=True)
        hue = self.create_leads(1, prefix='Hue', country_id=self.country_vn.id,
                                team_id=intake.id)
        self.Lead._routing_write_scores({hue.id: 30})
        # Not waiting for a team: in North already, or with a salesperson.
        self.create_leads(1, prefix='Da Nang', country_id=self.country_vn.id,
                          team_id=self.north.id)
        self.create_owned(self.sales[0], False, name='Owned Hanoi', lead_type='lead',
                          country_id=self.country_vn.id)
        self.Team.invalidate_cache()
        self.assertEqual(self.north.sudo(self.leader_north).lead_waiting_team_count, 3)
        self.assertEqual(self.south.sudo(self.leader_south).lead_waiting_team_count, 6)


# ----------------------------------------------------------------------------------------------
# The doors: XML-RPC (the wizard's warning, the marker, the team's count) and the digest link
# ----------------------------------------------------------------------------------------------

@common.at_install(False)
@common.post_install(True)
class TestSecondPassDoors(test_ui.BrowserCase):
    """On the registry's test cursor, logged in through the server (see test_ui.py)."""

    def setUp(self):
        super(TestSecondPassDoors, self).setUp()
        self.db = common.get_db_name()
        self.leader = self.create_user('pass2_leader', 'Pass2 Leader',
                                       'crm_team_routing.group_sale_team_leader')
        self.seller = self.create_user('pass2_seller', 'Pass2 Seller',
                                       'sales_team.group_sale_salesman')
        self.mate = self.create_user('pass2_mate', 'Pass2 Mate', 'sales_team.group_sale_salesman')
        self.team = self.env['crm.team'].create({
            'name': 'Pass2 North', 'user_id': self.leader.id, 'company_id': self.company.id,
            'assignment_domain': '[]'})
        for user, domain in ((self.seller, "[('country_id.code', '=', 'VN')]"),
                             (self.mate, '[]')):
            self.env['crm.team.member'].create({
                'team_id': self.team.id, 'user_id': user.id, 'assignment_max': 10,
                'assignment_domain': domain})
        self.Lead = self.env['crm.lead'].with_context(crm_team_routing_no_route=True)

    def call(self, user, model, method, *args, **kwargs):
        """``model.method(*args, **kwargs)`` over XML-RPC as ``user`` (password = login)."""
        # The test cursor's commit is a savepoint (see test_rpc_doors.py).
        self.env.cr.commit()  # pylint: disable=invalid-commit
        try:
            return self.xmlrpc_object.execute_kw(self.db, user.id, user.login, model, method,
                                                 list(args), kwargs)
        finally:
            self.env.cache.invalidate()

    def test_wizard_warning_marker_and_count_over_xmlrpc(self):
        korea = self.env.ref('base.kr')
        seoul = self.Lead.create({'name': 'Pass2 Seoul', 'team_id': self.team.id,
                                  'country_id': korea.id, 'user_id': False})
        # Without team (not the creator's default one, which the demo gives the admin).
        self.Lead.create({'name': 'Pass2 waiting', 'user_id': False, 'team_id': False,
                          'country_id': korea.id})
        wizard_id = self.call(self.leader, 'crm.lead.mass.assign', 'create',
                              {'mode': 'user', 'user_id': self.seller.id},
                              context={'active_model': 'crm.lead', 'active_ids': [seoul.id]})
        read = self.call(self.leader, 'crm.lead.mass.assign', 'read', [wizard_id],
                         ['team_id', 'filter_warning'])[0]
        self.assertEqual(read['team_id'][0], self.team.id, "pre-filled from the lead")
        self.assertIn('does not match 1 of the 1 leads', read['filter_warning'])
        self.call(self.leader, 'crm.lead.mass.assign', 'action_apply', [wizard_id])
        self.assertEqual(seoul.user_id, self.seller)
        seoul.write({'shared_user_ids': [(4, self.mate.id)]})
        marker = self.call(self.mate, 'crm.lead', 'read', [seoul.id], ['routing_relation'])
        self.assertEqual(marker[0]['routing_relation'], 'shared')
        marker = self.call(self.seller, 'crm.lead', 'read', [seoul.id], ['routing_relation'])
        self.assertEqual(marker[0]['routing_relation'], 'mine')
        count = self.call(self.leader, 'crm.team', 'read', [self.team.id],
                          ['lead_waiting_team_count', 'assignment_max'])[0]
        self.assertEqual(count['lead_waiting_team_count'], 1, "the lead without team")
        self.assertEqual(count['assignment_max'], 20)

    def test_digest_link_over_http(self):
        """/crm_team_routing/lead/<id>: the form for a reader, a page saying why for a former
        holder, the login page for nobody logged in."""
        lead = self.Lead.create({'name': 'Pass2 Hanoi Pharmacy', 'team_id': self.team.id,
                                 'user_id': self.seller.id})
        url = 'http://%s:%s/crm_team_routing/lead/%d' % (common.HOST, common.PORT, lead.id)
        self.env.cr.commit()  # pylint: disable=invalid-commit
        anonymous = requests.get(url, allow_redirects=False, timeout=60)
        self.assertIn(anonymous.status_code, (302, 303))
        self.assertIn('/web/login', anonymous.headers['Location'])
        self.login('pass2_seller', 'pass2_seller')
        response = self.opener.get(url, allow_redirects=False, timeout=60)
        self.assertIn(response.status_code, (302, 303))
        self.assertIn('/web#id=%d&model=crm.lead&view_type=form' % lead.id,
                      response.headers['Location'])
        lead.write({'user_id': self.mate.id})
        self.env.cr.commit()  # pylint: disable=invalid-commit
        response = self.opener.get(url, timeout=60)
        self._wait_remaining_requests()
        self.assertEqual(response.status_code, 200)
        self.assertIn('o_crm_team_routing_lead_gone_message', response.text)
        self.assertIn('reassigned to Pass2 Mate', response.text)
        self.assertNotIn('Access Error', response.text)


# ----------------------------------------------------------------------------------------------
# In the web client, as the real users
# ----------------------------------------------------------------------------------------------

@common.at_install(False)
@common.post_install(True)
class TestSecondPassBrowser(test_ui.BrowserCase):
    driver = os.path.join(test_ui.HERE, 'browser', 'second_pass_ui.py')

    def setUp(self):
        super(TestSecondPassBrowser, self).setUp()
        self.manager = self.create_user('ui_manager', 'Hoa Pham', 'sales_team.group_sale_manager')
        self.leader = self.create_user('ui_leader', 'An Nguyen',
                                       'crm_team_routing.group_sale_team_leader')
        self.binh = self.create_user('ui_sales_binh', 'Binh Tran', 'sales_team.group_sale_salesman')
        self.dung = self.create_user('ui_sales_dung', 'Dung Vo', 'sales_team.group_sale_salesman')
        self.north = self.env['crm.team'].create({
            'name': 'UI North', 'user_id': self.leader.id, 'company_id': self.company.id})
        Member = self.env['crm.team.member']
        Member.create({'team_id': self.north.id, 'user_id': self.binh.id,
                       'assignment_max': 30})
        self.dung_member = Member.create({
            'team_id': self.north.id, 'user_id': self.dung.id, 'assignment_max': 20,
            'assignment_domain': "[('country_id.code', '=', 'VN')]"})
        self.Lead = self.env['crm.lead'].with_context(crm_team_routing_no_route=True)

    def vietnamese(self, *users):
        start = time.time()
        ensure_vietnamese(self.env)
        _logger.info("vi_VN loaded in %.1fs", time.time() - start)
        for user in users:
            user.lang = 'vi_VN'

    def vi(self, model, view_type, xmlid, xpath, attribute='string'):
        """A label of a view as a Vietnamese reader reads it."""
        arch = etree.fromstring(self.env[model].with_context(lang='vi_VN').fields_view_get(
            view_id=self.env.ref(xmlid).id, view_type=view_type)['arch'])
        return arch.xpath(xpath)[0].get(attribute)

    def test_05_members_added_while_creating_the_team(self):
        """A sales manager creates a team and adds two routing members in the same form: the
        member dialog asks no team, and both are members of the new team once it is saved."""
        result = self.run_browser('team_create', 'ui_manager', {
            'team': 'UI East',
            'members': [[self.binh.name, 12], [self.dung.name, 8]],
        })
        _logger.info("team creation read: %s", result)
        self.assertEqual(result['team_field_shown'], [False, False])
        self.assertEqual(sorted(result['cards_before_save']),
                         sorted([self.binh.name, self.dung.name]))
        team = self.env['crm.team'].search([('name', '=', 'UI East')])
        self.assertEqual(len(team), 1)
        self.assertEqual({member.user_id: member.assignment_max
                          for member in team.routing_member_ids},
                         {self.binh: 12, self.dung: 8})
        self.assertEqual(sorted(result['card_counts']),
                         ['0 / 12 leads (30 days)', '0 / 8 leads (30 days)'])

    def test_06_07_salesperson_in_vietnamese(self):
        """Binh, in Vietnamese: the Leads list shows the salesperson and whether each lead is
        hers or shared with her, the "Shared with me" filter finds the shared ones, the kanban
        cards are marked; a shared opportunity's stars do not change and it offers no Action
        menu; a digest's link to a lead taken from her says so, in Vietnamese."""
        self.vietnamese(self.binh)
        self.binh.groups_id = [(4, self.env.ref('crm.group_use_lead').id)]
        own = self.Lead.create({'name': 'Hanoi Pharmacy', 'type': 'lead',
                                'team_id': self.north.id, 'user_id': self.binh.id})
        shared = self.Lead.create({'name': 'Hai Phong Clinic', 'type': 'lead',
                                   'team_id': self.north.id, 'user_id': self.dung.id,
                                   'shared_user_ids': [(6, 0, [self.binh.id])]})
        own_opportunity = self.Lead.create({
            'name': 'Bac Ninh Store', 'type': 'opportunity', 'team_id': self.north.id,
            'user_id': self.binh.id})
        shared_opportunity = self.Lead.create({
            'name': 'Da Nang Hospital', 'type': 'opportunity', 'team_id': self.north.id,
            'user_id': self.dung.id, 'priority': '1',
            'shared_user_ids': [(6, 0, [self.binh.id])]})
        gone = self.Lead.create({'name': 'Hue Medical Store', 'type': 'lead',
                                 'team_id': self.north.id, 'user_id': self.binh.id})
        gone.write({'user_id': self.dung.id})  # reassigned since her digest
        mine_vi = dict(self.env['crm.lead'].with_context(lang='vi_VN').fields_get(
            ['routing_relation'])['routing_relation']['selection'])
        shared_filter = self.vi('crm.lead', 'search', 'crm.view_crm_case_leads_filter',
                                "//filter[@name='shared_with_me']")

        result = self.run_browser('salesperson_leads', 'ui_sales_binh', {
            'shared_filter': shared_filter,
            'shared_opportunity': shared_opportunity.name,
            'own_opportunity': own_opportunity.name,
            'gone_id': gone.id,
            'own_id': own.id,
        })
        _logger.info("salesperson read: %s", result)
        self.assertEqual(result['list'][own.name], [self.binh.name, mine_vi['mine']])
        self.assertEqual(result['list'][shared.name], [self.dung.name, mine_vi['shared']])
        self.assertEqual(mine_vi['shared'], "Được chia sẻ với tôi")
        self.assertNotIn(gone.name, result['list'])
        self.assertEqual(result['shared_filter_names'], [shared.name])
        # [the badge, the card kept out of drag and drop]
        self.assertEqual(result['kanban_badges'].get(shared.name), [mine_vi['shared'], True])
        self.assertEqual(result['kanban_badges'].get(own.name), [None, False])
        self.assertEqual(result['stars_after'], result['stars_before'], "no star changed")
        self.assertEqual(result['discard_dialog'], 0)
        self.assertEqual(result['action_menu'], 0, "no Action menu on a shared lead")
        self.assertTrue(result['readonly'])
        self.assertGreater(result['own_action_menu'], 0)
        self.assertEqual(shared_opportunity.priority, '1')
        self.assertIn("không còn là của bạn", result['gone_message'])
        self.assertIn(self.dung.name, result['gone_message'])
        self.assertEqual(result['gone_back_link'], "Quay lại Odoo")
        self.assertIn('id=%d' % own.id, result['own_link_url'])
        self.assertEqual(result['own_link_title'].strip(), own.name)

    def test_08_09_wizard_warns_in_vietnamese_and_my_teams(self):
        """An, leader of North, in Vietnamese: the mass assignment on North's Korean, Japanese
        and Vietnamese leads pre-fills North, "Split evenly" proposes Binh and Dung, and giving
        them to Dung (Vietnam only) warns about 2 of 3 before Apply and in its result; then
        CRM > Pipeline > My teams shows North's member cards with their loads."""
        self.vietnamese(self.leader)
        names = ['Seoul Pharma', 'Osaka Clinic', 'Hanoi Hospital']
        countries = [self.env.ref('base.kr'), self.env.ref('base.jp'), self.env.ref('base.vn')]
        leads = self.env['crm.lead']
        for name, country in zip(names, countries):
            leads |= self.Lead.create({'name': name, 'type': 'lead', 'team_id': self.north.id,
                                       'user_id': False, 'country_id': country.id})
        action = self.env.ref('crm_team_routing.crm_lead_mass_assign_action')
        result = self.run_browser('wizard_warning', 'ui_leader', {
            'leads': names,
            'wizard_action': action.with_context(lang='vi_VN').name,
            'assign_to': self.dung.name,
        })
        _logger.info("wizard read: %s", result)
        self.assertEqual(result['team'], self.north.name)
        self.assertIn('3', result['scope_text'])
        self.assertEqual(len(result['labels']), len(set(result['labels'])),
                         "no two labels alike: %s" % result['labels'])
        self.assertIn(self.dung.name, result['warning'])
        self.assertIn("không khớp với 2 trong số 3", result['warning'])
        self.assertEqual(sorted(result['split_users']), sorted([self.binh.name, self.dung.name]))
        self.assertTrue(result['split_warning_shown'], "Dung's share is Osaka")
        self.assertIn("không khớp với 2 trong số 3", result['result'])
        self.assertEqual(leads.mapped('user_id'), self.dung)
        self.assertEqual(result['my_teams_columns'], [self.north.name])
        self.assertEqual(sorted(result['my_teams_cards']),
                         sorted([[self.binh.name, '0 / 30 tiềm năng (30 ngày)'],
                                 [self.dung.name, '3 / 20 tiềm năng (30 ngày)']]))
        self.assertEqual(result['my_teams_create'], 0)
