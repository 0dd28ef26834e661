# Run through 'bin/odoo shell' (env is given) on a throwaway database with the module installed:
# handing back 10,000 leads of one salesperson and routing them in the same action (the wizard
# crm.lead.hand.back, "route now"), against a routing run of the same 10,000 leads measured in
# the same invocation (issue #24: within 1.5x). It commits its data.
#   bin/odoo shell -d DB --no-http < scripts/bench_hand_back.py
# The hand-back's routing runs once the wizard's transaction is committed, on the dispatcher's
# thread: the measure waits for it (and BENCH_HAND_BACK_PROFILE=1 profiles that thread too).
# Two rounds, each a routing run of the leads then their hand-back: the ratio is the best
# hand-back over the best routing run (both samples of each are printed). Prints
# 'BENCH-HAND-BACK run=... seconds=... queries=...' per measure, then the ratio, with
# correct=yes when every lead handed back was routed, none to the salesperson it was taken from.
import os
import time

from odoo.addons.crm_team_routing.models.crm_lead_router_lock import DISPATCHER

N = int(os.environ.get('BENCH_HAND_BACK_LEADS', '10000'))
MEMBERS = int(os.environ.get('BENCH_HAND_BACK_MEMBERS', '10'))
LIMIT = float(os.environ.get('BENCH_HAND_BACK_LIMIT', '1.5'))
ctx = dict(env.context, tracking_disable=True, no_reset_password=True)
company = env.ref('base.main_company')
env.cr.execute("UPDATE crm_lead SET active = FALSE WHERE user_id IS NULL")
env.cr.execute("UPDATE crm_team SET assignment_on_create = FALSE")
env.cr.execute("UPDATE crm_team_member SET active = FALSE")
Users = env['res.users'].with_context(ctx)


def user(login, group):
    return Users.create({'name': login.title(), 'login': login, 'email': login + '@example.com',
                         'groups_id': [(6, 0, [env.ref(group).id])],
                         'company_id': company.id, 'company_ids': [(6, 0, [company.id])]})


manager = user('bench_hb_manager', 'sales_team.group_sale_manager')
leader = user('bench_hb_leader', 'crm_team_routing.group_sale_team_leader')
sales = [user('bench_hb_sales_%d' % index, 'sales_team.group_sale_salesman')
         for index in range(MEMBERS)]
team = env['crm.team'].with_context(ctx).create({
    'name': 'Bench Hand Back', 'user_id': leader.id, 'company_id': company.id})
members = [env['crm.team.member'].create({'team_id': team.id, 'user_id': person.id,
                                          'assignment_max': 2 * N}) for person in sales]
env.cr.execute("""
    INSERT INTO crm_lead (name, type, active, team_id, company_id, probability, share_state,
                          score, sla_reassign_count, create_date, write_date, create_uid,
                          write_uid)
    SELECT 'Bench hand back lead ' || g, 'lead', TRUE, %s, %s, 10, 'none', 0, 0,
           now() at time zone 'UTC', now() at time zone 'UTC', 1, 1
      FROM generate_series(1, %s) g
""", (team.id, company.id, N))
env.cr.commit()
env['crm.lead'].invalidate_cache()  # the whole cache, in 11.0


def waiting():
    """Every bench lead back in the team without salesperson, its history gone."""
    env.cr.execute("DELETE FROM crm_lead_assignment_log WHERE lead_id IN (SELECT id FROM "
                   "crm_lead WHERE name LIKE 'Bench hand back lead%%')")
    env.cr.execute("DELETE FROM mail_followers WHERE res_model = 'crm.lead' AND res_id IN "
                   "(SELECT id FROM crm_lead WHERE name LIKE 'Bench hand back lead%%')")
    env.cr.execute("UPDATE crm_lead SET user_id = NULL, assignment_date = NULL, team_id = %s "
                   "WHERE name LIKE 'Bench hand back lead%%'", (team.id,))
    env.cr.commit()
    env['crm.lead'].invalidate_cache()


def count(condition, *params):
    env.cr.execute("SELECT count(*) FROM crm_lead WHERE name LIKE 'Bench hand back lead%%' "
                   "AND " + condition, params)
    return env.cr.fetchone()[0]


def wait_for_dispatcher():
    """Wait until the routing that commits hand to the dispatcher (mode 'hand_back', on a
    thread of its own, in a transaction of its own) has finished."""
    while True:
        thread = DISPATCHER.threads.get(env.cr.dbname)
        if thread is None:
            return
        thread.join()


def profiled(run, stats):
    """``run`` (the dispatcher's drain) under cProfile, its stats added to ``stats`` (a list):
    cProfile follows one thread only."""
    def wrapper(*args, **kwargs):
        import cProfile
        profile = cProfile.Profile()
        profile.enable()
        try:
            return run(*args, **kwargs)
        finally:
            profile.disable()
            stats.append(profile)
    return wrapper


def print_profile(profile, title):
    import io
    import pstats
    stream = io.StringIO()
    pstats.Stats(profile, stream=stream).sort_stats('cumulative').print_stats(40)
    print('--- profile: %s' % title)
    print(stream.getvalue())


def measure(name, function):
    profile, thread_stats = None, []
    if os.environ.get('BENCH_HAND_BACK_PROFILE') and name == 'hand_back':
        import cProfile
        profile = cProfile.Profile()
        DISPATCHER._drain = profiled(type(DISPATCHER)._drain.__get__(DISPATCHER), thread_stats)
        profile.enable()
    queries, start = env.cr.sql_log_count, time.time()
    function()
    called = time.time()
    # The hand-back routes once the transaction is committed, on the dispatcher's thread:
    # the commit and that routing are part of it.
    env.cr.commit()
    committed = time.time()
    wait_for_dispatcher()
    end = time.time()
    if profile:
        profile.disable()
        del DISPATCHER._drain
        print_profile(profile, 'the wizard and the commit (this thread)')
        for stats in thread_stats:
            print_profile(stats, 'the routing after the commit (the dispatcher\'s thread)')
    seconds, queries = end - start, env.cr.sql_log_count - queries
    env['crm.lead'].invalidate_cache()
    print('BENCH-HAND-BACK run=%s leads=%d seconds=%.2f (call %.2f, commit %.2f, routing after '
          'the commit %.2f) queries=%d (this cursor) assigned=%d'
          % (name, N, seconds, called - start, committed - called, end - committed, queries,
             count('user_id IS NOT NULL')))
    return seconds


def route():
    """A routing run of the N waiting leads, as a manager presses "Assign now"."""
    team.sudo(manager).action_assign_leads()


def hand_back():
    """The leader hands back every open lead of one salesperson, routed at once: as the web
    client does it, the wizard is saved (one transaction), then its button is called (the
    next)."""
    action = members[0].sudo(leader).action_hand_back_leads()
    wizard = env['crm.lead.hand.back'].sudo(leader).with_context(**action['context']).create(
        {'scope': 'all', 'route_now': True})
    env.cr.commit()
    wizard.action_confirm()


def give_to_leaver():
    """Every lead with one salesperson, given a day ago by routing (its log row)."""
    env.cr.execute("""
        UPDATE crm_lead SET user_id = %s,
                            assignment_date = now() at time zone 'UTC' - interval '1 day'
         WHERE name LIKE 'Bench hand back lead%%'
    """, (sales[0].id,))
    env.cr.commit()
    env['crm.lead'].invalidate_cache()


# Two rounds, each a routing run then a hand-back of the same leads: the best of each side.
routings, hand_backs, correct = [], [], True
for _round in range(2):
    waiting()
    routings.append(measure('routing', route))
    give_to_leaver()
    hand_backs.append(measure('hand_back', hand_back))
    correct = correct and count('user_id = %s', sales[0].id) == 0 \
        and count('user_id IS NOT NULL') == N
reference, handed = min(routings), min(hand_backs)
ratio = handed / reference if reference else 0.0
print('BENCH-HAND-BACK leads=%d hand_back_s=%.2f routing_s=%.2f ratio=%.2f limit=%.1f '
      'hand_backs=%s routings=%s correct=%s within=%s'
      % (N, handed, reference, ratio, LIMIT, '/'.join('%.2f' % s for s in hand_backs),
         '/'.join('%.2f' % s for s in routings), 'yes' if correct else 'no',
         'yes' if ratio <= LIMIT else 'no'))
