# Run by scripts/test.sh through 'bin/odoo shell' (env is given) on the test database, after the
# module's tests: the scheduled action as it really runs, which the tests cannot do (they never
# commit). It commits between batches and writes them on parallel connections. Checked here:
#   - a run whose batch fails keeps the batches committed before, with their followers and log;
#   - the next run, started by Odoo's cron machinery from the scheduled action's record, finishes
#     the work: every lead routed once, one member log row each, no capacity exceeded, and one
#     digest per salesperson covering the leads of both runs;
#   - the batches were written by two writer threads.
# Prints "CRON-CHECK ok" at the end; any failed check raises.
import threading
from collections import Counter

from odoo.addons.crm_team_routing.models import crm_lead_router_write

LEADS = 240
BATCH = 40  # 6 batches: enough for two writers to interleave

ctx = dict(env.context, tracking_disable=True, no_reset_password=True,
           mail_create_nosubscribe=True, mail_create_nolog=True, crm_team_routing_no_route=True)
company = env.ref('base.main_company')
# Leads of other modules' data would join the run: this check works on its own.
env.cr.execute("UPDATE crm_lead SET active = FALSE WHERE user_id IS NULL")
users = [env['res.users'].with_context(ctx).create({
    'name': 'Cron Check %d' % index,
    'login': 'cron.check.%d' % index,
    'email': 'cron.check.%d@example.com' % index,
    'groups_id': [(6, 0, [env.ref('sales_team.group_sale_salesman').id])],
    'company_id': company.id,
    'company_ids': [(6, 0, [company.id])],
}) for index in range(3)]
team = env['crm.team'].with_context(ctx).create({
    'name': 'Cron Check', 'user_id': users[0].id, 'company_id': company.id,
    'assignment_domain': '[]'})
team.message_subscribe(partner_ids=users[0].partner_id.ids,
                       subtype_ids=[env.ref('crm.mt_salesteam_lead').id])
capacities = {users[1].id: 150, users[2].id: 150}
for user_id, capacity in capacities.items():
    env['crm.team.member'].create({'team_id': team.id, 'user_id': user_id,
                                   'assignment_max': capacity})
leads = env['crm.lead'].with_context(ctx).browse([
    env['crm.lead'].with_context(ctx).create({
        'name': 'Cron check lead %d' % index, 'type': 'lead', 'user_id': False,
        'team_id': False}).id
    for index in range(LEADS)])
env['ir.config_parameter'].set_param('crm_team_routing.parallel_writers', '2')
env.cr.commit()

crm_lead_router_write.ROUTING_BATCH_SIZE = BATCH
Router = type(env['crm.lead.router'])
original = Router._write_batch
calls, threads, counting = [], set(), threading.Lock()


def failing_fourth(self, batch, subscriptions, now):
    with counting:  # the writers call this side by side
        calls.append(batch)
        threads.add(threading.current_thread().name)
        fourth = len(calls) == 4
    if fourth:
        raise RuntimeError("simulated failure of the fourth batch")
    return original(self, batch, subscriptions, now)


Router._write_batch = failing_fourth
try:
    env['crm.team']._cron_assign_leads()
except RuntimeError as error:
    assert 'simulated failure' in str(error), error
else:
    raise AssertionError("the failure of a batch did not stop the run")
finally:
    Router._write_batch = original
env.cr.rollback()
env.cache.invalidate()
assert len(threads) == 2, "expected two writer threads, got %s" % sorted(threads)


def state():
    env.cr.execute("""
        SELECT l.id, l.user_id, l.team_id,
               (SELECT count(*) FROM crm_lead_assignment_log g
                 WHERE g.lead_id = l.id AND g.kind = 'member'),
               (SELECT count(*) FROM mail_followers f
                 WHERE f.res_model = 'crm.lead' AND f.res_id = l.id)
          FROM crm_lead l WHERE l.id = ANY(%s)
    """, (leads.ids,))
    return env.cr.fetchall()


first = state()
routed = [row for row in first if row[1]]
# Batches 1-3 and those after the failure that had started commit; at least one is lost.
assert BATCH * 3 <= len(routed) < LEADS, "leads routed by the failed run: %d" % len(routed)
for lead_id, user_id, team_id, member_logs, followers in routed:
    # Salesperson and team follower: a committed batch is complete.
    assert team_id == team.id and member_logs == 1 and followers == 2, (
        lead_id, team_id, member_logs, followers)
assert all(not row[2] and not row[3] and not row[4] for row in first if not row[1]), \
    "a lost batch left something behind"

# The second run through Odoo's own cron machinery, as the cron thread starts it: it refuses a
# database with modules left to install, and runs the job from its ir.cron record.
env.cr.execute("UPDATE ir_cron SET nextcall = now() at time zone 'UTC' + interval '1 day'")
routing_cron = env.ref('crm_team_routing.ir_cron_assign_leads')
env.cr.execute("UPDATE ir_cron SET nextcall = now() at time zone 'UTC' - interval '1 minute' "
               "WHERE id = %s", (routing_cron.id,))
env.cr.commit()
type(env['ir.cron'])._process_jobs(env.cr.dbname)  # raises BadModuleState, for one
env.cr.commit()  # a new transaction sees what the job committed
env.cache.invalidate()
env.cr.execute("SELECT nextcall > now() at time zone 'UTC' FROM ir_cron WHERE id = %s",
               (routing_cron.id,))
assert env.cr.fetchone()[0], "the routing job did not run"
second = state()
counts = Counter(row[1] for row in second)
assert sum(counts.values()) == LEADS and None not in counts, counts
assert all(counts[user_id] <= capacity for user_id, capacity in capacities.items()), counts
assert abs(counts[users[1].id] - counts[users[2].id]) <= 1, counts
assert all(row[3] == 1 and row[4] == 2 for row in second), "missing or repeated rows"

env.cr.execute("""
    SELECT count(*) FROM crm_lead_assignment_log
     WHERE lead_id = ANY(%s) AND kind = 'member' AND NOT notified
""", (leads.ids,))
assert env.cr.fetchone()[0] == 0, "leads left out of the digests"
# Private messages (attached to no document), one per salesperson.
digests = env['mail.message'].search([('model', '=', False), ('res_id', '=', False),
                                      ('partner_ids', 'in', [u.partner_id.id for u in users])])
by_partner = Counter(partner.id for message in digests for partner in message.partner_ids)
for user in users[1:]:
    assert by_partner[user.partner_id.id] == 1, "digests of %s: %d" % (
        user.name, by_partner[user.partner_id.id])
    assert '(%d)' % counts[user.id] in digests.filtered(
        lambda message: user.partner_id in message.partner_ids).subject
print("CRON-CHECK ok")
