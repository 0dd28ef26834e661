# Run through 'bin/odoo shell' (env is given) on a throwaway database with the module installed
# (make bench-report does it: scripts/bench_report.sh). It commits its data.
# The routing report's speed (issue #26): 1,000,000 assignment log rows grouped by salesperson
# and month in the pivot's read_group, as a sales manager (record rules apply), under 2 s.
#   bin/odoo shell -d DB --no-http < scripts/bench_report.py
# Prints 'BENCH-REPORT rows=... groups=... seconds=... limit=... ok=yes|no' (the best of 3 runs;
# each run's time on the lines before).
import os
import time

ROWS = int(os.environ.get('BENCH_REPORT_ROWS', '1000000'))
LEADS = int(os.environ.get('BENCH_REPORT_LEADS', '200000'))
USERS = int(os.environ.get('BENCH_REPORT_USERS', '50'))
TEAMS = int(os.environ.get('BENCH_REPORT_TEAMS', '5'))
LIMIT = float(os.environ.get('BENCH_REPORT_LIMIT', '2.0'))
ctx = dict(env.context, tracking_disable=True, no_reset_password=True)
company = env.ref('base.main_company')
Users = env['res.users'].with_context(ctx)


def user(login, group):
    return Users.create({'name': login.title(), 'login': login, 'email': login + '@example.com',
                         'groups_id': [(6, 0, [env.ref(group).id])],
                         'company_id': company.id, 'company_ids': [(6, 0, [company.id])]})


manager = user('bench_report_manager', 'sales_team.group_sale_manager')
leaders = [user('bench_report_leader_%d' % index, 'crm_team_routing.group_sale_team_leader')
           for index in range(TEAMS)]
sales = [user('bench_report_sales_%d' % index, 'sales_team.group_sale_salesman')
         for index in range(USERS)]
teams = [env['crm.team'].with_context(ctx).create({
    'name': 'Bench Report %d' % index, 'user_id': leaders[index].id, 'company_id': company.id,
    'assignment_sla_hours': 4}) for index in range(TEAMS)]
started = time.time()
# Leads: each salesperson's, in their team (salesperson i in team i % TEAMS).
env.cr.execute("""
    INSERT INTO crm_lead (name, type, active, user_id, team_id, company_id, probability,
                          share_state, score, sla_reassign_count, create_date, write_date,
                          create_uid, write_uid)
    SELECT 'Bench report lead ' || g, 'lead', g %% 13 <> 0,
           (%(sales)s::int[])[1 + g %% %(users)s],
           (%(teams)s::int[])[1 + (g %% %(users)s) %% %(nteams)s],
           %(company)s, CASE WHEN g %% 7 = 0 THEN 100 WHEN g %% 13 = 0 THEN 0 ELSE 10 END,
           'none', 0, 0, now() at time zone 'UTC', now() at time zone 'UTC', 1, 1
      FROM generate_series(1, %(leads)s) g
""", {'sales': [person.id for person in sales], 'teams': [team.id for team in teams],
      'users': USERS, 'nteams': TEAMS, 'company': company.id, 'leads': LEADS})
env.cr.execute("SELECT min(id) FROM crm_lead WHERE name LIKE 'Bench report lead %%'")
first = env.cr.fetchone()[0]
# Log rows: a year of assignments of those leads, most touched, some late, some taken back.
env.cr.execute("""
    INSERT INTO crm_lead_assignment_log
           (lead_id, team_id, user_id, company_id, kind, rule, date, notified, sla_hours,
            touch_date, response_hours, within_sla, taken_back)
    SELECT lead.id, lead.team_id, lead.user_id, lead.company_id,
           (ARRAY['member', 'member', 'member', 'sla', 'manual'])[1 + g %% 5],
           CASE WHEN g %% 5 = 4 THEN NULL WHEN g %% 5 = 3 THEN 'sla' ELSE 'balance' END,
           v.date, TRUE, 4,
           CASE WHEN g %% 6 <> 0 THEN v.date + v.hours * interval '1 hour' END,
           CASE WHEN g %% 6 <> 0 THEN v.hours END,
           g %% 6 <> 0 AND v.hours <= 4, g %% 11 = 0
      FROM generate_series(0, %(rows)s - 1) g
      JOIN crm_lead lead ON lead.id = %(first)s + g %% %(leads)s
     CROSS JOIN LATERAL (SELECT now() at time zone 'UTC' - (g %% 365) * interval '1 day'
                                - (g %% 24) * interval '1 hour' AS date,
                                (g %% 97) / 8.0 AS hours) v
""", {'rows': ROWS, 'first': first, 'leads': LEADS})
env.cr.execute("ANALYZE crm_lead")
env.cr.execute("ANALYZE crm_lead_assignment_log")
env.cr.commit()
env['crm.lead'].invalidate_cache()
print('BENCH-REPORT data: %d leads, %d log rows, %d salespeople in %.1f s'
      % (LEADS, ROWS, USERS, time.time() - started))

measures = ['user_id', 'date', 'response_hours', 'within_sla_rate', 'taken_back_count',
            'won_count']


def measure(person, label):
    Report = env['crm.lead.routing.report'].sudo(person)
    times = []
    for _run in range(3):
        Report.invalidate_cache()
        start = time.time()
        groups = Report.read_group([], measures, ['user_id', 'date:month'], lazy=False)
        times.append(time.time() - start)
        print('BENCH-REPORT %s run: %.3f s, %d groups, %d rows'
              % (label, times[-1], len(groups), sum(group['__count'] for group in groups)))
    return min(times), groups


best, groups = measure(manager, 'manager')
leader_best, _leader_groups = measure(leaders[0], 'leader')
counted = sum(group['__count'] for group in groups)
ok = best < LIMIT and counted == ROWS
print('BENCH-REPORT rows=%d groups=%d seconds=%.3f leader_seconds=%.3f limit=%.1f ok=%s'
      % (counted, len(groups), best, leader_best, LIMIT, 'yes' if ok else 'no'))
