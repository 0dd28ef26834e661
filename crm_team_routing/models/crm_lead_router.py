# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The one place a routing run is put together.

Every entry point (the scheduled actions, the team buttons and preview, the mass assignment
wizard, the "Route leads" server action, route-on-create) calls ``_route(teams, leads, mode)``.
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
the run happens in the test's own transaction, under a transaction-level lock.
"""
import gc
import logging
import threading
import time
from collections import Counter, OrderedDict, deque, namedtuple
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import time as datetime_time

import pytz

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import html_escape

from ..routing import engine, fallback, filter_text, owner, sla
from ..routing.calendar import WorkClock
from ..routing.filters import FilterError, field_paths, parse_domain, quote
from ..routing.reasons import filter_node, join, text as reason_text

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
}

# One batch of decisions as plain data: {lead_id: team_id}, {lead_id: (team_id, user_id)},
# log rows (lead_id, team_id, user_id, kind, reason, company_id, rule), {lead_id: refreshed
# score}.
RoutingBatch = namedtuple('RoutingBatch', 'to_team to_user logs scores')


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
        teams, leads = self._gate(teams, leads, mode)
        teams = teams.filtered(lambda team: team.active and not team.assignment_optout)
        if not teams or (leads is not None and not leads):
            return RoutingResult()
        cursor = 'current' if _testing() else spec.cursor
        if cursor == 'after_commit':
            self._route_after_commit(teams, leads, mode)
            result = RoutingResult()
            result.deferred = True
            return result
        if cursor == 'own':
            return self._route_in_own_transaction(teams, leads, mode)
        return self._run(teams, leads, mode)

    def _route_in_own_transaction(self, teams, leads, mode):
        """Run in a transaction of its own, committed at the end, whose snapshot is taken once
        the lock is held; the caller's transaction does not see what it wrote, so its cache is
        cleared."""
        registry, context = self.env.registry, self.env.context
        with api.Environment.manage(), registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, context)
            result = env[self._name]._run(
                teams.with_env(env), leads.with_env(env) if leads is not None else None, mode)
        # What the caller's transaction cached of those leads is stale now.
        self.invalidate_cache()
        return result

    def _route_after_commit(self, teams, leads, mode):
        """Route once the current transaction is committed, in a new one: the leads it created
        exist for the run, and the run can never make their creation fail. All the leads of
        one transaction are routed together, one run per mode."""
        cr = self.env.cr
        pending = getattr(cr, '_crm_team_routing_pending', None)
        if pending is None:
            pending = cr._crm_team_routing_pending = OrderedDict()
            registry, context = self.env.registry, dict(self.env.context)

            def run():
                work = cr.__dict__.pop('_crm_team_routing_pending', {})
                for (run_mode, team_ids), lead_ids in work.items():
                    try:
                        with api.Environment.manage(), registry.cursor() as new_cr:
                            env = api.Environment(new_cr, SUPERUSER_ID, context)
                            env[self._name]._run(env['crm.team'].browse(team_ids),
                                                 env['crm.lead'].browse(lead_ids), run_mode)
                    except Exception:
                        _logger.exception("Lead routing (%s) of %d leads failed; the scheduled "
                                          "action will route them", run_mode, len(lead_ids))

            def forget():
                cr.__dict__.pop('_crm_team_routing_pending', None)

            cr.after('commit', run)
            cr.after('rollback', forget)
        key = (mode, tuple(sorted(teams.ids)))
        pending.setdefault(key, set()).update(leads.ids if leads is not None else ())

    # ------------------------------------------------------------------------------------------
    # Stage 1: gate
    # ------------------------------------------------------------------------------------------

    @api.model
    def _gate(self, teams, leads, mode):
        """Check that the current user may run ``mode`` on ``teams`` and ``leads``; return both
        with superuser rights, which the run needs to read configuration and write decisions.
        """
        check = getattr(self, '_gate_%s' % MODES[mode].gate)
        check(teams, leads)
        # The gate has run: from here on the run reads and writes as the system.
        return teams.sudo(), (leads.sudo() if leads is not None else None)

    def _gate_system(self, teams, leads):
        """Scheduled actions: the superuser (the cron user) or an administrator."""
        user = self.env.user
        if not (user._is_superuser() or user._is_system()):
            raise AccessError(_("Only the system runs the scheduled lead routing."))

    def _gate_manager(self, teams, leads):
        """Team buttons and preview: sales managers, on teams of a company they belong to."""
        user = self.env.user
        if user._is_superuser():
            return
        if not user.has_group('sales_team.group_sale_manager'):
            raise AccessError(_("Only sales managers can run lead routing from the team."))
        self._check_companies(teams.sudo().mapped('company_id'))
        if leads is not None:
            self._check_companies(leads.sudo().mapped('company_id'))

    def _gate_wizard(self, teams, leads):
        """Mass assignment: leads the caller may write; a team leader only into teams they
        lead; 'All Documents' users and managers into teams of their companies."""
        user = self.env.user
        if user._is_superuser():
            return
        self._check_bulk_assigner()
        self._check_writable(leads)
        if user.has_group('sales_team.group_sale_salesman_all_leads'):
            self._check_companies(teams.sudo().mapped('company_id'))
            return
        foreign = teams.sudo() - self._led_teams()
        if foreign:
            raise AccessError(_("You can only assign leads into the teams you lead; %s is not "
                                "one of them.") % foreign[0].name)

    def _check_bulk_assigner(self):
        """Assigning in bulk is for team leaders and above; salespeople may not."""
        if not self.env.user.has_group('crm_team_routing.group_sale_team_leader'):
            raise AccessError(_("Only team leaders and sales managers can assign leads in "
                                "bulk."))

    def _gate_writable(self, teams, leads):
        """Server action: leads the caller may write (automated actions fired by website forms
        and the mail gateway run as the superuser)."""
        if self.env.user._is_superuser():
            return
        if not self.env.user.has_group('sales_team.group_sale_salesman'):
            raise AccessError(_("Only sales users can route leads."))
        self._check_writable(leads)

    def _gate_created(self, teams, leads):
        """Route-on-create: the leads the current transaction has just created, which the
        caller passes itself (``crm.lead.create``); nothing else to check."""

    @api.model
    def _check_targets(self, leads, users):
        """The current user may write ``leads``, and ``users`` may receive or read them:
        internal users who work for the leads' companies."""
        self._check_writable(leads)
        # One query: through the ORM, reading the company of 20,000 leads reads every field.
        self.env.cr.execute("SELECT DISTINCT company_id FROM crm_lead WHERE id = ANY(%s) "
                            "AND company_id IS NOT NULL", (leads.ids,))
        companies = self.env['res.company'].browse([row[0] for row in self.env.cr.fetchall()])
        for target in users.sudo():
            if target.share:
                raise AccessError(_("%s is not an internal user.") % target.name)
            if companies - target.company_ids:
                raise AccessError(_("%(user)s does not work for %(company)s.") % {
                    'user': target.name,
                    'company': (companies - target.company_ids)[0].name})

    def _check_writable(self, leads):
        if leads is None:
            raise AccessError(_("Select the leads to route."))
        leads.check_access_rights('write')
        leads.check_access_rule('write')

    def _check_companies(self, companies):
        """The current user belongs to each of ``companies`` (records without company pass)."""
        foreign = companies - self.env.user.company_ids
        if foreign:
            raise AccessError(_("You cannot route leads of the company %s.") % foreign[0].name)

    @api.model
    def _led_teams(self):
        """Teams the current user leads."""
        # Team leadership is configuration a leader may not be able to search.
        return self.env['crm.team'].sudo().search([('user_id', '=', self.env.uid)])

    @api.model
    def _led_team_users(self, led=None):
        """Who works in the teams the current user leads (``led``): their routing members,
        core's members and the leaders; the people a team leader may assign to or share with.
        """
        led = self._led_teams() if led is None else led
        return led.mapped('routing_member_ids.user_id') | led.mapped('member_ids') \
            | led.mapped('user_id')

    @api.model
    def _get_wizard_lead_domain(self):
        """Which leads the mass assignment takes when it applies to every lead matching a
        search, added to that search (which runs with the caller's rights): a team leader's
        search is limited to the teams they lead, the only leads the gate lets them assign;
        'All Documents' users and managers take whatever their rights let them find."""
        user = self.env.user
        if user._is_superuser() or user.has_group('sales_team.group_sale_salesman_all_leads'):
            return []
        return [('team_id', 'in', self._led_teams().ids)]

    @api.model
    def _get_wizard_user_domain(self):
        """The people the mass assignment offers to the current user (a domain on res.users):
        internal users; for a team leader, those who work in the teams they lead. The wizard's
        checks stay the real test; this spares the leader choices that would be refused."""
        domain = [('share', '=', False)]
        user = self.env.user
        if user._is_superuser() or user.has_group('sales_team.group_sale_salesman_all_leads'):
            return domain
        return domain + [('id', 'in', self._led_team_users().ids)]

    @api.model
    def _get_wizard_team_domain(self):
        """The teams the mass assignment offers to the current user (a domain on crm.team):
        for a team leader, the teams they lead."""
        user = self.env.user
        if user._is_superuser() or user.has_group('sales_team.group_sale_salesman_all_leads'):
            return []
        return [('id', 'in', self._led_teams().ids)]

    @api.model
    def _check_wizard_targets(self, leads, users=None, teams=None, share_users=None):
        """What a person may do to ``leads`` through the mass assignment, beyond the gate:

        - a team leader assigns only leads of teams they lead, to members of those teams,
          keeping the leads in teams they lead (``teams``, the target teams, are checked);
        - sharing: internal users of the leads' companies; a team leader shares only with
          members of their teams.
        Managers and 'All Documents' users: users of the leads' companies.
        """
        user = self.env.user
        if user._is_superuser():
            return
        self._check_bulk_assigner()
        targets = (users or self.env['res.users']) | (share_users or self.env['res.users'])
        self._check_targets(leads, targets)
        if user.has_group('sales_team.group_sale_salesman_all_leads'):
            if teams:
                self._check_companies(teams.sudo().mapped('company_id'))
            return
        led = self._led_teams()
        self.env.cr.execute("""
            SELECT id FROM crm_lead
             WHERE id = ANY(%s) AND (team_id IS NULL OR team_id <> ALL(%s))
             ORDER BY id LIMIT 1
        """, (leads.ids, led.ids))
        outside = leads.browse([row[0] for row in self.env.cr.fetchall()])
        if outside:
            raise AccessError(_("You can only assign leads of the teams you lead; %s is not "
                                "one of them.") % outside.sudo().display_name)
        if teams and teams.sudo() - led:
            raise AccessError(_("You can only move leads to the teams you lead; %s is not one "
                                "of them.") % (teams.sudo() - led)[0].name)
        strangers = targets.sudo() - self._led_team_users(led)
        if strangers:
            raise AccessError(_("%s is not a member of the teams you lead.")
                              % strangers[0].name)

    # ------------------------------------------------------------------------------------------
    # Stage 2: lock
    # ------------------------------------------------------------------------------------------

    @contextmanager
    def _lock(self, mode):
        """Hold the routing lock for the run; yield False when another run holds it.

        Outside tests a run holds the lock at session level and commits once it has it: the
        transaction that reads loads then starts after the lock is held (REPEATABLE READ).
        The lock is released after the run's last commit, or with the connection if the
        process dies. Tests take it for their transaction, which never commits.
        """
        spec = MODES[mode]
        if spec.busy is None:
            yield True
            return
        cr = self.env.cr
        session = not _testing()
        wait = LOCK_WAIT_SECONDS if spec.busy in ('raise', 'leave') else 0.0
        if not self._lock_acquire(session, wait):
            yield False
            return
        if not session:
            yield True
            return
        try:
            # A new transaction, hence a snapshot taken with the lock held.
            cr.commit()  # pylint: disable=invalid-commit
            yield True
            # What the run wrote is committed before the next run may take the lock.
            cr.commit()  # pylint: disable=invalid-commit
        except Exception:
            cr.rollback()
            raise
        finally:
            cr.execute("SELECT pg_advisory_unlock(%s)", (ROUTING_LOCK_KEY,))

    def _lock_acquire(self, session, wait):
        """Try the lock, polling for ``wait`` seconds: a blocking wait would take the
        snapshot before the lock is held."""
        deadline = time.time() + wait
        while True:
            if session:
                self.env.cr.execute("SELECT pg_try_advisory_lock(%s)", (ROUTING_LOCK_KEY,))
            else:
                self.env.cr.execute("SELECT pg_try_advisory_xact_lock(%s)", (ROUTING_LOCK_KEY,))
            if self.env.cr.fetchone()[0]:
                return True
            if time.time() >= deadline:
                return False
            time.sleep(LOCK_POLL_SECONDS)

    # ------------------------------------------------------------------------------------------
    # The run
    # ------------------------------------------------------------------------------------------

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

    # ------------------------------------------------------------------------------------------
    # Stage 3: read
    # ------------------------------------------------------------------------------------------

    @api.model
    def _now(self):
        """The moment of a run (an Odoo datetime string, UTC): absences, working hours and
        quotas are those of this moment."""
        return fields.Datetime.now()

    @api.model
    def _get_lead_to_assign_domain(self):
        """Candidates: open leads and opportunities with no salesperson."""
        return self.env['crm.team']._get_lead_to_assign_domain()

    def _read(self, teams, leads, mode, result):
        """Candidates, their refreshed scores, team and member states: a fixed number of
        queries per run (one per team, member filter and scoring rule). None: no candidate."""
        write = MODES[mode].write
        Lead = self.env['crm.lead']
        now = self._now()
        base_domain = self._get_lead_to_assign_domain()
        if leads is not None:
            base_domain = base_domain + [('id', 'in', leads.ids)]
        candidates, company_of = self._read_candidates(base_domain)
        if not candidates:
            return None
        scores = self.env['crm.lead.scoring.rule']._routing_scores(base_domain, company_of)
        changed = {lead_id: scores[lead_id] for lead_id, stored
                   in zip(candidates.ids, candidates.scores) if stored != scores[lead_id]}
        if changed and write and self._filters_use_score(teams):
            # Filters read the stored score: store the refreshed ones before searching.
            Lead._routing_write_scores(changed)
            changed = {}
        candidates.rescore(scores)
        info = {}
        team_states, member_states, filters = self._read_states(
            teams, base_domain, scores, result, write, now=now, info=info, overflow=True)
        phase1_ids = self._read_phase1_ids(candidates)
        data = {
            'now': now,
            'leads': candidates,
            'changed': changed,
            'company_of': company_of,
            'phase1_ids': phase1_ids,
            'team_states': team_states,
            'member_states': member_states,
            'filters': filters,
            'skipped': info['skipped'],
            'overflow_teams': info['overflow_teams'],
            'overflow_states': info['overflow_states'],
            'overflow_fits': info['overflow_fits'],
            'fallback': info['fallback'],
            'waited': self._read_waited(candidates, phase1_ids, info['fallback'], now),
        }
        data['owners'] = self._read_owners(teams, data)
        return data

    def _read_candidates(self, base_domain):
        """The candidates as ``engine.Leads`` with their stored scores, oldest first (creation
        date, then id: the order the engine ranks equal scores in), and {lead_id:
        company_id}. Columns of numbers rather than a tuple per lead: a run over a million
        leads reads them in about 100 MB instead of 400."""
        rows = self.env['crm.lead']._routing_select(
            base_domain, ['id', 'team_id', 'score', 'company_id'],
            order='"crm_lead"."create_date" NULLS FIRST, "crm_lead"."id"')
        return engine.Leads(rows), {row[0]: row[3] for row in rows}

    def _read_states(self, teams, base_domain, scores, result, write, now=None, info=None,
                     overflow=False, team_candidates=None):
        """Team and member states: one search per team and per distinct member filter (and
        company), one load query, and the members' availability in a fixed number of queries
        whatever the number of members (``crm.team.member._routing_availability``: resources,
        leaves, attendances).

        Members absent now, and members outside their working hours in a team that routes
        during working hours only, are left out; the others are capped by their quota (their
        capacity pro-rated for recent leave days) and weighted. A team whose members are all
        left out so is marked unavailable: phase 1 ranks it last.

        ``info``, a dict when given, receives what reasons and fallback need: ``skipped``
        {team_id: [(cause, member, detail)]} the members left out and why; with ``overflow``,
        ``overflow_teams`` the overflow teams of ``teams`` (two levels at most, taking part:
        active, not opted out), ``overflow_states`` the states of their members when the team
        is not among ``teams``, ``overflow_fits`` {member_id: leads the member's own filter
        accepts, None: no filter} (in an overflow team the team's filter does not apply) and
        ``fallback`` {team_id: routing.fallback.FallbackTeam}.

        ``team_candidates``, when given, is {team_id: lead ids}: a team's filter is then
        searched among its own candidates only (the SLA keeps a lead in its team), a short
        list instead of all of the run's.
        """
        now = now or self._now()
        info = info if info is not None else {}
        Team = self.env['crm.team']
        overflow_teams = self._overflow_teams(teams) if overflow else Team
        all_teams = teams | overflow_teams
        members = self.env['crm.team.member'].search([('team_id', 'in', all_teams.ids)])
        availability = members._routing_availability(fields.Datetime.from_string(now))
        loads = all_teams._routing_member_loads()
        waiting = teams._routing_waiting_counts()
        team_states, member_states, filters = [], [], {}
        skipped = info.setdefault('skipped', {})
        overflow_states = info.setdefault('overflow_states', [])
        overflow_fits = info.setdefault('overflow_fits', {})
        # Members with the same filter in teams of the same company share one search: the
        # leads among the candidates that it accepts (team AND member = the intersection).
        member_fits_of = {}
        for team in all_teams:
            routed = team in teams
            company = [('company_id', '=', team.company_id.id)] if team.company_id else []
            team_domain, fits = [], None
            if routed:
                try:
                    team_domain = parse_domain(team.assignment_domain)
                    self._check_filter_fields(team_domain, rights=False)
                    if team_candidates is None:
                        fits = self._search(base_domain + company + team_domain)
                    elif team_candidates.get(team.id):
                        fits = self._search([('id', 'in', sorted(team_candidates[team.id]))]
                                            + company + team_domain)
                    else:
                        fits = set()  # no candidate in this team: nothing to search
                except Exception as error:
                    self._report_error(team, _("Team %(team)s skipped: its filter is invalid "
                                               "(%(error)s).") % {
                        'team': team.display_name, 'error': self._filter_error_text(error)},
                        result, write)
                    continue
            capacity = 0
            team_load = waiting.get(team.id, 0) if routed else 0
            filters[team.id] = (team, team.assignment_domain or '[]')
            left_out = skipped.setdefault(team.id, [])
            present = 0
            for member in members.filtered(lambda m: m.team_id == team):
                count, last = loads.get((team.id, member.user_id.id), (0, None))
                team_load += count
                state = availability[member.id]
                if member.assignment_optout:
                    left_out.append(('paused', member, None))
                    continue
                capacity += state.quota
                if state.quota <= 0:
                    left_out.append(('full', member, (count, state.quota)))
                    continue
                if state.absent_until:
                    left_out.append(('absent', member, state.absent_until))
                    continue
                if team.assignment_hours_only and state.off_hours:
                    left_out.append(('off_hours', member, None))
                    continue
                try:
                    member_domain = parse_domain(member.assignment_domain)
                    self._check_filter_fields(member_domain, rights=False)
                    # No filter of their own: the team's filter applies (no extra search).
                    # In an overflow team the member's own filter alone applies.
                    own = None
                    if member_domain:
                        key = (team.company_id.id, repr(member_domain))
                        if key not in member_fits_of:
                            member_fits_of[key] = self._search(
                                base_domain + company + member_domain)
                        own = member_fits_of[key]
                    member_fits = fits & own if routed and own is not None else None
                    if team in overflow_teams:
                        overflow_fits[member.id] = own
                except Exception as error:
                    self._report_error(team, _(
                        "Member %(user)s of team %(team)s skipped: their filter is invalid "
                        "(%(error)s).") % {'user': member.user_id.display_name,
                                           'team': team.display_name,
                                           'error': self._filter_error_text(error)},
                        result, write)
                    continue
                filters[('member', member.id)] = (member, member.assignment_domain or '[]')
                present += 1
                member_state = engine.MemberState(
                    member.id, team.id, member.user_id.id, state.quota, count, last,
                    member_fits if routed else overflow_fits[member.id],
                    weight=member.assignment_weight)
                (member_states if routed else overflow_states).append(member_state)
            if routed and capacity > 0:
                low, high = team.assignment_score_min, team.assignment_score_max
                entry = engine.IdSet(lead_id for lead_id in fits if scores[lead_id] >= low
                                     and (not high or scores[lead_id] < high))
                if len(entry) == len(fits):
                    entry = fits  # the band keeps every lead: one set for both
                team_states.append(engine.TeamState(
                    team.id, team.sequence, capacity, team_load, entry, fits,
                    available=bool(present)))
        info['overflow_teams'] = overflow_teams
        info['fallback'] = self._fallback_settings(all_teams, overflow_teams)
        return team_states, member_states, filters

    def _overflow_teams(self, teams):
        """The overflow teams of ``teams`` that take part (active, not opted out), followed
        two levels down at most (a chain holds three teams)."""
        found = self.env['crm.team']
        level = teams
        for _level in range(fallback.MAX_CHAIN - 1):
            level = level.mapped('assignment_fallback_team_id').filtered(
                lambda team: team.active and not team.assignment_optout) - found
            if not level:
                break
            found |= level
        return found

    def _fallback_settings(self, teams, overflow_teams):
        """{team_id: FallbackTeam} of the teams with an overflow team or a fallback salesperson,
        and of the overflow teams (which must be there to be used)."""
        settings = {}
        for team in teams:
            target = team.assignment_fallback_team_id
            user = team.assignment_fallback_user_id
            target_id = target.id if target in overflow_teams else None
            user_id = user.id if user.active and not user.share else None
            if target_id or user_id or team in overflow_teams:
                settings[team.id] = fallback.FallbackTeam(team.id, target_id, user_id,
                                                          team.assignment_fallback_hours)
        return settings

    def _read_waited(self, lead_rows, phase1_ids, settings, now):
        """{lead_id: hours waited in its team} of the candidates waiting in a team with a
        fallback: since its last ``team`` (or ``manual``) log row of that team, else since its
        creation. One query. Leads entering a team in this run wait from now (not listed)."""
        waiting_teams = {team_id for team_id, team in settings.items()
                         if team.fallback_team_id or team.fallback_user_id}
        if not waiting_teams:
            return {}
        lead_ids = [row[0] for row in lead_rows
                    if row[1] in waiting_teams and row[0] not in phase1_ids]
        if not lead_ids:
            return {}
        self.env.cr.execute("""
            SELECT lead.id, coalesce((SELECT max(log.date) FROM crm_lead_assignment_log log
                                       WHERE log.lead_id = lead.id AND log.team_id = lead.team_id
                                         AND log.kind IN ('team', 'manual')),
                                     lead.create_date)
              FROM crm_lead lead WHERE lead.id = ANY(%s)
        """, (lead_ids,))
        now_dt = fields.Datetime.from_string(now)
        return {lead_id: max((now_dt - fields.Datetime.from_string(since)).total_seconds(), 0.0)
                / 3600.0 for lead_id, since in self.env.cr.fetchall() if since}

    def _search(self, domain):
        """Ids of the leads matching a routing filter, as an ``engine.IdSet`` (a few bytes an
        id: a run holds one per team and member filter). In a savepoint: a filter that fails
        in the database (a wrong value type, say) must not abort the whole run."""
        with self.env.cr.savepoint():
            # Rows come mostly in id order already: sorting them costs little.
            return engine.IdSet(sorted(self.env['crm.lead']._routing_select(
                domain, ['id'], flat=True)))

    def _read_phase1_ids(self, lead_rows):
        """Candidates waiting for a team: no team, or a team that neither routes nor opts out
        (an ``engine.IdSet``: often every candidate)."""
        team_ids = {row[1] for row in lead_rows if row[1]}
        staying = set()
        if team_ids:
            self.env.cr.execute("""
                SELECT t.id FROM crm_team t
                 WHERE t.id IN %s
                   AND (t.assignment_optout
                        OR EXISTS (SELECT 1 FROM crm_team_member m
                                    WHERE m.team_id = t.id AND m.active))
            """, (tuple(team_ids),))
            staying = {row[0] for row in self.env.cr.fetchall()}
        return engine.IdSet(sorted(row[0] for row in lead_rows
                                   if not row[1] or row[1] not in staying))

    def _filters_use_score(self, teams):
        """Whether a team or member filter of this run reads the lead score."""
        texts = teams.mapped('assignment_domain') \
            + teams.mapped('routing_member_ids.assignment_domain')
        return any('score' in (text or '') for text in texts)

    def _report_error(self, team, message, result, write):
        """A bad filter skips its team or member: say so in the server log and, when the run
        writes, in the team's chatter (once, not at every run)."""
        _logger.error("Lead routing: %s", message)
        result.errors.append(message)
        if not write:
            return
        body = html_escape(message)
        last = self.env['mail.message'].search(
            [('model', '=', team._name), ('res_id', '=', team.id)], limit=1, order='id desc')
        if last.body != '<p>%s</p>' % body:
            team.message_post(body=body, subtype='mail.mt_note')

    # ------------------------------------------------------------------------------------------
    # Stage 4: decide
    # ------------------------------------------------------------------------------------------

    def _decide(self, data):
        """The decisions, in plain Python: ``routing.owner`` first when a team of the run routes
        to existing owners, ``routing.engine`` (phases 1 and 2), then ``routing.fallback``."""
        if data.get('owners'):
            decisions = self._decide_owners(data)
        else:
            decisions = engine.route(data['leads'], data['phase1_ids'], data['team_states'],
                                     data['member_states'], data['now'],
                                     decisions=engine.Decisions())
        return self._decide_fallback(data, decisions)

    def _decide_fallback(self, data, decisions):
        """Leads no member could take, waiting long enough in a team with a fallback: to the
        overflow team and its members, then to the fallback salesperson
        (``routing.fallback``). Their waiting decisions are replaced by the fallback's."""
        settings = data.get('fallback')
        data['fallback_origin'] = {}
        if not settings:
            return decisions
        waiting = {d.lead_id: d.team_id for d in decisions
                   if d.kind == 'unassigned' and d.why == 'no_member' and d.team_id in settings}
        if not waiting:
            return decisions
        leads = [(row[0], waiting[row[0]], row[2], row[3]) for row in data['leads']
                 if row[0] in waiting]
        members = {}
        for state in data['member_states'] + data['overflow_states']:
            members.setdefault(state.team_id, []).append(state)
        replaced, origin = fallback.route(leads, settings, members, data['overflow_fits'],
                                          data['waited'], data['now'])
        data['fallback_origin'] = origin
        if not replaced:
            return decisions
        result = engine.Decisions()
        for decision in decisions:
            if decision.kind == 'unassigned' and decision.lead_id in replaced:
                result.extend(replaced[decision.lead_id])
            else:
                result.append(decision)
        return result

    def _release_decided(self, data):
        """Let go of what only the decision needed (the candidates, their scores, the leads
        each team may take), before the writes: a run over 1,000,000 leads holds several
        hundred MB of it. The members' own filters stay: reasons name whose filter refused a
        waiting lead."""
        for key in ('leads', 'phase1_ids', 'waited'):
            data[key] = None
        for state in data['team_states']:
            state.entry = state.fits = None

    def _reason_formatter(self, teams, data):
        """A function giving the reason of a decision: a node of ``routing.reasons``, which the
        log writes out in each reader's language. Teams are read once per run, not per lead."""
        filters, member_states = data['filters'], data['member_states']
        overflow_states = data.get('overflow_states', [])
        origin = data.get('fallback_origin', {})
        capacity = {state.id: state.capacity for state in data['team_states']}
        all_teams = teams | data.get('overflow_teams', teams.browse())
        team_values = {team.id: {
            'team': team.name,
            'filter': filter_node(filters.get(team.id, (None, team.assignment_domain))[1]),
            'low': '%g' % team.assignment_score_min,
            'high': ('%g' % team.assignment_score_max) if team.assignment_score_max else '∞',
            'capacity': capacity.get(team.id, 0),
        } for team in all_teams}
        states = member_states + overflow_states
        users = {user.id: user.name for user in
                 self.env['res.users'].browse({m.user_id for m in states})}
        member_values = {state.id: {
            'user': users[state.user_id],
            'filter': filter_node(filters[('member', state.id)][1]),
            'capacity': state.capacity,
        } for state in states}
        waiting_text = self._waiting_members_text(data)

        def reason(decision):
            values = dict(team_values.get(decision.team_id, {}),
                          score='%g' % (decision.score or 0.0), load=decision.load)
            key = decision.kind if decision.kind != 'unassigned' else decision.why
            if decision.rule in ('fallback_team', 'fallback_user'):
                key = decision.rule
                origin_team, waited = origin.get(decision.lead_id, (None, 0.0))
                values.update(origin=team_values.get(origin_team, {}).get('team', ''),
                              waited='%.1f' % waited)
                if decision.rule == 'fallback_user':
                    values['user'] = self.env['res.users'].browse(decision.user_id).name
            elif decision.kind == 'member':
                values.update(member_values[decision.member_id])
            elif key == 'no_member':
                values['members'] = waiting_text(decision)
                if not values['members']:
                    key = 'no_member_empty'
            return reason_text(key, **values)
        return self._owner_reason_formatter(reason, teams, data)

    def _waiting_members_text(self, data):
        """A function naming, for a lead no member of its team could take, the members and why
        each could not ("Bình: on leave until 03/12; Cường: outside working hours; Dũng:
        15/15"), at most ``REASON_MAX_MEMBERS`` of them. What does not depend on the lead is
        put together once per team; a text is made once per team and set of members whose
        filter refuses the lead."""
        rank = {'absent': 0, 'off_hours': 1, 'full': 2, 'filter': 3, 'paused': 4}

        skipped = data.get('skipped', {})
        present = {}
        for state in data['member_states'] + data.get('overflow_states', []):
            present.setdefault(state.team_id, []).append(state)
        # Names and time zones of everyone named, read at once (not member by member).
        users = self.env['res.users'].browse(
            {state.user_id for states in present.values() for state in states}
            | {member.user_id.id for entries in skipped.values() for _c, member, _d in entries})
        names = {user.id: user.name for user in users}
        user_tz = {user.id: user.tz for user in users}
        teams = self.env['crm.team'].browse(list(skipped))
        company_tz = {team.id: team.company_id.partner_id.tz for team in teams}

        def back_on(member, until):
            tz = user_tz[member.user_id.id] or company_tz.get(member.team_id.id) or 'UTC'
            moment = pytz.utc.localize(until).astimezone(pytz.timezone(tz))
            return moment.strftime('%d/%m' if moment.time() == datetime_time() else
                                   '%d/%m %H:%M')

        static = {}
        for team_id, entries in skipped.items():
            static[team_id] = []
            for cause, member, detail in entries:
                values = {'user': names[member.user_id.id]}
                if cause == 'absent':
                    values['date'] = back_on(member, detail)
                elif cause == 'full':
                    values['count'], values['quota'] = detail
                static[team_id].append((rank[cause], member.id,
                                        reason_text('member_' + cause, **values)))
        overflow_fits = data.get('overflow_fits', {})
        origin = data.get('fallback_origin', {})
        memo = {}

        def text(decision):
            team_id = decision.team_id
            moved = decision.lead_id in origin
            states = present.get(team_id, ())
            refused = frozenset(
                state.id for state in states
                if (overflow_fits.get(state.id) if moved else state.fits) is not None
                and decision.lead_id not in (overflow_fits.get(state.id) if moved
                                             else state.fits))
            key = (team_id, moved, refused)
            if key not in memo:
                entries = list(static.get(team_id, ()))
                for state in states:
                    values = {'user': names[state.user_id], 'count': state.count,
                              'quota': state.capacity}
                    if state.id in refused:
                        entries.append((rank['filter'], state.id,
                                        reason_text('member_filter', **values)))
                    elif state.count >= state.capacity:
                        entries.append((rank['full'], state.id,
                                        reason_text('member_full', **values)))
                entries.sort()
                listed = [entry[2] for entry in entries[:REASON_MAX_MEMBERS]]
                if len(entries) > REASON_MAX_MEMBERS:
                    listed.append(reason_text('more', count=len(entries) - REASON_MAX_MEMBERS))
                memo[key] = join('; ', listed) if listed else ''
            return memo[key]
        return text

    def _member_totals(self, teams, decisions, data):
        """RoutingResult.members: each member of ``teams`` with what the run gave them, their
        30-day count after it against their quota, and why they took nothing (paused, on
        leave, off hours, full)."""
        team_ids = set(teams.ids)
        given = Counter((d.team_id, d.user_id) for d in decisions if d.kind == 'member')
        rows = []
        for state in data['member_states']:
            if state.team_id not in team_ids:
                continue
            got = given[(state.team_id, state.user_id)]
            why = None
            if not got and state.count >= state.capacity:
                why = reason_text('status_full', count=state.count, quota=state.capacity)
            rows.append((state.team_id, state.user_id, got, state.count, state.capacity, why))
        for team_id, entries in data.get('skipped', {}).items():
            if team_id not in team_ids:
                continue
            for cause, member, detail in entries:
                values, count, quota = {}, None, None
                if cause == 'absent':
                    # In the member's time zone, as their waiting reasons say it.
                    user = member.user_id
                    values['date'] = fields.Datetime.context_timestamp(
                        user.with_context(tz=user.tz), detail).strftime('%d/%m %H:%M')
                elif cause == 'full':
                    count, quota = detail
                    values['count'], values['quota'] = detail
                rows.append((team_id, member.user_id.id, 0, count, quota,
                             reason_text('status_' + cause, **values)))
        return rows

    # ------------------------------------------------------------------------------------------
    # Stage 5: write
    # ------------------------------------------------------------------------------------------

    def _write(self, teams, decisions, reason, data, commit):
        """Write the decisions in batches: leads (with their refreshed scores), followers,
        log rows. The cron commits each batch, on parallel connections when
        ``crm_team_routing.parallel_writers`` allows it and there is more than one batch (see
        ``_write_parallel``). Returns False when the run stopped before its end."""
        now = data['now']
        # Refreshed scores not written yet: each batch takes those of its leads.
        scores = data['changed']
        # Who follows what is read once for the run, not once per batch.
        subscriptions = self.env['mail.followers']._routing_subscriptions(
            {d.team_id for d in decisions if d.kind in ('team', 'member')},
            {d.user_id for d in decisions if d.kind == 'member'})
        groups = engine.LeadGroups(decisions)
        batches = self._batches(decisions, groups, reason, data['company_of'], scores)
        # One batch gains nothing from a second connection.
        writers = self._parallel_writers() \
            if commit and not _testing() and len(groups) > ROUTING_BATCH_SIZE else 1
        if writers > 1:
            self._write_parallel(batches, subscriptions, now, writers)
        else:
            for batch in batches:
                self._write_batch(batch, subscriptions, now)
                if commit and not _testing():
                    # Each batch is a consistent unit (leads, followers, log rows): a run
                    # killed later keeps what is done and the next run finishes the rest.
                    self.env.cr.commit()  # pylint: disable=invalid-commit
        # Candidates no decision concerns (waiting in a team that routes none of them).
        self.env['crm.lead']._routing_write_scores(scores)
        # Once per run, not per batch: values computed from the leads before it (the teams'
        # counters, say) are stale now.
        self.invalidate_cache()  # the whole cache: SQL wrote leads, followers, logs
        return True

    def _batches(self, decisions, groups, reason, company_of, scores):
        """The decisions as batches of plain data, ready to be written anywhere: leads to
        teams and to salespeople, log rows (with their reasons), refreshed scores (taken out
        of ``scores``). ``groups``: the positions of each lead's decisions
        (``engine.LeadGroups``), leads in the order of their first decision. A batch's log
        rows and reasons are made when the batch is: the run never holds them all."""
        last_kind = self.env['crm.lead']._routing_last_log_kinds(
            [d.lead_id for d in decisions if d.kind == 'unassigned'])
        for start in range(0, len(groups), ROUTING_BATCH_SIZE):
            batch = RoutingBatch({}, {}, [], {})
            for group in range(start, min(start + ROUTING_BATCH_SIZE, len(groups))):
                lead_decisions = [decisions[position] for position in groups[group]]
                lead_id = lead_decisions[0].lead_id
                if lead_id in scores:
                    batch.scores[lead_id] = scores.pop(lead_id)
                for decision in lead_decisions:
                    if decision.kind == 'member':
                        batch.to_user[lead_id] = (decision.team_id, decision.user_id)
                        batch.to_team.pop(lead_id, None)
                    elif decision.kind == 'team':
                        batch.to_team[lead_id] = decision.team_id
                    elif last_kind.get(lead_id) == 'unassigned' and len(lead_decisions) == 1:
                        continue  # said already, and nothing changed since
                    batch.logs.append((lead_id, decision.team_id, decision.user_id,
                                       decision.kind, reason(decision), company_of[lead_id],
                                       self._decision_rule(decision)))
            yield batch

    def _write_batch(self, batch, subscriptions, now):
        """Write one batch in the current transaction: leads, followers, scores, log rows."""
        Lead = self.env['crm.lead']
        written = Lead._routing_write_assignment(batch.to_team, batch.to_user, now,
                                                 scores=batch.scores, subscriptions=subscriptions)
        Lead._routing_write_scores({lead_id: score for lead_id, score in batch.scores.items()
                                    if lead_id not in written})
        # A lead taken by someone else meanwhile was not written: nothing was decided here.
        self.env['crm.lead.assignment.log']._routing_insert(
            [row for row in batch.logs if row[3] == 'unassigned' or row[0] in written], now)

    @api.model
    def _parallel_writers(self):
        """Connections the cron writes its batches on (``crm_team_routing.parallel_writers``,
        default 2, at most 8; 1, or a value that is not a number, writes them one after the
        other on the cron's own connection)."""
        value = self.env['ir.config_parameter'].get_param(
            'crm_team_routing.parallel_writers', '2')
        try:
            return min(max(int(value), 1), 8)
        except ValueError:
            _logger.warning("crm_team_routing.parallel_writers is not a number: %r", value)
            return 1

    def _write_parallel(self, batches, subscriptions, now, writers):
        """Cron only: write the batches on ``writers`` connections of their own, each batch
        committed as one unit, while this thread prepares the next ones. Most of a run is
        PostgreSQL work (index entries, foreign key checks of followers and log rows): batches
        touch different leads, so several database processes do it side by side.

        This connection keeps the routing lock (session level) meanwhile and writes nothing:
        what it wrote before (refreshed scores, error notes) is committed first, so no writer
        waits on it. It commits again at the end, to see what the writers wrote. A batch that
        fails stops the run: the batches not started yet are cancelled, those running finish,
        every failure is logged and the first one raised. The batches committed stay, and the
        next run routes what is left.
        """
        self.env.cr.commit()  # pylint: disable=invalid-commit
        registry, uid, context = self.env.registry, self.env.uid, self.env.context

        def write(batch):
            threading.current_thread().dbname = registry.db_name  # for Odoo's log lines
            try:
                with api.Environment.manage(), registry.cursor() as cr:  # commits on success
                    env = api.Environment(cr, uid, context)
                    env[self._name]._write_batch(batch, subscriptions, now)
            except Exception:
                _logger.exception("Lead routing: a batch of %d leads failed",
                                  len(batch.to_team) + len(batch.to_user))
                raise

        pending = deque()
        with ThreadPoolExecutor(max_workers=writers) as pool:
            try:
                for batch in batches:
                    pending.append(pool.submit(write, batch))
                    # A few batches ahead, not the whole run in memory.
                    while len(pending) > 2 * writers:
                        pending.popleft().result()
                while pending:
                    pending.popleft().result()
            except Exception:
                for future in pending:
                    future.cancel()
                raise
        # A new transaction, to see what the writers committed: the digests are made from it.
        self.env.cr.commit()  # pylint: disable=invalid-commit

    # ------------------------------------------------------------------------------------------
    # Stage 6: notify
    # ------------------------------------------------------------------------------------------

    def _notify(self, commit):
        """One message per salesperson listing their new leads (and those a killed run left);
        see ``crm.lead.assignment.log._routing_send_digests``."""
        self.env['crm.lead.assignment.log']._routing_send_digests(DIGEST_MAX_LINES)
        if commit and not _testing():
            # Digests leave only through the mail queue, in this same transaction: a run
            # killed before this commit sent none, and the next run sends them all.
            self.env.cr.commit()  # pylint: disable=invalid-commit

    # ------------------------------------------------------------------------------------------
    # SLA take-back (mode 'sla'): read, decide (``routing.sla``), write, notify
    # ------------------------------------------------------------------------------------------

    def _run_sla(self, teams, result):
        data = self._read_sla(teams, result)
        if data is None:
            return
        decisions = sla.decide(data['leads'], data['members'], data['fits'], data['held_by'],
                               {team.id: team.assignment_sla_max for team in teams}, data['now'])
        for decision in decisions:
            if decision.user_id:
                result.user_counts[decision.user_id] += 1
            else:
                result.unassigned += 1
        result.total_decisions += len(decisions)
        written = self._write_sla(teams, decisions, data)
        self._notify_sla(teams, decisions, written, data)
        if not _testing():
            # One unit: the take-backs, their followers and log rows, and the notes to the
            # previous salespeople and leaders (a run killed later loses none of them; the
            # next run's digest lists the leads). Committed before the digests mark the rows
            # notified: updating rows its own transaction inserted, PostgreSQL would check each
            # of their foreign keys again (0.4 s for 10,000 take-backs).
            self.env.cr.commit()  # pylint: disable=invalid-commit
        self._notify(commit=True)

    def _read_sla(self, teams, result):
        """Overdue leads in one indexed query, who held them, the members' states and, for
        teams counting working hours, each salesperson's clock. None: nothing overdue."""
        now = self._now()
        teams = teams.filtered('assignment_sla_hours')
        if not teams:
            return None
        cr = self.env.cr
        # Given by routing or a take-back (the last log row), older than the delay, not
        # followed up since; with everyone who held them (salespeople of the lead's log rows
        # and those it was taken from), read from the same log rows. The shortest delay of
        # the teams bounds the assignment date by a constant: PostgreSQL reads the old
        # assignments of each team by index instead of every open lead of the teams.
        cr.execute("""
            SELECT lead.id, lead.team_id, lead.user_id, lead.assignment_date,
                   coalesce(lead.sla_reassign_count, 0), lead.company_id, last.kind, last.user_id,
                   last.holders
              FROM crm_lead lead
              JOIN crm_team team ON team.id = lead.team_id
              JOIN LATERAL (SELECT (array_agg(log.kind ORDER BY log.id DESC))[1] AS kind,
                                   (array_agg(log.user_id ORDER BY log.id DESC))[1] AS user_id,
                                   array_agg(log.user_id) || array_agg(log.previous_user_id)
                                       AS holders
                              FROM crm_lead_assignment_log log
                             WHERE log.lead_id = lead.id) last
                ON last.kind IN ('member', 'sla')
             WHERE lead.team_id = ANY(%(teams)s) AND lead.user_id IS NOT NULL
               AND lead.active AND lead.probability < 100
               AND lead.assignment_date < %(now)s::timestamp - %(shortest)s * interval '1 hour'
               AND lead.assignment_date < %(now)s::timestamp
                                          - team.assignment_sla_hours * interval '1 hour'
               AND (lead.last_followup_date IS NULL
                    OR lead.last_followup_date < lead.assignment_date)
        """, {'teams': teams.ids, 'now': now,
              'shortest': min(teams.mapped('assignment_sla_hours'))})
        rows = cr.fetchall()
        held_by = {row[0]: set(row[8]) - {None} for row in rows}
        rows = [row[:8] for row in rows]
        by_team = {team.id: team for team in teams}
        rows = self._sla_working_hours(rows, by_team, now)
        if not rows:
            return None
        lead_ids = [row[0] for row in rows]
        base_domain = [('id', 'in', lead_ids)]
        scores = dict.fromkeys(lead_ids, 0.0)
        # A lead stays in its team: each team's filter is searched among its own leads.
        team_candidates = {}
        for row in rows:
            team_candidates.setdefault(row[1], []).append(row[0])
        team_states, member_states, filters = self._read_states(
            teams, base_domain, scores, result, True, now=now, team_candidates=team_candidates)
        members = {}
        for state in member_states:
            members.setdefault(state.team_id, []).append(state)
        return {
            'now': now,
            'leads': [sla.SlaLead(row[0], row[1], row[2], row[3], row[4]) for row in rows],
            'rows': {row[0]: row for row in rows},
            'held_by': held_by,
            'members': members,
            'fits': {state.id: state.fits for state in team_states},
            'filters': filters,
        }

    def _sla_working_hours(self, rows, teams, now):
        """Keep the rows overdue in working hours for teams that count only those: the
        salesperson's calendar (their company's working hours) without their leaves, in their
        time zone. A fixed number of queries, whatever the number of leads."""
        counted = {team_id for team_id, team in teams.items()
                   if team.assignment_sla_working_hours}
        if not counted or not any(row[1] in counted for row in rows):
            return rows
        user_ids = {row[2] for row in rows if row[1] in counted}
        start = min(row[3] for row in rows if row[1] in counted)
        clocks = self._work_clocks(user_ids, teams, start, now)
        now_dt = fields.Datetime.from_string(now)
        kept = []
        for row in rows:
            if row[1] in counted:
                clock = clocks.get((row[1], row[2]))
                worked = clock.seconds(fields.Datetime.from_string(row[3]), now_dt) \
                    if clock else 0.0
                if worked < teams[row[1]].assignment_sla_hours * 3600:
                    continue
            kept.append(row)
        return kept

    def _work_clocks(self, user_ids, teams, start, end):
        """{(team_id, user_id): WorkClock} over [start, end]: the attendances of the
        salesperson's working hours in the team (their membership's resource calendar; the
        team's company calendar when they are no member any more), minus their leaves and the
        calendar's public holidays. A fixed number of queries."""
        users = self.env['res.users'].browse(list(user_ids))
        start_dt, end_dt = fields.Datetime.from_string(start), fields.Datetime.from_string(end)
        members = self.env['crm.team.member'].with_context(active_test=False).search([
            ('team_id', 'in', list(teams)), ('user_id', 'in', users.ids)])
        member_of = {(member.team_id.id, member.user_id.id): member for member in members}
        resources = members.mapped('resource_id')
        calendars = members.mapped('resource_calendar_id') \
            | self.env['crm.team'].browse(list(teams)).mapped('company_id.resource_calendar_id')
        leaves = self.env['resource.calendar.leaves'].search([
            ('date_from', '<', end), ('date_to', '>', start),
            '|', ('resource_id', 'in', resources.ids),
            '&', ('resource_id', '=', False), ('calendar_id', 'in', calendars.ids)])
        attendances = {calendar.id: [(int(a.dayofweek), a.hour_from, a.hour_to)
                                     for a in calendar.attendance_ids]
                       for calendar in calendars}
        clocks = {}
        for team_id, team in teams.items():
            for user in users:
                member = member_of.get((team_id, user.id))
                calendar = member.resource_calendar_id if member and member.resource_id \
                    else team.company_id.resource_calendar_id
                if not calendar:
                    continue
                resource = member.resource_id if member else resources.browse()
                holes = [(fields.Datetime.from_string(leave.date_from),
                          fields.Datetime.from_string(leave.date_to)) for leave in leaves
                         if (resource and leave.resource_id == resource)
                         or (not leave.resource_id and leave.calendar_id == calendar)]
                tz = user.tz or team.company_id.partner_id.tz or 'UTC'
                clocks[(team_id, user.id)] = WorkClock(attendances[calendar.id], tz, holes,
                                                       start_dt, end_dt)
        return clocks

    def _write_sla(self, teams, decisions, data):
        """Take-backs, guarded: a lead touched, reassigned, won or lost since it was read is
        left alone. Stays are logged once per lead. Returns the ids taken back."""
        now, rows = data['now'], data['rows']
        Lead = self.env['crm.lead']
        moves = [d for d in decisions if d.user_id]
        written = Lead._routing_write_takeback(
            [(d.lead_id, d.user_id, d.previous_user_id, rows[d.lead_id][3]) for d in moves],
            now)
        if written:
            subscriptions = self.env['mail.followers']._routing_subscriptions(
                set(), {d.user_id for d in moves})
            self.env['mail.followers']._routing_subscribe(
                [(d.lead_id, None, d.user_id) for d in moves if d.lead_id in written],
                subscriptions)
            Lead.browse(list(written))._routing_unfollow_previous(
                {d.lead_id: d.previous_user_id for d in moves})
        reason = self._sla_reason_formatter(teams, data)
        log_rows, previous = [], {}
        for decision in decisions:
            row = rows[decision.lead_id]
            if decision.user_id:
                if decision.lead_id not in written:
                    continue
            elif row[6] == 'sla' and not row[7]:
                continue  # said already: the leader was told at an earlier run
            log_rows.append((decision.lead_id, decision.team_id, decision.user_id, 'sla',
                             reason(decision), row[5]))
            previous[decision.lead_id] = decision.previous_user_id
        self.env['crm.lead.assignment.log']._routing_insert(log_rows, now, notify=True,
                                                            previous=previous)
        self.invalidate_cache()  # the whole cache: SQL wrote leads, followers, logs
        data['told'] = {row[0] for row in log_rows if not row[2]}
        return written

    def _sla_reason_formatter(self, teams, data):
        """A function giving the reason of a take-back decision (a ``routing.reasons`` node)."""
        # Read once, not per lead: the teams' settings, the people's names, and each local
        # date (a run takes back many leads given at the same moment by the same person).
        settings = {team.id: ('%g' % team.assignment_sla_hours, team.assignment_sla_max)
                    for team in teams}
        user_ids = {d for row in data['rows'].values() for d in (row[2],)}
        user_ids |= {state.user_id for states in data['members'].values() for state in states}
        # Only the fields used: reading every field of res.users computes each of its fields
        # inherited from the partner, user by user.
        users = {user.id: user for user in self.env['res.users'].with_context(
            prefetch_fields=False).browse(list(user_ids))}
        names = {user_id: user.name for user_id, user in users.items()}
        dates = {}

        def local(date, user_id):
            """``date`` in the time zone of the salesperson it concerns."""
            if (date, user_id) not in dates:
                moment = pytz.utc.localize(fields.Datetime.from_string(date)).astimezone(
                    pytz.timezone(users[user_id].tz or 'UTC'))
                dates[(date, user_id)] = moment.strftime('%d/%m %H:%M')
            return dates[(date, user_id)]

        def reason(decision):
            hours, maximum = settings[decision.team_id]
            return reason_text('sla_' + (decision.why or 'moved'), **{
                'hours': hours,
                'user': names[decision.previous_user_id],
                'date': local(data['rows'][decision.lead_id][3], decision.previous_user_id),
                'number': decision.number,
                'max': maximum,
                'new': names[decision.user_id] if decision.user_id else '',
            })
        return reason

    def _sla_note_title(self, previous, team):
        """The first line of a take-back note, in the language of the context (its reader's):
        to ``previous``, the salesperson leads were taken back from, or (None) to the leader."""
        if previous is None:
            return _("Not followed up in time, and not taken back: decide for these leads:")
        return _("Taken back from %(user)s (not followed up within %(hours)s h):") % {
            'user': previous.name, 'hours': '%g' % team.assignment_sla_hours}

    def _notify_sla(self, teams, decisions, written, data):
        """One note per run to each previous salesperson listing the leads taken back from
        them, and one to each team leader listing the leads newly left to them."""
        by_team = {team.id: team for team in teams}
        taken, told = {}, {}
        for decision in decisions:
            if decision.user_id and decision.lead_id in written:
                taken.setdefault((decision.previous_user_id, decision.team_id),
                                 []).append(decision.lead_id)
            elif not decision.user_id and decision.lead_id in data.get('told', ()):
                told.setdefault(decision.team_id, []).append(decision.lead_id)
        # The names the notes list, in one query: name_get would read every field of
        # thousands of leads (as the digests, which read names with their rows).
        self.env.cr.execute("SELECT id, name FROM crm_lead WHERE id = ANY(%s)", (
            [lead_id for lead_ids in list(taken.values()) + list(told.values())
             for lead_id in lead_ids[:DIGEST_MAX_LINES]],))
        names = dict(self.env.cr.fetchall())
        # The previous salespeople read together, and only the fields the notes use.
        users = {user.id: user for user in self.env['res.users'].with_context(
            prefetch_fields=False).browse(sorted({user_id for user_id, _team_id in taken}))}
        notes = []
        for (user_id, team_id), lead_ids in sorted(taken.items()):
            user = users[user_id]
            notes.append((by_team[team_id], user, self.with_context(
                lang=user.lang)._sla_note_title(user, by_team[team_id]),
                [(lead_id, names[lead_id]) for lead_id in lead_ids[:DIGEST_MAX_LINES]],
                len(lead_ids)))
        for team_id, lead_ids in sorted(told.items()):
            team = by_team[team_id]
            if team.user_id:
                notes.append((team, team.user_id, self.with_context(
                    lang=team.user_id.lang)._sla_note_title(None, team),
                    [(lead_id, names[lead_id]) for lead_id in lead_ids[:DIGEST_MAX_LINES]],
                    len(lead_ids)))
        self.env['crm.lead.assignment.log']._routing_post_notes(notes)

    # ------------------------------------------------------------------------------------------
    # Assignments people make (mass assignment): same lock, writes and digests
    # ------------------------------------------------------------------------------------------

    @api.model
    def _assign(self, to_team, to_user, reasons):
        """Write assignments a person chose (the wizard, whose ``_check_wizard_targets`` ran):
        ``to_team`` {lead_id: team_id}, ``to_user`` {lead_id: (team_id, user_id)},
        ``reasons`` {lead_id: reason (a ``routing.reasons`` node)}. Caps do not apply; what is
        assigned counts. Returns {lead_id: (team_id, user_id, company_id)} of the leads written."""
        if not self._lock_acquire(session=False, wait=LOCK_WAIT_SECONDS):
            raise UserError(_("Lead routing is already running; try again in a minute."))
        # The caller passed the gate: write as the system, in the caller's transaction.
        Lead = self.env['crm.lead'].sudo()
        now = fields.Datetime.now()
        lead_ids = list(to_team) + list(to_user)
        previous = Lead._routing_current_users(lead_ids)
        written = Lead._routing_write_assignment(to_team, to_user, now, force=True)
        self.env['crm.lead.assignment.log'].sudo()._routing_insert(
            [(lead_id, team_id, user_id, 'manual', reasons[lead_id], company_id)
             for lead_id, (team_id, user_id, company_id) in sorted(written.items())], now,
            notify=True, previous=previous)
        Lead.browse(list(written))._routing_unfollow_previous(previous)
        self.env['crm.lead.assignment.log'].sudo()._routing_send_digests(DIGEST_MAX_LINES)
        self.invalidate_cache()  # the whole cache: SQL wrote leads, followers, logs
        return written

    # ------------------------------------------------------------------------------------------
    # Filters: validated with the rights of the person saving them
    # ------------------------------------------------------------------------------------------

    @api.model
    def _check_filter(self, record, field_name):
        """Constraint helper: refuse ``record[field_name]`` unless it is a list of conditions
        on leads that the person saving it may search, field by field and row by row."""
        text = record[field_name]
        try:
            domain = parse_domain(text)
            self._check_filter_fields(domain)
            # A test search as the person saving, rolled back whatever happens: what they may
            # not search, the filter may not use.
            with self.env.cr.savepoint():
                self.env['crm.lead'].search(domain, limit=1)
        except Exception as error:  # whatever the cause, the user gets one clear message
            raise ValidationError(
                _("The filter of %(record)s is not valid: %(error)s\nFilter: %(filter)s") % {
                    'record': record.display_name,
                    'error': self._filter_error_text(error),
                    'filter': quote(text)})

    def _check_filter_fields(self, domain, rights=True):
        """Each field of each path exists and is not a secret; with ``rights``, its model may
        also be read by the current user (so a path never reaches what they could not read).
        """
        superuser = self.env.user._is_superuser() or not rights
        for path in field_paths(domain):
            model = self.env['crm.lead']
            for name in path:
                field = model._fields.get(name)
                if field is None:
                    raise FilterError('field', name)
                if name in PROTECTED_FIELDS or (
                        field.groups and not superuser and not self.user_has_groups(field.groups)):
                    raise FilterError('protected', name)
                if field.relational:
                    model = self.env[field.comodel_name]
                    if not superuser and not model.check_access_rights(
                            'read', raise_exception=False):
                        raise FilterError('protected', name)

    @api.model
    def _filter_texts(self, texts):
        """{text: the filter in words} for filter texts as stored, in the current user's
        language, like the domain editor's readable form ("Country ▸ Country Code = VN and
        Score ≥ 50"): field labels from ``fields_get``, names of the records a filter points
        at read with the user's rights (``#id`` for the others). Set-wise: the labels of a
        model and the names of its records are read once for all the texts. A text that is
        not a filter is shown as it is."""
        lang = self.env.lang or 'en_US'
        get_source = self.env['ir.translation']._get_source
        words = {key: get_source(None, ('code',), lang, source)
                 for key, source in filter_text.WORDS.items()}
        labels, found = {}, {}

        def fields_of(model):
            if model not in labels:
                labels[model] = self.env[model].fields_get(
                    attributes=['string', 'type', 'relation', 'selection']) \
                    if model in self.env else {}
            return labels[model]

        def names(model, ids):
            missing = [record_id for record_id in ids if (model, record_id) not in found]
            if missing:
                records = self.env[model].with_context(active_test=False)
                if records.check_access_rights('read', raise_exception=False):
                    readable = records.search([('id', 'in', missing)])
                    for record_id, name in readable.name_get():
                        found[model, record_id] = name
                for record_id in missing:
                    found.setdefault((model, record_id), None)
            return {record_id: found[model, record_id] for record_id in ids
                    if found.get((model, record_id))}

        result = {}
        for text in set(texts):
            try:
                result[text] = filter_text.describe(parse_domain(text), 'crm.lead', fields_of,
                                                    words, names)
            except (FilterError, AssertionError, ValueError, TypeError, StopIteration):
                result[text] = text or ''
        return result

    @api.model
    def _filter_error_text(self, error):
        """A short, translated explanation of why a filter cannot be used; never raw database
        text."""
        if isinstance(error, FilterError):
            texts = {
                'too_long': _("it is longer than 10,000 characters"),
                'syntax': _("it is not a valid expression"),
                'not_list': _("a filter must be a list of conditions"),
                'leaf': _("%s is not a condition") % error.detail,
                'field': _("the field %s does not exist") % error.detail,
                'protected': _("the field %s may not be used in a filter") % error.detail,
            }
            return texts.get(error.code, error.code)
        if isinstance(error, AccessError):
            return _("it reads data you are not allowed to read")
        return _("the database cannot search it (check the field names and the values)")

    # ------------------------------------------------------------------------------------------
    # The existing owner step: read (_read_owners), decide (routing.owner), explain, log
    # ------------------------------------------------------------------------------------------

    def _read_owners(self, teams, data):
        """What the existing owner step needs (see ``routing.owner``), for the candidates of this
        run (waiting for a team, or in a team of the run) of the companies whose teams of the
        run route to existing owners: their keys, the best record sharing each key at each
        level, the stoplist, the seats of the owners. A fixed number of indexed queries, whatever
        the number of leads: each takes the run's keys as arrays. None when the step has nothing
        to do."""
        owner_teams = teams.filtered('assignment_owner')
        if not owner_teams:
            return None
        companies = {team.company_id.id or None for team in owner_teams}
        company_of, phase1_ids = data['company_of'], data['phase1_ids']
        team_ids = set(teams.ids)
        lead_ids = [row[0] for row in data['leads']
                    if (row[0] in phase1_ids or row[1] in team_ids)
                    and (None in companies or company_of[row[0]] in companies)]
        if not lead_ids:
            return None
        cr = self.env.cr
        # Level 1 and the keys: the partner's salesperson (an archived partner has none), else
        # its commercial entity's; partners of another company are none of this lead's.
        cr.execute("""
            SELECT l.id, l.email_normalized, l.phone_sanitized,
                   p.id, p.display_name, CASE WHEN p.active THEN p.user_id END,
                   cp.id, cp.display_name, CASE WHEN cp.active THEN cp.user_id END
              FROM crm_lead l
              LEFT JOIN res_partner p ON p.id = l.partner_id
                        AND (p.company_id IS NULL OR p.company_id = l.company_id)
              LEFT JOIN res_partner cp ON cp.id = p.commercial_partner_id
                        AND (cp.company_id IS NULL OR cp.company_id = l.company_id)
             WHERE l.id = ANY(%s)
        """, (lead_ids,))
        candidates = cr.fetchall()
        keys = {'partner': set(), 'email': set(), 'phone': set()}
        for lead_id, email, phone, _p, _pn, _pu, partner_id, _cn, _cu in candidates:
            company_id = company_of[lead_id]
            for kind, key in (('partner', partner_id), ('email', email), ('phone', phone)):
                if key:
                    keys[kind].add((company_id, key))
        found = self._read_owner_records(keys)
        # A key nobody owns cannot have two owners: only owned keys may be stoplisted.
        stoplist = self._read_owner_stoplist({kind: {(company_id, key) for company_id, key
                                                     in keys[kind] if (kind, company_id, key)
                                                     in found} for kind in keys})
        matches, keys_of = {}, {}
        for lead_id, email, phone, partner_id, partner_name, partner_user, commercial_id, \
                commercial_name, commercial_user in candidates:
            company_id = company_of[lead_id]
            lead_matches, lead_keys = [], []
            if partner_user or commercial_user:
                record_id, name, user_id = (partner_id, partner_name, partner_user) \
                    if partner_user else (commercial_id, commercial_name, commercial_user)
                lead_matches.append(owner.Match(1, 0, 'partner', record_id, name, user_id, None,
                                                '', None, None, None))
            for kind, key, label in (('partner', commercial_id, commercial_name),
                                     ('email', email, email), ('phone', phone, phone)):
                if not key:
                    continue
                lead_keys.append((kind, key, label))
                for level, rank, record, row in found.get((kind, company_id, key), ()):
                    lead_matches.append(owner.Match(level, rank, record, row[0], row[1], row[2],
                                                    row[3], row[4] or '', kind, key, label))
            if lead_matches:
                matches[lead_id] = lead_matches
            keys_of[lead_id] = lead_keys
        return {
            'matches': matches,
            'keys_of': keys_of,
            'stoplist': stoplist,
            'seats': self._read_owner_seats(owner_teams, data),
        }

    def _read_owner_records(self, keys):
        """{(key_kind, company_id, key): [(level, rank, record, (id, name, user_id, team_id,
        date))]}: for each key of the run, the record of each level that gives its owner (the
        most recently assigned, then the highest id). Five queries; won (probability 100) and
        lost (archived) records never match, nor records of another company."""
        cr = self.env.cr
        found = {}

        def add(key, level, rank, record, row):
            found.setdefault(key, []).append((level, rank, record, row))

        open_lead = "l.active AND l.probability < 100 AND l.user_id IS NOT NULL " \
                    "AND l.company_id IS NOT DISTINCT FROM k.company_id"
        if keys['partner']:
            companies, partners = zip(*keys['partner'])
            cr.execute("""
                SELECT DISTINCT ON (k.company_id, k.key)
                       k.company_id, k.key, l.id, l.name, l.user_id, l.team_id, l.assignment_date
                  FROM unnest(%s::int[], %s::int[]) AS k(company_id, key)
                  JOIN res_partner p ON p.commercial_partner_id = k.key
                  JOIN crm_lead l ON l.partner_id = p.id
                 WHERE l.type = 'opportunity' AND {open_lead}
                 ORDER BY k.company_id, k.key, l.assignment_date DESC NULLS LAST, l.id DESC
            """.format(open_lead=open_lead), (list(companies), list(partners)))
            for row in cr.fetchall():
                add(('partner', row[0], row[1]), 2, 0, 'opportunity', row[2:])
        for kind, column, rank in (('email', 'email_normalized', 1),
                                   ('phone', 'phone_sanitized', 2)):
            if not keys[kind]:
                continue
            companies, values = map(list, zip(*keys[kind]))
            # Open opportunities (level 2) and open leads (level 3) with the key.
            cr.execute("""
                SELECT DISTINCT ON (k.company_id, k.key, l.type)
                       k.company_id, k.key, l.type,
                       l.id, l.name, l.user_id, l.team_id, l.assignment_date
                  FROM unnest(%s::int[], %s::varchar[]) AS k(company_id, key)
                  JOIN crm_lead l ON l.{column} = k.key
                 WHERE {open_lead}
                 ORDER BY k.company_id, k.key, l.type, l.assignment_date DESC NULLS LAST,
                          l.id DESC
            """.format(column=column, open_lead=open_lead), (companies, values))
            for row in cr.fetchall():
                if row[2] == 'opportunity':
                    add((kind, row[0], row[1]), 2, rank, 'opportunity', row[3:])
                else:
                    add((kind, row[0], row[1]), 3, 0, 'lead', row[3:])
            # Customers with a salesperson (level 4): no assignment date, the newest wins.
            cr.execute("""
                SELECT DISTINCT ON (k.company_id, k.key)
                       k.company_id, k.key, p.id, p.display_name, p.user_id
                  FROM unnest(%s::int[], %s::varchar[]) AS k(company_id, key)
                  JOIN res_partner p ON {partner_key} = k.key
                 WHERE p.active AND p.user_id IS NOT NULL
                   AND (p.company_id IS NULL OR p.company_id = k.company_id)
                 ORDER BY k.company_id, k.key, p.id DESC
            """.format(partner_key=self._owner_partner_key(kind)), (companies, values))
            for row in cr.fetchall():
                add((kind, row[0], row[1]), 4, 0, 'customer', row[2:] + (None, ''))
        return found

    @api.model
    def _owner_partner_key(self, kind):
        """The SQL expression of a partner's key, as its index has it."""
        return {'email': 'lower(p.email)', 'phone': 'p.phone_sanitized'}[kind]

    def _read_owner_stoplist(self, keys):
        """{(company_id, key_kind, key)}: the emails and phones among ``keys`` shared by too many
        records with several owners (``owner.is_stoplisted``): a hotline, an info@ address.
        Records: open leads and opportunities (the candidate itself not counted) and customers
        with a salesperson, of the key's company. One query per kind of key."""
        cr = self.env.cr
        stoplist = set()
        for kind, column in (('email', 'email_normalized'), ('phone', 'phone_sanitized')):
            if not keys[kind]:
                continue
            companies, values = map(list, zip(*keys[kind]))
            cr.execute("""
                WITH k AS (SELECT * FROM unnest(%(companies)s::int[], %(keys)s::varchar[])
                                      AS k(company_id, key)),
                     r AS (SELECT k.company_id, k.key, l.user_id
                             FROM k JOIN crm_lead l ON l.{column} = k.key
                            WHERE l.active AND l.probability < 100
                              AND l.company_id IS NOT DISTINCT FROM k.company_id
                           UNION ALL
                           SELECT k.company_id, k.key, p.user_id
                             FROM k JOIN res_partner p ON {partner_key} = k.key
                            WHERE p.active AND p.user_id IS NOT NULL
                              AND (p.company_id IS NULL OR p.company_id = k.company_id))
                SELECT company_id, key, count(*) - 1, count(DISTINCT user_id)
                  FROM r GROUP BY company_id, key
                HAVING count(*) - 1 >= %(records)s AND count(DISTINCT user_id) >= %(owners)s
            """.format(column=column, partner_key=self._owner_partner_key(kind)), {
                'companies': companies, 'keys': values,
                'records': owner.STOPLIST_RECORDS, 'owners': owner.STOPLIST_OWNERS})
            stoplist.update((company_id, kind, key) for company_id, key, records, owners
                            in cr.fetchall() if owner.is_stoplisted(records, owners))
        return stoplist

    def _read_owner_seats(self, owner_teams, data):
        """{user_id: [owner.Seat]}: the active memberships of active users in the run's teams
        that route to existing owners, ordered by team sequence then id. One query; what kept a
        member out of this run (paused, absent, quota used up) comes from ``_read_states``."""
        self.env.cr.execute("""
            SELECT m.id, m.team_id, m.user_id, m.assignment_optout, m.assignment_max,
                   t.company_id, t.sequence
              FROM crm_team_member m
              JOIN crm_team t ON t.id = m.team_id
              JOIN res_users u ON u.id = m.user_id
             WHERE m.active AND u.active AND m.team_id = ANY(%s)
        """, (owner_teams.ids,))
        rows = self.env.cr.fetchall()
        states = {state.id: state for state in data['member_states']}
        left_out = {member.id: cause for entries in data.get('skipped', {}).values()
                    for cause, member, _detail in entries}
        seats = {}
        for member_id, team_id, user_id, paused, capacity, company_id, sequence in rows:
            state = states.get(member_id)
            cause = left_out.get(member_id)
            if paused or cause == 'paused':
                blocked = 'paused'
            elif cause == 'absent':
                blocked = 'absent'
            elif capacity <= 0 or cause == 'full':
                blocked = 'full'
            elif state is None:
                # Outside working hours in a team routing during them, or an invalid filter.
                blocked = 'unavailable'
            else:
                blocked = None
            seats.setdefault(user_id, []).append(owner.Seat(
                team_id, company_id, sequence or 0, state, blocked))
        for user_seats in seats.values():
            user_seats.sort(key=lambda seat: (seat.sequence, seat.team_id))
        return seats

    def _decide_owners(self, data):
        """The decisions of a run with the existing owner step (``routing.owner.route``); its
        outcome stays in ``data`` for the reasons."""
        owners = data['owners']
        outcome = owner.route(data['leads'], data['phase1_ids'], data['team_states'],
                              data['member_states'], data['now'], data['company_of'],
                              owners['matches'], owners['keys_of'], owners['stoplist'],
                              owners['seats'])
        owners['outcome'] = outcome
        return outcome.decisions

    def _decision_rule(self, decision):
        """The log ``rule`` of a decision (crm.lead.assignment.log): the existing owner step's,
        the fallback's, else the log's default for the kind of row."""
        if decision.kind == 'member' and decision.why == owner.OWNER:
            return 'owner'
        return decision.rule

    def _owner_reason_formatter(self, reason, teams, data):
        """``reason`` (a function of a decision), saying also who the existing owner was: the
        reason of a decision of the step names the matched record and key; the reason of the
        normal decision of a lead whose owner could not take it says why."""
        outcome = (data.get('owners') or {}).get('outcome')
        if not outcome or not (outcome.placed or outcome.skipped):
            return reason
        describe = self._owner_match_describer(
            list(outcome.placed.values()) + [skip.match for skip in outcome.skipped.values()])
        team_names = {team.id: team.name for team in teams}
        capacity = {state.id: state.capacity for state in data['member_states']}

        def owner_reason(decision):
            if decision.kind == 'member' and decision.why == owner.OWNER:
                match = outcome.placed[decision.lead_id]
                return reason_text('owner_given', match=describe(match), team=team_names.get(
                    decision.team_id, ''), load=decision.load,
                    capacity=capacity.get(decision.member_id, ''))
            node = reason(decision)
            skip = outcome.skipped.get(decision.lead_id)
            if skip is not None and decision.kind in ('member', 'unassigned'):
                cause = reason_text('owner_' + skip.cause, user=describe.user(skip.match),
                                    count=skip.count, capacity=skip.capacity)
                node = join(' ', [node, reason_text('owner_skipped', match=describe(skip.match),
                                                    cause=cause)])
            return node
        return owner_reason

    def _owner_match_describer(self, matches):
        """A function naming a match for a reason ("open opportunity 'Nhà thuốc An Khang'
        owned by Bình, same phone +84912345678"), with ``.user(match)`` naming its owner.
        Names are read once for all the matches."""
        # Names in one query each (a web form's run is one lead: every query counts).
        self.env.cr.execute("""
            SELECT u.id, p.name FROM res_users u JOIN res_partner p ON p.id = u.partner_id
             WHERE u.id = ANY(%s)
        """, (list({match.user_id for match in matches}),))
        users = dict(self.env.cr.fetchall())
        run_ids = [match.record_id for match in matches if match.record == 'run']
        run_names = {}
        if run_ids:
            self.env.cr.execute("SELECT id, name FROM crm_lead WHERE id = ANY(%s)", (run_ids,))
            run_names = dict(self.env.cr.fetchall())

        def describe(match):
            name = run_names.get(match.record_id) if match.record == 'run' else match.name
            code = 'match_%s_%s' % (match.record, match.key_kind) if match.key_kind \
                else 'match_%s' % match.record
            return reason_text(code, record=name or '', user=users.get(match.user_id, ''),
                               key=match.label or '')
        describe.user = lambda match: users.get(match.user_id, '')
        return describe
