# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A team's Preview and Assign buttons (DESIGN.md, Routing): that team's leads only, with each
member's total and why a member took nothing. Run as a sales manager."""
from .common import RoutingCase


class TestTeamPreview(RoutingCase):

    @classmethod
    def setUpClass(cls):
        super(TestTeamPreview, cls).setUpClass()
        cls.north = cls.create_team('North', domain="[('country_id.code', '=', 'VN')]",
                                    members=[(cls.sales[0], 2), (cls.sales[1], 30)])
        cls.south = cls.create_team('South', domain="[('country_id.code', '=', 'FR')]",
                                    members=[(cls.sales[2], 30)])
        cls.north.routing_member_ids.filtered(
            lambda member: member.user_id == cls.sales[1]).assignment_optout = True
        cls.vn = cls.create_leads(3, prefix='VN', country_id=cls.country_vn.id)
        cls.fr = cls.create_leads(1, prefix='FR', country_id=cls.country_fr.id)
        cls.nowhere = cls.create_leads(2, prefix='Nowhere', country_id=cls.country_us.id)

    def preview(self, team):
        action = team.sudo(self.manager).action_preview_assignment()
        return self.env['crm.team.routing.preview'].sudo(self.manager).browse(action['res_id'])

    def test_preview_of_a_team_lists_its_leads_only(self):
        preview = self.preview(self.north)
        self.assertEqual(set(preview.line_ids.mapped('lead_id')), set(self.vn.ids),
                         "neither South's lead nor the leads no team matches")
        self.assertNotIn('no routing team', ' '.join(preview.line_ids.mapped('reason')))
        self.assertNotIn(self.sales[2].name, preview.totals_html)

    def test_totals_per_member_and_why_none(self):
        preview = self.preview(self.north)
        html = preview.totals_html
        # Sales 1 takes 2 of the 3 VN leads (capacity 2): 2/2 after the run; sales 2 is paused.
        self.assertIn('<td>%s</td><td>North</td><td class="text-right">2</td>'
                      '<td class="text-right">2/2</td>' % self.sales[0].name, html)
        self.assertIn('<td>%s</td><td>North</td><td class="text-right">0</td>'
                      '<td class="text-right"></td><td>paused</td>' % self.sales[1].name, html)
        waiting = preview.line_ids.filtered(lambda line: line.kind == 'unassigned')
        self.assertEqual(len(waiting), 1)
        self.assertIn('%s: 2/2' % self.sales[0].name, waiting.reason)
        self.assertIn('%s: paused' % self.sales[1].name, waiting.reason)

    def test_assign_button_counts_its_team_only(self):
        action = self.north.sudo(self.manager).action_assign_leads()
        done = self.env['crm.team.routing.preview'].sudo(self.manager).browse(action['res_id'])
        self.assertIn('2 leads assigned to salespeople, 3 leads entered a team, 1 leads left '
                      'waiting', done.summary, "the lead North could not take, not the others")
        self.assertEqual(self.vn.mapped('team_id'), self.north)
        self.assertFalse((self.nowhere | self.fr).mapped('team_id'))
        # They wait for a team, as the log says (a lead is logged whoever looked at it).
        self.assertEqual(set(self.nowhere.mapped('assignment_log_ids.kind')), {'unassigned'})
