# Run through 'bin/odoo shell' (env is given) on a throwaway database with the module installed:
# the mass assignment on every lead a search finds, at scale (issue #12: 20,000 leads in
# seconds). It commits its data (the routing mode runs in a transaction of its own).
#   bin/odoo shell -d DB < scripts/bench_wizard.py
# Prints one 'BENCH-WIZARD mode=... leads=... seconds=... queries=...' line per mode.
import os
import time

N = int(os.environ.get('BENCH_WIZARD_LEADS', '20000'))
ctx = dict(env.context, tracking_disable=True, no_reset_password=True)
company = env.ref('base.main_company')
env.cr.execute("UPDATE crm_lead SET active = FALSE WHERE user_id IS NULL")
env.cr.execute("UPDATE crm_team SET assignment_on_create = FALSE")
Users = env['res.users'].with_context(ctx)


def user(login, group):
    return Users.create({'name': login.title(), 'login': login, 'email': login + '@example.com',
                         'groups_id': [(6, 0, [env.ref(group).id])],
                         'company_id': company.id, 'company_ids': [(6, 0, [company.id])]})


manager = user('bench_wizard_manager', 'sales_team.group_sale_manager')
sales = [user('bench_wizard_sales_%d' % index, 'sales_team.group_sale_salesman')
         for index in range(4)]
team = env['crm.team'].with_context(ctx).create({
    'name': 'Bench Wizard', 'user_id': manager.id, 'company_id': company.id})
for person in sales:
    env['crm.team.member'].create({'team_id': team.id, 'user_id': person.id,
                                   'assignment_max': N})
env.cr.execute("""
    INSERT INTO crm_lead (name, type, active, team_id, company_id, probability, share_state,
                          score, sla_reassign_count, create_date, write_date, create_uid,
                          write_uid)
    SELECT 'Bench wizard lead ' || g, 'lead', TRUE, %s, %s, 10, 'none', 0, 0,
           now() at time zone 'UTC', now() at time zone 'UTC', 1, 1
      FROM generate_series(1, %s) g
""", (team.id, company.id, N))
env.cr.commit()
env['crm.lead'].invalidate_cache()  # the whole cache, in 11.0
domain = [('name', 'ilike', 'Bench wizard lead')]
page = env['crm.lead'].search(domain, limit=80, order='id').ids


def run(mode, **values):
    env.cr.execute("UPDATE crm_lead SET user_id = NULL WHERE name LIKE 'Bench wizard lead%%'")
    env.cr.commit()
    env['crm.lead'].invalidate_cache()  # the whole cache, in 11.0
    wizard = env['crm.lead.mass.assign'].sudo(manager).with_context(
        active_model='crm.lead', active_ids=page, active_domain=domain).create(
        dict(values, mode=mode, scope='search'))
    assert wizard.matching_count == N, wizard.matching_count
    queries, start = env.cr.sql_log_count, time.time()
    wizard.action_apply()
    seconds, queries = time.time() - start, env.cr.sql_log_count - queries
    env.cr.commit()
    env.cr.execute("SELECT count(*) FROM crm_lead WHERE name LIKE 'Bench wizard lead%%' "
                   "AND user_id IS NOT NULL")
    assigned = env.cr.fetchone()[0]
    print('BENCH-WIZARD mode=%s leads=%d assigned=%d seconds=%.2f queries=%d'
          % (mode, N, assigned, seconds, queries))


run('user', user_id=sales[0].id)
run('split', user_ids=[(6, 0, [person.id for person in sales])])
run('route')
