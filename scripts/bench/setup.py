# Data making: the reference data (BenchData), the generated leads (SQL), the existing owners and
# accounts of BENCH_OWNERS (SQL), the matching keys, the configuration (scoring rules,
# salespeople, teams, routing members, through the ORM), the absences of BENCH_ABSENCE and the
# capacity modes of BENCH_CAPACITY. Nothing here is measured.
import time
from collections import OrderedDict
from datetime import timedelta

from odoo import fields

from .config import (
    ABSENCE, ACCOUNT_CUSTOMERS, ACCOUNT_OPPORTUNITIES, ACCOUNT_SHARE, CAMPAIGNS,
    CAPACITY_OPEN_EXISTING, CAPACITY_SHARE, COUNTRY_SLOTS, CREATED_OVER_SECONDS, LEAVE_SLOT,
    MEMBER_SLOTS, OFF_SHIFT_SLOT, OPTOUT_EVERY, OPTOUT_SLOT, OWNED_CUSTOMERS, OWNED_DAYS_AGO,
    OWNED_OPPORTUNITIES, OWNED_SHARE, PAST_LEAVE_SLOT, PREFERRED_FILTERS, SCORING_RULES,
    SHAPE_TEAMS, SOURCES, USERS_PER_TEAM)


class BenchData(object):
    """Reference data of the run, and the ids the filters are written with."""

    def __init__(self, env):
        self.env = env
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
        self.unlimited = set()     # member ids with no cap (BENCH_CAPACITY)
        self.open_caps = {}        # member id -> open-lead cap (BENCH_CAPACITY)
        self.preferred_domains = {}  # member id -> preferred filter (BENCH_CAPACITY)
        self.last_lead_id = 0      # the generated leads are ids 1..last_lead_id
        self.fill_seconds = 0.0    # matching keys of every lead and partner, filled in SQL batches

    def countries(self, codes):
        return [self.country[code] for code in codes]


def generate_leads(data, count):
    """``count`` leads arriving unassigned (no team, no salesperson), in one INSERT ... SELECT.

    Every attribute derives from md5 of the series number: the same data at every run.
    """
    env = data.env
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
               -- one company per lead: a name shared by new leads only would make them
               -- follow each other (the owner step's same-run stickiness) with BENCH_OWNERS
               'Contact ' || s.i, 'Company ' || s.i, 'lead' || s.i || '@example.com',
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
    env = data.env
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
    generate_accounts(data, seats, assigned)
    env['crm.team'].search([('id', 'in', data.teams.ids)]).write({'assignment_owner': True})


def account_vat(index):
    """The tax ID (MST, 10 digits) of existing company customer ``index``, as it was typed."""
    return '03%08d' % index


def generate_accounts(data, seats, assigned):
    """BENCH_OWNERS, the existing account (issue #25): 10,000 company customers "CÔNG TY TNHH
    Khách Hàng k" with a tax ID, and 10,000 open opportunities of "Công ty Cổ phần Đối Tác k"
    written from doitack.vn, owned like the records above. 15% of the new leads (not those
    sharing a phone or an email) carry a variant of one of their keys, a quarter each: the tax
    ID typed with blanks, dots, a "VN" prefix or a branch's "-001" (level 1); "Cty Khách Hàng
    k" (level 5, the customer); "CTY CP Đối Tác k" (level 5, the opportunity); an address at
    doitack.vn (level 6). The keys are filled afterwards, as the install does (fill_keys)."""
    env = data.env
    params = {'uid': env.uid, 'now': fields.Datetime.now(), 'assigned': assigned,
              'stage': data.stage.id, 'company': data.company.id, 'n_seats': len(seats),
              'users': [seat[1] for seat in seats], 'teams': [seat[0] for seat in seats],
              'customers': ACCOUNT_CUSTOMERS, 'opportunities': ACCOUNT_OPPORTUNITIES}
    env.cr.execute("""
        INSERT INTO res_partner (
            name, display_name, active, customer, supplier, employee, is_company, type,
            user_id, vat, email, company_id, lang, create_date, create_uid, write_date,
            write_uid)
        SELECT 'CÔNG TY TNHH Khách Hàng ' || k, 'CÔNG TY TNHH Khách Hàng ' || k, TRUE, TRUE,
               FALSE, FALSE, TRUE, 'contact',
               (%(users)s::int[])[1 + (k * 104729) %% %(n_seats)s],
               '03' || lpad(k::text, 8, '0'), 'info@khachhang' || k || '.com.vn', NULL, 'en_US',
               %(now)s, %(uid)s, %(now)s, %(uid)s
          FROM generate_series(1, %(customers)s) AS k
    """, params)
    env.cr.execute("""
        UPDATE res_partner SET commercial_partner_id = id
         WHERE commercial_partner_id IS NULL AND name LIKE 'CÔNG TY TNHH Khách Hàng %%'
    """)
    env.cr.execute("""
        INSERT INTO crm_lead (
            name, type, active, probability, stage_id, company_id, user_id, team_id,
            partner_name, email_from, priority, color, opt_out, message_bounce, score,
            share_state, assignment_date, date_open, date_last_stage_update,
            create_date, create_uid, write_date, write_uid)
        SELECT 'Hợp đồng Đối Tác ' || k, 'opportunity', TRUE, 50, %(stage)s, %(company)s,
               (%(users)s::int[])[1 + (k * 104729) %% %(n_seats)s],
               (%(teams)s::int[])[1 + (k * 104729) %% %(n_seats)s],
               'Công ty Cổ phần Đối Tác ' || k, 'Giám đốc <giamdoc@doitac' || k || '.vn>',
               '0', 0, FALSE, 0, 0, 'none', %(assigned)s, %(assigned)s, %(assigned)s,
               %(assigned)s, %(uid)s, %(assigned)s, %(uid)s
          FROM generate_series(1, %(opportunities)s) AS k
    """, params)
    # The new leads (ids 1..last_lead_id): byte 8 of md5 below the phone and email share's
    # bound picked those; the next ACCOUNT_SHARE of its range picks these, bytes 13-14 the
    # record, byte 15 the variant, byte 7 the tax ID's typing.
    low = int(round(256 * OWNED_SHARE))
    env.cr.execute("""
        UPDATE crm_lead l
           SET vat = CASE WHEN s.variant = 0 THEN (ARRAY[
                         '03' || substr(s.k8, 1, 2) || ' ' || substr(s.k8, 3, 3) || ' '
                              || substr(s.k8, 6, 3),
                         'VN03' || s.k8,
                         '03' || s.k8 || '-001',
                         '03' || substr(s.k8, 1, 2) || '.' || substr(s.k8, 3, 3) || '.'
                              || substr(s.k8, 6, 3)])[1 + s.typing] END,
               partner_name = CASE s.variant WHEN 1 THEN 'Cty Khách Hàng ' || s.k
                                             WHEN 2 THEN 'CTY CP Đối Tác ' || s.k
                                             ELSE l.partner_name END,
               email_from = CASE WHEN s.variant = 3
                                 THEN 'Kế toán <ketoan' || l.id || '@doitac' || s.k || '.vn>'
                                 ELSE l.email_from END
          FROM (SELECT i, k, lpad(k::text, 8, '0') AS k8, variant, typing
                  FROM (SELECT i,
                               1 + (get_byte(h, 13) * 256 + get_byte(h, 14)) %% %(records)s AS k,
                               get_byte(h, 15) %% 4 AS variant, get_byte(h, 7) %% 4 AS typing,
                               get_byte(h, 8) AS pick
                          FROM (SELECT i, decode(md5(i::text), 'hex') AS h
                                  FROM generate_series(1, %(last)s) AS i) AS series) AS picked
                 WHERE pick >= %(low)s AND pick < %(high)s) AS s
         WHERE l.id = s.i
    """, {'records': min(ACCOUNT_CUSTOMERS, ACCOUNT_OPPORTUNITIES), 'last': data.last_lead_id,
          'low': low, 'high': low + int(round(256 * ACCOUNT_SHARE))})


def fill_keys(data):
    """The matching keys of every lead and partner, as the module's install fills them."""
    env = data.env
    # Statistics first, as autovacuum would have them: without them the planner takes
    # res_partner for the few rows of a fresh install and joins each batch of keys to it by
    # scanning the whole table once per row (minutes instead of seconds).
    env.cr.execute("ANALYZE crm_lead")
    env.cr.execute("ANALYZE res_partner")
    start = time.perf_counter()
    env['crm.lead']._routing_fill_keys()
    env['res.partner']._routing_fill_keys()
    # The existing account's keys (tax ID, company name, email domain), set-based too.
    env['crm.lead']._routing_fill_account_keys()
    env['res.partner']._routing_fill_account_keys()
    data.fill_seconds = time.perf_counter() - start
    env.cr.execute("ANALYZE crm_lead")
    env.cr.execute("ANALYZE res_partner")
    env.cache.invalidate()


def create_configuration(data, count):
    """10 scoring rules, 200 salespeople, 20 teams led by one of them, 200 routing members."""
    env = data.env
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
    env = data.env
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


def create_capacity(data):
    """BENCH_CAPACITY: a third of each team's members with no cap, a third with an open-lead
    cap and open leads already (SQL, ids after the generated leads, assigned before the 30-day
    window: they count as open, not in the 30-day load), a third with a preferred filter."""
    env = data.env
    index_in_team = {}
    seats = []  # (team_id, user_id) of the capped members, once per existing open lead
    for member in data.members:
        index = index_in_team[member.team_id.id] = index_in_team.get(member.team_id.id, -1) + 1
        mode = index % 3
        if mode == 0:
            member.write({'assignment_unlimited': True})
            data.unlimited.add(member.id)
        elif mode == 1:
            cap = CAPACITY_OPEN_EXISTING + max(1, member.assignment_max // 2)
            member.write({'assignment_max_open': cap})
            data.open_caps[member.id] = cap
            seats += [(member.team_id.id, member.user_id.id)] * CAPACITY_OPEN_EXISTING
        else:
            domain = PREFERRED_FILTERS[(index // 3) % len(PREFERRED_FILTERS)](data)
            member.write({'assignment_domain_preferred': repr(domain)})
            data.preferred_domains[member.id] = domain
    assigned = fields.Datetime.to_string(
        fields.Datetime.from_string(fields.Datetime.now()) - timedelta(days=OWNED_DAYS_AGO))
    env.cr.execute("""
        INSERT INTO crm_lead (
            name, type, active, probability, stage_id, company_id, user_id, team_id,
            priority, color, opt_out, message_bounce, score, share_state,
            assignment_date, date_open, date_last_stage_update,
            create_date, create_uid, write_date, write_uid)
        SELECT 'Open lead ' || i, 'lead', TRUE, 10, %(stage)s, %(company)s,
               (%(users)s::int[])[i], (%(teams)s::int[])[i],
               '0', 0, FALSE, 0, 0, 'none', %(assigned)s, %(assigned)s, %(assigned)s,
               %(assigned)s, %(uid)s, %(assigned)s, %(uid)s
          FROM generate_series(1, %(count)s) AS i
    """, {'stage': data.stage.id, 'company': data.company.id, 'uid': env.uid,
          'assigned': assigned, 'count': len(seats),
          'users': [seat[1] for seat in seats], 'teams': [seat[0] for seat in seats]})
    env.cache.invalidate()
