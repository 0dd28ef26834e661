# The benchmark's settings and fixed tables: the BENCH_* variables read from the environment
# (see bench.sh), the data's shape (countries, sources, campaigns, scoring rules, teams, member
# slots), and two small helpers every step uses (say, peak_mb).
import os
import resource

LEADS = int(os.environ.get('BENCH_LEADS') or 100000)
PROFILE_LINES = int(os.environ.get('BENCH_PROFILE') or 0)
# Connections the cron writes on (crm_team_routing.parallel_writers); empty: the module's default.
WRITERS = os.environ.get('BENCH_WRITERS') or ''
# BENCH_SLA=1: after the routing run, the SLA take-back variant (issue #14, see bench/sla.py).
SLA = bool(os.environ.get('BENCH_SLA'))
# Leads/s of a plain routing run of 10,000 leads, for the ratio: measured by bench.sh just
# before this run (BENCH_SLA_REF_MEASURED), or given by hand (make bench LEADS=10000 earlier).
SLA_REFERENCE = float(os.environ.get('BENCH_SLA_REF') or 0)
SLA_REFERENCE_MEASURED = bool(os.environ.get('BENCH_SLA_REF_MEASURED'))
ABSENCE = (os.environ.get('BENCH_ABSENCE') or '0') not in ('0', '')
# BENCH_ACTIVITY=1: every team plans follow-up activities (issue #23, see bench/ladder.py); the
# same routing run without them, measured by bench.sh just before (leads/s and queries).
ACTIVITY = (os.environ.get('BENCH_ACTIVITY') or '0') not in ('0', '')
ACTIVITY_REFERENCE = float(os.environ.get('BENCH_ACTIVITY_REF') or 0)
ACTIVITY_REFERENCE_QUERIES = int(float(os.environ.get('BENCH_ACTIVITY_REF_QUERIES') or 0))
# The existing owner variant (see bench/__init__.py).
OWNERS = (os.environ.get('BENCH_OWNERS') or '0') not in ('0', '')
OWNED_OPPORTUNITIES = 35000
OWNED_CUSTOMERS = 15000
OWNED_SHARE = 0.3          # of the new leads, sharing a key with an existing record
OWNED_DAYS_AGO = 60        # existing records were assigned before the 30-day window
CREATE_SAMPLES = 20        # route-on-create runs of one lead timed, with and without owners
# The existing account (issue #25), with BENCH_OWNERS: company customers "CÔNG TY TNHH Khách Hàng
# k" with a tax ID, and open opportunities of "Công ty Cổ phần Đối Tác k" writing from their
# corporate domain doitack.vn, on top of the records above; a share of the new leads (other
# than those sharing a phone or an email) carry a variant of one of their keys.
ACCOUNT_CUSTOMERS = 10000
ACCOUNT_OPPORTUNITIES = 10000
ACCOUNT_SHARE = 0.15
# BENCH_OWNERS_REF (set by bench.sh): the seconds of the run without owners measured just
# before, on a copy of the same installation, for the ratio (target 1.3).
OWNERS_REFERENCE = float(os.environ.get('BENCH_OWNERS_REF') or 0)
SHAPE = os.environ.get('BENCH_SHAPE') or 'default'
# BENCH_CAPACITY=1, capacity modes and preferred leads (issue #22): member i of each team, by
# i mod 3: 0 "No cap"; 1 an open-lead cap, holding CAPACITY_OPEN_EXISTING open leads (assigned
# before the 30-day window) and room for about half their capacity more; 2 a preferred filter
# (PREFERRED_FILTERS, by i // 3 mod 3).
CAPACITY = (os.environ.get('BENCH_CAPACITY') or '0') not in ('0', '')
CAPACITY_OPEN_EXISTING = 3
PREFERRED_FILTERS = [
    lambda r: [('source_id', '=', r.source['Website'])],
    lambda r: [('campaign_id', '=', r.campaign['Tet 2026'])],
    lambda r: [('planned_revenue', '>=', 50000)],
]

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


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KB on Linux


def say(message):
    print('[bench] %s' % message, flush=True)
