# BENCH_SLA=1: the SLA take-back run (issue #14). sla_setup turns the routed database into N open
# assigned leads, N/10 of them overdue (SQL copies of routed leads where routing gave fewer); then
# sla_bench times one run of crm.team._cron_sla_reassign as the scheduled action does it, checks
# it (bench/checks.py: check_sla) and prints its report (bench/report.py: print_sla).
import cProfile
import io
import pstats
import time
from datetime import timedelta

from odoo import fields

from . import report
from .checks import check_sla
from .config import LEADS, PROFILE_LINES, peak_mb, say
from .meter import SqlByCaller, install_sla_meter, sql_queries

SLA_HOURS = 24
SLA_AGE_HOURS = 30       # the overdue leads were given this long ago
SLA_HEADROOM = 0.2       # room added to every member: 20 % of their load (+2)


def open_assigned(env):
    env.cr.execute("SELECT count(*) FROM crm_lead WHERE user_id IS NOT NULL AND active "
                   "AND probability < 100")
    return env.cr.fetchone()[0]


def sla_setup(data, target, overdue):
    """``target`` open leads assigned to routing members, the last log row of each a 'member'
    row; ``overdue`` of them given SLA_AGE_HOURS ago and not followed up, the others recent.

    The routing run assigned most leads; the rest are copies of assigned leads (same team,
    salesperson and attributes, so the same filters match), each with its 'member' row. Every
    team takes back after SLA_HOURS, once per lead; every member gets room for take-backs."""
    env = data.env
    cr = env.cr
    assigned = open_assigned(env)
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


def sla_bench(data):
    env = data.env
    target, overdue = LEADS, LEADS // 10
    say("SLA take-back: %d open assigned leads, %d of them overdue" % (target, overdue))
    routed = open_assigned(env)
    start = time.perf_counter()
    aged = sla_setup(data, target, overdue)
    prepared = time.perf_counter() - start
    assigned = open_assigned(env)
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
    meter = install_sla_meter(env)
    profiler = cProfile.Profile() if PROFILE_LINES else None
    sql_by_caller = SqlByCaller() if PROFILE_LINES else None
    queries_before = sql_queries(env)
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
    queries = sql_queries(env) - queries_before
    mb_after = peak_mb()

    say("checking the take-backs")
    check, moved, sla_rows = check_sla(data, aged, before, holders)

    if profiler:
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats('cumulative').print_stats(PROFILE_LINES)
        print(stream.getvalue())
        sql_by_caller.report(PROFILE_LINES)

    report.print_sla(meter, check, moved, {
        'assigned': assigned, 'routed': routed, 'aged': len(aged), 'handled': len(sla_rows),
        'overdue': overdue, 'prepared': prepared, 'seconds': seconds, 'queries': queries,
        'mb_after': mb_after, 'age_hours': SLA_AGE_HOURS, 'sla_hours': SLA_HOURS})
