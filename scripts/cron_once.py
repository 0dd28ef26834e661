#!/usr/bin/env python3
"""make test: a database where routing already ran, as a user's has it after the first hour.

Starts Odoo on DATABASE (installed before, with its demo data) as a user would (bin/odoo,
threaded, one cron thread), sets the routing job's next call to now over XML-RPC, waits for
Odoo's own cron thread to start it (it polls once a minute) and finish it (its next call moves
ahead), then stops the server. The server log must hold no ERROR line. Prints "CRON-ONCE ok"
last on success. The module's tests then run on that database (scripts/test.sh).

Usage: cron_once.py PORT DATABASE LOGFILE    (system python3; standard library only)
"""
import datetime
import sys

from dbmanager_check import (
    JOB_STARTED, LOGIN, PASSWORD, CheckFailed, call, check_no_error, main, wait_for, xmlid,
)


def say(message):
    print('[cron once] %s' % message, flush=True)


def run(server):
    server.start()
    uid = server.rpc('common').authenticate(server.database, LOGIN, PASSWORD, {})  # loads it
    if not uid:
        raise CheckFailed('admin could not log in to %s' % server.database)
    cron_id = xmlid(server, uid, 'crm_team_routing', 'ir_cron_assign_leads')
    due = datetime.datetime.utcnow() - datetime.timedelta(seconds=5)
    call(server, uid, 'ir.cron', 'write', [cron_id],
         {'nextcall': due.strftime('%Y-%m-%d %H:%M:%S'), 'active': True})
    say('the routing job due now; waiting for the cron thread (it polls once a minute)')
    wait_for('"%s" in the server log' % JOB_STARTED,
             lambda: JOB_STARTED in server.log_text(), 200)

    def done():
        nextcall = call(server, uid, 'ir.cron', 'read', [cron_id], ['nextcall'])[0]['nextcall']
        return nextcall > datetime.datetime.utcnow().strftime('%Y-%m-%d %H:%M:%S')
    wait_for('the routing job to end', done, 120, interval=1.0)
    decisions = call(server, uid, 'crm.lead.assignment.log', 'search_count', [])
    assigned = call(server, uid, 'crm.lead.assignment.log', 'search_count',
                    [('kind', '=', 'member')])
    if not assigned:
        raise CheckFailed('the routing job gave no lead to a salesperson')
    say('the routing job ran: %d decisions, %d leads given to salespeople'
        % (decisions, assigned))
    skipped = 'Skipping database %s because of modules' % server.database
    if skipped in server.log_text():
        raise CheckFailed('the cron thread skipped the database: %s' % skipped)
    check_no_error(server)


if __name__ == '__main__':
    sys.exit(main(run, 'CRON-ONCE ok', say))
