# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import random
import unittest

from odoo.exceptions import ValidationError
from odoo.tests import common

from ..routing import sla
from ..routing.engine import MemberState
from .common import RoutingCase


class TestSla(RoutingCase):
    """Leads nobody followed up in time are taken back and given to a colleague."""

    @classmethod
    def setUpClass(cls):
        super(TestSla, cls).setUpClass()
        cls.team = cls.create_team('SLA', leader=cls.leader_north,
                                   members=[(cls.sales[0], 30), (cls.sales[1], 30)],
                                   assignment_sla_hours=24, assignment_sla_max=1)
        cls.stage = cls.env['crm.stage'].create({'name': 'Called', 'sequence': 50})

    def given_to(self, user, count=1, hours_ago=30, team=None, **values):
        """``count`` leads routed to ``user`` in ``team`` (by default the SLA team; the other
        members paused), assigned ``hours_ago`` hours ago."""
        team = team or self.team
        leads = self.routed_to(user, team, count, prefix='SLA %s %s' % (team.name, user.login),
                               **values)
        self.age(leads, hours_ago)
        return leads

    def take_back(self):
        self.env['crm.team']._cron_sla_reassign()
        self.env['crm.lead'].invalidate_cache()

    def notes_to(self, user):
        """Private messages to ``user`` (attached to no document): digests and notes."""
        return self.env['mail.message'].search([
            ('model', '=', False), ('res_id', '=', False),
            ('partner_ids', 'in', user.partner_id.ids)])

    def test_untouched_lead_taken_back(self):
        lead = self.given_to(self.sales[0])
        before = self.notes_to(self.sales[0])
        self.take_back()
        self.assertEqual(lead.user_id, self.sales[1])
        self.assertEqual(lead.sla_reassign_count, 1)
        row = lead.assignment_log_ids.sorted('id')[-1]
        self.assertEqual((row.kind, row.user_id, row.previous_user_id),
                         ('sla', self.sales[1], self.sales[0]))
        self.assertIn('24 h', row.reason)
        self.assertIn(self.sales[0].name, row.reason)
        self.assertTrue(row.notified, "the new salesperson's digest lists it")
        new_notes = self.notes_to(self.sales[0]) - before
        self.assertEqual(len(new_notes), 1, "one note to the previous salesperson")
        self.assertIn(lead.name, new_notes.body)
        self.assertNotIn(self.sales[0].partner_id, lead.message_partner_ids,
                         "the previous salesperson stops following it")
        self.assertIn(self.sales[1].partner_id, lead.message_partner_ids)

    def test_previous_owner_keeps_the_place(self):
        lead = self.given_to(self.sales[0])
        member = self.team.routing_member_ids.filtered(lambda m: m.user_id == self.sales[0])
        self.assertEqual(member.lead_month_count, 1)
        self.take_back()
        self.assertEqual(lead.user_id, self.sales[1])
        member.invalidate_cache()
        self.assertEqual(member.lead_month_count, 1, "inaction does not free a place")

    def test_not_overdue_stays(self):
        lead = self.given_to(self.sales[0], hours_ago=2)
        self.take_back()
        self.assertEqual(lead.user_id, self.sales[0])

    def test_touches_by_the_salesperson(self):
        by_message, by_stage, by_activity = self.given_to(self.sales[0], count=3)
        by_message.sudo(self.sales[0]).message_post(
            body="Called, call back Monday", message_type='comment', subtype='mail.mt_note')
        by_stage.sudo(self.sales[0]).write({'stage_id': self.stage.id})
        activity = self.env['mail.activity'].sudo(self.sales[0]).create({
            'res_model_id': self.env.ref('crm.model_crm_lead').id,
            'res_id': by_activity.id,
            'activity_type_id': self.env.ref('mail.mail_activity_data_call').id,
            'user_id': self.sales[0].id,
            'summary': 'Call',
        })
        activity.action_feedback(feedback='Reached')
        self.take_back()
        for lead in (by_message, by_stage, by_activity):
            self.assertEqual(lead.user_id, self.sales[0], lead.name)
            self.assertTrue(lead.last_followup_date)

    def test_touches_by_someone_else_do_not_count(self):
        by_message, by_stage = self.given_to(self.sales[0], count=2)
        by_message.sudo(self.manager).message_post(
            body="Did anyone call?", message_type='comment', subtype='mail.mt_note')
        by_stage.sudo(self.manager).write({'stage_id': self.stage.id})
        self.assertFalse(any((by_message | by_stage).mapped('last_followup_date')))
        self.take_back()
        self.assertEqual((by_message | by_stage).mapped('user_id'), self.sales[1])

    def test_never_back_to_a_previous_holder_and_leader_told_once(self):
        self.team.assignment_sla_max = 2
        lead = self.given_to(self.sales[0])
        self.take_back()
        self.assertEqual(lead.user_id, self.sales[1])
        self.age(lead, 30)
        before = self.notes_to(self.leader_north)
        self.take_back()
        self.assertEqual(lead.user_id, self.sales[1], "nobody else: it stays")
        rows = lead.assignment_log_ids.filtered(lambda row: row.kind == 'sla').sorted('id')
        self.assertEqual(len(rows), 2)
        self.assertFalse(rows[-1].user_id)
        self.assertIn(self.sales[1].name, rows[-1].reason)
        self.assertEqual(len(self.notes_to(self.leader_north) - before), 1)
        self.take_back()
        self.assertEqual(len(self.notes_to(self.leader_north) - before), 1, "told once")
        self.assertEqual(len(lead.assignment_log_ids.filtered(lambda row: row.kind == 'sla')),
                         2, "written once")

    def test_maximum_reached(self):
        lead = self.given_to(self.sales[0])
        self.take_back()
        self.assertEqual(lead.user_id, self.sales[1])
        self.age(lead, 30)
        self.take_back()
        self.assertEqual(lead.user_id, self.sales[1], "one take-back per lead at most")
        self.assertEqual(lead.sla_reassign_count, 1)

    def test_maximum_zero_only_tells_the_leader(self):
        self.team.assignment_sla_max = 0
        lead = self.given_to(self.sales[0])
        before = self.notes_to(self.leader_north)
        self.take_back()
        self.assertEqual(lead.user_id, self.sales[0])
        told = self.notes_to(self.leader_north) - before
        self.assertEqual(len(told), 1)
        self.assertIn(lead.name, told.body)

    def test_manual_assignment_exempt(self):
        lead = self.given_to(self.sales[0])
        lead.sudo(self.leader_north).write({'user_id': self.sales[1].id})
        self.age(lead, 30)
        self.take_back()
        self.assertEqual(lead.user_id, self.sales[1], "a person's choice is not taken back")

    def test_same_salesperson_written_again_keeps_the_clock(self):
        """Revision 3: writing the same salesperson again is no new choice: no 'manual' row,
        the assignment date stays, the SLA still takes the lead back."""
        lead = self.given_to(self.sales[0])
        for user in (self.sales[0], self.leader_north):
            lead.sudo(user).write({'user_id': self.sales[0].id})
        self.take_back()
        self.assertEqual(lead.user_id, self.sales[1])

    def test_touch_between_read_and_write_is_left_alone(self):
        lead = self.given_to(self.sales[0])
        assigned = lead.assignment_date
        lead.sudo(self.sales[0]).message_post(body="Called", message_type='comment')
        written = self.env['crm.lead.router']._write_takeback(
            [(lead.id, self.sales[1].id, self.sales[0].id, assigned)], '2026-11-29 10:00:00')
        self.assertFalse(written)
        lead.invalidate_cache()
        self.assertEqual(lead.user_id, self.sales[0])

    def test_working_hours_clock(self):
        self.team.assignment_sla_working_hours = True
        calendar = self.env['resource.calendar'].create({
            'name': 'Never working', 'attendance_ids': [(5,)]})
        # The salesperson's working hours: those of their membership's resource.
        self.team.routing_member_ids.write({'resource_calendar_id': calendar.id})
        lead = self.given_to(self.sales[0], hours_ago=100)
        self.take_back()
        self.assertEqual(lead.user_id, self.sales[0], "no working hour has passed")
        calendar.write({'attendance_ids': [
            (0, 0, {'name': 'All day', 'dayofweek': str(day), 'hour_from': 0, 'hour_to': 24})
            for day in range(7)]})
        self.take_back()
        self.assertEqual(lead.user_id, self.sales[1])

    def test_bad_settings_refused(self):
        with self.assertRaises(ValidationError):
            self.team.assignment_sla_hours = -1
        with self.assertRaises(ValidationError):
            self.team.write({'assignment_sla_hours': 4, 'assignment_sla_max': -1})

    def test_team_and_member_filters_of_each_team(self):
        """Two teams with different filters whose members share a filter (searched once for
        both): a lead goes only to a member whose own filter AND the team's accept it."""
        big = "[('planned_revenue', '>=', 1000)]"
        vn_team = self.create_team(
            'SLA VN', leader=self.leader_north,
            domain="[('country_id', '=', %d)]" % self.country_vn.id,
            members=[(self.sales[0], 30), (self.sales[1], 30, big)],
            assignment_sla_hours=24, assignment_sla_max=1)
        fr_team = self.create_team(
            'SLA FR', leader=self.leader_south,
            domain="[('country_id', '=', %d)]" % self.country_fr.id,
            members=[(self.sales[2], 30), (self.sales[3], 30, big)],
            assignment_sla_hours=24, assignment_sla_max=1)
        vn_big, vn_small = (self.given_to(self.sales[0], team=vn_team,
                                          country_id=self.country_vn.id, planned_revenue=revenue)
                            for revenue in (5000, 500))
        fr_big, fr_small = (self.given_to(self.sales[2], team=fr_team,
                                          country_id=self.country_fr.id, planned_revenue=revenue)
                            for revenue in (5000, 500))
        self.take_back()
        self.assertEqual(vn_big.user_id, self.sales[1])
        self.assertEqual(fr_big.user_id, self.sales[3])
        self.assertEqual(vn_small.user_id, self.sales[0], "outside the member's filter: stays")
        self.assertEqual(fr_small.user_id, self.sales[2], "outside the member's filter: stays")
        for lead, team in ((vn_small, vn_team), (fr_small, fr_team)):
            row = lead.assignment_log_ids.sorted('id')[-1]
            self.assertEqual((row.kind, row.team_id, row.user_id), ('sla', team,
                                                                    self.env['res.users']))
            self.assertIn('no other member', row.reason)


@common.at_install(False)
@common.post_install(True)
class TestSlaDecide(unittest.TestCase):
    """The take-back decisions without a database: each lead goes to the member phase 2
    would choose among those who never held it."""

    def test_same_choices_as_a_scan_of_every_member(self):
        # Capacities in the hundreds: loads compared as floats; in the hundreds of billions:
        # as exact fractions.
        for scale, exact in ((1, False), (10 ** 9, True)):
            self.check_against_a_scan(random.Random(14), scale, exact)

    def check_against_a_scan(self, rng, scale, exact):
        now = '2026-11-29 08:00:00'

        def members():
            return {team_id: [MemberState(
                team_id * 100 + index, team_id, team_id * 100 + index,
                scale * rng.randint(3, 40), rng.randint(0, 10),
                '2026-11-%02d 09:00:00' % rng.randint(1, 28),
                None if index % 3 else set(range(1, 400, 2)),
                weight=rng.choice([0.0, 0.1, 0.3, 1.0, 1.0, 2.0])) for index in range(8)]
                for team_id in (1, 2, 3)}

        leads = [sla.SlaLead(lead_id, 1 + lead_id % 3, (1 + lead_id % 3) * 100 + lead_id % 8,
                             '2026-11-27 %02d:00:00' % (lead_id % 24), 0)
                 for lead_id in range(1, 400)]
        held_by = {lead.lead_id: {lead.team_id * 100 + rng.randint(0, 7)} for lead in leads}
        fits = {team_id: set(range(1, 380)) for team_id in (1, 2, 3)}
        state = rng.getstate()
        by_team = members()
        self.assertEqual(sla.fast_member_key([m for team in by_team.values() for m in team])
                         is sla.member_key, exact)
        decisions = sla.decide(leads, by_team, fits, held_by, dict.fromkeys(fits, 1), now)

        # The reference: every member's exact load computed anew for every lead.
        rng.setstate(state)
        by_team = members()
        expected = []
        for lead in sla.overdue_first(leads):
            team = by_team[lead.team_id]
            excluded = held_by[lead.lead_id] | {lead.user_id}
            eligible = [m for m in team if m.user_id not in excluded and m.count < m.capacity
                        and lead.lead_id in fits[lead.team_id]
                        and (m.fits is None or lead.lead_id in m.fits)]
            member = min(eligible, key=sla.member_key) if eligible else None
            expected.append((lead.lead_id, member.user_id if member else None))
            if member:
                member.count += 1
                member.last = now
        self.assertEqual([(d.lead_id, d.user_id) for d in decisions], expected)
        self.assertTrue(any(user_id for _lead_id, user_id in expected))
        self.assertTrue(any(not user_id for _lead_id, user_id in expected))
