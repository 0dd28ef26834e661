# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 27, second pass: filters mean at run time what they meant when saved (names compared
in the saver's language), every salesperson sees their messages in Odoo, the Assignment Log
and an empty preview that explain themselves, Vietnamese where core's words leak through."""
import json

from lxml import etree

from odoo.tools.safe_eval import safe_eval

from .common import RoutingCase, ensure_vietnamese

# What Odoo 11's domain editor writes when a Vietnamese manager picks "Quốc gia", "=" and types
# the country as the form shows it (web/static/src/js/widgets/domain_selector.js keeps the text
# of a many2one value that is not a number).
VIETNAM_IN_VIETNAMESE = "[('country_id', '=', 'Việt Nam')]"
FRANCE_IN_VIETNAMESE = "[('country_id', '=', 'Pháp')]"


class TestSecondPass(RoutingCase):

    @classmethod
    def setUpClass(cls):
        super(TestSecondPass, cls).setUpClass()
        ensure_vietnamese(cls.env)
        cls.manager.lang = 'vi_VN'
        cls.vn_leads = cls.create_leads(3, prefix='Vietnam', country_id=cls.country_vn.id)
        cls.fr_leads = cls.create_leads(2, prefix='France', country_id=cls.country_fr.id)

    def as_vietnamese_manager(self, records):
        """``records`` as the manager sees them in the web client (their language)."""
        return records.sudo(self.manager).with_context(lang='vi_VN')

    def form_count(self, text):
        """What the domain editor of the form counts for the filter, for the manager."""
        return self.Lead.sudo(self.manager).with_context(lang='vi_VN').search_count(
            safe_eval(text) + [('id', 'in', (self.vn_leads | self.fr_leads).ids)])

    # ------------------------------------------------------------------------------------------
    # 1. Filters in the saver's language
    # ------------------------------------------------------------------------------------------

    def test_team_filter_saved_in_vietnamese_routes_what_the_form_shows(self):
        team = self.create_team('Việt Nam', members=[(self.sales[0], 10), (self.sales[1], 10)])
        self.as_vietnamese_manager(team).write({'assignment_domain': VIETNAM_IN_VIETNAMESE})
        self.assertEqual(team.filter_lang, 'vi_VN', "the saver's language is kept")
        self.assertEqual(self.form_count(VIETNAM_IN_VIETNAMESE), 3, "the form shows 3 matches")
        # The cron: the system, no language at all.
        self.route(teams=team)
        self.assertEqual(set(self.vn_leads.mapped('team_id').ids), {team.id})
        self.assertTrue(all(self.vn_leads.mapped('user_id')), "all 3 given to salespeople")
        self.assertFalse(self.fr_leads.mapped('user_id'), "France matches no team")

    def test_preview_in_another_language_shows_the_same_matches(self):
        team = self.create_team('Việt Nam', members=[(self.sales[0], 10)])
        self.as_vietnamese_manager(team).write({'assignment_domain': VIETNAM_IN_VIETNAMESE})
        # Another manager reads English and previews: the same 3 leads.
        other = self.create_user('routing_manager_en', 'sales_team.group_sale_manager')
        action = team.sudo(other).with_context(lang='en_US').action_preview_assignment()
        preview = self.env['crm.team.routing.preview'].browse(action['res_id'])
        given = preview.line_ids.filtered(lambda line: line.kind == 'member')
        self.assertEqual({line.lead_id for line in given}, set(self.vn_leads.ids))
        self.assertFalse(preview.is_empty)

    def test_member_filter_saved_in_vietnamese(self):
        team = self.create_team('Châu Âu và Việt Nam', members=[
            (self.sales[0], 10, "[('country_id.code', '=', 'VN')]"), (self.sales[1], 10)])
        member = self.member_of(team, self.sales[1])
        self.as_vietnamese_manager(member).write({'assignment_domain': FRANCE_IN_VIETNAMESE})
        self.assertEqual(member.filter_lang, 'vi_VN')
        self.route(teams=team)
        self.assertEqual(set(self.fr_leads.mapped('user_id').ids), {self.sales[1].id},
                         "the French leads go to the member whose filter says Pháp")
        self.assertEqual(set(self.vn_leads.mapped('user_id').ids), {self.sales[0].id})

    def test_preferred_filter_saved_in_vietnamese(self):
        team = self.create_team('Ưu tiên', members=[(self.sales[0], 10), (self.sales[1], 10)])
        member = self.member_of(team, self.sales[1])
        # The preference's language is its own: the member filter's saver may read English.
        self.as_vietnamese_manager(member).write(
            {'assignment_domain_preferred': VIETNAM_IN_VIETNAMESE})
        self.assertEqual(member.preferred_filter_lang, 'vi_VN')
        self.assertNotEqual(member.filter_lang, 'vi_VN', "the member filter was not saved so")
        self.assertIn("Tiếng Việt", member.sudo(self.manager).with_context(
            lang='en_US').assignment_preferred_text)
        self.route(teams=team)
        self.assertEqual(set(self.vn_leads.mapped('user_id').ids), {self.sales[1].id},
                         "the preferred Vietnamese leads go to the member who prefers them")

    def test_scoring_and_share_rules_saved_in_vietnamese(self):
        scoring = self.as_vietnamese_manager(self.env['crm.lead.scoring.rule']).create({
            'name': 'Việt Nam', 'domain': VIETNAM_IN_VIETNAMESE, 'points': 25})
        self.assertEqual(scoring.filter_lang, 'vi_VN')
        scores = self.env['crm.lead.scoring.rule']._routing_scores(
            [('id', 'in', (self.vn_leads | self.fr_leads).ids)],
            {lead.id: lead.company_id.id for lead in self.vn_leads | self.fr_leads})
        self.assertEqual({scores[lead.id] for lead in self.vn_leads}, {25.0})
        self.assertEqual({scores[lead.id] for lead in self.fr_leads}, {0.0})

        campaign = self.env['utm.campaign'].create({'name': 'Hội chợ'})
        (self.vn_leads | self.fr_leads).write({'campaign_id': campaign.id})
        (self.vn_leads | self.fr_leads).sudo().write({'share_state': 'to_share'})
        share = self.as_vietnamese_manager(self.env['crm.lead.share.rule']).create({
            'name': 'Hội chợ', 'campaign_id': campaign.id, 'domain': VIETNAM_IN_VIETNAMESE,
            'user_ids': [(6, 0, [self.sales[3].id])], 'company_id': self.company.id})
        self.assertEqual(share.filter_lang, 'vi_VN')
        share.sudo()._apply_share_rules()
        self.assertSees(self.sales[3], self.vn_leads | self.fr_leads, self.vn_leads)

    def test_filter_saved_in_english_keeps_english_names(self):
        team = self.create_team('Vietnam', members=[(self.sales[0], 10)],
                                domain="[('country_id', '=', 'Vietnam')]")
        self.assertEqual(team.filter_lang, 'en_US', "no language: the names as in the code")
        self.route(teams=team)
        self.assertTrue(all(self.vn_leads.mapped('user_id')))

    def test_filter_in_words_says_which_language(self):
        team = self.create_team('Words', members=[(self.sales[0], 10)])
        self.as_vietnamese_manager(team).write({'assignment_domain': VIETNAM_IN_VIETNAMESE})
        english = team.sudo(self.leader_north).with_context(lang='en_US')
        self.assertEqual(english.assignment_filter_text,
                         "Country = Việt Nam (names as written in Vietnamese / Tiếng Việt)")
        # Codes and ids need no language: nothing added.
        team.write({'assignment_domain': "[('country_id.code', '=', 'VN')]"})
        self.assertEqual(english.assignment_filter_text, "Country ▸ Country Code = VN")

    def test_province_in_words_reads_province(self):
        team = self.create_team('Provinces', members=[(self.sales[0], 10)],
                                domain="[('state_id.code', '=', 'HN')]")
        vietnamese = self.as_vietnamese_manager(team)
        self.assertTrue(vietnamese.assignment_filter_text.startswith("Tỉnh/Thành phố ▸ "),
                        vietnamese.assignment_filter_text)
        self.assertNotIn("Trạng thái", vietnamese.assignment_filter_text)

    # ------------------------------------------------------------------------------------------
    # 3. Messages every salesperson sees in Odoo
    # ------------------------------------------------------------------------------------------

    def test_email_preference_gets_inbox_desktop_notification_and_mail(self):
        self.sales[0].notification_type = 'email'
        team = self.create_team('Digest', members=[(self.sales[0], 10)])
        self.env.cr.execute("SELECT coalesce(max(id), 0) FROM bus_bus")
        last_bus = self.env.cr.fetchone()[0]
        self.route(teams=team, leads=self.vn_leads)
        mine = self.env['mail.message'].sudo(self.sales[0])
        inbox = mine.search([('needaction', '=', True)])
        digest = inbox.filtered(lambda message: not message.model)
        self.assertEqual(len(digest), 1, "the digest is in the Inbox of an e-mail user")
        self.assertEqual(
            self.env['res.partner'].sudo(self.sales[0]).get_needaction_count(), len(inbox),
            "the Inbox counter counts it")
        self.assertTrue(self.env['mail.mail'].sudo().search(
            [('mail_message_id', '=', digest.id)]), "and an e-mail is queued")
        self.env.cr.execute("SELECT channel, message FROM bus_bus WHERE id > %s", (last_bus,))
        rows = [(json.loads(channel), json.loads(message))
                for channel, message in self.env.cr.fetchall()]
        partner = self.sales[0].partner_id.id
        desktop = [message for channel, message in rows
                   if channel == [self.env.cr.dbname, 'res.partner', partner]]
        self.assertEqual(len(desktop), 1, "one desktop notification on their own channel")
        self.assertEqual(desktop[0]['type'], 'crm_team_routing_message')
        self.assertEqual(desktop[0]['message_id'], digest.id)
        self.assertTrue(desktop[0]['title'])
        self.assertIn('Vietnam', desktop[0]['message'], "it names the leads")
        inbox_rows = [message for channel, message in rows
                      if channel == [self.env.cr.dbname, 'ir.needaction', partner]]
        self.assertEqual([message['id'] for message in inbox_rows], [digest.id],
                         "the Inbox of an open web client gets it at once")

    # ------------------------------------------------------------------------------------------
    # 4. The Assignment Log shows waiting decisions
    # ------------------------------------------------------------------------------------------

    def test_assignment_log_opens_on_the_waiting_decisions_too(self):
        team = self.create_team('Japan', members=[(self.sales[0], 10)],
                                domain="[('country_id.code', '=', 'JP')]")
        self.route(teams=team, leads=self.vn_leads)
        action = self.env.ref('crm_team_routing.crm_lead_assignment_log_action')
        context = safe_eval(action.context)
        search = etree.fromstring(self.env['crm.lead.assignment.log'].sudo(
            self.manager).fields_view_get(view_type='search')['arch'])
        filters = [search.xpath("//filter[@name='%s']" % key[len('search_default_'):])[0]
                   for key, value in context.items() if key.startswith('search_default_')
                   and value]
        domain = []
        for _index in range(len(filters) - 1):
            domain.append('|')
        for node in filters:
            domain += safe_eval(node.get('domain'))
        logs = self.env['crm.lead.assignment.log'].sudo(self.manager).search(
            domain + [('lead_id', 'in', self.vn_leads.ids)])
        self.assertTrue(logs, "the leads left waiting show in the default list")
        self.assertEqual(set(logs.mapped('kind')), {'unassigned'})

    # ------------------------------------------------------------------------------------------
    # 11. Vietnamese
    # ------------------------------------------------------------------------------------------

    def test_core_working_hours_in_vietnamese(self):
        calendar = self.env.ref('resource.resource_calendar_std')
        self.assertEqual(calendar.with_context(lang='vi_VN').name, "Tiêu chuẩn 40 giờ/tuần")
        self.assertEqual(calendar.with_context(lang='en_US').name, "Standard 40 Hours/Week")

    def test_help_texts_name_the_action_menu_as_the_button_reads(self):
        self.env.cr.execute("""
            SELECT value FROM ir_translation
             WHERE lang = 'vi_VN' AND module = 'crm_team_routing' AND value LIKE %s
        """, ('%&gt; Giao tiềm năng%',))
        helps = [row[0] for row in self.env.cr.fetchall()]
        self.assertTrue(helps)
        for text in helps:
            self.assertNotIn("Thao tác &gt;", text)
            self.assertIn("Hành động &gt;", text)

    # ------------------------------------------------------------------------------------------
    # 12. An empty preview says why and what to do
    # ------------------------------------------------------------------------------------------

    def test_empty_preview_explains_unmatched_leads(self):
        team = self.create_team('Nowhere', domain="[('country_id.code', '=', 'JP')]",
                                members=[(self.sales[0], 10)])
        action = team.sudo(self.manager).with_context(lang='en_US').action_preview_assignment()
        preview = self.env['crm.team.routing.preview'].sudo(self.manager).browse(
            action['res_id'])
        self.assertTrue(preview.is_empty)
        self.assertNotIn("0 decisions", preview.summary)
        self.assertIn("5 leads wait for a salesperson", preview.summary)
        self.assertIn("Nowhere", preview.summary)
        self.assertIn("Action > Assign leads", preview.summary)
        opened = preview.action_open_waiting_leads()
        self.assertEqual(opened['res_model'], 'crm.lead')
        self.assertEqual(set(self.Lead.sudo(self.manager).search(opened['domain']).ids)
                         & set((self.vn_leads | self.fr_leads).ids),
                         set((self.vn_leads | self.fr_leads).ids))

    def test_empty_preview_with_no_waiting_lead(self):
        (self.vn_leads | self.fr_leads).write({'active': False})
        team = self.create_team('Quiet', members=[(self.sales[0], 10)])
        action = team.sudo(self.manager).with_context(lang='en_US').action_preview_assignment()
        preview = self.env['crm.team.routing.preview'].browse(action['res_id'])
        self.assertTrue(preview.is_empty)
        self.assertIn("no open lead is waiting for a salesperson", preview.summary)
