# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import gc
import logging
import threading
import time
from collections import Counter, OrderedDict, deque, namedtuple
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import html_escape

from ..routing import engine as routing_engine
from .routing_domain import check_domain, parse_domain

_logger = logging.getLogger(__name__)

# Leads written per batch (and per commit in the cron).
ROUTING_BATCH_SIZE = 5000
# Key of the PostgreSQL advisory lock that serialises routing runs.
ROUTING_LOCK_KEY = 0x43524d52  # 'CRMR'
# Window of the capacity count, in days.
ROUTING_WINDOW_DAYS = 30
# At most this many decisions are kept for a preview (totals stay complete).
PREVIEW_MAX_LINES = 1000
# At most this many leads are listed by name in a salesperson's digest.
DIGEST_MAX_LINES = 50

# One batch of decisions as plain data: {lead_id: team_id}, {lead_id: (team_id, user_id)},
# log rows (lead_id, team_id, user_id, kind, reason, company_id), {lead_id: refreshed score}.
RoutingBatch = namedtuple('RoutingBatch', 'to_team to_user logs scores')


class RoutingResult(object):
    """What a run decided: totals always complete, the first decisions only for a preview."""

    def __init__(self, keep_decisions=0):
        self.keep_decisions = keep_decisions
        self.decisions = []              # (Decision, lead name, reason), a preview's first ones
        self.total_decisions = 0
        self.team_counts = Counter()     # team_id -> leads entering the team (phase 1)
        self.user_counts = Counter()     # user_id -> leads given to the salesperson
        self.unassigned = 0
        self.errors = []                 # human readable, one per skipped filter

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


class CrmTeam(models.Model):
    _inherit = 'crm.team'
    _order = 'sequence, name'

    sequence = fields.Integer(
        default=10,
        help="Order of the teams: breaks ties between equally loaded teams in routing.",
    )
    assignment_optout = fields.Boolean(
        string="Skip Automatic Assignment",
        help="Routing ignores this team; the leads waiting in it stay put.",
    )
    assignment_domain = fields.Char(
        string="Lead Filter",
        default='[]',
        help="Which leads this team takes (a domain on leads); [] takes all leads.",
    )
    assignment_score_min = fields.Float(
        string="Minimum Score",
        default=0.0,
        help="Only leads whose score is at least this value enter the team.",
    )
    assignment_score_max = fields.Float(
        string="Maximum Score",
        default=0.0,
        help="Only leads whose score is below this value enter the team; 0 means no upper bound.",
    )
    assignment_max = fields.Integer(
        string="Capacity (30 days)",
        compute='_compute_assignment_max',
        help="Sum of the capacities of the active members who are not paused.",
    )
    assignment_on_create = fields.Boolean(
        string="Route New Leads Immediately",
        help="A lead created without a salesperson that matches this team is routed at once, "
             "instead of waiting for the scheduled action.",
    )
    routing_member_ids = fields.One2many(
        comodel_name='crm.team.member',
        inverse_name='team_id',
        string="Routing Members",
        help="Salespeople who receive leads of this team by routing.",
    )
    lead_unassigned_count = fields.Integer(
        string="Leads Waiting",
        compute='_compute_routing_counts',
        help="Open leads in this team that have no salesperson yet.",
    )
    lead_month_count = fields.Integer(
        string="Leads (30 days)",
        compute='_compute_routing_counts',
        help="Leads given to the routing members of this team during the last 30 days.",
    )

    @api.depends('routing_member_ids.assignment_max', 'routing_member_ids.active',
                 'routing_member_ids.assignment_optout')
    def _compute_assignment_max(self):
        for team in self:
            team.assignment_max = sum(
                member.assignment_max for member in team.routing_member_ids
                if not member.assignment_optout)

    def _compute_routing_counts(self):
        waiting = self._routing_waiting_counts()
        month = Counter()
        for (team_id, _user_id), (count, _last) in self._routing_member_loads().items():
            month[team_id] += count
        for team in self:
            team.lead_unassigned_count = waiting.get(team.id, 0)
            team.lead_month_count = month.get(team.id, 0)

    @api.constrains('assignment_domain')
    def _check_assignment_domain(self):
        for team in self:
            check_domain(team, 'assignment_domain')

    @api.constrains('assignment_score_min', 'assignment_score_max')
    def _check_assignment_score(self):
        for team in self:
            if team.assignment_score_max and team.assignment_score_max <= team.assignment_score_min:
                raise ValidationError(
                    _("Team %s: the maximum score must be 0 (no upper bound) or greater than "
                      "the minimum score.") % team.display_name)

    # ------------------------------------------------------------------------------------------
    # Entry points
    # ------------------------------------------------------------------------------------------

    @api.model
    def _get_routing_team_domain(self):
        """Teams the scheduled action routes to."""
        return [('assignment_optout', '=', False), ('routing_member_ids', '!=', False)]

    @api.model
    def _cron_assign_leads(self):
        """Scheduled action: route every waiting lead to every routing team."""
        # The cron runs as its own user: read teams of every company, rights are not the point here.
        teams = self.sudo().search(self._get_routing_team_domain())
        testing = getattr(threading.currentThread(), 'testing', False)
        teams._action_assign_leads(commit=not testing, lock='skip')
        return True

    def _check_routing_manager(self):
        if not self.env.user.has_group('sales_team.group_sale_manager'):
            raise AccessError(_("Only sales managers can run lead routing from the team."))

    @api.multi
    def action_assign_leads(self):
        """Button: route waiting leads to these teams now."""
        self._check_routing_manager()
        result = self._action_assign_leads(lock='raise')
        message = _("%(assigned)s leads assigned to salespeople, %(teams)s leads entered a team, "
                    "%(waiting)s leads left waiting.") % {
            'assigned': result.assigned,
            'teams': sum(result.team_counts.values()),
            'waiting': result.unassigned,
        }
        if result.errors:
            message += '\n' + '\n'.join(result.errors)
        return self.env['crm.team.routing.preview'].create_from_result(
            result, self, title=_("Assignment done"), summary=message)

    @api.multi
    def action_preview_assignment(self):
        """Button: show what routing would do for these teams, writing nothing."""
        self._check_routing_manager()
        result = self._action_assign_leads(preview=True)
        return self.env['crm.team.routing.preview'].create_from_result(
            result, self, title=_("Assignment preview"))

    # ------------------------------------------------------------------------------------------
    # The engine: reads, plain-Python decisions, batched writes
    # ------------------------------------------------------------------------------------------

    @api.model
    def _get_lead_to_assign_domain(self):
        """Candidates: open leads and opportunities with no salesperson."""
        return [('user_id', '=', False), ('probability', '<', 100)]

    @api.multi
    def _action_assign_leads(self, leads=None, preview=False, commit=False, lock=False):
        """Route candidate leads to the teams of ``self``, then to their members.

        :param leads: restrict the run to these leads (wizard, server action, creation, tests)
        :param preview: compute everything in memory, write nothing, keep the decisions
        :param commit: commit between batches (the cron only)
        :param lock: 'skip' returns at once when another run holds the lock, 'raise' raises a
            UserError, False takes no lock (single-lead paths: the write guard suffices). The
            lock is PostgreSQL's transaction-level advisory lock: released by any commit or
            rollback, so a run that fails or dies never leaves it behind
        :return: RoutingResult
        """
        # Routing must see every team, member and candidate lead whoever triggered it: the
        # entry points check who may trigger it before calling this method.
        teams = self.sudo().filtered(lambda team: team.active and not team.assignment_optout)
        result = RoutingResult(keep_decisions=PREVIEW_MAX_LINES if preview else 0)
        if not teams or (leads is not None and not leads):
            return result
        if lock and not preview and not self._routing_lock():
            if lock == 'raise':
                raise UserError(_("Lead routing is already running; try again in a minute."))
            _logger.info("Lead routing skipped: another run holds the lock")
            return result
        start = time.time()
        # A run makes millions of small tuples and sets, none in a cycle: the cyclic garbage
        # collector would rescan them again and again as they grow (quadratic at 1M leads).
        collect = gc.isenabled()
        gc.disable()
        try:
            teams._routing_run(result, leads, preview, commit)
        finally:
            if collect:
                gc.enable()
        _logger.info("Lead routing%s on %d teams: %d assigned, %d entered a team, %d waiting "
                     "(%.2fs)", ' preview' if preview else '', len(teams), result.assigned,
                     sum(result.team_counts.values()), result.unassigned, time.time() - start)
        return result

    def _routing_lock(self):
        """Take the routing lock for the current transaction; False when another run has it."""
        self.env.cr.execute("SELECT pg_try_advisory_xact_lock(%s)", (ROUTING_LOCK_KEY,))
        return self.env.cr.fetchone()[0]

    def _routing_run(self, result, leads, preview, commit):
        """Read (candidates, scores, team and member states), decide in plain Python
        (``routing_engine.route``), then write in batches and send the digests."""
        Lead = self.env['crm.lead'].sudo()
        now = fields.Datetime.now()
        base_domain = self._get_lead_to_assign_domain()
        if leads is not None:
            base_domain = base_domain + [('id', 'in', leads.ids)]
        columns = ['id', 'team_id', 'score', 'create_date', 'company_id']
        candidates = Lead._routing_select(base_domain, columns + (['name'] if preview else []))
        if not candidates:
            return
        scores = self.env['crm.lead.scoring.rule']._routing_scores(
            base_domain, {row[0]: row[4] for row in candidates})
        changed = {row[0]: scores[row[0]] for row in candidates
                   if (row[2] or 0.0) != scores[row[0]]}
        if changed and not preview and self._routing_filters_use_score():
            # Filters read the stored score: store the refreshed ones before searching.
            Lead._routing_write_scores(changed)
            changed = {}
        lead_rows = [(row[0], row[1], scores[row[0]], row[3]) for row in candidates]
        company_of = {row[0]: row[4] for row in candidates}

        team_states, member_states, filters = self._routing_states(
            base_domain, scores, result, preview)
        phase1_ids = self._routing_phase1_ids(lead_rows)
        decisions = routing_engine.route(lead_rows, phase1_ids, team_states, member_states, now)
        result.count(decisions)
        reason = self._routing_reason_formatter(filters, team_states, member_states)
        if preview:
            name_of = {row[0]: row[5] for row in candidates}
            result.decisions = [(decision, name_of[decision.lead_id], reason(decision))
                                for decision in decisions[:result.keep_decisions]]
            return
        if self._routing_write(decisions, reason, company_of, now, commit, changed):
            self._routing_notify(commit)

    def _routing_states(self, base_domain, scores, result, preview):
        """Team and member states: one search per team and per member filter, one load query."""
        members = self.env['crm.team.member'].sudo().search([('team_id', 'in', self.ids)])
        loads = self._routing_member_loads()
        waiting = self._routing_waiting_counts()
        team_states, member_states, filters = [], [], {}
        for team in self:
            company = [('company_id', '=', team.company_id.id)] if team.company_id else []
            try:
                team_domain = parse_domain(team.assignment_domain)
                fits = self._routing_search(base_domain + company + team_domain)
            except Exception as error:
                team._routing_report_error(
                    _("Team %(team)s skipped: its filter is invalid (%(error)s).")
                    % {'team': team.display_name, 'error': error}, result, preview)
                continue
            eligible = team.routing_member_ids.filtered(
                lambda m: not m.assignment_optout and m.assignment_max > 0)
            capacity = sum(eligible.mapped('assignment_max'))
            low, high = team.assignment_score_min, team.assignment_score_max
            entry = {lead_id for lead_id in fits
                     if scores[lead_id] >= low and (not high or scores[lead_id] < high)}
            team_load = waiting.get(team.id, 0)
            filters[team.id] = (team, team.assignment_domain or '[]')
            for member in members.filtered(lambda m: m.team_id == team):
                count, last = loads.get((team.id, member.user_id.id), (0, None))
                team_load += count
                if member not in eligible:
                    continue
                try:
                    member_domain = parse_domain(member.assignment_domain)
                    # No filter of their own: the team's filter applies (no extra search).
                    member_fits = self._routing_search(
                        base_domain + company + team_domain + member_domain
                    ) if member_domain else None
                except Exception as error:
                    team._routing_report_error(
                        _("Member %(user)s of team %(team)s skipped: their filter is invalid "
                          "(%(error)s).") % {'user': member.user_id.display_name,
                                             'team': team.display_name, 'error': error},
                        result, preview)
                    continue
                filters[('member', member.id)] = (member, member.assignment_domain or '[]')
                member_states.append(routing_engine.MemberState(
                    member.id, team.id, member.user_id.id, member.assignment_max, count, last,
                    member_fits))
            if capacity > 0:
                team_states.append(routing_engine.TeamState(
                    team.id, team.sequence, capacity, team_load, entry, fits))
        return team_states, member_states, filters

    def _routing_search(self, domain):
        """Ids of the leads matching a routing filter, as a set. In a savepoint: a filter that
        fails in the database (a wrong value type, say) must not abort the whole run."""
        with self.env.cr.savepoint():
            return set(self.env['crm.lead'].sudo()._routing_select(domain, ['id'], flat=True))

    def _routing_phase1_ids(self, lead_rows):
        """Candidates waiting for a team: no team, or a team that neither routes nor opts out."""
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
        return {row[0] for row in lead_rows if not row[1] or row[1] not in staying}

    def _routing_member_loads(self):
        """{(team_id, user_id): (30-day count, last assignment date)} for the teams of ``self``.

        Archived leads count too: whatever was given in the window uses the capacity.
        """
        team_ids = tuple(team_id for team_id in self.ids if isinstance(team_id, int))
        if not team_ids:
            return {}
        now = fields.Datetime.from_string(fields.Datetime.now())
        since = fields.Datetime.to_string(now - timedelta(days=ROUTING_WINDOW_DAYS))
        self.env.cr.execute("""
            SELECT team_id, user_id, count(*), max(assignment_date)
              FROM crm_lead
             WHERE team_id IN %s AND user_id IS NOT NULL AND assignment_date >= %s
             GROUP BY team_id, user_id
        """, (team_ids, since))
        # Odoo 11 reads timestamps as strings, which sort like the dates they hold.
        return {(team_id, user_id): (count, last)
                for team_id, user_id, count, last in self.env.cr.fetchall()}

    def _routing_waiting_counts(self):
        """{team_id: open leads waiting in the team without salesperson}."""
        team_ids = tuple(team_id for team_id in self.ids if isinstance(team_id, int))
        if not team_ids:
            return {}
        self.env.cr.execute("""
            SELECT team_id, count(*) FROM crm_lead
             WHERE team_id IN %s AND user_id IS NULL AND active AND probability < 100
             GROUP BY team_id
        """, (team_ids,))
        return dict(self.env.cr.fetchall())

    def _routing_report_error(self, message, result, preview):
        """A bad filter skips its team or member: say so in the server log and the team chatter."""
        self.ensure_one()
        _logger.error("Lead routing: %s", message)
        result.errors.append(message)
        if preview:
            return
        body = html_escape(message)
        last = self.env['mail.message'].sudo().search(
            [('model', '=', self._name), ('res_id', '=', self.id)], limit=1, order='id desc')
        if last.body != '<p>%s</p>' % body:  # do not repeat the same error at every run
            self.message_post(body=body, subtype='mail.mt_note')

    def _routing_reason_formatter(self, filters, team_states, member_states):
        """A function giving the reason of a decision, a text a person can read. Templates are
        translated and teams read once per run, not once per lead."""
        templates = {
            'team': _("Entered team %(team)s: filter %(filter)s; score %(score)s in "
                      "[%(low)s, %(high)s); load %(load)s/%(capacity)s"),
            'member': _("Given to %(user)s in team %(team)s: member filter %(filter)s; "
                        "load %(load)s/%(capacity)s"),
            'no_team': _("Waiting for a team: no routing team's filter and score band match "
                         "(score %(score)s)."),
            'team_filter': _("Waiting in team %(team)s: the lead does not match the team's "
                             "filter %(filter)s."),
            'no_member': _("Waiting in team %(team)s: no member can take it (capacity reached, "
                           "paused, or member filters)."),
        }
        capacity = {state.id: state.capacity for state in team_states}
        team_values = {team.id: {
            'team': team.name,
            'filter': filters.get(team.id, (None, team.assignment_domain))[1],
            'low': '%g' % team.assignment_score_min,
            'high': ('%g' % team.assignment_score_max) if team.assignment_score_max else '∞',
            'capacity': capacity.get(team.id, 0),
        } for team in self}
        users = {user.id: user.name for user in
                 self.env['res.users'].sudo().browse({m.user_id for m in member_states})}
        member_values = {state.id: {
            'user': users[state.user_id],
            'filter': filters[('member', state.id)][1],
            'capacity': state.capacity,
        } for state in member_states}

        def reason(decision):
            values = dict(team_values.get(decision.team_id, {}),
                          score='%g' % (decision.score or 0.0), load=decision.load)
            if decision.kind == 'member':
                values.update(member_values[decision.member_id])
            key = decision.kind if decision.kind != 'unassigned' else decision.why
            return templates[key] % values
        return reason

    def _routing_filters_use_score(self):
        """Whether a team or member filter of this run reads the lead score."""
        texts = self.mapped('assignment_domain') \
            + self.mapped('routing_member_ids.assignment_domain')
        return any('score' in (text or '') for text in texts)

    def _routing_write(self, decisions, reason, company_of, now, commit, scores):
        """Write the decisions in batches: leads (with their refreshed ``scores``), followers,
        log rows. The cron commits each batch, on parallel connections when
        ``crm_team_routing.parallel_writers`` allows it and there is more than one batch (see
        ``_routing_write_parallel``). Returns False when another run took the lock at one of
        the cron's commits (it then finishes the work)."""
        scores = dict(scores)
        lead_ids = {decision.lead_id for decision in decisions}
        # Who follows what is read once for the run, not once per batch.
        subscriptions = self.env['mail.followers']._routing_subscriptions(
            {d.team_id for d in decisions if d.kind in ('team', 'member')},
            {d.user_id for d in decisions if d.kind == 'member'})
        batches = self._routing_batches(decisions, reason, company_of, scores)
        # One batch gains nothing from a second connection.
        writers = self._routing_parallel_writers() \
            if commit and len(lead_ids) > ROUTING_BATCH_SIZE else 1
        if writers > 1:
            done = self._routing_write_parallel(batches, subscriptions, now, writers)
        else:
            done = True
            for batch in batches:
                self._routing_write_batch(batch, subscriptions, now)
                if commit:
                    # Cron only: each batch is a consistent unit (leads, followers, log rows),
                    # so a run killed later keeps what is done and the next run finishes the rest.
                    self.env.cr.commit()
                    if not self._routing_lock():
                        # The commit released the lock and another run took it: it works on
                        # fresh data and finishes what is left (and the digests this run owes).
                        _logger.info("Lead routing: another run took over")
                        done = False
                        break
        if done:
            # Candidates no decision concerns (waiting in a team that routes none of them).
            self.env['crm.lead'].sudo()._routing_write_scores(
                {lead_id: score for lead_id, score in scores.items() if lead_id not in lead_ids})
        # Once per run, not per batch: values computed from the leads before it (the teams'
        # counters, say) are stale now.
        self.invalidate_cache()
        return done

    def _routing_batches(self, decisions, reason, company_of, scores):
        """The decisions as batches of plain data, ready to be written anywhere: leads to
        teams and to salespeople, log rows (with their reasons), refreshed scores."""
        by_lead = OrderedDict()
        for decision in decisions:
            by_lead.setdefault(decision.lead_id, []).append(decision)
        lead_ids = list(by_lead)
        last_kind = self.env['crm.lead']._routing_last_log_kinds(
            [d.lead_id for d in decisions if d.kind == 'unassigned'])
        for start in range(0, len(lead_ids), ROUTING_BATCH_SIZE):
            batch = RoutingBatch({}, {}, [], {})
            for lead_id in lead_ids[start:start + ROUTING_BATCH_SIZE]:
                if lead_id in scores:
                    batch.scores[lead_id] = scores[lead_id]
                for decision in by_lead[lead_id]:
                    if decision.kind == 'member':
                        batch.to_user[lead_id] = (decision.team_id, decision.user_id)
                        batch.to_team.pop(lead_id, None)
                    elif decision.kind == 'team':
                        batch.to_team[lead_id] = decision.team_id
                    elif last_kind.get(lead_id) == 'unassigned' and len(by_lead[lead_id]) == 1:
                        continue  # said already, and nothing changed since
                    batch.logs.append((lead_id, decision.team_id, decision.user_id,
                                       decision.kind, reason(decision), company_of[lead_id]))
            yield batch

    def _routing_write_batch(self, batch, subscriptions, now):
        """Write one batch in the current transaction: leads, followers, scores, log rows."""
        Lead = self.env['crm.lead'].sudo()
        written = Lead._routing_write_assignment(batch.to_team, batch.to_user, now,
                                                 scores=batch.scores, subscriptions=subscriptions)
        Lead._routing_write_scores({lead_id: score for lead_id, score in batch.scores.items()
                                    if lead_id not in written})
        # A lead taken by someone else meanwhile was not written: nothing was decided here.
        self.env['crm.lead.assignment.log']._routing_insert(
            [row for row in batch.logs if row[3] == 'unassigned' or row[0] in written], now)

    @api.model
    def _routing_parallel_writers(self):
        """Connections the cron writes its batches on (``crm_team_routing.parallel_writers``,
        default 2, at most 8; 1, or a value that is not a number, writes them one after the
        other on the cron's own connection)."""
        # A system parameter: only administrators may read them.
        value = self.env['ir.config_parameter'].sudo().get_param(
            'crm_team_routing.parallel_writers', '2')
        try:
            return min(max(int(value), 1), 8)
        except ValueError:
            _logger.warning("crm_team_routing.parallel_writers is not a number: %r", value)
            return 1

    def _routing_write_parallel(self, batches, subscriptions, now, writers):
        """Cron only: write the batches on ``writers`` connections of their own, each batch
        committed as one unit, while this thread prepares the next ones. Most of a run is
        PostgreSQL work (index entries, foreign key checks of followers and log rows): batches
        touch different leads, so several database processes do it side by side.

        This transaction keeps the routing lock meanwhile and writes nothing: what it wrote
        before (refreshed scores, error notes) is committed first, so no writer waits on it.
        It commits again at the end, taking the lock again, to see what the writers wrote.
        A batch that fails stops the run: the batches not started yet are cancelled, those
        running finish, every failure is logged and the first one raised. The batches
        committed stay, and the next run routes what is left.
        """
        self.env.cr.commit()
        if not self._routing_lock():
            _logger.info("Lead routing: another run took over")
            return False
        # From here until the writers are done this transaction must not write: a writer
        # waiting on a row lock it held would wait for ever (the wait goes through Python, which
        # PostgreSQL's deadlock detection cannot see).
        registry, uid, context = self.env.registry, self.env.uid, self.env.context

        def write(batch):
            threading.current_thread().dbname = registry.db_name  # for Odoo's log lines
            try:
                with api.Environment.manage(), registry.cursor() as cr:  # commits on success
                    env = api.Environment(cr, uid, context)
                    env['crm.team']._routing_write_batch(batch, subscriptions, now)
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
        # A new transaction, to see what the writers committed (Odoo's transactions keep the
        # snapshot they started with): the digests are made from it.
        self.env.cr.commit()
        if not self._routing_lock():
            _logger.info("Lead routing: another run took over")
            return False
        return True

    def _routing_notify(self, commit):
        """One message per salesperson listing their new leads (and those a killed run left).

        An internal note on the team, addressed to the salesperson and delivered as they chose:
        an inbox notification, or an email queued for the mail cron. ``message_post`` would
        cost about 0.1 s a message (core renders its email layout anew for each); the digests
        of a run are written together instead: the messages, their recipients and
        notifications, the queued mails, in a few statements whatever the number of people.
        """
        Log = self.env['crm.lead.assignment.log'].sudo()
        pending = Log._routing_pending_digests(DIGEST_MAX_LINES)
        if not pending:
            return
        # Digests are system messages on teams the salesperson cannot write to.
        Message = self.env['mail.message'].sudo()
        title = _("New leads for %(user)s (%(count)s):")
        more_text = _("... and %s more.")
        base_url = self.env['ir.config_parameter'].sudo().get_param('web.base.url', '')
        email_from = Message._get_default_from()
        reply_to = {}
        digests = []  # (message_id, team, subject, body, partner, by email)
        for user in self.env['res.users'].sudo().browse(sorted(pending)):
            count, team_id, rows = pending[user.id]
            if not team_id:
                # Their teams were deleted since: there is no team to post the note on.
                _logger.warning("Lead routing: no digest for %s, whose %d leads came from "
                                "teams deleted since", user.login, count)
                continue
            team = self.browse(team_id).sudo()
            if team not in reply_to:
                reply_to[team] = Message._get_reply_to(
                    {'model': self._name, 'res_id': team.id, 'email_from': email_from})
            lines = ''.join(
                '<li><a href="%s/web#id=%d&amp;model=crm.lead&amp;view_type=form">%s</a></li>'
                % (html_escape(base_url), lead_id, html_escape(name))
                for lead_id, name in rows)
            more = ''
            if count > len(rows):
                more = '<p>%s</p>' % html_escape(more_text % (count - len(rows)))
            subject = title % {'user': user.name, 'count': count}
            body = '<p>%s</p><ul>%s</ul>%s' % (html_escape(subject), lines, more)
            digests.append((
                Message._get_message_id({'model': self._name, 'res_id': team.id}), team,
                subject, body, user.partner_id.id,
                user.notification_type == 'email' and bool(user.partner_id.email)))
        message_of = self._routing_insert_digests(digests, email_from, reply_to)
        Log._routing_mark_notified()
        inbox = Message.browse([message_of[digest[0]] for digest in digests if not digest[5]])
        if inbox:
            # The inbox counter of connected users moves at once, as core's notification does.
            partner_of = {message_of[digest[0]]: digest[4] for digest in digests}
            self.env['bus.bus'].sendmany([
                [(self.env.cr.dbname, 'ir.needaction', partner_of[values['id']]), values]
                for values in inbox.message_format()])
        if commit:
            # Cron only. Digests leave only through the mail queue, in this same transaction:
            # a run killed before this commit sent none, and the next run sends them all.
            self.env.cr.commit()

    def _routing_insert_digests(self, digests, email_from, reply_to):
        """Insert the digest messages with their recipient, notification and, for people
        notified by email, the queued mail. Returns {message_id (the header): mail.message id}.
        """
        cr = self.env.cr
        now = fields.Datetime.now()
        uid = self.env.uid
        cr.execute("""
            INSERT INTO mail_message (model, res_id, record_name, message_type, subtype_id,
                                      subject, body, author_id, email_from, reply_to, message_id,
                                      date, create_uid, create_date, write_uid, write_date)
            SELECT %(model)s, d.res_id, d.record_name, 'comment', %(subtype)s, d.subject, d.body,
                   %(author)s, %(email_from)s, d.reply_to, d.message_id,
                   %(now)s, %(uid)s, %(now)s, %(uid)s, %(now)s
              FROM unnest(%(res_ids)s::int[], %(names)s::varchar[], %(subjects)s::varchar[],
                          %(bodies)s::text[], %(reply_tos)s::varchar[], %(message_ids)s::varchar[])
                   AS d(res_id, record_name, subject, body, reply_to, message_id)
         RETURNING message_id, id
        """, {
            'model': self._name,
            'subtype': self.env.ref('mail.mt_note').id,
            'author': self.env.user.partner_id.id,
            'email_from': email_from,
            'now': now,
            'uid': uid,
            'res_ids': [digest[1].id for digest in digests],
            'names': [digest[1].name for digest in digests],
            'subjects': [digest[2] for digest in digests],
            'bodies': [digest[3] for digest in digests],
            'reply_tos': [reply_to[digest[1]] for digest in digests],
            'message_ids': [digest[0] for digest in digests],
        })
        message_of = dict(cr.fetchall())
        ids = [message_of[digest[0]] for digest in digests]
        partners = [digest[4] for digest in digests]
        by_email = [digest[5] for digest in digests]
        cr.execute("""
            INSERT INTO mail_message_res_partner_rel (mail_message_id, res_partner_id)
            SELECT * FROM unnest(%s::int[], %s::int[])
        """, (ids, partners))
        # Handled by email: not in the inbox (is_read), as core's notification does.
        cr.execute("""
            INSERT INTO mail_message_res_partner_needaction_rel
                   (mail_message_id, res_partner_id, is_read, is_email, email_status)
            SELECT message, partner, by_email, by_email, 'ready'
              FROM unnest(%s::int[], %s::int[], %s::bool[]) AS n(message, partner, by_email)
        """, (ids, partners, by_email))
        emailed = [index for index, flag in enumerate(by_email) if flag]
        if emailed:
            # Queued for the mail cron, never sent from here.
            cr.execute("""
                WITH queued AS (
                    INSERT INTO mail_mail (mail_message_id, body_html, notification, auto_delete,
                                           state, create_uid, create_date, write_uid, write_date)
                    SELECT message, body, TRUE, TRUE, 'outgoing', %(uid)s, %(now)s, %(uid)s,
                           %(now)s
                      FROM unnest(%(messages)s::int[], %(bodies)s::text[]) AS q(message, body)
                 RETURNING id, mail_message_id
                )
                INSERT INTO mail_mail_res_partner_rel (mail_mail_id, res_partner_id)
                SELECT queued.id, r.partner
                  FROM queued
                  JOIN unnest(%(messages)s::int[], %(partners)s::int[]) AS r(message, partner)
                    ON r.message = queued.mail_message_id
            """, {
                'uid': uid,
                'now': now,
                'messages': [ids[index] for index in emailed],
                'bodies': [digests[index][3] for index in emailed],
                'partners': [partners[index] for index in emailed],
            })
        self.env['mail.message'].invalidate_cache()
        return message_of
