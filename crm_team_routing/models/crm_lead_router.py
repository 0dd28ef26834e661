# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The one place a routing run is put together: the entry, the modes and the run.

Every entry point (the scheduled actions, the team buttons and preview, the mass assignment
wizard, the "Route leads" and "Re-route leads" server actions, route-on-create, the hand-back
wizard) calls ``_route(teams, leads, mode)``.
A run goes through fixed stages, each an overridable method:

    gate -> lock -> read -> decide -> write -> notify

The ``mode`` alone decides who may run it (the gate), how the routing lock is taken, whether the
run commits and whether it writes anything (``MODES``). Nothing switches to ``sudo()`` before
the gate has run.

Locks and snapshots: Odoo 11 transactions are REPEATABLE READ, their snapshot taken at their
first query. A run that read loads before holding the lock would decide on stale counts. So a
writing run takes the routing lock (a PostgreSQL advisory lock) at session level, then commits:
the transaction that reads loads and writes starts after the lock is held. The buttons and the
wizard run in a transaction of their own for that reason; route-on-create and the server action
run right after the transaction that created the leads is committed. Tests never commit: there
the run happens in the test's own transaction, under a transaction-level lock, unless a test asks
for the production paths on committed cursors (``_routing_transactions``, the one switch).
"""
import gc
import logging
import threading
import time
from collections import Counter, namedtuple

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..routing import engine

_logger = logging.getLogger(__name__)

# Leads written per batch (and per commit in the cron).
ROUTING_BATCH_SIZE = 5000
# Key of the PostgreSQL advisory lock that serialises every path writing assignments.
ROUTING_LOCK_KEY = 0x43524d52  # 'CRMR'
# Window of the capacity count, in days.
ROUTING_WINDOW_DAYS = 30
# At most this many decisions are kept for a preview (totals stay complete).
PREVIEW_MAX_LINES = 1000
# At most this many members are named in the reason of a lead no member could take.
REASON_MAX_MEMBERS = 10
# Runs a person starts on chosen teams (a team's buttons): they show what concerns those teams,
# not the leads that match no team.
TEAM_SCOPED_MODES = ('button', 'preview')
# At most this many leads are listed by name in a salesperson's digest.
DIGEST_MAX_LINES = 50
# Seconds a button, the wizard, the server action or route-on-create wait for the lock.
LOCK_WAIT_SECONDS = 5.0
LOCK_POLL_SECONDS = 0.1
# At most this many leads left waiting by busy route-on-create runs are taken by the next one.
LEFT_WAITING_MAX = 1000
# Fields no filter may read, whoever saves it: secrets have no place in routing criteria.
PROTECTED_FIELDS = frozenset([
    'password', 'password_crypt', 'new_password', 'signup_token', 'signup_type',
    'signup_expiration', 'oauth_access_token', 'oauth_uid', 'totp_secret', 'api_key_ids',
])

# How a mode runs.
#   gate:   the rights check (``_gate_<gate>``)
#   cursor: 'current' (the caller's transaction), 'own' (a transaction of its own, after the
#           lock), 'after_commit' (once the caller's transaction is committed)
#   busy:   when another run holds the lock: 'skip' at once, 'raise' after waiting a few
#           seconds (a person is waiting), 'leave' after waiting (the cron routes them later);
#           None: no lock (nothing is written)
#   commit: commit between batches (the scheduled actions)
#   write:  write decisions (False: compute in memory only)
RoutingMode = namedtuple('RoutingMode', 'gate cursor busy commit write')
MODES = {
    'cron': RoutingMode('system', 'current', 'skip', True, True),
    'sla': RoutingMode('system', 'current', 'skip', True, True),
    'button': RoutingMode('manager', 'own', 'raise', False, True),
    'preview': RoutingMode('manager', 'current', None, False, False),
    'wizard': RoutingMode('wizard', 'own', 'raise', False, True),
    'server_action': RoutingMode('writable', 'after_commit', 'leave', False, True),
    'create': RoutingMode('created', 'after_commit', 'leave', False, True),
    # Leads just handed back (crm.lead.hand.back, "route now"): they are routed once the
    # caller's transaction is committed (the release is written in it, or committed batch by
    # batch before it: crm.lead.router._write_release); the wizard's rights
    # (policy.check_hand_back) ran before the release.
    'hand_back': RoutingMode('wizard', 'after_commit', 'leave', False, True),
}

# One batch of decisions as plain data: {lead_id: team_id}, {lead_id: (team_id, user_id)},
# log rows (lead_id, team_id, user_id, kind, reason, company_id, rule), {lead_id: refreshed
# score}, {lead_id: the team the lead was read in (None: no team)}.
RoutingBatch = namedtuple('RoutingBatch', 'to_team to_user logs scores expected')


def _testing():
    """Odoo's test runner: one transaction per test class, never committed."""
    return getattr(threading.currentThread(), 'testing', False)


class RoutingResult(object):
    """What a run decided: totals always complete, the first decisions only for a preview."""

    def __init__(self, keep_decisions=0):
        self.keep_decisions = keep_decisions
        self.decisions = []              # (Decision, lead name, reason), a preview's first ones
        self.total_decisions = 0
        self.team_counts = Counter()     # team_id -> leads entering the team (phase 1)
        self.user_counts = Counter()     # user_id -> leads given to the salesperson
        self.unassigned = 0
        # (team_id, user_id, given in this run, 30-day count after it, quota (both None when
        # unknown: a member left out of the run), why the member took nothing: a
        # routing.reasons node or None), for each member of the run's teams
        self.members = []
        self.errors = []                 # human readable, one per skipped filter
        self.skipped = False             # the lock was busy: nothing was done
        self.deferred = False            # runs once the caller's transaction is committed

    @property
    def assigned(self):
        return sum(self.user_counts.values())

    def count(self, decisions):
        self.total_decisions += len(decisions)
        for decision in decisions:
            if decision.kind == 'team':
                self.team_counts[decision.team_id] += 1
            elif decision.kind == 'member':
                self.user_counts[decision.user_id] += 1
            else:
                self.unassigned += 1


class CrmLeadRouter(models.AbstractModel):
    _name = 'crm.lead.router'
    _description = "Lead Router"

    # ------------------------------------------------------------------------------------------
    # Entry
    # ------------------------------------------------------------------------------------------

    @api.model
    def _route(self, teams, leads=None, mode='cron'):
        """Route ``leads`` (None: every candidate) to ``teams``, then to their members.

        :param teams: crm.team records, in the caller's environment
        :param leads: crm.lead records or None, in the caller's environment
        :param mode: a key of ``MODES``
        :return: RoutingResult
        """
        spec = MODES[mode]
        teams, leads, companies = self._gate(teams, leads, mode)
        if companies is not None:
            self = self.with_context(crm_team_routing_companies=sorted(companies))
        teams = teams.filtered(lambda team: team.active and not team.assignment_optout)
        if not teams or (leads is not None and not leads):
            return RoutingResult()
        cursor = spec.cursor if self._routing_transactions() else 'current'
        if cursor == 'after_commit':
            self._route_after_commit(teams, leads, mode)
            result = RoutingResult()
            result.deferred = True
            return result
        if cursor == 'own':
            return self._route_in_own_transaction(teams, leads, mode)
        return self._run(teams, leads, mode)

    @api.model
    def _routing_transactions(self):
        """The one switch between the production paths and a test's transaction. True: a run
        takes the transactions of its mode (a transaction of its own, the run after commit, the
        session-level lock, commits between batches, the writer connections). False in a test's
        transaction, never committed: Odoo's test runner, and the requests an HttpCase serves on
        the registry's test cursor (whose lock a writer connection, another thread, would wait
        for): the run happens in the caller's transaction under a transaction-level lock and
        never commits, unless the test asks for the production paths with the context key
        ``crm_team_routing_transactions`` (tests/test_transactions.py, on committed cursors)."""
        if self.env.context.get('crm_team_routing_transactions'):
            return True
        return not _testing() and not self.env.registry.in_test_mode()

    def _run(self, teams, leads, mode):
        """Lock, read, decide, write, notify. ``teams`` and ``leads`` passed the gate."""
        spec = MODES[mode]
        result = RoutingResult(keep_decisions=0 if spec.write else PREVIEW_MAX_LINES)
        start = time.time()
        with self._lock(mode) as locked:
            if not locked:
                result.skipped = True
                if spec.busy == 'raise':
                    raise UserError(_("Lead routing is already running; try again in a "
                                      "minute."))
                _logger.info("Lead routing (%s) skipped: another run holds the lock; the "
                             "scheduled action will route these leads", mode)
                return result
            if mode == 'create' and leads:
                leads = self._left_waiting(teams, leads)
            # A run makes millions of small tuples and sets, none in a cycle: the cyclic
            # garbage collector would rescan them again and again (quadratic at 1M leads).
            collect = gc.isenabled()
            gc.disable()
            try:
                self._run_stages(teams, leads, mode, result)
            finally:
                if collect:
                    gc.enable()
        _logger.info("Lead routing (%s) on %d teams: %d assigned, %d entered a team, %d waiting "
                     "(%.2fs)", mode, len(teams), result.assigned,
                     sum(result.team_counts.values()), result.unassigned, time.time() - start)
        return result

    def _run_stages(self, teams, leads, mode, result):
        spec = MODES[mode]
        teams = teams.with_env(self.env)
        leads = leads.with_env(self.env) if leads is not None else None
        if mode == 'sla':
            return self._run_sla(teams, result)
        data = self._read(teams, leads, mode, result)
        if data is None:
            return
        decisions = self._decide(data)
        self._release_decided(data)
        shown = decisions
        if mode in TEAM_SCOPED_MODES:
            # A person asked about these teams: the leads no team of theirs matches are logged
            # as waiting, but not shown nor counted as theirs.
            shown = engine.Decisions(decision for decision in decisions
                                     if decision.kind != 'unassigned'
                                     or decision.why != 'no_team')
        result.count(shown)
        result.members = self._member_totals(teams, shown, data)
        reason = self._reason_formatter(teams, data)
        if not spec.write:
            kept = shown[:result.keep_decisions]
            # Names of the listed leads only: a preview lists at most PREVIEW_MAX_LINES.
            name_of = dict(self.env['crm.lead']._routing_select(
                [('id', 'in', [decision.lead_id for decision in kept])], ['id', 'name']))
            # A preview is read at once, by whoever asked for it: in their language.
            render = self.env['crm.lead.assignment.log']._routing_reason_renderer()
            result.decisions = [(decision, name_of[decision.lead_id], render(reason(decision)))
                                for decision in kept]
            return
        if self._write(teams, decisions, reason, data, spec.commit):
            self._notify(spec.commit)

    @api.model
    def _now(self):
        """The moment of a run (an Odoo datetime string, UTC): absences, working hours and
        quotas are those of this moment."""
        return fields.Datetime.now()

    @api.model
    def _get_lead_to_assign_domain(self):
        """Candidates: open leads and opportunities with no salesperson."""
        return self.env['crm.team']._get_lead_to_assign_domain()
