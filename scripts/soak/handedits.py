# Hand edits during a routing run (issue #20): RUN_LEADS leads wait without salesperson in a
# routing team; the routing cron routes them in one run, its batches written by parallel writers
# (crm_team_routing.parallel_writers; more than one batch of 5,000), while the team's leader, a
# real user on the second server, moves some of them to another team they lead, gives some to a
# salesperson, wins some and loses some, on LEADER_CONNECTIONS connections, picking leads that
# still wait. Every change of a lead's team, salesperson, activity or probability is recorded,
# in order, by a trigger of the soak's own (soak_lead_audit, dropped afterwards), so that the
# checks know what came after each hand edit:
#   overwritten      a lead the leader moved (or gave to a salesperson) that a later change moved
#                    back or gave to someone else; or whose final team (salesperson) is not the
#                    leader's
#   given_after      a lead the leader won or lost that a later change gave to a salesperson
#   run completes    the cron's call answers, no error and no retried call in the server's log,
#                    and every lead the leader did not touch has a salesperson
# The leads are inserted with SQL (20,000 creations over XML-RPC would take minutes); everything
# else goes through XML-RPC.
import random
import threading
import time
from collections import namedtuple

from .config import (
    ADMIN, CRON_XMLID, LEADER_CONNECTIONS, LONG_TIMEOUT, PASSWORD, RUN_COUNTRY, RUN_LEADS,
    RUN_MEMBERS, SHOW, URL, URL2, say)
from .measure import show_errors
from .rpc import Client, Sql, describe

KINDS = ('move', 'give', 'won', 'lost')
# One change of a lead, as the trigger recorded it; tx: the transaction that made it.
Change = namedtuple('Change', 'at by_uid tx old_team new_team old_user new_user old_active '
                              'new_active old_probability new_probability')
POOL_SIZE = 300            # waiting leads the leader picks from, read again when used up

AUDIT = """
    CREATE TABLE soak_lead_audit (
        id bigserial PRIMARY KEY, lead_id integer, at timestamp, by_uid integer, tx bigint,
        old_team integer, new_team integer, old_user integer, new_user integer,
        old_active boolean, new_active boolean, old_probability float8, new_probability float8);
    CREATE FUNCTION soak_lead_audit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO soak_lead_audit (lead_id, at, by_uid, tx, old_team, new_team, old_user,
                                     new_user, old_active, new_active, old_probability,
                                     new_probability)
        VALUES (NEW.id, clock_timestamp(), NEW.write_uid, txid_current(), OLD.team_id,
                NEW.team_id, OLD.user_id, NEW.user_id, OLD.active, NEW.active, OLD.probability,
                NEW.probability);
        RETURN NULL;
    END $$;
    -- Fired once a row is locked and changed: for one lead, the rows come in commit order (a
    -- second writer of the row waits for the first one's commit).
    CREATE TRIGGER soak_lead_audit AFTER UPDATE ON crm_lead FOR EACH ROW
        WHEN (OLD.team_id IS DISTINCT FROM NEW.team_id OR OLD.user_id IS DISTINCT FROM NEW.user_id
              OR OLD.active IS DISTINCT FROM NEW.active
              OR OLD.probability IS DISTINCT FROM NEW.probability)
        EXECUTE PROCEDURE soak_lead_audit();
"""
AUDIT_DROP = """
    DROP TRIGGER IF EXISTS soak_lead_audit ON crm_lead;
    DROP FUNCTION IF EXISTS soak_lead_audit();
    DROP TABLE IF EXISTS soak_lead_audit;
"""


class HandEdits(object):
    """What the leader did, and what the run did."""

    def __init__(self):
        self.lock = threading.Lock()
        self.edits = []            # (lead_id, kind, value, started, ended, error or None)
        self.pool = []
        self.taken = set()
        self.done = threading.Event()
        self.run = ('did not finish', 0.0)
        self.counter = 0


def build(admin, sql, setup):
    """The leader, RUN_MEMBERS salespeople, the team of the run and the leader's other team;
    RUN_LEADS leads waiting in the first (SQL). Returns (leader uid, team ids, user ids, lead
    ids)."""
    say("hand edits: set-up of a team of %d salespeople led by a team leader, and %d leads "
        "waiting in it" % (RUN_MEMBERS, RUN_LEADS))
    leader = setup.user('soak.leader', 'Soak Team Leader',
                        ['crm_team_routing.group_sale_team_leader'])
    salespeople = [setup.user('soak.run.%d' % (index + 1), 'Soak Run Salesperson %d' % (index + 1),
                              ['sales_team.group_sale_salesman'])
                   for index in range(RUN_MEMBERS)]
    run_team = setup.team('Soak Run', [RUN_COUNTRY], leader=leader)
    other_team = setup.team('Soak Run Elsewhere', [RUN_COUNTRY], leader=leader)
    # Room for every lead and for what the leader gives by hand: no capacity is the limit.
    capacity = RUN_LEADS * 3 // (2 * RUN_MEMBERS) + 100
    for user_id in salespeople:
        setup.member(run_team, user_id, capacity)
    # A routing member taking nothing: the other team is a routing team, the leads the leader
    # moves there stay there.
    setup.member(other_team, salespeople[0], 0)
    stage_id = admin.ref('crm.stage_lead1')
    company_id = admin.ref('base.main_company')
    start = time.perf_counter()
    lead_ids = [row[0] for row in sql.rows("""
        INSERT INTO crm_lead (
            name, type, active, probability, stage_id, company_id, user_id, team_id, country_id,
            contact_name, email_from, priority, color, opt_out, message_bounce, score,
            share_state, date_last_stage_update, create_date, create_uid, write_date, write_uid)
        SELECT 'Soak run ' || i, 'lead', TRUE, 10, %(stage)s, %(company)s, NULL, %(team)s,
               %(country)s, 'Run contact ' || i, 'soak.run.' || i || '@example.com', '0', 0,
               FALSE, 0, 0, 'none', now, now, 1, now, 1
          FROM (SELECT i, (now() at time zone 'UTC') - interval '1 second' * (i %% 3600) AS now
                  FROM generate_series(1, %(count)s) AS i) AS s
     RETURNING id
    """, {'stage': stage_id, 'company': company_id, 'team': run_team,
          'country': setup.country[RUN_COUNTRY], 'count': RUN_LEADS})]
    sql.execute("ANALYZE crm_lead")
    say("  %d leads inserted in %.1f s" % (len(lead_ids), time.perf_counter() - start))
    return leader, run_team, other_team, salespeople, lead_ids


def pick(state, sql, run_team, lead_ids):
    """A lead still waiting in the run's team that the leader has not touched yet."""
    with state.lock:
        while not state.pool:
            waiting = [row[0] for row in sql.rows("""
                SELECT id FROM crm_lead
                 WHERE id = ANY(%s) AND team_id = %s AND user_id IS NULL AND active
                   AND probability < 100
                 ORDER BY random() LIMIT %s
            """, (lead_ids, run_team, POOL_SIZE + len(state.taken)))
                       if row[0] not in state.taken]
            if not waiting:
                return None, None
            state.pool = waiting[:POOL_SIZE]
        lead_id = state.pool.pop()
        state.taken.add(lead_id)
        kind = KINDS[state.counter % len(KINDS)]
        state.counter += 1
        return lead_id, kind


def leader_loop(state, sql, run_team, other_team, salespeople, lead_ids):
    try:
        client = Client('soak.leader', PASSWORD, url=URL2)
    except Exception as error:
        with state.lock:
            state.edits.append((None, 'login', None, 0.0, 0.0, describe(error)))
        return
    rng = random.Random(threading.current_thread().name)
    while not state.done.is_set():
        lead_id, kind = pick(state, sql, run_team, lead_ids)
        if lead_id is None:
            return
        value = None
        started = time.time()
        try:
            if kind == 'move':
                value = other_team
                client.call('crm.lead', 'write', [lead_id], {'team_id': other_team})
            elif kind == 'give':
                value = rng.choice(salespeople)
                client.call('crm.lead', 'write', [lead_id], {'user_id': value})
            elif kind == 'won':
                client.call('crm.lead', 'action_set_won', [lead_id])
            else:
                client.call('crm.lead', 'action_set_lost', [lead_id])
            error = None
        except Exception as failure:
            error = describe(failure)
        with state.lock:
            state.edits.append((lead_id, kind, value, started, time.time(), error))


def run_cron(state, cron_id):
    client = Client(*ADMIN, timeout=LONG_TIMEOUT, url=URL)
    start = time.perf_counter()
    try:
        client.call('ir.cron', 'method_direct_trigger', [cron_id])
        state.run = ('ok', time.perf_counter() - start)
    except Exception as error:
        state.run = (describe(error), time.perf_counter() - start)
    finally:
        state.done.set()


def leader_row(changes, leader, kind, value):
    """Position of the leader's edit among a lead's changes (None: not found)."""
    for index, change in enumerate(changes):
        if change.by_uid != leader:
            continue
        if (kind == 'move' and change.new_team == value and change.old_team != value
                or kind == 'give' and change.new_user == value and change.old_user != value
                or kind == 'won' and change.new_probability == 100
                and change.old_probability != 100
                or kind == 'lost' and change.old_active and not change.new_active):
            return index
    return None


def gives(change):
    return change.new_user and change.old_user != change.new_user


def judge(sql, state, leader, lead_ids):
    """The checks, from the recorded changes and the leads' final state."""
    edits = [edit for edit in state.edits if edit[0] and not edit[5]]
    edited = [edit[0] for edit in edits]
    audit = {}
    for row in sql.rows("""
        SELECT lead_id, at, by_uid, tx, old_team, new_team, old_user, new_user, old_active,
               new_active, old_probability, new_probability
          FROM soak_lead_audit WHERE lead_id = ANY(%s) ORDER BY lead_id, at, id
    """, (edited,)):
        audit.setdefault(row[0], []).append(Change(*row[1:]))
    final = {row[0]: row[1:] for row in sql.rows(
        "SELECT id, team_id, user_id FROM crm_lead WHERE id = ANY(%s)", (edited,))}
    overwritten, given_after, unseen, racing, edit_times = [], [], [], 0, []
    for lead_id, kind, value, _started, _ended, _error in edits:
        changes = audit.get(lead_id, [])
        index = leader_row(changes, leader, kind, value)
        team, user = final.get(lead_id, (None, None))
        if index is None:
            # Given by hand to the salesperson the run had just given it to: nothing changed.
            if not (kind == 'give' and user == value
                    and any(gives(change) for change in changes)):
                unseen.append((lead_id, kind))
            continue
        edit_times.append(changes[index].at)
        # What other transactions changed afterwards (the leader's own write may change more
        # than one thing, in more than one statement).
        after = [change for change in changes[index + 1:] if change.tx != changes[index].tx]
        # The edit raced the run when the lead still waited: nobody had given it before.
        if not any(gives(change) for change in changes[:index]):
            racing += 1
        if kind in ('move', 'give'):
            later = [change for change in after
                     if change.old_team != change.new_team or change.old_user != change.new_user]
            if later or (kind == 'move' and team != value) or (kind == 'give' and user != value):
                overwritten.append((lead_id, kind, value, team, user))
        elif any(gives(change) for change in after):
            given_after.append((lead_id, kind, team, user))
    # The write window: from the first to the last lead given by someone else than the leader.
    window = sql.rows("""
        SELECT min(at), max(at), count(*) FROM soak_lead_audit
         WHERE lead_id = ANY(%s) AND by_uid <> %s AND new_user IS NOT NULL
           AND old_user IS NULL
    """, (lead_ids, leader))[0]
    during = sum(1 for at in edit_times if window[0] and window[0] <= at <= window[1])
    left = sql.value("""
        SELECT count(*) FROM crm_lead
         WHERE id = ANY(%s) AND NOT (id = ANY(%s)) AND user_id IS NULL
    """, (lead_ids, [edit[0] for edit in state.edits if edit[0]]))
    return {
        'edits': edits, 'overwritten': overwritten, 'given_after': given_after,
        'unseen': unseen, 'racing': racing, 'during_writes': during, 'left': left,
        'given_by_run': window[2],
        'write_seconds': (window[1] - window[0]).total_seconds() if window[0] else 0.0,
    }


def hand_edits(admin, sql, setup, logs):
    """Set-up, the run with the leader's edits alongside, the checks. Returns the figures."""
    writers = admin.call('ir.config_parameter', 'get_param', 'crm_team_routing.parallel_writers')
    leader, run_team, other_team, salespeople, lead_ids = build(admin, sql, setup)
    cron_id = admin.ref(CRON_XMLID)
    sql.execute(AUDIT_DROP)
    sql.execute(AUDIT)
    marks = [log.mark() for log in logs]
    state = HandEdits()
    say("hand edits: the routing cron on %d waiting leads (parallel_writers = %s), the leader "
        "editing waiting leads on %d connections meanwhile (server 2)"
        % (len(lead_ids), writers, LEADER_CONNECTIONS))
    editors = [threading.Thread(target=leader_loop, name='leader-%d' % number, daemon=True,
                                args=(state, Sql(), run_team, other_team, salespeople,
                                      lead_ids))
               for number in range(LEADER_CONNECTIONS)]
    runner = threading.Thread(target=run_cron, args=(state, cron_id), daemon=True)
    runner.start()
    for thread in editors:
        thread.start()
    runner.join(LONG_TIMEOUT + 60)
    state.done.set()
    for thread in editors:
        thread.join(180)
    sql.execute("DROP TRIGGER IF EXISTS soak_lead_audit ON crm_lead")
    # The run works on server 1, the leader on server 2.
    errors = logs[0].errors(marks[0])
    retries = logs[0].retries(marks[0])
    leader_errors = logs[1].errors(marks[1])
    leader_retries = logs[1].retries(marks[1])
    result = judge(sql, state, leader, lead_ids)
    sql.execute(AUDIT_DROP)
    failed_edits = [edit for edit in state.edits if edit[5]]
    status, seconds = state.run
    completes = status == 'ok' and not errors and not retries and not result['left']
    counts = {kind: sum(1 for edit in result['edits'] if edit[1] == kind) for kind in KINDS}
    say("  run: %s in %.1f s; %d leads given by the run, written over %.1f s; %d untouched "
        "leads left without salesperson" % (status, seconds, result['given_by_run'],
                                            result['write_seconds'], result['left']))
    say("  leader: %d edits (%s), %d failed; %d made while the lead still waited, %d during "
        "the run's writes" % (
            len(result['edits']), ', '.join('%d %s' % (counts[k], k) for k in KINDS),
            len(failed_edits), result['racing'], result['during_writes']))
    say("  server 1 (the run): %d errors, %d retried calls; server 2 (the leader): %d errors, "
        "%d retried calls" % (len(errors), retries, len(leader_errors), leader_retries))
    show_errors(errors, 'server 1 error')
    show_errors(leader_errors, 'server 2 error')
    for lead_id, _kind, _value, _s, _e, error in failed_edits[:SHOW]:
        say("  failed edit of lead %s: %s" % (lead_id, error))
    for lead_id, kind, value, team, user in result['overwritten'][:SHOW]:
        say("  overwritten: lead %d (%s to %s) is now team %s, salesperson %s"
            % (lead_id, kind, value, team, user))
    for lead_id, kind, team, user in result['given_after'][:SHOW]:
        say("  given after being %s: lead %d, team %s, salesperson %s"
            % (kind, lead_id, team, user))
    if result['unseen']:
        say("  %d edits not found among the recorded changes (e.g. lead %s, %s)"
            % ((len(result['unseen']),) + result['unseen'][0]))
    return {
        'leads': len(lead_ids), 'writers': writers, 'run': status, 'run_s': seconds,
        'completes': completes, 'left': result['left'], 'errors': len(errors),
        'retries': retries, 'leader_retries': leader_retries, 'leader_errors': len(leader_errors),
        'edits': len(result['edits']), 'failed_edits': len(failed_edits),
        'counts': counts, 'racing': result['racing'], 'during_writes': result['during_writes'],
        'overwritten': len(result['overwritten']), 'given_after': len(result['given_after']),
        'unseen': len(result['unseen']), 'write_s': result['write_seconds'],
    }
