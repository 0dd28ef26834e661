# The measured runs: main() makes the data (bench/setup.py), times ONE routing run exactly as the
# scheduled action does it (crm.team._cron_assign_leads), checks it (bench/checks.py), measures
# the floor (one bare UPDATE) and, with BENCH_OWNERS, route-on-create of one lead; then prints
# the report (bench/report.py) and, with BENCH_SLA, goes on with the SLA run (bench/sla.py).
import cProfile
import io
import pstats
import time

from psycopg2.extras import execute_values

from odoo.addons.crm_team_routing.models.crm_lead_router import ROUTING_BATCH_SIZE  # noqa

from . import report
from .checks import check_run
from .config import (
    ABSENCE, ACTIVITY, CAPACITY, CREATE_SAMPLES, LEADS, OWNED_CUSTOMERS, OWNED_OPPORTUNITIES,
    OWNED_SHARE, OWNERS, PROFILE_LINES, SCORING_RULES, SHAPE_TEAMS, SLA, USERS_PER_TEAM, WRITERS,
    peak_mb, say)
from .meter import DIGESTS, PhaseMeter, install_meter, sql_queries
from .setup import (
    BenchData, create_absences, create_capacity, create_configuration, fill_keys, generate_leads,
    generate_owned, owned_phone)
from .ladder import check_activities, enable_activities, print_activity, remind_bench
from .sla import sla_bench


def floor_seconds(env, lead_team_user):
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


def time_route_on_create(data):
    """Route-on-create as after the commit of a web form: one lead per run, whose phone an
    existing opportunity shares; the median of CREATE_SAMPLES runs without, then with, the
    owner step, and the mean time spent in the owner step itself (its read and its decision).
    Returns (seconds without, seconds with, seconds of the step)."""
    env = data.env
    Lead = env['crm.lead'].with_context(crm_team_routing_no_route=True, tracking_disable=True,
                                        mail_create_nolog=True, mail_create_nosubscribe=True)
    router = env['crm.lead.router']
    medians = []
    meter = PhaseMeter(env)
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


def main(env):
    say("%d leads: generating them with SQL" % LEADS)
    start = time.perf_counter()
    data = BenchData(env)
    generate_leads(data, LEADS)
    generated = time.perf_counter() - start
    say("configuration: %d scoring rules, %d teams, %d salespeople and members"
        % (len(SCORING_RULES), len(SHAPE_TEAMS), len(SHAPE_TEAMS) * USERS_PER_TEAM))
    start = time.perf_counter()
    create_configuration(data, LEADS)
    if ABSENCE:
        create_absences(data)
    if CAPACITY:
        create_capacity(data)
    if OWNERS:
        say("existing owners: %d open opportunities and %d customers, %d%% of the leads share "
            "a key with one of them" % (OWNED_OPPORTUNITIES, OWNED_CUSTOMERS, OWNED_SHARE * 100))
        generate_owned(data)
    fill_keys(data)
    if ACTIVITY:
        enable_activities(data)
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
    meter = install_meter(env)
    profiler = cProfile.Profile() if PROFILE_LINES else None
    mb_before, queries_before = peak_mb(), sql_queries(env)
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
    queries = sql_queries(env) - queries_before
    mb_after = peak_mb()
    env.cache.invalidate()

    say("checking the result")
    check, leads = check_run(data, before)
    floor = floor_seconds(env, [(row[0], row[1], row[2]) for row in leads if row[1]])
    on_create = None
    if OWNERS:
        say("route-on-create of one lead, %d times without and with the owner step"
            % CREATE_SAMPLES)
        on_create = time_route_on_create(data)

    if profiler:
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats('cumulative').print_stats(PROFILE_LINES)
        print(stream.getvalue())

    report.print_run(data, meter, check, leads, {
        'writers': writers, 'generated': generated, 'configured': configured,
        'seconds': seconds, 'queries': queries, 'mb_before': mb_before, 'mb_after': mb_after,
        'floor': floor, 'on_create': on_create})
    if ACTIVITY:
        activity_check, activities = check_activities(data, before)
        print_activity(activity_check, activities, {
            # As the BENCH line's queries: without the digests'.
            'seconds': seconds, 'queries': queries - meter.phases[DIGESTS][3],
            'assigned': len([row for row in leads if row[2]]), 'batch_size': ROUTING_BATCH_SIZE})
    if SLA:
        sla_bench(data)
        if ACTIVITY:
            remind_bench(data)
