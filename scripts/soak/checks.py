# The invariants, read in SQL once the work is done: nothing assigned twice, no capacity
# exceeded, nothing lost (missing or stranded); and the routing lags. Also trigger_cron (one
# routing cron run over XML-RPC, timed).
import time


def assigned_twice(sql):
    """Leads with more than one 'member' log row (given to a salesperson twice), among leads no
    person or SLA take-back ever reassigned: in the soak, nobody does."""
    return sql.rows("""
        SELECT g.lead_id, count(*), array_agg(g.user_id ORDER BY g.id)
          FROM crm_lead_assignment_log g
         WHERE g.kind = 'member'
           AND NOT EXISTS (SELECT 1 FROM crm_lead_assignment_log o
                            WHERE o.lead_id = g.lead_id AND o.kind IN ('manual', 'sla'))
         GROUP BY g.lead_id HAVING count(*) > 1
    """)


def quotas_exceeded(sql):
    """Memberships holding more leads of the last 30 days than their capacity."""
    return sql.rows("""
        SELECT t.name, u.login, m.assignment_max, count(l.id)
          FROM crm_team_member m
          JOIN crm_team t ON t.id = m.team_id
          JOIN res_users u ON u.id = m.user_id
          LEFT JOIN crm_lead l
                 ON l.team_id = m.team_id AND l.user_id = m.user_id
                AND l.assignment_date >= (now() at time zone 'UTC') - interval '30 days'
         WHERE m.active
         GROUP BY t.name, u.login, m.assignment_max
        HAVING count(l.id) > m.assignment_max
         ORDER BY t.name, u.login
    """)


def lost_leads(sql, setup, phases):
    """Lead ids a client got back that do not exist; leads of the phases matching a routing team's
    filter that have no salesperson and do not wait in a routing team with an 'unassigned' log
    row saying why (members full), written when or after the lead's last other decision
    (entering a team, being given to someone). Compared by date, not id: the rows of one run
    share their date, in whatever order they were inserted."""
    created = [lead_id for phase in phases for lead_id in phase.ids]
    existing = {row[0] for row in sql.rows("SELECT id FROM crm_lead WHERE id = ANY(%s)",
                                           (created,))}
    missing = [lead_id for lead_id in created if lead_id not in existing]
    stranded = sql.rows("""
        SELECT l.id, l.name, l.team_id,
               (SELECT string_agg(g.kind, ',' ORDER BY g.date, g.id)
                  FROM crm_lead_assignment_log g WHERE g.lead_id = l.id),
               EXISTS (SELECT 1 FROM crm_lead_assignment_log u
                        WHERE u.lead_id = l.id AND u.kind = 'unassigned'
                          AND u.date >= coalesce((SELECT max(t.date)
                                                    FROM crm_lead_assignment_log t
                                                   WHERE t.lead_id = l.id
                                                     AND t.kind NOT IN ('unassigned', 'share')),
                                                 u.date))
          FROM crm_lead l
         WHERE l.id = ANY(%(ids)s) AND l.active AND l.country_id = ANY(%(countries)s)
           AND l.user_id IS NULL
    """, {'ids': created, 'countries': setup.routing_country_ids})
    stranded = [row[:4] for row in stranded
                if not (row[2] in setup.routing_team_ids and row[4])]
    return missing, stranded


def routing_lags(sql, lead_ids):
    """Seconds from creation to the 'member' log row (log dates are to the second), by whether
    the team routes on creation. Leads that first waited in that team for a free place (an
    'unassigned' row of the team before) measure the capacity, not routing: counted apart."""
    rows = sql.rows("""
        SELECT extract(epoch FROM g.date - date_trunc('second', l.create_date)),
               t.assignment_on_create,
               EXISTS (SELECT 1 FROM crm_lead_assignment_log w
                        WHERE w.lead_id = g.lead_id AND w.kind = 'unassigned'
                          AND w.team_id = g.team_id AND w.id < g.id)
          FROM crm_lead_assignment_log g
          JOIN crm_lead l ON l.id = g.lead_id
          JOIN crm_team t ON t.id = g.team_id
         WHERE g.kind = 'member' AND l.id = ANY(%s)
    """, (lead_ids,))
    every = [float(row[0]) for row in rows if not row[2]]
    on_create = [float(row[0]) for row in rows if row[1] and not row[2]]
    by_cron = [float(row[0]) for row in rows if not row[1] and not row[2]]
    waited = sum(1 for row in rows if row[2])
    return every, on_create, by_cron, waited


def trigger_cron(admin, cron_id):
    start = time.perf_counter()
    admin.call('ir.cron', 'method_direct_trigger', [cron_id])
    return time.perf_counter() - start
