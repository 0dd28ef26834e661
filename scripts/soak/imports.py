# The import: IMPORT_LEADS leads through crm.lead.load (the list's Import), without then with
# route-on-create on a team that matches them: durations, routed leads, routing runs.
import time

from .config import IMPORT_COUNTRY, IMPORT_LEADS, IMPORT_MEMBERS, TEAMS, say


def import_leads(admin, tag):
    """IMPORT_LEADS leads through crm.lead.load, as the list's Import does (base_import calls
    load with import_file in the context); the salesperson column is empty."""
    fields = ['name', 'type', 'contact_name', 'email_from', 'country_id/id', 'user_id']
    rows = [['Soak import %s %05d' % (tag, index), 'lead', 'Import contact %d' % index,
             'soak.import.%s.%d@example.com' % (tag, index), 'base.%s' % IMPORT_COUNTRY.lower(),
             ''] for index in range(IMPORT_LEADS)]
    start = time.perf_counter()
    result = admin.call('crm.lead', 'load', fields, rows, context={'import_file': True})
    seconds = time.perf_counter() - start
    messages = [message.get('message') for message in result.get('messages') or []
                if message.get('type') == 'error']
    ids = result.get('ids') or []
    if messages or len(ids) != IMPORT_LEADS:
        raise RuntimeError("import %s: %d ids, errors: %s" % (tag, len(ids), messages[:3]))
    return ids, seconds


def import_timing(admin, sql, setup, log):
    """The same import without, then with route-on-create on a team matching every row."""
    say("import: %d leads through crm.lead.load, without then with route-on-create"
        % IMPORT_LEADS)
    # Only the import team may route on creation: the soak's teams match none of these rows.
    setup.set_on_create([name for name, _codes, _on in TEAMS], False)
    team_id = setup.team('Soak Import', [IMPORT_COUNTRY], leader=setup.salespeople[0])
    for user_id in setup.salespeople[:IMPORT_MEMBERS]:
        setup.member(team_id, user_id, IMPORT_LEADS)  # room for every imported lead
    without_ids, without_s = import_leads(admin, 'off')
    say("  without route-on-create: %.1f s" % without_s)
    admin.call('crm.lead', 'unlink', without_ids)  # the second import starts from the same state
    admin.call('crm.team', 'write', [team_id], {'assignment_on_create': True})
    mark = log.mark()
    with_ids, with_s = import_leads(admin, 'on')
    # Route-on-create runs once the import is committed, on the server's dispatcher thread:
    # the import's request does not wait for it. Wait for it here (at most 60 s).
    deadline = time.time() + 60
    while True:
        routed = sql.value("SELECT count(*) FROM crm_lead WHERE id = ANY(%s) "
                           "AND user_id IS NOT NULL", (with_ids,))
        if routed >= IMPORT_LEADS or time.time() > deadline:
            break
        time.sleep(0.5)
    routed_s = time.time() - deadline + 60
    say("  routing after the import: %d of %d routed %.1f s after the import returned"
        % (routed, IMPORT_LEADS, routed_s))
    logged_runs = log.routing_runs(mark)
    dates = sql.value("""
        SELECT count(DISTINCT date) FROM crm_lead_assignment_log WHERE lead_id = ANY(%s)
    """, (with_ids,))
    # Routing's INFO line per run when it has one; else the distinct dates of its log rows
    # (one per run, to the second: a lower bound).
    runs = logged_runs or dates
    say("  with route-on-create: %.1f s; %d/%d routed; %d routing runs logged, %d distinct log "
        "dates" % (with_s, routed, IMPORT_LEADS, logged_runs, dates))
    return without_s, with_s, routed, runs
