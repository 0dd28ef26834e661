# BENCH_ACTIVITY=1: the follow-up ladder (issue #23). Every team plans a follow-up activity
# ("Plan a follow-up") before the routing run: its BENCH_ACTIVITY line compares the run's
# leads/s with those of the same run without activities (BENCH_ACTIVITY_REF, measured by
# bench.sh just before, on a copy of the same installation) and counts the queries the
# activities add per batch. With BENCH_SLA=1 too, after the SLA run: REMIND_LEADS leads given
# REMIND_AGE_HOURS ago and not followed up, every team reminding after REMIND_HOURS; one SLA
# run (crm.team._cron_sla_reassign) is timed and compared with the 10,000-lead routing
# reference (BENCH_SLA_REF): its BENCH_REMIND line.
import math
import time
from datetime import timedelta

from odoo import fields

from .checks import Checks
from .config import (
    ACTIVITY_REFERENCE, ACTIVITY_REFERENCE_QUERIES, LEADS, SLA_REFERENCE, peak_mb, say)
from .meter import sql_queries

REMIND_LEADS = 10000
REMIND_HOURS = 4
REMIND_AGE_HOURS = 5


def enable_activities(data):
    data.teams.write({'assignment_activity': True})


def check_activities(data, before):
    """One routing activity per lead the run gave a salesperson, theirs, with a due date; the
    leads' stored next deadline set."""
    env = data.env
    cr = env.cr
    check = Checks()
    cr.execute("""
        SELECT count(*) FROM crm_lead lead
         WHERE lead.user_id IS NOT NULL AND EXISTS (
               SELECT 1 FROM crm_lead_assignment_log log
                WHERE log.lead_id = lead.id AND log.id > %s AND log.kind = 'member')
    """, (before['log_id'],))
    given = cr.fetchone()[0]
    cr.execute("""
        SELECT count(*), count(DISTINCT activity.res_id),
               count(*) FILTER (WHERE activity.user_id = lead.user_id
                                AND activity.date_deadline IS NOT NULL
                                AND lead.activity_date_deadline = activity.date_deadline)
          FROM mail_activity activity
          JOIN crm_lead lead ON lead.id = activity.res_id
         WHERE activity.res_model = 'crm.lead' AND activity.routing_assignment
    """)
    count, leads, right = cr.fetchone()
    check("one activity per lead given", [] if count == leads == given else [
        "%d activities on %d leads for %d leads given" % (count, leads, given)])
    check("the holder's, due, and the lead's next deadline", [] if right == count else [
        "%d of %d activities" % (count - right, count)])
    return check, count


def print_activity(check, activities, figures):
    """The BENCH_ACTIVITY line: ``figures`` seconds, queries, assigned (leads given)."""
    lps = LEADS / figures['seconds']
    batches = max(math.ceil(figures['assigned'] / figures['batch_size']), 1)
    line = "BENCH_ACTIVITY leads=%d activities=%d seconds=%.2f leads_per_s=%.0f" % (
        LEADS, activities, figures['seconds'], lps)
    if ACTIVITY_REFERENCE:
        extra = figures['queries'] - ACTIVITY_REFERENCE_QUERIES
        line += " ref_leads_per_s=%.0f ratio=%.2f extra_queries=%d batches=%d " \
                "extra_queries_per_batch=%.1f" % (
                    ACTIVITY_REFERENCE, ACTIVITY_REFERENCE / lps, extra, batches,
                    extra / batches)
    print(line + " correct=%s" % ('yes' if check.correct else 'no'), flush=True)


def remind_setup(data):
    """REMIND_LEADS open leads whose last assignment row is routing's (or a take-back's) to
    their salesperson, given REMIND_AGE_HOURS ago and not followed up; nothing reminded yet."""
    env = data.env
    cr = env.cr
    cr.execute("ANALYZE crm_lead_assignment_log")
    now = fields.Datetime.from_string(fields.Datetime.now())
    cr.execute("""
        UPDATE crm_lead SET assignment_date = %(aged)s, last_followup_date = NULL
         WHERE id IN (SELECT lead.id FROM crm_lead lead
                        JOIN (SELECT DISTINCT ON (lead_id) lead_id, kind, user_id
                                FROM crm_lead_assignment_log
                               WHERE kind IN ('member', 'sla', 'manual')
                               ORDER BY lead_id, id DESC) AS last
                          ON last.lead_id = lead.id AND last.kind IN ('member', 'sla')
                         AND last.user_id = lead.user_id
                       WHERE lead.user_id IS NOT NULL AND lead.active AND lead.probability < 100
                         AND lead.assignment_date > %(recent)s
                       ORDER BY md5(lead.id::text) LIMIT %(count)s)
     RETURNING id, user_id
    """, {'aged': fields.Datetime.to_string(now - timedelta(hours=REMIND_AGE_HOURS)),
          'recent': fields.Datetime.to_string(now - timedelta(hours=REMIND_HOURS)),
          'count': REMIND_LEADS})
    due = dict(cr.fetchall())
    cr.execute("UPDATE crm_lead_assignment_log SET reminded = FALSE WHERE reminded")
    env.cache.invalidate()
    data.teams.write({'assignment_sla_remind_hours': REMIND_HOURS})
    cr.commit()
    cr.autocommit(True)
    try:
        for table in ('crm_lead', 'crm_lead_assignment_log'):
            cr.execute("VACUUM ANALYZE %s" % table)
    finally:
        cr.autocommit(False)
    env.cache.invalidate()
    return due


def remind_bench(data):
    env = data.env
    cr = env.cr
    say("reminders: %d leads given %d h ago, not followed up; teams remind after %d h"
        % (REMIND_LEADS, REMIND_AGE_HOURS, REMIND_HOURS))
    start = time.perf_counter()
    due = remind_setup(data)
    prepared = time.perf_counter() - start
    cr.execute("SELECT COALESCE(max(id), 0) FROM mail_message")
    last_message = cr.fetchone()[0]
    say("SLA run with reminders (crm.team._cron_sla_reassign)")
    queries_before = sql_queries(env)
    start = time.perf_counter()
    env['crm.team']._cron_sla_reassign()
    seconds = time.perf_counter() - start
    queries = sql_queries(env) - queries_before
    env.cache.invalidate()
    check = Checks()
    cr.execute("""
        SELECT count(DISTINCT log.lead_id) FROM crm_lead_assignment_log log
         WHERE log.reminded AND log.lead_id = ANY(%s)
    """, (list(due),))
    reminded = cr.fetchone()[0]
    cr.execute("SELECT count(*) FROM crm_lead_assignment_log WHERE reminded")
    all_reminded = cr.fetchone()[0]
    check("every due lead reminded once", [] if reminded == all_reminded == len(due) else [
        "%d due, %d of them reminded, %d rows reminded" % (len(due), reminded, all_reminded)])
    cr.execute("""
        SELECT rel.res_partner_id, count(*) FROM mail_message message
          JOIN mail_message_res_partner_rel rel ON rel.mail_message_id = message.id
         WHERE message.id > %s AND message.model IS NULL
         GROUP BY rel.res_partner_id
    """, (last_message,))
    per_partner = dict(cr.fetchall())
    users = set(due.values())
    cr.execute("SELECT partner_id FROM res_users WHERE id = ANY(%s)", (list(users),))
    partners = {row[0] for row in cr.fetchall()}
    check("one reminder per salesperson", [] if set(per_partner) == partners
          and set(per_partner.values()) == {1} else [
              "%d messages to %d people, %d salespeople due" % (
                  sum(per_partner.values()), len(per_partner), len(partners))])
    lps = len(due) / seconds
    print()
    print("crm_team_routing benchmark: reminders in one SLA run (the follow-up ladder)")
    print("  setup (not measured): %.1fs; %d leads due, %d salespeople"
          % (prepared, len(due), len(users)))
    print("  wall time %.2f s, %.0f due leads/s, %d queries, peak %.0f MB"
          % (seconds, lps, queries, peak_mb()))
    print("BENCH_REMIND leads=%d messages=%d seconds=%.2f leads_per_s=%.0f queries=%d%s "
          "correct=%s" % (
              len(due), sum(per_partner.values()), seconds, lps, queries,
              ' ref_leads_per_s=%.0f ratio=%.2f' % (SLA_REFERENCE, SLA_REFERENCE / lps)
              if SLA_REFERENCE else '',
              'yes' if check.correct and len(due) == REMIND_LEADS else 'no'), flush=True)
