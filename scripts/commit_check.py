# Run by scripts/test.sh through 'bin/odoo shell' (env is given) on the test database, after the
# module's tests: the routing paths that run once a transaction is committed, which the tests
# cannot reach (they never commit). Checked here:
#   - route-on-create: the leads one transaction creates are routed together, in one run, after
#     its commit; no capacity is exceeded;
#   - while another run holds the routing lock, a creation succeeds at once (it never waits for
#     the lock): its lead is taken by the next route-on-create run;
#   - the "Route leads" server action routes after the commit of the transaction that ran it;
#   - a button run waits for the lock, then says so.
# Prints "COMMIT-CHECK ok" at the end; any failed check raises.
import time

from odoo.addons.crm_team_routing.models.crm_lead_router import ROUTING_LOCK_KEY
from odoo.exceptions import UserError

ctx = dict(env.context, tracking_disable=True, no_reset_password=True)
company = env.ref('base.main_company')
# Leads of other modules' data would join the runs: this check works on its own.
env.cr.execute("UPDATE crm_lead SET active = FALSE WHERE user_id IS NULL")
env.cr.execute("UPDATE crm_team SET assignment_on_create = FALSE")
users = [env['res.users'].with_context(ctx).create({
    'name': 'Commit Check %d' % index,
    'login': 'commit.check.%d' % index,
    'email': 'commit.check.%d@example.com' % index,
    'groups_id': [(6, 0, [env.ref('sales_team.group_sale_salesman').id])],
    'company_id': company.id,
    'company_ids': [(6, 0, [company.id])],
}) for index in range(2)]
team = env['crm.team'].with_context(ctx).create({
    'name': 'Commit Check', 'company_id': company.id, 'assignment_on_create': True,
    'assignment_domain': "[('name', 'like', 'Commit check')]"})
for user in users:
    env['crm.team.member'].create({'team_id': team.id, 'user_id': user.id, 'assignment_max': 3})
env.cr.commit()


def create(names):
    Lead = env['crm.lead'].with_context(ctx)
    return [Lead.create({'name': name, 'type': 'lead', 'user_id': False, 'team_id': False}).id
            for name in names]


def settled():
    """Wait for the routing of the committed creations (it runs on a thread of its own, after
    the commit), then take a new snapshot to see it."""
    from odoo.addons.crm_team_routing.models.crm_lead_router_lock import DISPATCHER
    deadline = time.time() + 30
    while time.time() < deadline:
        with DISPATCHER.lock:
            busy = any(thread.is_alive() for thread in DISPATCHER.threads.values())
        if not busy:
            break
        time.sleep(0.05)
    env.cr.commit()


def rows(lead_ids):
    env.cr.execute("""
        SELECT l.id, l.user_id,
               (SELECT count(DISTINCT g.date) FROM crm_lead_assignment_log g
                 WHERE g.lead_id = ANY(%s) AND g.kind = 'member')
          FROM crm_lead l WHERE l.id = ANY(%s) ORDER BY l.id
    """, (lead_ids, lead_ids))
    return env.cr.fetchall()


# 1. Eight leads in one transaction: routed after its commit, in one run, six of them (3 + 3).
first = create(['Commit check %d' % index for index in range(8)])
assert not any(user for _id, user, _runs in rows(first)), "routed before the commit"
env.cr.commit()  # the routing runs once this is committed, off this thread
settled()
result = rows(first)
routed = [user for _id, user, _runs in result if user]
assert len(routed) == 6, "routed after commit: %d of 8" % len(routed)
assert sorted(routed.count(user.id) for user in users) == [3, 3], routed
assert result[0][2] == 1, "expected one routing run for the transaction, got %d" % result[0][2]

# 2. Another run holds the lock: the creation never waits for it (a web form's request is not
# held by a running cron), and its lead is left to the next route-on-create run or the cron.
env['crm.team.member'].search([('team_id', '=', team.id)]).write({'assignment_max': 10})
env.cr.commit()
with env.registry.cursor() as other:
    other.execute("SELECT pg_advisory_lock(%s)", (ROUTING_LOCK_KEY,))
    waiting = create(['Commit check busy'])
    started = time.time()
    env.cr.commit()  # the routing finds the lock busy and leaves at once
    waited = time.time() - started
    assert waited < 1.0, "the creation waited %.1f s for the routing lock" % waited
    settled()
    assert rows(waiting)[0][1] is None, "routed although the lock was held"
    # A person pressing the button waits, then is told.
    try:
        team.sudo(env.ref('base.user_root')).action_assign_leads()
    except UserError:
        pass
    else:
        raise AssertionError("the button did not say that routing is running")
    env.cr.rollback()
    other.execute("SELECT pg_advisory_unlock(%s)", (ROUTING_LOCK_KEY,))

# 3. The next route-on-create run takes the lead left waiting too.
later = create(['Commit check later'])
env.cr.commit()
settled()
assert rows(later)[0][1] in [user.id for user in users], "the next creation was not routed"
assert rows(waiting)[0][1] in [user.id for user in users], \
    "the lead left waiting was not taken by the next route-on-create run"

# 4. The server action routes a lead once the transaction that ran it is committed.
manual = env['crm.lead'].with_context(ctx, crm_team_routing_no_route=True).create({
    'name': 'Commit check action', 'type': 'lead', 'user_id': False, 'team_id': False}).id
env.cr.commit()
route = env.ref('crm_team_routing.action_server_route_leads')
route.with_context(active_model='crm.lead', active_ids=[manual], active_id=manual).run()
assert rows([manual])[0][1] is None, "the server action routed before its commit"
env.cr.commit()
settled()
assert rows([manual])[0][1] in [user.id for user in users], "the server action did not route"
print("COMMIT-CHECK ok")
