# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 27, second pass (items 5 to 10), as the real users: members added while a team is
created, a shared lead that stays read-only and a digest link that explains a lead taken
away, "Mine" / "Shared with me" on the leads, the mass assignment's pre-filling and filter
warning, the leader's "My teams", and numbers that mean one thing. The browser side is in
test_second_pass_browser.py."""
from lxml import etree

from odoo.tests import common
from odoo.tools.safe_eval import safe_eval

from .common import RoutingCase


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
