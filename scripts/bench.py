# Run by scripts/bench.sh through 'bin/odoo shell' (env is given), on a database of its own:
# generates BENCH_LEADS leads (default 100,000) with plain SQL, sets up scoring rules, teams,
# salespeople and routing members through the ORM, commits, then times ONE routing run exactly as
# the scheduled action does it (crm.team._cron_assign_leads), checks that the result is correct,
# and prints a report whose last line is
#   BENCH leads=N seconds=S leads_per_s=R queries_per_lead=Q peak_mb=M floor_ratio=F correct=yes|no
# Everything is deterministic: the leads' attributes derive from md5(series number), the rest of
# the data from fixed tables below. BENCH_WRITERS=N sets the number of connections the run writes
# on (crm_team_routing.parallel_writers). BENCH_PROFILE=N additionally prints the N most expensive
# functions of the run, and of the SLA run with BENCH_SLA (cProfile; the runs are then slower
# than without it). BENCH_ABSENCE=1 puts a
# tenth of the members on leave now, gives another tenth three leave days in the last 30 (their
# quota is pro-rated), and routes half the teams during working hours only, a member of each of
# those being off shift. BENCH_SLA=1 then times one SLA take-back run over N open assigned
# leads of which N/10 are overdue (sla_bench); its report ends with a BENCH_SLA line.
# BENCH_OWNERS=1 adds 50,000 existing open opportunities and customers (35,000 and 15,000) owned
# by the members, makes 30% of the new leads share a phone or an email with one of them (typed
# another way), and turns on "Route to the existing owner" on every team; it also times
# route-on-create of one lead with and without the owner step.
# BENCH_SHAPE chooses the teams: 'default' (20 teams of 10 members, below) or 'one-team' (one
# national team of 1,000 members, the same mix of member filters, capacities and paused members:
# the member slots below repeated 100 times).
import cProfile
import functools
import io
import os
import pstats
import resource
import sys
import threading
import time
from collections import Counter, OrderedDict, defaultdict
from datetime import timedelta

from psycopg2.extras import execute_values

import odoo
from odoo import fields
from odoo.tools.safe_eval import safe_eval
from odoo.addons.crm_team_routing.routing import engine as routing_engine
from odoo.addons.crm_team_routing.routing import owner as routing_owner
from odoo.addons.crm_team_routing.routing import sla as routing_sla

LEADS = int(os.environ.get('BENCH_LEADS') or 100000)
PROFILE_LINES = int(os.environ.get('BENCH_PROFILE') or 0)
# Connections the cron writes on (crm_team_routing.parallel_writers); empty: the module's default.
WRITERS = os.environ.get('BENCH_WRITERS') or ''
# BENCH_SLA=1: after the routing run, the SLA take-back variant (issue #14, see sla_bench).
SLA = bool(os.environ.get('BENCH_SLA'))
# Leads/s of a plain routing run of 10,000 leads, for the ratio: measured by bench.sh just
# before this run (BENCH_SLA_REF_MEASURED), or given by hand (make bench LEADS=10000 earlier).
SLA_REFERENCE = float(os.environ.get('BENCH_SLA_REF') or 0)
SLA_REFERENCE_MEASURED = bool(os.environ.get('BENCH_SLA_REF_MEASURED'))
ABSENCE = (os.environ.get('BENCH_ABSENCE') or '0') not in ('0', '')
# The existing owner variant (see above).
OWNERS = (os.environ.get('BENCH_OWNERS') or '0') not in ('0', '')
OWNED_OPPORTUNITIES = 35000
OWNED_CUSTOMERS = 15000
OWNED_SHARE = 0.3          # of the new leads, sharing a key with an existing record
OWNED_DAYS_AGO = 60        # existing records were assigned before the 30-day window
CREATE_SAMPLES = 20        # route-on-create runs of one lead timed, with and without owners
SHAPE = os.environ.get('BENCH_SHAPE') or 'default'

# Share of the leads the members' capacities add up to: below 1, some leads must wait.
CAPACITY_SHARE = 0.9
# Leads are created over the last few days (create_date breaks score ties in routing).
CREATED_OVER_SECONDS = 5 * 86400

# 20 weighted slots: the lead's country is slot md5 byte 0 mod 20 (None: no country).
COUNTRY_SLOTS = [('vn', 5), ('th', 3), ('sg', 2), ('my', 2), ('id', 2), ('ph', 1),
                 ('fr', 1), ('de', 1), ('us', 1), ('gb', 1), (None, 1)]
ASEAN = ('vn', 'th', 'sg', 'my', 'id', 'ph')
WESTERN = ('fr', 'de', 'us', 'gb')
SOURCES = ['Website', 'Referral', 'Trade Fair', 'Facebook Ads', 'Cold Call']
CAMPAIGNS = ['Tet 2026', 'Spring Promotion', 'Webinar Series', 'Partner Program']  # + no campaign

# (name, domain factory, points); the factories get the BenchData, which knows the ids.
SCORING_RULES = [
    ("Vietnam market", lambda r: [('country_id', '=', r.country['vn'])], 10),
    ("Other ASEAN markets", lambda r: [('country_id', 'in', r.countries(ASEAN[1:]))], 5),
    ("Western markets", lambda r: [('country_id', 'in', r.countries(WESTERN))], 5),
    ("Referral", lambda r: [('source_id', '=', r.source['Referral'])], 25),
    ("Website inbound", lambda r: [('source_id', '=', r.source['Website'])], 10),
    ("Cold call", lambda r: [('source_id', '=', r.source['Cold Call'])], -5),
    ("Tet campaign", lambda r: [('campaign_id', '=', r.campaign['Tet 2026'])], 10),
    ("Webinar attendee", lambda r: [('campaign_id', '=', r.campaign['Webinar Series'])], 15),
    ("Mid-size deal", lambda r: [('planned_revenue', '>=', 50000)], 10),
    ("Large deal", lambda r: [('planned_revenue', '>=', 150000)], 20),
]

# (name, capacity weight, domain factory, score min, score max): overlapping filters and bands.
TEAMS = [
    ("VN Junior", 3.0, lambda r: [('country_id', '=', r.country['vn'])], 0, 30),
    ("VN Senior", 2.0, lambda r: [('country_id', '=', r.country['vn'])], 30, 0),
    ("VN Enterprise", 1.0, lambda r: [('country_id', '=', r.country['vn']),
                                      ('planned_revenue', '>=', 100000)], 20, 0),
    ("Thailand", 2.0, lambda r: [('country_id', '=', r.country['th'])], 0, 0),
    ("Singapore & Malaysia", 2.0, lambda r: [('country_id', 'in', r.countries(('sg', 'my')))],
     0, 0),
    ("Indonesia & Philippines", 1.5, lambda r: [('country_id', 'in', r.countries(('id', 'ph')))],
     0, 0),
    ("ASEAN Overflow", 1.0, lambda r: [('country_id', 'in', r.countries(ASEAN))], 0, 20),
    ("France", 0.5, lambda r: [('country_id', '=', r.country['fr'])], 0, 0),
    ("DACH", 0.5, lambda r: [('country_id', '=', r.country['de'])], 0, 0),
    ("United Kingdom", 0.5, lambda r: [('country_id', '=', r.country['gb'])], 0, 0),
    ("Europe Key Accounts", 0.5, lambda r: [('country_id', 'in', r.countries(('fr', 'de', 'gb')))],
     25, 0),
    ("North America", 0.5, lambda r: [('country_id', '=', r.country['us'])], 0, 0),
    ("US Enterprise", 0.5, lambda r: [('country_id', '=', r.country['us']),
                                      ('planned_revenue', '>=', 100000)], 0, 0),
    ("Referral Desk", 1.0, lambda r: [('source_id', '=', r.source['Referral'])], 40, 0),
    ("Web Inbound", 1.0, lambda r: [('source_id', '=', r.source['Website'])], 0, 25),
    ("Tet Campaign", 1.0, lambda r: [('campaign_id', '=', r.campaign['Tet 2026'])], 0, 0),
    ("Webinar Follow-up", 0.5, lambda r: [('campaign_id', '=', r.campaign['Webinar Series'])],
     20, 0),
    ("Big Deals", 0.5, lambda r: [('planned_revenue', '>=', 150000)], 50, 0),
    ("Partner Program", 0.5, lambda r: ['&', ('campaign_id', '=', r.campaign['Partner Program']),
                                        ('country_id', 'in', r.countries(ASEAN))], 0, 0),
    ("Small Deals Desk", 1.5, lambda r: ['|', ('planned_revenue', '<', 20000),
                                         ('source_id', '=', r.source['Cold Call'])], 0, 15),
]

# The 10 members of every team, by slot: capacity weight and own filter (None: the team's only).
# A third have a narrower filter; slots 1, 2, 4, 5 and 8 share a capacity and have no filter.
MEMBER_SLOTS = [
    (3, None),
    (2, None),
    (2, None),
    (1, lambda r: [('planned_revenue', '>=', 20000)]),
    (2, None),
    (2, None),
    (1, lambda r: [('source_id', 'in', [r.source['Website'], r.source['Referral']])]),
    (4, None),
    (2, None),
    (1, lambda r: [('campaign_id', '!=', False)]),
]
OPTOUT_SLOT, OPTOUT_EVERY = 8, 5      # slot 8 of every 5th group of 10 members is paused
# BENCH_SHAPE=one-team: one team taking every lead with a country, its members the slots above
# repeated (member i has slot i mod 10).
ONE_TEAM = [("National Team", 1.0, lambda r: [('country_id', '!=', False)], 0, 0)]
SHAPES = {'default': (TEAMS, len(MEMBER_SLOTS)), 'one-team': (ONE_TEAM, 100 * len(MEMBER_SLOTS))}
if SHAPE not in SHAPES:
    raise SystemExit("BENCH_SHAPE must be one of %s, not %r" % (', '.join(sorted(SHAPES)), SHAPE))
SHAPE_TEAMS, USERS_PER_TEAM = SHAPES[SHAPE]
# BENCH_ABSENCE: slot 5 of every team is on leave now (a tenth of the members), slot 2 was on leave
# three days in the last 30; even teams route during working hours only, and their slot 6 works
# one hour a day that is not now.
LEAVE_SLOT, PAST_LEAVE_SLOT, OFF_SHIFT_SLOT = 5, 2, 6


def sql_queries():
    """Queries run so far by this process: Odoo adds a cursor's count to sql_counter on close."""
    return odoo.sql_db.sql_counter + env.cr.sql_log_count


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KB on Linux


def say(message):
    print('[bench] %s' % message, flush=True)


class BenchData(object):
    """Reference data of the run, and the ids the filters are written with."""

    def __init__(self):
        self.company = env.ref('base.main_company')
        codes = [code for code, _weight in COUNTRY_SLOTS if code]
        self.country = {country.code.lower(): country.id for country in env['res.country'].search(
            [('code', 'in', [code.upper() for code in codes])])}
        assert sorted(self.country) == sorted(codes), "countries missing: %s" % codes
        Source, Campaign = env['utm.source'], env['utm.campaign']
        self.source = OrderedDict((name, Source.create({'name': name}).id) for name in SOURCES)
        self.campaign = OrderedDict((name, Campaign.create({'name': name}).id)
                                    for name in CAMPAIGNS)
        self.stage = env.ref('crm.stage_lead1')
        self.rules = env['crm.lead.scoring.rule']
        self.teams = env['crm.team']
        self.members = env['crm.team.member']
        self.team_domains = {}     # team id -> domain (list)
        self.member_domains = {}   # member id -> own domain (list, [] when none)
        self.unavailable = set()   # (team id, user id) on leave or off shift (BENCH_ABSENCE)
        self.leave_now = set()     # member ids on leave now (BENCH_ABSENCE)
        self.past_leave = set()    # member ids with leave days in the last 30 (BENCH_ABSENCE)
        self.last_lead_id = 0      # the generated leads are ids 1..last_lead_id
        self.fill_seconds = 0.0    # matching keys of every lead and partner, filled in SQL batches

    def countries(self, codes):
        return [self.country[code] for code in codes]


def generate_leads(data, count):
    """``count`` leads arriving unassigned (no team, no salesperson), in one INSERT ... SELECT.

    Every attribute derives from md5 of the series number: the same data at every run.
    """
    env.cr.execute("SELECT count(*) FROM crm_lead")
    if env.cr.fetchone()[0]:
        raise RuntimeError("the benchmark needs a database without leads: every open lead joins "
                           "the routing run")
    country_slots = [data.country.get(code) for code, weight in COUNTRY_SLOTS
                     for _i in range(weight)]
    campaign_slots = list(data.campaign.values()) + [None]
    env.cr.execute("""
        INSERT INTO crm_lead (
            name, type, active, probability, stage_id, company_id, user_id, team_id,
            country_id, source_id, campaign_id, planned_revenue,
            contact_name, partner_name, email_from, priority, color, opt_out, message_bounce,
            score, share_state, date_last_stage_update,
            create_date, create_uid, write_date, write_uid)
        SELECT 'Bench lead ' || s.i, 'lead', TRUE, 10, %(stage)s, %(company)s, NULL, NULL,
               (%(countries)s::int[])[1 + get_byte(s.h, 0) %% %(n_countries)s],
               (%(sources)s::int[])[1 + get_byte(s.h, 1) %% %(n_sources)s],
               (%(campaigns)s::int[])[1 + get_byte(s.h, 2) %% %(n_campaigns)s],
               -- log-uniform between 1,000 and 200,000: many small deals, few large ones
               round(1000 * power(200, (get_byte(s.h, 3) * 256 + get_byte(s.h, 4)) / 65535.0)),
               'Contact ' || s.i, 'Company ' || (s.i %% 5000), 'lead' || s.i || '@example.com',
               '0', 0, FALSE, 0,
               0, 'none', s.created,
               s.created, %(uid)s, s.created, %(uid)s
          FROM (SELECT i, h, %(now)s::timestamp - interval '1 second'
                           * ((get_byte(h, 5) * 65536 + get_byte(h, 6) * 256 + get_byte(h, 7))
                              %% %(spread)s) AS created
                  FROM (SELECT i, decode(md5(i::text), 'hex') AS h
                          FROM generate_series(1, %(count)s) AS i) AS series) AS s
    """, {
        'stage': data.stage.id, 'company': data.company.id, 'uid': env.uid,
        'now': fields.Datetime.now(), 'spread': CREATED_OVER_SECONDS, 'count': count,
        'countries': country_slots, 'n_countries': len(country_slots),
        'sources': list(data.source.values()), 'n_sources': len(data.source),
        'campaigns': campaign_slots, 'n_campaigns': len(campaign_slots),
    })
    env.cr.execute("SELECT max(id) FROM crm_lead")
    data.last_lead_id = env.cr.fetchone()[0]
    # Fresh statistics, as autovacuum would have gathered on a table that grew over time.
    env.cr.execute("ANALYZE crm_lead")
    env.cache.invalidate()


def owned_phone(index):
    """The phone of existing record ``index`` as it was typed then: a Vinaphone mobile."""
    return '091%07d' % index


def generate_owned(data):
    """BENCH_OWNERS: 35,000 open opportunities and 15,000 customers, each with its own phone and
    email, owned by routing members (in proportion to their capacity, paused ones included),
    assigned before the 30-day window; 30% of the new leads get the phone (as '+84 91x ...') or
    the email (upper case, with a display name) of one of them. In SQL, like the leads."""
    seats = []  # (team_id, user_id), repeated by capacity
    for member in data.members:
        seats += [(member.team_id.id, member.user_id.id)] * member.assignment_max
    now = fields.Datetime.from_string(fields.Datetime.now())
    assigned = fields.Datetime.to_string(now - timedelta(days=OWNED_DAYS_AGO))
    env.cr.execute("""
        INSERT INTO crm_lead (
            name, type, active, probability, stage_id, company_id, user_id, team_id,
            email_from, phone, priority, color, opt_out, message_bounce, score, share_state,
            assignment_date, date_open, date_last_stage_update,
            create_date, create_uid, write_date, write_uid)
        SELECT 'Existing opportunity ' || i, 'opportunity', TRUE, 50, %(stage)s, %(company)s,
               (%(users)s::int[])[1 + (i * 7919) %% %(n_seats)s],
               (%(teams)s::int[])[1 + (i * 7919) %% %(n_seats)s],
               'customer' || i || '@example.vn', '091' || lpad(i::text, 7, '0'),
               '0', 0, FALSE, 0, 0, 'none', %(assigned)s, %(assigned)s, %(assigned)s,
               %(assigned)s, %(uid)s, %(assigned)s, %(uid)s
          FROM generate_series(1, %(count)s) AS i
    """, {'stage': data.stage.id, 'company': data.company.id, 'uid': env.uid,
          'assigned': assigned, 'count': OWNED_OPPORTUNITIES, 'n_seats': len(seats),
          'users': [seat[1] for seat in seats], 'teams': [seat[0] for seat in seats]})
    env.cr.execute("""
        INSERT INTO res_partner (
            name, display_name, active, customer, supplier, employee, is_company, type,
            user_id, email, phone, company_id, lang, create_date, create_uid, write_date,
            write_uid)
        SELECT 'Existing customer ' || i, 'Existing customer ' || i, TRUE, TRUE, FALSE, FALSE,
               TRUE, 'contact', (%(users)s::int[])[1 + (i * 7919) %% %(n_seats)s],
               'customer' || i || '@example.vn', '091' || lpad(i::text, 7, '0'), NULL, 'en_US',
               %(now)s, %(uid)s, %(now)s, %(uid)s
          FROM generate_series(%(first)s, %(last)s) AS i
    """, {'uid': env.uid, 'now': fields.Datetime.now(), 'n_seats': len(seats),
          'users': [seat[1] for seat in seats], 'first': OWNED_OPPORTUNITIES + 1,
          'last': OWNED_OPPORTUNITIES + OWNED_CUSTOMERS})
    env.cr.execute("""
        UPDATE res_partner SET commercial_partner_id = id
         WHERE commercial_partner_id IS NULL AND name LIKE 'Existing customer %%'
    """)
    owned = OWNED_OPPORTUNITIES + OWNED_CUSTOMERS
    # The new leads (ids 1..last_lead_id): byte 8 of md5 picks 30% of them, bytes 9-11 the
    # existing record, byte 12 the key (phone or email).
    env.cr.execute("""
        UPDATE crm_lead l
           SET phone = CASE WHEN s.by_phone
                            THEN '+84 91' || substr(lpad(s.j::text, 7, '0'), 1, 1) || ' '
                                 || substr(lpad(s.j::text, 7, '0'), 2, 3) || ' '
                                 || substr(lpad(s.j::text, 7, '0'), 5, 3) END,
               email_from = CASE WHEN s.by_phone THEN l.email_from
                                 ELSE 'Khách ' || s.j || ' <CUSTOMER' || s.j || '@EXAMPLE.VN>' END
          FROM (SELECT i,
                       1 + (get_byte(h, 9) * 65536 + get_byte(h, 10) * 256 + get_byte(h, 11))
                           %% %(owned)s AS j,
                       get_byte(h, 12) %% 2 = 0 AS by_phone,
                       get_byte(h, 8) < %(share)s AS shared
                  FROM (SELECT i, decode(md5(i::text), 'hex') AS h
                          FROM generate_series(1, %(last)s) AS i) AS series) AS s
         WHERE l.id = s.i AND s.shared
    """, {'owned': owned, 'share': int(round(256 * OWNED_SHARE)), 'last': data.last_lead_id})
    env['crm.team'].search([('id', 'in', data.teams.ids)]).write({'assignment_owner': True})


def fill_keys(data):
    """The matching keys of every lead and partner, as the module's install fills them."""
    start = time.perf_counter()
    env['crm.lead']._routing_fill_keys()
    env['res.partner']._routing_fill_keys()
    data.fill_seconds = time.perf_counter() - start
    env.cr.execute("ANALYZE crm_lead")
    env.cr.execute("ANALYZE res_partner")
    env.cache.invalidate()


def create_configuration(data, count):
    """10 scoring rules, 200 salespeople, 20 teams led by one of them, 200 routing members."""
    ctx = dict(env.context, tracking_disable=True, no_reset_password=True,
               mail_create_nosubscribe=True, mail_create_nolog=True)
    for sequence, (name, domain, points) in enumerate(SCORING_RULES):
        data.rules |= env['crm.lead.scoring.rule'].with_context(ctx).create({
            'name': name, 'sequence': sequence, 'domain': repr(domain(data)), 'points': points,
            'company_id': data.company.id})

    salesman = env.ref('sales_team.group_sale_salesman')
    Users = env['res.users'].with_context(ctx)
    users = [Users.create({
        'name': 'Bench Salesperson %04d' % index,
        'login': 'bench.sales.%04d' % index,
        'email': 'bench.sales.%04d@example.com' % index,
        'groups_id': [(6, 0, [salesman.id])],
        'company_id': data.company.id,
        'company_ids': [(6, 0, [data.company.id])],
        # Most people are notified by email (Odoo's default), some chose Odoo's inbox.
        'notification_type': 'inbox' if index % 4 == 3 else 'email',
    }) for index in range(len(SHAPE_TEAMS) * USERS_PER_TEAM)]

    # Capacities: weights scaled so that the capacity of members who are not paused adds up to
    # CAPACITY_SHARE of the leads; equal weights in a team give equal capacities.
    units = sum(team_weight * _slot(index)[0]
                for t, (_n, team_weight, _d, _lo, _hi) in enumerate(SHAPE_TEAMS)
                for index in range(USERS_PER_TEAM)
                if not _paused(t, index))
    unit = CAPACITY_SHARE * count / units
    # Team leaders follow their team's lead subtypes, so routing subscribes them to its leads.
    team_subtypes = [env.ref('crm.%s' % xmlid).id for xmlid in (
        'mt_salesteam_lead', 'mt_salesteam_lead_stage', 'mt_salesteam_lead_won',
        'mt_salesteam_lead_lost')]
    Team, Member = env['crm.team'].with_context(ctx), env['crm.team.member'].with_context(ctx)
    for t, (name, team_weight, domain, low, high) in enumerate(SHAPE_TEAMS):
        team_users = users[t * USERS_PER_TEAM:(t + 1) * USERS_PER_TEAM]
        team = Team.create({
            'name': name, 'sequence': t + 1, 'company_id': data.company.id,
            'user_id': team_users[0].id, 'assignment_domain': repr(domain(data)),
            'assignment_score_min': low, 'assignment_score_max': high,
        })
        team.message_subscribe(partner_ids=team_users[0].partner_id.ids, subtype_ids=team_subtypes)
        data.teams |= team
        data.team_domains[team.id] = domain(data)
        for index, user in enumerate(team_users):
            member_weight, own_filter = _slot(index)
            member = Member.create({
                'team_id': team.id, 'user_id': user.id,
                'assignment_max': max(1, int(round(unit * team_weight * member_weight))),
                'assignment_domain': repr(own_filter(data)) if own_filter else '[]',
                'assignment_optout': _paused(t, index),
            })
            data.members |= member
            data.member_domains[member.id] = own_filter(data) if own_filter else []


def _slot(index):
    """(capacity weight, own filter factory) of the team's member ``index``."""
    return MEMBER_SLOTS[index % len(MEMBER_SLOTS)]


def _paused(team_index, index):
    """Slot 8 of every 5th group of 10 members: of every 5th team in the default shape."""
    group = team_index * USERS_PER_TEAM // len(MEMBER_SLOTS) + index // len(MEMBER_SLOTS)
    return index % len(MEMBER_SLOTS) == OPTOUT_SLOT and group % OPTOUT_EVERY == OPTOUT_EVERY - 1


def _hours_only(team_index):
    return ABSENCE and team_index % 2 == 0


def create_absences(data):
    """BENCH_ABSENCE: leaves, working hours and shifts as described at the top. Returns the
    (team_id, user_id) of the members who may not take leads now."""
    Calendar, Leave = env['resource.calendar'], env['resource.calendar.leaves']
    tz = 'Asia/Ho_Chi_Minh'
    env['res.users'].browse(data.members.mapped('user_id').ids).write({'tz': tz})
    now = fields.Datetime.from_string(fields.Datetime.now())
    all_day = Calendar.create({
        'name': 'Bench: every hour', 'company_id': data.company.id,
        'attendance_ids': [(5,)] + [(0, 0, {'name': 'Day %d' % day, 'dayofweek': str(day),
                                            'hour_from': 0, 'hour_to': 24})
                                    for day in range(7)]})
    local_hour = (now.hour + 7) % 24
    shift = (local_hour + 2) % 24
    off_shift = Calendar.create({
        'name': 'Bench: one hour a day, not now', 'company_id': data.company.id,
        'attendance_ids': [(5,)] + [(0, 0, {'name': 'Day %d' % day, 'dayofweek': str(day),
                                            'hour_from': shift, 'hour_to': shift + 1})
                                    for day in range(7)]})
    unavailable = set()
    leaves = []
    for t, team in enumerate(data.teams):
        members = data.members.filtered(lambda m: m.team_id == team)
        slot_of = {member: index % len(MEMBER_SLOTS)
                   for index, member in enumerate(members.sorted('id'))}
        if _hours_only(t):
            team.assignment_hours_only = True
        for member, slot in slot_of.items():
            member.resource_calendar_id = off_shift if (
                _hours_only(t) and slot == OFF_SHIFT_SLOT) else all_day
            if slot == LEAVE_SLOT:
                leaves.append((member, now - timedelta(days=1), now + timedelta(days=2)))
                unavailable.add((team.id, member.user_id.id))
                data.leave_now.add(member.id)
            elif slot == PAST_LEAVE_SLOT:
                leaves.append((member, now - timedelta(days=5), now - timedelta(days=2)))
                data.past_leave.add(member.id)
            if _hours_only(t) and slot == OFF_SHIFT_SLOT:
                unavailable.add((team.id, member.user_id.id))
    for member, start, end in leaves:
        Leave.create({'name': 'Nghỉ phép', 'resource_id': member.resource_id.id,
                      'calendar_id': member.resource_calendar_id.id,
                      'date_from': fields.Datetime.to_string(start),
                      'date_to': fields.Datetime.to_string(end)})
    data.unavailable = unavailable
    return unavailable


class PhaseMeter(object):
    """Time, SQL queries and the process's peak memory at the end of the engine's steps, by
    wrapping their methods during the run.

    The wrappers live in this process only, for the run only: the module is not touched.
    """

    def __init__(self):
        self.phases = OrderedDict()    # label -> [depth, calls, seconds, queries, peak MB]
        self._lock = threading.Lock()
        self._patched = []

    def wrap(self, owner, name, label, depth=0, required=False, threaded=False):
        """Measure ``owner.name`` under ``label``. A step the engine no longer has is left out
        of the report (its time counts as "other"), unless the report needs it."""
        function = getattr(owner, name, None)
        if function is None:
            if required:
                raise RuntimeError("the benchmark measures %s.%s, which no longer exists"
                                   % (getattr(owner, '_name', owner.__name__), name))
            return
        original = owner.__dict__.get(name)  # None: inherited, restored by deleting the wrapper
        stats = self.phases.setdefault(label, [depth, 0, 0.0, None if threaded else 0, 0.0])

        @functools.wraps(function)  # keeps Odoo's api decorations (_api)
        def measured(*args, **kwargs):
            start, queries = time.perf_counter(), sql_queries()
            try:
                return function(*args, **kwargs)
            finally:
                with self._lock:  # writer threads report side by side
                    stats[1] += 1
                    stats[2] += time.perf_counter() - start
                    if stats[3] is not None:
                        stats[3] += sql_queries() - queries
                    stats[4] = peak_mb()

        setattr(owner, name, measured)
        self._patched.append((owner, name, original))

    def restore(self):
        for owner, name, original in reversed(self._patched):
            if original is None:
                delattr(owner, name)
            else:
                setattr(owner, name, original)
        self._patched = []

    def top_level(self):
        return [stats for stats in self.phases.values() if stats[0] == 0]


class SqlByCaller(object):
    """With BENCH_PROFILE: the queries of a run and their time, by the module's function that
    asked for them (the nearest frame in crm_team_routing), the ORM's included."""

    def __init__(self):
        self.stats = defaultdict(lambda: [0, 0.0])
        self.original = odoo.sql_db.Cursor.execute
        original, stats = self.original, self.stats

        def execute(cursor, *args, **kwargs):
            start = time.perf_counter()
            try:
                return original(cursor, *args, **kwargs)
            finally:
                frame, caller = sys._getframe(1), '(outside the module)'
                while frame:
                    name = frame.f_code.co_filename
                    if '/crm_team_routing/' in name:
                        caller = '%s:%s' % (name.rsplit('/', 1)[-1], frame.f_code.co_name)
                        break
                    frame = frame.f_back
                entry = stats[caller]
                entry[0] += 1
                entry[1] += time.perf_counter() - start

        odoo.sql_db.Cursor.execute = execute

    def restore(self):
        odoo.sql_db.Cursor.execute = self.original

    def report(self, lines):
        print("  SQL by caller: queries, seconds")
        for caller, (count, seconds) in sorted(self.stats.items(),
                                               key=lambda item: -item[1][1])[:lines]:
            print("  %-60s %6d %8.3f" % (caller, count, seconds))
        print()


DIGESTS = "digests (one message per salesperson)"
DECISIONS = "decision step (plain Python)"


def install_meter():
    models = {name: type(env[name]) for name in (
        'crm.lead.router', 'crm.lead', 'crm.lead.scoring.rule', 'mail.followers',
        'crm.lead.assignment.log')}
    meter = PhaseMeter()
    meter.wrap(models['crm.lead.scoring.rule'], '_routing_scores', "scores: one search per rule")
    meter.wrap(models['crm.lead.router'], '_read_states', "team and member states (filters, loads)")
    meter.wrap(type(env['crm.team.member']), '_routing_availability',
               "absences, working hours, quotas", 1)
    meter.wrap(models['crm.lead.router'], '_read_phase1_ids', "leads waiting for a team")
    meter.wrap(models['crm.lead.router'], '_read_owners',
               "existing owners: keys, records, stoplist, seats")
    meter.wrap(models['crm.lead.router'], '_decide', DECISIONS, required=True)
    if OWNERS:
        meter.wrap(routing_owner, 'route', "owner step, then the engine", 1)
        meter.wrap(routing_engine, 'route', "phases 1 and 2", 2)
    else:
        meter.wrap(routing_engine, 'route', "phases 1 and 2", 1)
    meter.wrap(models['crm.lead.router'], '_write', "writes, in batches with commits")
    meter.wrap(models['crm.lead'], '_routing_last_log_kinds', "last log kinds", 1)
    meter.wrap(models['mail.followers'], '_routing_subscriptions', "who follows (read once)", 1)
    # The batches run on parallel connections: their phases add up the time of all writers,
    # and their queries are counted in the total only (the counter is per connection).
    meter.wrap(models['crm.lead.router'], '_write_batch', "batches (time summed over writers)",
               1, threaded=True)
    meter.wrap(models['crm.lead'], '_routing_write_assignment', "lead updates and followers", 2,
               threaded=True)
    meter.wrap(models['mail.followers'], '_routing_subscribe',
               "followers (salespeople, team)", 3, threaded=True)
    meter.wrap(models['crm.lead.assignment.log'], '_routing_insert', "log rows", 2,
               threaded=True)
    meter.wrap(models['crm.lead.router'], '_notify', DIGESTS, required=True)
    return meter


def floor_seconds(lead_team_user):
    """The floor: one bare UPDATE writing the run's final teams and salespeople, rolled back."""
    env.cr.execute("SAVEPOINT bench_floor")
    start = time.perf_counter()
    execute_values(env.cr, """
        UPDATE crm_lead SET team_id = v.team_id, user_id = v.user_id
          FROM (VALUES %s) AS v(id, team_id, user_id)
         WHERE crm_lead.id = v.id
    """, lead_team_user, template='(%s, %s::int, %s::int)', page_size=max(len(lead_team_user), 1))
    seconds = time.perf_counter() - start
    env.cr.execute("ROLLBACK TO SAVEPOINT bench_floor")
    return max(seconds, 1e-6)  # no lead routed at all: keep the ratio defined


class Checks(object):
    """Named checks; each failure is printed with what was found."""

    def __init__(self):
        self.passed, self.failed = 0, []

    def __call__(self, name, problems):
        """``problems``: list of descriptions of what is wrong (empty: the check passes)."""
        if problems:
            self.failed.append(name)
            print('CHECK FAILED: %s: %d problem(s), e.g. %s' % (name, len(problems), problems[:5]),
                  flush=True)
        else:
            self.passed += 1

    @property
    def correct(self):
        return not self.failed


def check_run(data, before):
    """Verify the run against the rules of DESIGN.md. Every check holds for any correct engine
    on this data (a fresh database: every lead starts with no team, no member has a load)."""
    env.cache.invalidate()
    check = Checks()
    Lead = env['crm.lead'].with_context(active_test=False)
    since = fields.Datetime.to_string(
        fields.Datetime.from_string(fields.Datetime.now()) - timedelta(days=30))
    # The generated leads only: BENCH_OWNERS adds existing records after them.
    scope = [('id', '<=', data.last_lead_id)]
    env.cr.execute("SELECT id, team_id, user_id, score, assignment_date, date_open FROM crm_lead "
                   "WHERE id <= %s", (data.last_lead_id,))
    leads = env.cr.fetchall()
    # Leads the existing owner step placed: ownership beats team and member filters.
    env.cr.execute("SELECT lead_id FROM crm_lead_assignment_log WHERE id > %s AND rule = 'owner'",
                   (before['log_id'],))
    owner_ids = {row[0] for row in env.cr.fetchall()}
    team_count = Counter(row[1] for row in leads if row[1] and row[0] not in owner_ids)
    member_count = Counter((row[1], row[2]) for row in leads
                           if row[2] and row[4] and row[4] >= since)
    plain_count = Counter((row[1], row[2]) for row in leads
                          if row[2] and row[4] and row[4] >= since and row[0] not in owner_ids)
    assigned = [row for row in leads if row[2]]

    # Scores: the sum of the points of the rules each lead matches (one search per rule).
    expected = Counter()
    for rule in data.rules:
        for lead_id in Lead.search(safe_eval(rule.domain or '[]') + scope).ids:
            expected[lead_id] += rule.points
    check("score = sum of the matching rules' points",
          ['lead %s: %s, expected %s' % (row[0], row[3], expected[row[0]]) for row in leads
           if abs((row[3] or 0.0) - expected[row[0]]) > 1e-6])

    # Phase 1: a lead in a team matches its filter and score band; a lead left without a team
    # matches no team (every benchmark team has capacity, so each one could have taken it).
    problems = []
    for team in data.teams:
        entry = data.team_domains[team.id] + score_band(team)
        matching = len(set(Lead.search([('team_id', '=', team.id)] + entry + scope).ids)
                       - owner_ids)
        if matching != team_count[team.id]:
            problems.append('%s: %d leads, %d match its filter and band'
                            % (team.name, team_count[team.id], matching))
        left = Lead.search_count([('team_id', '=', False)] + entry + scope)
        if left:
            problems.append('%s: %d leads without a team match it' % (team.name, left))
    check("teams: filter and score band respected, no matching lead left without team", problems)

    # Phase 2. Members are eligible when active, not paused, there (BENCH_ABSENCE: not on leave,
    # not off shift) and with a quota (their capacity pro-rated for recent leave days).
    quota = {m.id: m.assignment_quota for m in data.members}
    eligible = {(m.team_id.id, m.user_id.id): m for m in data.members
                if m.active and not m.assignment_optout and quota[m.id] > 0
                and (m.team_id.id, m.user_id.id) not in data.unavailable}
    check("members on leave or off shift receive nothing",
          ['%s: %d leads' % (key, member_count[key]) for key in sorted(data.unavailable)
           if member_count[key]])
    check("quotas pro-rated for past leave days only (BENCH_ABSENCE)",
          ['%s: quota %d of %d' % (m.display_name, quota[m.id], m.assignment_max)
           for m in data.members
           if (m.id in data.past_leave and m.assignment_max >= 10
               and quota[m.id] >= m.assignment_max)
           or (m.id not in data.past_leave | data.leave_now
               and quota[m.id] != m.assignment_max)])
    check("salespeople are eligible routing members of the lead's team",
          ['lead %s: (team, user) %s' % (row[0], (row[1], row[2])) for row in assigned
           if (row[1], row[2]) not in eligible])
    check("no capacity exceeded (30-day count <= assignment_quota)",
          ['%s: %d > %d' % (m.display_name, member_count[key], quota[m.id])
           for key, m in eligible.items() if member_count[key] > quota[m.id]]
          + ['%s (paused): %d leads' % (m.display_name, member_count[(m.team_id.id, m.user_id.id)])
             for m in data.members if m.assignment_optout
             and member_count[(m.team_id.id, m.user_id.id)]])
    problems, unserved = [], []
    for (team_id, user_id), member in eligible.items():
        domain = data.team_domains[team_id] + data.member_domains[member.id]
        given = len(set(Lead.search([('team_id', '=', team_id), ('user_id', '=', user_id)]
                                    + domain + scope).ids) - owner_ids)
        if given != plain_count[(team_id, user_id)]:
            problems.append('%s: %d leads, %d match team and member filters'
                            % (member.display_name, plain_count[(team_id, user_id)], given))
        # A member with room left had room during the whole run (loads only grow): no lead
        # waiting in the team may match them.
        if member_count[(team_id, user_id)] < quota[member.id]:
            waiting = Lead.search_count([('team_id', '=', team_id), ('user_id', '=', False),
                                         ('active', '=', True), ('probability', '<', 100)]
                                        + domain + scope)
            if waiting:
                unserved.append('%s has room (%d/%d) but %d matching leads wait in the team'
                                % (member.display_name, member_count[(team_id, user_id)],
                                   quota[member.id], waiting))
    check("assigned leads match team filter AND member filter", problems)
    check("no lead waits while a matching member has room", unserved)

    # Balance. Members of a team without a filter of their own are eligible for the same leads
    # and the lowest count/capacity wins, so for any two of them A, B (starting from zero):
    # count_A / cap_A - count_B / cap_B <= 1 / cap_A, i.e. equal capacities differ by at most
    # one lead and 2:1 capacities share about 2:1.
    # With BENCH_OWNERS, leads placed by the owner step come first and may load a member beyond
    # the others: the inequality then holds for members A that received a lead from phase 2
    # (A had the lowest ratio when it got its last one, and counts only grow).
    problems = []
    by_team = defaultdict(list)
    for (team_id, user_id), member in eligible.items():
        if not data.member_domains[member.id]:
            by_team[team_id].append((member_count[(team_id, user_id)], quota[member.id],
                                     member.display_name, plain_count[(team_id, user_id)]))
    for members in by_team.values():
        for count_a, cap_a, name_a, plain_a in members:
            for count_b, cap_b, name_b, _plain_b in members:
                if plain_a and count_a * cap_b - count_b * cap_a > cap_b:
                    problems.append('%s %d/%d vs %s %d/%d' % (name_a, count_a, cap_a, name_b,
                                                              count_b, cap_b))
    check("balance within teams (count/capacity)", problems)

    # Log rows of this run: one 'team' row per lead that entered a team, one 'member' row per
    # assigned lead and matching it, one 'unassigned' row per lead left without salesperson.
    env.cr.execute("""
        SELECT lead_id, kind, team_id, user_id, notified FROM crm_lead_assignment_log
         WHERE id > %s
    """, (before['log_id'],))
    logs = env.cr.fetchall()
    rows_of = defaultdict(Counter)
    member_row = {}
    for lead_id, kind, team_id, user_id, notified in logs:
        rows_of[kind][lead_id] += 1
        if kind == 'member':
            member_row[lead_id] = (team_id, user_id, notified)
    check("one 'member' log row per assigned lead, none twice",
          ['lead %s: %d member rows' % (lead_id, n) for lead_id, n in rows_of['member'].items()
           if n > 1]
          + (['%d member rows for %d assigned leads' % (sum(rows_of['member'].values()),
                                                        len(assigned))]
             if sum(rows_of['member'].values()) != len(assigned) else [])
          + ['lead %s: log %s, lead (%s, %s)' % (row[0], member_row.get(row[0]), row[1], row[2])
             for row in assigned if member_row.get(row[0], (0, 0))[:2] != (row[1], row[2])])
    check("one 'team' log row per lead that entered a team (none for the owner step's)",
          ['lead %s: %d team rows' % (row[0], rows_of['team'][row[0]]) for row in leads
           if rows_of['team'][row[0]] != (1 if row[1] and row[0] not in owner_ids else 0)])
    check("one 'unassigned' log row per lead left without salesperson",
          ['lead %s: %d unassigned rows' % (row[0], rows_of['unassigned'][row[0]]) for row in leads
           if rows_of['unassigned'][row[0]] != (0 if row[2] else 1)])

    # Side effects of setting a salesperson: dates, followers, one digest per salesperson and
    # no message per lead.
    check("assigned leads have date_open and assignment_date",
          ['lead %s' % row[0] for row in assigned if not (row[4] and row[5])])
    env.cr.execute("""
        SELECT l.id FROM crm_lead l JOIN res_users u ON u.id = l.user_id
         WHERE l.id <= %s
           AND NOT EXISTS (SELECT 1 FROM mail_followers f
                            WHERE f.res_model = 'crm.lead' AND f.res_id = l.id
                              AND f.partner_id = u.partner_id)
    """, (data.last_lead_id,))
    check("salespeople follow their leads", ['lead %s' % row[0] for row in env.cr.fetchall()])
    env.cr.execute("""
        SELECT l.id FROM crm_lead l
          JOIN crm_team t ON t.id = l.team_id JOIN res_users u ON u.id = t.user_id
         WHERE l.id <= %s
           AND NOT EXISTS (SELECT 1 FROM mail_followers f
                            WHERE f.res_model = 'crm.lead' AND f.res_id = l.id
                              AND f.partner_id = u.partner_id)
    """, (data.last_lead_id,))
    check("team followers (the leaders) follow the team's leads",
          ['lead %s' % row[0] for row in env.cr.fetchall()])
    env.cr.execute("""
        SELECT p.res_partner_id, count(*) FROM mail_message m
          JOIN mail_message_res_partner_rel p ON p.mail_message_id = m.id
         WHERE m.id > %s AND m.model IS NULL GROUP BY p.res_partner_id
    """, (before['message_id'],))
    digests = dict(env.cr.fetchall())
    partners = set(env['res.users'].browse(sorted({row[2] for row in assigned}))
                   .mapped('partner_id').ids)
    check("one digest per salesperson who received leads, every row notified",
          ['partner %s received %d digests' % (partner, digests.get(partner, 0))
           for partner in sorted(partners | set(digests))
           if digests.get(partner, 0) != (1 if partner in partners else 0)]
          + ['lead %s: member row not notified' % lead_id
             for lead_id, (_t, _u, notified) in member_row.items() if not notified])
    env.cr.execute("SELECT count(*) FROM mail_message WHERE id > %s AND model = 'crm.lead'",
                   (before['message_id'],))
    per_lead = env.cr.fetchone()[0]
    check("no message per lead", ['%d messages posted on leads' % per_lead] if per_lead else [])

    # The existing owner step: each lead it placed went to the salesperson of the existing
    # record sharing its phone or email (the generated keys are unique to one record).
    env.cr.execute("""
        SELECT log.lead_id FROM crm_lead_assignment_log log JOIN crm_lead l ON l.id = log.lead_id
         WHERE log.id > %(log)s AND log.rule = 'owner'
           AND NOT EXISTS (SELECT 1 FROM crm_lead o
                            WHERE o.id > %(last)s AND o.user_id = log.user_id
                              AND o.active AND o.probability < 100
                              AND (o.phone_sanitized = l.phone_sanitized
                                   OR o.email_normalized = l.email_normalized))
           AND NOT EXISTS (SELECT 1 FROM res_partner p
                            WHERE p.user_id = log.user_id
                              AND (p.phone_sanitized = l.phone_sanitized
                                   OR lower(p.email) = l.email_normalized))
    """, {'log': before['log_id'], 'last': data.last_lead_id})
    check("the owner step gives a lead to the owner of the record sharing its key",
          ['lead %s' % row[0] for row in env.cr.fetchall()])
    if OWNERS:
        env.cr.execute("""
            SELECT count(*) FROM crm_lead l
             WHERE l.id <= %s AND (l.phone_sanitized IS NOT NULL
                                   OR l.email_normalized LIKE 'customer%%@example.vn')
        """, (data.last_lead_id,))
        sharing = env.cr.fetchone()[0]
        check("30%% of the leads share a key with an existing record, most go to their owner",
              [] if sharing >= 0.25 * len(leads) and len(owner_ids) >= 0.5 * sharing
              else ['%d leads share a key, %d placed by the owner step'
                    % (sharing, len(owner_ids))])
    else:
        check("no owner step without BENCH_OWNERS",
              ['%d owner rows' % len(owner_ids)] if owner_ids else [])
    env.cr.execute("""
        SELECT count(*) FROM crm_lead_assignment_log
         WHERE id > %s AND reason_data LIKE '%%"owner_skipped"%%'
    """, (before['log_id'],))
    check.owner_stats = (len(owner_ids), env.cr.fetchone()[0])
    return check, leads


def time_route_on_create(data):
    """Route-on-create as after the commit of a web form: one lead per run, whose phone an
    existing opportunity shares; the median of CREATE_SAMPLES runs without, then with, the
    owner step, and the mean time spent in the owner step itself (its read and its decision).
    Returns (seconds without, seconds with, seconds of the step)."""
    Lead = env['crm.lead'].with_context(crm_team_routing_no_route=True, tracking_disable=True,
                                        mail_create_nolog=True, mail_create_nosubscribe=True)
    router = env['crm.lead.router']
    medians = []
    meter = PhaseMeter()
    for owners in (False, True):
        env.cr.execute("UPDATE crm_team SET assignment_owner = %s WHERE id = ANY(%s)",
                       (owners, data.teams.ids))
        env.cache.invalidate()
        if owners:
            meter.wrap(type(router), '_read_owners', 'read', required=True)
            meter.wrap(type(router), '_decide_owners', 'decide', required=True)
        seconds = []
        for index in range(CREATE_SAMPLES):
            lead = Lead.create({
                'name': 'Web form %d' % index, 'user_id': False, 'team_id': False,
                'country_id': data.country['vn'],
                'phone': owned_phone(1 + 97 * index + (5000 if owners else 0))})
            env.cr.commit()  # the form's transaction; the run takes the lock, then commits
            start = time.perf_counter()
            router._run(data.teams, lead, 'create')
            seconds.append(time.perf_counter() - start)
        medians.append(sorted(seconds)[len(seconds) // 2])
    meter.restore()
    step = sum(stats[2] for stats in meter.phases.values()) / CREATE_SAMPLES
    return medians + [step]


def score_band(team):
    band = [('score', '>=', team.assignment_score_min)]
    if team.assignment_score_max:
        band.append(('score', '<', team.assignment_score_max))
    return band


def main():
    say("%d leads: generating them with SQL" % LEADS)
    start = time.perf_counter()
    data = BenchData()
    generate_leads(data, LEADS)
    generated = time.perf_counter() - start
    say("configuration: %d scoring rules, %d teams, %d salespeople and members"
        % (len(SCORING_RULES), len(SHAPE_TEAMS), len(SHAPE_TEAMS) * USERS_PER_TEAM))
    start = time.perf_counter()
    create_configuration(data, LEADS)
    if ABSENCE:
        create_absences(data)
    if OWNERS:
        say("existing owners: %d open opportunities and %d customers, %d%% of the leads share "
            "a key with one of them" % (OWNED_OPPORTUNITIES, OWNED_CUSTOMERS, OWNED_SHARE * 100))
        generate_owned(data)
    fill_keys(data)
    if WRITERS:
        env['ir.config_parameter'].set_param('crm_team_routing.parallel_writers', WRITERS)
    writers = env['crm.lead.router']._parallel_writers()
    configured = time.perf_counter() - start
    env.cr.commit()  # the run measures routing only
    env.cache.invalidate()

    env.cr.execute("SELECT COALESCE(max(id), 0) FROM crm_lead_assignment_log")
    before = {'log_id': env.cr.fetchone()[0]}
    env.cr.execute("SELECT COALESCE(max(id), 0) FROM mail_message")
    before['message_id'] = env.cr.fetchone()[0]

    say("routing run (crm.team._cron_assign_leads)")
    meter = install_meter()
    profiler = cProfile.Profile() if PROFILE_LINES else None
    mb_before, queries_before = peak_mb(), sql_queries()
    start = time.perf_counter()
    try:
        if profiler:
            profiler.enable()
        env['crm.team']._cron_assign_leads()
    finally:
        if profiler:
            profiler.disable()
        meter.restore()
    seconds = time.perf_counter() - start
    queries = sql_queries() - queries_before
    mb_after = peak_mb()
    env.cache.invalidate()

    say("checking the result")
    check, leads = check_run(data, before)
    floor = floor_seconds([(row[0], row[1], row[2]) for row in leads if row[1]])
    on_create = None
    if OWNERS:
        say("route-on-create of one lead, %d times without and with the owner step"
            % CREATE_SAMPLES)
        on_create = time_route_on_create(data)

    digest_queries = meter.phases[DIGESTS][3]
    routing_queries = queries - digest_queries
    salespeople = len({row[2] for row in leads if row[2]})
    in_team = sum(1 for row in leads if row[1] and not row[2])
    no_team = sum(1 for row in leads if not row[1])
    capacity = sum(m.assignment_quota for m in data.members if not m.assignment_optout)

    if profiler:
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats('cumulative').print_stats(PROFILE_LINES)
        print(stream.getvalue())

    width = 46
    print()
    print("crm_team_routing benchmark: one routing run as the scheduled action does it")
    print("  data: %d leads, %d teams, %d members (capacity %d), %d scoring rules; shape %s"
          % (LEADS, len(data.teams), len(data.members), capacity, len(data.rules), SHAPE))
    if OWNERS:
        print("  existing owners: %d open opportunities and %d customers; %d%% of the leads "
              "share a key with one of them" % (OWNED_OPPORTUNITIES, OWNED_CUSTOMERS,
                                                OWNED_SHARE * 100))
    print("  writes on %d connection%s (crm_team_routing.parallel_writers)"
          % (writers, 's' if writers > 1 else ''))
    if ABSENCE:
        print("  BENCH_ABSENCE: %d members on leave now, %d with past leave days, %d teams "
              "during working hours only, %d members unavailable now"
              % (len(data.leave_now), len(data.past_leave),
                 len(data.teams.filtered('assignment_hours_only')), len(data.unavailable)))
    print("  setup (not measured): leads %.1fs with SQL, configuration %.1fs with the ORM "
          "(matching keys of every lead and partner: %.1fs)"
          % (generated, configured, data.fill_seconds))
    print("  result: %d given to %d salespeople, %d waiting in a team, %d without team"
          % (LEADS - in_team - no_team, salespeople, in_team, no_team))
    print()
    # Peak MB: the process's peak memory when the step last ended (it never goes down).
    print("  %-*s %9s %9s %9s" % (width, "phase", "seconds", "queries", "peak MB"))
    for label, (depth, calls, phase_seconds, phase_queries, phase_mb) in meter.phases.items():
        name = '  ' * depth + label + (' (x%d)' % calls if calls > 1 else '')
        print("  %-*s %9.2f %9s %9.0f" % (width, name, phase_seconds,
                                          '-' if phase_queries is None else phase_queries,
                                          phase_mb))
    other = seconds - sum(stats[2] for stats in meter.top_level())
    other_queries = queries - sum(stats[3] for stats in meter.top_level())
    print("  %-*s %9.2f %9d" % (width, "other (candidates, lock, cron)", other, other_queries))
    print()
    print("decision step: %.2f s" % meter.phases[DECISIONS][2])
    print()
    rows = [
        ("wall time", "%.2f s" % seconds),
        ("throughput", "%.0f leads/s" % (LEADS / seconds)),
        ("SQL queries without digests", "%d (%.4f per lead)" % (
            routing_queries, routing_queries / LEADS)),
        ("SQL queries of the digests", "%d (%.1f per salesperson)" % (
            digest_queries, digest_queries / salespeople if salespeople else 0)),
        ("peak memory", "%.0f MB (%.0f MB before the run)" % (mb_after, mb_before)),
        ("floor: one bare UPDATE", "%.3f s (run / floor = %.1f)" % (floor, seconds / floor)),
        ("checks", "%d passed, %d failed" % (check.passed, len(check.failed))),
    ]
    if OWNERS:
        rows[-1:-1] = [
            ("existing owner step", "%d leads to their owner, %d owners skipped"
             % check.owner_stats),
            ("route-on-create, one lead", "%.0f ms a run (%.0f ms without the option), of "
             "which the owner step %.1f ms" % (on_create[1] * 1000, on_create[0] * 1000,
                                               on_create[2] * 1000)),
        ]
    for name, value in rows:
        print("  %-*s %s" % (width - 18, name, value))
    print()
    print("BENCH leads=%d seconds=%.2f leads_per_s=%.0f queries_per_lead=%.4f peak_mb=%.0f "
          "floor_ratio=%.1f%s correct=%s" % (
              LEADS, seconds, LEADS / seconds, routing_queries / LEADS, mb_after,
              seconds / floor, ' owners=1' if OWNERS else '',
              'yes' if check.correct else 'no'), flush=True)
    if SLA:
        sla_bench(data)


# ----------------------------------------------------------------------------------------------
# BENCH_SLA=1: the SLA take-back run (issue #14)
# ----------------------------------------------------------------------------------------------

SLA_HOURS = 24
SLA_AGE_HOURS = 30       # the overdue leads were given this long ago
SLA_HEADROOM = 0.2       # room added to every member: 20 % of their load (+2)
SLA_NOTES = "notes (one per previous salesperson and team)"


def open_assigned():
    env.cr.execute("SELECT count(*) FROM crm_lead WHERE user_id IS NOT NULL AND active "
                   "AND probability < 100")
    return env.cr.fetchone()[0]


def sla_setup(data, target, overdue):
    """``target`` open leads assigned to routing members, the last log row of each a 'member'
    row; ``overdue`` of them given SLA_AGE_HOURS ago and not followed up, the others recent.

    The routing run assigned most leads; the rest are copies of assigned leads (same team,
    salesperson and attributes, so the same filters match), each with its 'member' row. Every
    team takes back after SLA_HOURS, once per lead; every member gets room for take-backs."""
    cr = env.cr
    assigned = open_assigned()
    cr.execute("SELECT max(id) FROM crm_lead")
    last_routed = cr.fetchone()[0]
    missing = target - assigned
    if missing > 0:
        cr.execute("SELECT column_name FROM information_schema.columns "
                   "WHERE table_name = 'crm_lead' AND column_name <> 'id'")
        columns = [row[0] for row in cr.fetchall()]
        values = ["src.name || ' (copy ' || g.i || ')'" if column == 'name' else 'src.%s' % column
                  for column in columns]
        cr.execute("""
            WITH src AS (SELECT *, row_number() OVER (ORDER BY id) AS rn FROM crm_lead
                          WHERE user_id IS NOT NULL AND active AND probability < 100)
            INSERT INTO crm_lead (%s)
            SELECT %s FROM generate_series(0, %%(missing)s - 1) AS g(i)
              JOIN src ON src.rn = 1 + g.i %%%% %%(assigned)s
        """ % (', '.join(columns), ', '.join(values)), {'missing': missing, 'assigned': assigned})
        cr.execute("""
            INSERT INTO crm_lead_assignment_log (lead_id, team_id, user_id, kind, reason_data,
                                                 company_id, notified, date)
            SELECT id, team_id, user_id, 'member', '"Bench: assigned with SQL"', company_id,
                   TRUE, assignment_date
              FROM crm_lead WHERE id > %s
        """, (last_routed,))
    # Routing's digests went out: every row is notified.
    cr.execute("UPDATE crm_lead_assignment_log SET notified = TRUE WHERE NOT notified")
    # The overdue ones: routed leads (they have followers) whose last row is 'member'. The
    # last rows in one sorted pass: a subquery per lead, planned on a log table not analyzed
    # yet, once ran for half an hour (a backward scan of the whole log per lead).
    cr.execute("ANALYZE crm_lead_assignment_log")
    now = fields.Datetime.from_string(fields.Datetime.now())
    cr.execute("""
        UPDATE crm_lead SET assignment_date = %(aged)s, date_open = %(aged)s,
                            last_followup_date = NULL
         WHERE id IN (SELECT lead.id FROM crm_lead lead
                        JOIN (SELECT DISTINCT ON (lead_id) lead_id, kind
                                FROM crm_lead_assignment_log ORDER BY lead_id, id DESC) AS last
                          ON last.lead_id = lead.id AND last.kind = 'member'
                       WHERE lead.user_id IS NOT NULL AND lead.active AND lead.probability < 100
                         AND lead.id <= %(last_routed)s
                       ORDER BY md5(lead.id::text) LIMIT %(overdue)s)
     RETURNING id, team_id, user_id
    """, {'aged': fields.Datetime.to_string(now - timedelta(hours=SLA_AGE_HOURS)),
          'last_routed': last_routed, 'overdue': overdue})
    aged = {row[0]: (row[1], row[2]) for row in cr.fetchall()}
    cr.execute("UPDATE crm_lead SET last_followup_date = NULL, sla_reassign_count = 0")
    env.cache.invalidate()
    data.teams.write({'assignment_sla_hours': SLA_HOURS, 'assignment_sla_max': 1,
                      'assignment_sla_working_hours': False})
    loads = data.teams._routing_member_loads()
    for member in data.members.filtered(lambda m: not m.assignment_optout):
        load = loads.get((member.team_id.id, member.user_id.id), (0, None))[0]
        member.assignment_max = max(member.assignment_max, load) + int(load * SLA_HEADROOM) + 2
    cr.commit()
    # The setup rewrote every lead and log row: vacuumed now, as autovacuum would have done
    # long before a real run, rather than during the measured one.
    cr.autocommit(True)
    try:
        for table in ('crm_lead', 'crm_lead_assignment_log', 'mail_followers',
                      'mail_followers_mail_message_subtype_rel'):
            cr.execute("VACUUM ANALYZE %s" % table)
    finally:
        cr.autocommit(False)
    env.cache.invalidate()
    return aged


def install_sla_meter():
    models = {name: type(env[name]) for name in (
        'crm.lead.router', 'crm.lead', 'mail.followers', 'crm.lead.assignment.log')}
    router = models['crm.lead.router']
    meter = PhaseMeter()
    meter.wrap(router, '_read_sla', "overdue leads, holders, states", required=True)
    meter.wrap(router, '_read_states', "team and member states (filters, loads)", 1)
    meter.wrap(routing_sla, 'decide', "decisions (plain Python)")
    meter.wrap(router, '_write_sla', "writes (one transaction)", required=True)
    meter.wrap(models['crm.lead'], '_routing_write_takeback', "guarded lead update", 1)
    meter.wrap(models['mail.followers'], '_routing_subscribe', "followers (new salespeople)", 1)
    meter.wrap(models['crm.lead'], '_routing_unfollow_previous', "unfollow (previous ones)", 1)
    meter.wrap(models['crm.lead.assignment.log'], '_routing_insert', "log rows", 1)
    meter.wrap(router, '_notify', DIGESTS, required=True)
    meter.wrap(router, '_notify_sla', SLA_NOTES, required=True)
    return meter


def check_sla(data, aged, before, holders):
    """The take-back run against README's SLA take-back section."""
    env.cache.invalidate()
    check = Checks()
    cr = env.cr
    cr.execute("SELECT lead_id, team_id, user_id, previous_user_id, kind FROM "
               "crm_lead_assignment_log WHERE id > %s", (before['log_id'],))
    rows = cr.fetchall()
    sla_rows = defaultdict(list)
    for lead_id, team_id, user_id, previous, kind in rows:
        sla_rows[lead_id].append((team_id, user_id, previous, kind))
    check("only 'sla' rows written", ['%s' % (row,) for row in rows if row[4] != 'sla'])
    check("one 'sla' row per overdue lead, none for the others",
          ['lead %s: %d rows' % (lead_id, len(sla_rows.get(lead_id, ())))
           for lead_id in set(aged) | set(sla_rows) if len(sla_rows.get(lead_id, ()))
           != (1 if lead_id in aged else 0)])
    cr.execute("SELECT id, team_id, user_id, coalesce(sla_reassign_count, 0) FROM crm_lead "
               "WHERE user_id IS NOT NULL")
    now_of = {row[0]: row[1:] for row in cr.fetchall()}
    moved = {lead_id: entries[0] for lead_id, entries in sla_rows.items() if entries[0][1]}
    check("moved leads: with the row's salesperson, taken from the previous holder",
          ['lead %s: now %s, row %s, before %s'
           % (lead_id, now_of.get(lead_id), row, aged.get(lead_id))
           for lead_id, row in moved.items()
           if now_of.get(lead_id, (None, None))[:2] != row[:2]
           or aged.get(lead_id) != (row[0], row[2])])
    check("none given back to anyone who held it",
          ['lead %s to %s, held by %s' % (lead_id, row[1], sorted(holders.get(lead_id, ())))
           for lead_id, row in moved.items() if row[1] in holders.get(lead_id, ())])
    check("sla_reassign_count 1 on moved leads, 0 on the others",
          ['lead %s: %s' % (lead_id, values[2]) for lead_id, values in now_of.items()
           if values[2] != (1 if lead_id in moved else 0)])
    eligible = {(m.team_id.id, m.user_id.id): m for m in data.members
                if m.active and not m.assignment_optout and m.assignment_max > 0}
    check("moved to an eligible member of the same team",
          ['lead %s: %s' % (lead_id, row[:2]) for lead_id, row in moved.items()
           if row[:2] not in eligible])
    loads = data.teams._routing_member_loads()
    check("no quota exceeded (30-day load with take-backs <= assignment_max)",
          ['%s: %d > %d' % (m.display_name, loads[key][0], m.assignment_max)
           for key, m in eligible.items() if loads.get(key, (0,))[0] > m.assignment_max])
    cr.execute("SELECT count(*) FROM mail_message WHERE id > %s AND model = 'crm.lead'",
               (before['message_id'],))
    per_lead = cr.fetchone()[0]
    check("no message per lead", ['%d messages posted on leads' % per_lead] if per_lead else [])
    return check, moved, sla_rows


def sla_bench(data):
    target, overdue = LEADS, LEADS // 10
    say("SLA take-back: %d open assigned leads, %d of them overdue" % (target, overdue))
    routed = open_assigned()
    start = time.perf_counter()
    aged = sla_setup(data, target, overdue)
    prepared = time.perf_counter() - start
    assigned = open_assigned()
    env.cr.execute("""
        SELECT lead_id, array_agg(DISTINCT u) FROM (
            SELECT lead_id, user_id AS u FROM crm_lead_assignment_log WHERE user_id IS NOT NULL
            UNION ALL
            SELECT lead_id, previous_user_id FROM crm_lead_assignment_log
             WHERE previous_user_id IS NOT NULL) AS h
         WHERE lead_id = ANY(%s) GROUP BY lead_id
    """, (list(aged),))
    holders = {lead_id: set(users) | {aged[lead_id][1]} for lead_id, users in env.cr.fetchall()}
    env.cr.execute("SELECT COALESCE(max(id), 0) FROM crm_lead_assignment_log")
    before = {'log_id': env.cr.fetchone()[0]}
    env.cr.execute("SELECT COALESCE(max(id), 0) FROM mail_message")
    before['message_id'] = env.cr.fetchone()[0]

    say("SLA run (crm.team._cron_sla_reassign)")
    meter = install_sla_meter()
    profiler = cProfile.Profile() if PROFILE_LINES else None
    sql_by_caller = SqlByCaller() if PROFILE_LINES else None
    queries_before = sql_queries()
    start = time.perf_counter()
    try:
        if profiler:
            profiler.enable()
        env['crm.team']._cron_sla_reassign()
    finally:
        if profiler:
            profiler.disable()
            sql_by_caller.restore()
        meter.restore()
    seconds = time.perf_counter() - start
    queries = sql_queries() - queries_before
    mb_after = peak_mb()

    say("checking the take-backs")
    check, moved, sla_rows = check_sla(data, aged, before, holders)
    message_queries = meter.phases[DIGESTS][3] + meter.phases[SLA_NOTES][3]
    run_queries = queries - message_queries
    handled = len(sla_rows)
    lps = handled / seconds

    if profiler:
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats('cumulative').print_stats(PROFILE_LINES)
        print(stream.getvalue())
        sql_by_caller.report(PROFILE_LINES)

    width = 46
    print()
    print("crm_team_routing benchmark: one SLA take-back run as the scheduled action does it")
    print("  data: %d open assigned leads (%d routed, the rest SQL copies), %d overdue "
          "(given %d h ago, delay %d h, 1 take-back per lead)"
          % (assigned, routed, len(aged), SLA_AGE_HOURS, SLA_HOURS))
    print("  setup (not measured): %.1fs" % prepared)
    print("  result: %d taken back, %d stayed (leader told), to %d salespeople"
          % (len(moved), handled - len(moved), len({row[1] for row in moved.values()})))
    print()
    print("  %-*s %9s %9s" % (width, "phase", "seconds", "queries"))
    for label, (depth, calls, phase_seconds, phase_queries, _mb) in meter.phases.items():
        name = '  ' * depth + label + (' (x%d)' % calls if calls > 1 else '')
        print("  %-*s %9.2f %9s" % (width, name, phase_seconds,
                                    '-' if phase_queries is None else phase_queries))
    other = seconds - sum(stats[2] for stats in meter.top_level())
    other_queries = queries - sum(stats[3] for stats in meter.top_level())
    print("  %-*s %9.2f %9d" % (width, "other (teams, lock, cron)", other, other_queries))
    print()
    rows = [
        ("wall time", "%.2f s" % seconds),
        ("throughput", "%.0f overdue leads/s" % lps),
        ("SQL queries without messages", "%d (%.4f per overdue lead)" % (
            run_queries, run_queries / max(handled, 1))),
        ("SQL queries of digests and notes", "%d" % message_queries),
        ("peak memory", "%.0f MB" % mb_after),
        ("checks", "%d passed, %d failed" % (check.passed, len(check.failed))),
    ]
    if SLA_REFERENCE:
        rows.insert(2, ("plain routing of 10,000 leads", "%.0f leads/s, %s (ratio %.2f)" % (
            SLA_REFERENCE, 'measured just before' if SLA_REFERENCE_MEASURED else 'given',
            SLA_REFERENCE / lps)))
    for name, value in rows:
        print("  %-*s %s" % (width - 18, name, value))
    print()
    print("BENCH_SLA leads=%d overdue=%d moved=%d seconds=%.2f leads_per_s=%.0f "
          "queries_per_lead=%.4f%s correct=%s" % (
              assigned, handled, len(moved), seconds, lps, run_queries / max(handled, 1),
              ' ref_leads_per_s=%.0f ratio=%.2f' % (SLA_REFERENCE, SLA_REFERENCE / lps)
              if SLA_REFERENCE else '',
              'yes' if check.correct and handled == overdue else 'no'), flush=True)


main()
