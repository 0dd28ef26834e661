# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError
from odoo.tools import mute_logger

from ..models.crm_lead_router import DIGEST_MAX_LINES
from .common import RoutingCase


class TestRouting(RoutingCase):

    def test_equal_capacities_split_evenly(self):
        team = self.create_team('Even', members=[(user, 50) for user in self.sales[:3]])
        leads = self.create_leads(31)
        self.route(team)
        counts = self.counts_by_user(leads)
        self.assertEqual(set(counts), set(self.sales[:3]))
        self.assertLessEqual(max(counts.values()) - min(counts.values()), 1)
        self.assertEqual(leads.mapped('team_id'), team)

    def test_two_to_one_capacities(self):
        team = self.create_team('Ratio', members=[(self.sales[0], 40), (self.sales[1], 20)])
        leads = self.create_leads(30)
        self.route(team)
        counts = self.counts_by_user(leads)
        self.assertEqual(counts[self.sales[0]], 20)
        self.assertEqual(counts[self.sales[1]], 10)

    def test_capacity_never_exceeded_across_runs(self):
        team = self.create_team('Caps', members=[(self.sales[0], 4), (self.sales[1], 2)])
        first = self.create_leads(5, prefix='First')
        self.route(team)
        second = self.create_leads(5, prefix='Second')
        self.route(team)
        counts = self.counts_by_user(first | second)
        self.assertEqual(counts[self.sales[0]], 4)
        self.assertEqual(counts[self.sales[1]], 2)
        waiting = (first | second).filtered(lambda lead: not lead.user_id)
        self.assertEqual(len(waiting), 4)
        self.assertEqual(waiting.mapped('team_id'), team,
                         "what members cannot take waits in the team")
        self.assertEqual(team.routing_member_ids.mapped('lead_month_count'), [4, 2])

    def test_member_filter_narrower_than_team(self):
        team = self.create_team('Asia', domain="[('country_id', 'in', [%d, %d])]" % (
            self.country_vn.id, self.country_fr.id), members=[
            (self.sales[0], 30, "[('country_id', '=', %d)]" % self.country_vn.id),
            (self.sales[1], 30)])
        vn = self.create_leads(4, prefix='VN', country_id=self.country_vn.id)
        fr = self.create_leads(4, prefix='FR', country_id=self.country_fr.id)
        us = self.create_leads(2, prefix='US', country_id=self.country_us.id)
        self.route(team)
        self.assertFalse(fr.filtered(lambda lead: lead.user_id == self.sales[0]))
        self.assertEqual(fr.mapped('user_id'), self.sales[1])
        self.assertEqual(vn.mapped('user_id'), self.sales[0] | self.sales[1],
                         "inside the member's filter, leads are shared by load")
        self.assertEqual(len(vn.filtered(lambda lead: lead.user_id == self.sales[0])), 2)
        self.assertFalse(us.mapped('team_id'), "outside the team filter: no team")
        self.assertFalse(us.mapped('user_id'))

    def test_member_filter_outside_team_gets_nothing(self):
        team = self.create_team('VN only', domain="[('country_id', '=', %d)]" % self.country_vn.id,
                                members=[(self.sales[0], 30,
                                          "[('country_id', '=', %d)]" % self.country_fr.id),
                                         (self.sales[1], 30)])
        leads = self.create_leads(3, country_id=self.country_vn.id) \
            | self.create_leads(3, prefix='FR', country_id=self.country_fr.id)
        self.route(team)
        self.assertNotIn(self.sales[0], leads.mapped('user_id'))
        self.assertEqual(len(leads.filtered('user_id')), 3)

    def test_score_bands(self):
        rules = self.env['crm.lead.scoring.rule']
        rules.create({'name': 'Vietnam', 'domain': "[('country_id', '=', %d)]" % self.country_vn.id,
                      'points': 30})
        rules.create({'name': 'Big deal', 'domain': "[('planned_revenue', '>=', 10000)]",
                      'points': 50})
        junior = self.create_team('Junior', members=[(self.sales[0], 30)],
                                  assignment_score_max=50)
        senior = self.create_team('Senior', members=[(self.sales[1], 30)],
                                  assignment_score_min=50)
        low = self.create_leads(3, prefix='Low', country_id=self.country_vn.id)        # 30
        high = self.create_leads(3, prefix='High', country_id=self.country_vn.id,
                                 planned_revenue=20000)                                 # 80
        self.assertEqual(set(low.mapped('score')), {30.0}, "scored on creation")
        self.route(junior | senior)
        self.assertEqual(low.mapped('team_id'), junior)
        self.assertEqual(high.mapped('team_id'), senior)
        self.assertEqual(high.mapped('user_id'), self.sales[1])
        self.assertEqual(set(high.mapped('score')), {80.0})

    def test_lead_matching_two_teams_goes_to_less_loaded(self):
        busy = self.create_team('Busy', members=[(self.sales[0], 10)], sequence=1)
        free = self.create_team('Free', members=[(self.sales[1], 10)], sequence=2)
        # Busy already gave 6 of its 10 leads this month; Free none.
        done = self.create_leads(6, prefix='Done')
        self.route(busy, leads=done)
        self.assertEqual(done.mapped('user_id'), self.sales[0])
        leads = self.create_leads(4)
        self.route(busy | free, leads=leads)
        self.assertEqual(leads.mapped('team_id'), free)
        # Now 6/10 against 4/10: the next two go to Free, then the tie goes to Busy (sequence).
        more = self.create_leads(3, prefix='More')
        self.route(busy | free, leads=more)
        self.assertEqual([lead.team_id.name for lead in more.sorted('id')],
                         ['Free', 'Free', 'Busy'])

    def test_or_filters(self):
        team = self.create_team('VN or big', domain="['|', ('country_id', '=', %d), "
                                "('planned_revenue', '>', 5000)]" % self.country_vn.id,
                                members=[(self.sales[0], 30)])
        vn = self.create_leads(2, prefix='VN', country_id=self.country_vn.id)
        big = self.create_leads(2, prefix='Big', country_id=self.country_fr.id,
                                planned_revenue=9000)
        small = self.create_leads(2, prefix='Small', country_id=self.country_fr.id)
        self.route(team)
        self.assertEqual((vn | big).mapped('user_id'), self.sales[0])
        self.assertFalse(small.mapped('user_id'))
        self.assertFalse(small.mapped('team_id'))

    def test_and_filters_on_related_fields(self):
        source = self.env['utm.source'].create({'name': 'Website form'})
        team = self.create_team('Web VN', domain="[('country_id.code', '=', 'VN'), "
                                "('source_id', '=', %d)]" % source.id,
                                members=[(self.sales[0], 30)])
        both = self.create_leads(2, prefix='Both', country_id=self.country_vn.id,
                                 source_id=source.id)
        one = self.create_leads(2, prefix='One', country_id=self.country_vn.id)
        self.route(team)
        self.assertEqual(both.mapped('user_id'), self.sales[0])
        self.assertFalse(one.mapped('user_id'))

    def test_second_run_is_noop(self):
        team = self.create_team('Twice', members=[(self.sales[0], 3), (self.sales[1], 3)])
        leads = self.create_leads(8)
        self.route(team)
        state = [(lead.id, lead.team_id.id, lead.user_id.id) for lead in leads]
        log_count = self.env['crm.lead.assignment.log'].search_count([('lead_id', 'in', leads.ids)])
        messages = self.env['mail.message'].search_count([])
        result = self.route(team)
        self.assertEqual(result.assigned, 0)
        self.assertEqual([(lead.id, lead.team_id.id, lead.user_id.id) for lead in leads], state)
        self.assertEqual(self.env['crm.lead.assignment.log'].search_count(
            [('lead_id', 'in', leads.ids)]), log_count, "waiting leads are logged once")
        self.assertEqual(self.env['mail.message'].search_count([]), messages)

    def test_leads_put_in_team_by_hand_get_a_member(self):
        team = self.create_team('Manual', members=[(self.sales[0], 30)])
        leads = self.create_leads(3, team_id=team.id)
        self.route(team)
        self.assertEqual(leads.mapped('user_id'), self.sales[0])

    def test_lead_in_non_routing_team_is_rerouted(self):
        team = self.create_team('Routing', members=[(self.sales[0], 30)])
        sales_dept = self.env.ref('sales_team.team_sales_department')
        optout = self.create_team('Opted out', members=[(self.sales[1], 30)],
                                  assignment_optout=True)
        in_sales = self.create_leads(2, prefix='Sales dept', team_id=sales_dept.id)
        in_optout = self.create_leads(2, prefix='Opted out', team_id=optout.id)
        self.route(team | optout)
        self.assertEqual(in_sales.mapped('team_id'), team)
        self.assertEqual(in_sales.mapped('user_id'), self.sales[0])
        self.assertEqual(in_optout.mapped('team_id'), optout, "an opted-out team keeps its leads")
        self.assertFalse(in_optout.mapped('user_id'))

    def test_opted_out_member_skipped(self):
        team = self.create_team('Holiday', members=[(self.sales[0], 30), (self.sales[1], 30)])
        team.routing_member_ids.filtered(
            lambda member: member.user_id == self.sales[1]).assignment_optout = True
        leads = self.create_leads(5)
        self.route(team)
        self.assertEqual(leads.mapped('user_id'), self.sales[0])

    def test_zero_capacity_member_takes_none(self):
        team = self.create_team('Zero', members=[(self.sales[0], 0), (self.sales[1], 30)])
        leads = self.create_leads(4)
        self.route(team)
        self.assertEqual(leads.mapped('user_id'), self.sales[1])

    def test_preview_writes_nothing(self):
        self.env['crm.lead.scoring.rule'].create({'name': 'All', 'domain': '[]', 'points': 5})
        team = self.create_team('Preview', members=[(self.sales[0], 30)])
        leads = self.create_leads(4)
        self.env.cr.execute("UPDATE crm_lead SET score = 0 WHERE id IN %s", (tuple(leads.ids),))
        self.env['crm.lead'].invalidate_cache()
        logs = self.env['crm.lead.assignment.log'].search_count([])
        action = team.sudo(self.manager).action_preview_assignment()
        self.env['crm.lead'].invalidate_cache()
        self.assertFalse(leads.mapped('user_id'))
        self.assertFalse(leads.mapped('team_id'))
        self.assertEqual(set(leads.mapped('score')), {0.0}, "preview writes no score")
        self.assertEqual(self.env['crm.lead.assignment.log'].search_count([]), logs)
        preview = self.env['crm.team.routing.preview'].browse(action['res_id'])
        member_lines = preview.line_ids.filtered(lambda line: line.kind == 'member')
        self.assertEqual(sorted(member_lines.mapped('lead_id')), sorted(leads.ids))
        self.assertEqual(member_lines.mapped('user_id'), self.sales[0])
        self.assertIn(self.sales[0].name, preview.totals_html)

    def test_invalid_filter_skipped_others_proceed(self):
        broken = self.create_team('Broken', members=[(self.sales[0], 30)], sequence=1)
        good = self.create_team('Good', members=[(self.sales[1], 30)], sequence=2)
        # A filter that became invalid after it was saved (a custom field removed, say).
        self.env.cr.execute("UPDATE crm_team SET assignment_domain = %s WHERE id = %s",
                            ("[('x_removed_field', '=', 1)]", broken.id))
        broken.invalidate_cache()
        leads = self.create_leads(3)
        with mute_logger('odoo.addons.crm_team_routing.models.crm_lead_router_notify'):
            result = self.route(broken | good)
        self.assertEqual(leads.mapped('user_id'), self.sales[1])
        self.assertTrue(result.errors)
        self.assertIn('Broken', result.errors[0])
        self.assertIn('x_removed_field', broken.message_ids[0].body)

    def test_deterministic(self):
        team = self.create_team('Det', members=[(user, 7) for user in self.sales[:3]])
        leads = self.create_leads(12)
        result_a = team._action_assign_leads(leads=leads, mode='preview')
        result_b = team._action_assign_leads(leads=leads, mode='preview')
        self.assertEqual(result_a.decisions, result_b.decisions)
        self.route(team)
        for decision, _name, _reason in result_a.decisions:
            if decision.kind == 'member':
                self.assertEqual(self.Lead.browse(decision.lead_id).user_id.id, decision.user_id)

    def test_best_first_order(self):
        self.env['crm.lead.scoring.rule'].create({
            'name': 'Big', 'domain': "[('planned_revenue', '>=', 1000)]", 'points': 10})
        team = self.create_team('Best', members=[(self.sales[0], 2)])
        plain = self.create_leads(2, prefix='Plain')
        big = self.create_leads(2, prefix='Big', planned_revenue=5000)
        self.route(team)
        self.assertEqual(big.mapped('user_id'), self.sales[0], "higher score first")
        self.assertFalse(plain.mapped('user_id'))

    def test_log_followers_and_digest(self):
        team = self.create_team('Digest', members=[(self.sales[0], 30), (self.sales[1], 30)])
        self.sales[1].notification_type = 'inbox'
        leads = self.create_leads(4)
        messages_before = self.env['mail.message'].search([])
        self.route(team)
        for lead in leads:
            self.assertIn(lead.user_id.partner_id, lead.message_partner_ids)
            self.assertTrue(lead.assignment_date)
            self.assertTrue(lead.date_open)
            kinds = lead.assignment_log_ids.mapped('kind')
            self.assertEqual(sorted(kinds), ['member', 'team'])
            member_row = lead.assignment_log_ids.filtered(lambda row: row.kind == 'member')
            self.assertTrue(member_row.notified)
            self.assertIn('Digest', member_row.reason)
        new_messages = self.env['mail.message'].search([]) - messages_before
        digests = new_messages.filtered(lambda m: not m.model and not m.res_id)
        self.assertEqual(len(digests), 2, "one message per salesperson, not one per lead")
        self.assertEqual(new_messages, digests, "private messages: none on the team's chatter")
        for user in self.sales[:2]:
            digest = digests.filtered(lambda m: user.partner_id in m.partner_ids)
            self.assertEqual(len(digest), 1)
            self.assertEqual(digest.partner_ids, user.partner_id, "addressed to them alone")
            for lead in leads.filtered(lambda lead: lead.user_id == user):
                self.assertIn(lead.name, digest.body)
        by_email = digests.filtered(lambda m: self.sales[0].partner_id in m.partner_ids)
        mail = self.env['mail.mail'].search([('mail_message_id', '=', by_email.id)])
        self.assertEqual(mail.recipient_ids, self.sales[0].partner_id, "queued for the mail cron")
        self.assertEqual(mail.state, 'outgoing')
        self.assertEqual(by_email.sudo(self.sales[0]).needaction, True,
                         "in their Odoo inbox too (the one place without a mail server)")
        in_inbox = digests.filtered(lambda m: self.sales[1].partner_id in m.partner_ids)
        self.assertFalse(self.env['mail.mail'].search([('mail_message_id', '=', in_inbox.id)]))
        self.assertEqual(in_inbox.sudo(self.sales[1]).needaction, True, "in their Odoo inbox")
        self.assertEqual(in_inbox.sudo(self.sales[1]).message_format()[0]['body'],
                         in_inbox.body, "the salesperson can read their digest")
        self.assertFalse(new_messages.filtered(lambda m: m.model == 'crm.lead'),
                         "no per-lead 'you have been assigned' message")

    def test_digest_covers_rows_a_killed_run_left(self):
        team = self.create_team('Killed', members=[(self.sales[0], 30)])
        lead = self.create_leads(1)
        self.route(team)
        # A run killed after its batch commit but before the digests left this row pending.
        row = lead.assignment_log_ids.filtered(lambda r: r.kind == 'member')
        self.env.cr.execute("UPDATE crm_lead_assignment_log SET notified = FALSE WHERE id = %s",
                            (row.id,))
        other = self.create_leads(1, prefix='Other')
        messages_before = self.env['mail.message'].search([])
        self.route(team)
        digest = self.env['mail.message'].search([]) - messages_before
        self.assertEqual(len(digest), 1)
        self.assertIn(lead.name, digest.body)
        self.assertIn(other.name, digest.body)

    def test_digest_lists_the_first_leads_and_counts_them_all(self):
        main = self.create_team('Main', members=[(self.sales[0], 100)],
                                domain="[('name', 'like', 'Main')]", sequence=1)
        side = self.create_team('Side', members=[(self.sales[0], 100)],
                                domain="[('name', 'like', 'Side')]", sequence=2)
        side_leads = self.create_leads(2, prefix='Side')  # lower ids: listed first
        main_leads = self.create_leads(DIGEST_MAX_LINES + 1, prefix='Main')
        messages_before = self.env['mail.message'].search([])
        self.route(main | side)
        digest = self.env['mail.message'].search([]) - messages_before
        self.assertEqual(len(digest), 1, "one message for the salesperson of both teams")
        self.assertEqual((digest.model, digest.res_id, digest.partner_ids),
                         (False, 0, self.sales[0].partner_id),
                         "a private message to them, on neither team")
        self.assertIn('(%d)' % (DIGEST_MAX_LINES + 3), digest.subject)
        listed = (side_leads | main_leads).filtered(
            lambda lead: '/crm_team_routing/lead/%d"' % lead.id in digest.body)
        self.assertEqual(len(listed), DIGEST_MAX_LINES)
        self.assertEqual(side_leads & listed, side_leads)
        self.assertIn('... and 3 more.', digest.body)

    def test_unassigned_logged_once(self):
        team = self.create_team('Full', members=[(self.sales[0], 1)])
        leads = self.create_leads(2)
        self.route(team)
        waiting = leads.filtered(lambda lead: not lead.user_id)
        self.assertEqual(len(waiting), 1)
        self.route(team)
        self.route(team)
        self.assertEqual(waiting.assignment_log_ids.mapped('kind').count('unassigned'), 1)

    def test_waiting_lead_logged_again_when_it_entered_a_team(self):
        lead = self.create_leads(1)
        elsewhere = self.create_team('Elsewhere', domain="[('name', '=', 'Nobody')]",
                                     members=[(self.sales[1], 5)])
        self.route(elsewhere)
        self.assertEqual(lead.assignment_log_ids.mapped('kind'), ['unassigned'])
        full = self.create_team('Full', members=[(self.sales[0], 1)])
        self.Lead.create({'name': 'Taken', 'team_id': full.id, 'user_id': self.sales[0].id})
        self.route(full)
        self.assertEqual(lead.team_id, full)
        rows = lead.assignment_log_ids.sorted('id')
        self.assertEqual(rows.mapped('kind'), ['unassigned', 'team', 'unassigned'],
                         "it entered a team and waits there now: that is news")
        self.assertIn('no member can take it', rows[-1].reason)

    def test_manual_assignment_logged_and_counted(self):
        team = self.create_team('Hand', members=[(self.sales[0], 3), (self.sales[1], 3)])
        lead = self.create_leads(1, team_id=team.id)
        lead.sudo(self.manager).write({'user_id': self.sales[0].id})
        self.assertTrue(lead.assignment_date)
        self.assertEqual(lead.team_id, team, "routing members keep the lead in its team")
        self.assertEqual(lead.assignment_log_ids[0].kind, 'manual')
        self.assertFalse(lead.assignment_log_ids[0].previous_user_id)
        lead.sudo(self.manager).write({'user_id': self.sales[1].id})
        self.assertEqual(lead.assignment_log_ids[0].previous_user_id, self.sales[0],
                         "a change by hand records who had the lead")
        lead.sudo(self.manager).write({'user_id': self.sales[0].id})
        self.assertEqual(team.routing_member_ids.filtered(
            lambda m: m.user_id == self.sales[0]).lead_month_count, 1)
        leads = self.create_leads(3)
        self.route(team)
        counts = self.counts_by_user(leads)
        self.assertEqual(counts[self.sales[1]], 2, "the manual lead counts in the load")

    def test_buttons_for_managers_only(self):
        team = self.create_team('Buttons', members=[(self.sales[0], 30)])
        self.create_leads(2)
        for user in (self.sales[0], self.leader_north, self.all_leads):
            with self.assertRaises(AccessError):
                team.sudo(user).action_assign_leads()
            with self.assertRaises(AccessError):
                team.sudo(user).action_preview_assignment()
        action = team.sudo(self.manager).action_assign_leads()
        self.assertEqual(action['res_model'], 'crm.team.routing.preview')

    def test_cron_entry_point(self):
        team = self.create_team('Cron', members=[(self.sales[0], 30)])
        leads = self.create_leads(2)
        cron = self.env.ref('crm_team_routing.ir_cron_assign_leads')
        self.assertEqual(cron.model_id.model, 'crm.team')
        self.Team._cron_assign_leads()
        self.env['crm.lead'].invalidate_cache()
        self.assertEqual(leads.mapped('user_id'), self.sales[0])
        self.assertEqual(leads.mapped('team_id'), team)

    def test_other_company_leads_not_routed(self):
        other = self.env['res.company'].create({'name': 'Other project'})
        team = self.create_team('Company', members=[(self.sales[0], 30)])
        mine = self.create_leads(1)
        theirs = self.create_leads(1, prefix='Theirs', company_id=other.id)
        self.route(team)
        self.assertEqual(mine.user_id, self.sales[0])
        self.assertFalse(theirs.user_id)

    def test_team_followers_follow_routed_leads(self):
        team = self.create_team('Followed', members=[(self.sales[0], 30)])
        watcher = self.leader_south.partner_id
        team.message_subscribe(partner_ids=[watcher.id], subtype_ids=[
            self.env.ref('crm.mt_salesteam_lead_stage').id,
            self.env.ref('mail.mt_comment').id])
        leads = self.create_leads(2)
        self.route(team)
        for lead in leads:
            follower = lead.message_follower_ids.filtered(lambda f: f.partner_id == watcher)
            self.assertTrue(follower, "team followers follow the leads entering the team")
            self.assertEqual(follower.subtype_ids, self.env.ref('crm.mt_lead_stage')
                             | self.env.ref('mail.mt_comment'))

    def test_followers_already_there_as_core_subscribes_them(self):
        team = self.create_team('Forced', members=[(self.sales[0], 30)])
        watcher = self.leader_south.partner_id
        team.message_subscribe(partner_ids=[watcher.id], subtype_ids=[
            self.env.ref('crm.mt_salesteam_lead_stage').id])
        lead = self.create_leads(1)
        comment = self.env.ref('mail.mt_comment')
        lead.message_subscribe(partner_ids=[watcher.id, self.sales[0].partner_id.id],
                               subtype_ids=[comment.id])
        self.route(team)
        subtypes = {follower.partner_id: follower.subtype_ids
                    for follower in lead.message_follower_ids}
        self.assertEqual(subtypes[watcher], self.env.ref('crm.mt_lead_stage'),
                         "a team follower is subscribed with force, as core does")
        self.assertEqual(subtypes[self.sales[0].partner_id], comment,
                         "the salesperson already following keeps their subtypes")

    def test_salesperson_following_the_team_gets_the_team_subtypes(self):
        team = self.create_team('Own team', members=[(self.sales[0], 30)])
        team.message_subscribe(partner_ids=self.sales[0].partner_id.ids, subtype_ids=[
            self.env.ref('crm.mt_salesteam_lead_won').id])
        lead = self.create_leads(1)
        self.route(team)
        follower = lead.message_follower_ids.filtered(
            lambda follower: follower.partner_id == self.sales[0].partner_id)
        self.assertEqual(follower.subtype_ids, self.env.ref('crm.mt_lead_won'))

    def test_reassigned_lead_frees_its_place_archived_still_counts(self):
        team = self.create_team('Places', members=[(self.sales[0], 2), (self.sales[1], 2)])
        leads = self.create_leads(4)
        self.route(team)
        member = team.routing_member_ids.filtered(lambda m: m.user_id == self.sales[0])
        self.assertEqual(member.lead_month_count, 2)
        mine = leads.filtered(lambda lead: lead.user_id == self.sales[0])
        mine[0].sudo(self.manager).write({'user_id': self.sales[1].id})
        mine[1].sudo(self.manager).write({'active': False})
        member.invalidate_cache()
        self.assertEqual(member.lead_month_count, 1, "reassigned away: place freed; "
                                                     "archived: still counted")
        extra = self.create_leads(2, prefix='Extra')
        self.route(team)
        self.assertEqual(extra.mapped('user_id'), self.sales[0])
        self.assertEqual(len(extra.filtered('user_id')), 1, "one free place only")

    def test_log_purge(self):
        lead = self.create_leads(1, user_id=self.sales[0].id)
        self.assertTrue(lead.assignment_log_ids)
        self.env.cr.execute("UPDATE crm_lead_assignment_log SET date = date - interval '400 days' "
                            "WHERE lead_id = %s", (lead.id,))
        self.env['crm.lead.assignment.log']._cron_purge_logs()
        lead.invalidate_cache()
        self.assertFalse(lead.assignment_log_ids)
        self.env['ir.config_parameter'].set_param('crm_team_routing.log_retention_days', '500')
        self.create_leads(1, prefix='Kept', user_id=self.sales[0].id)
        self.env.cr.execute("UPDATE crm_lead_assignment_log SET date = date - interval '400 days' "
                            "WHERE lead_id IN (SELECT id FROM crm_lead WHERE name = 'Kept 0')")
        self.env['crm.lead.assignment.log']._cron_purge_logs()
        self.assertTrue(self.Lead.search([('name', '=', 'Kept 0')]).assignment_log_ids)

    def test_filter_on_score_sees_refreshed_scores(self):
        team = self.create_team('Hot', domain="[('score', '>=', 30)]",
                                members=[(self.sales[0], 30)])
        leads = self.create_leads(2, country_id=self.country_vn.id)
        # The rule arrives after the leads: only the run's refresh gives them their points.
        self.env['crm.lead.scoring.rule'].create({
            'name': 'Vietnam', 'domain': "[('country_id', '=', %d)]" % self.country_vn.id,
            'points': 40})
        self.assertEqual(set(leads.mapped('score')), {0.0})
        self.route(team)
        self.assertEqual(set(leads.mapped('score')), {40.0})
        self.assertEqual(leads.mapped('user_id'), self.sales[0])

    def test_scores_of_waiting_leads_are_stored(self):
        self.create_team('Nobody home', members=[(self.sales[0], 0)])
        lead = self.create_leads(1, country_id=self.country_vn.id)
        self.env['crm.lead.scoring.rule'].create({
            'name': 'Vietnam', 'domain': "[('country_id', '=', %d)]" % self.country_vn.id,
            'points': 15})
        self.route()
        self.assertEqual(lead.score, 15.0)
        self.assertFalse(lead.user_id)
