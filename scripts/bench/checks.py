# The invariants: Checks (named checks, each failure printed with what was found), the routing
# run against DESIGN.md's rules (check_run: scores, teams, members, capacities, balance, log rows,
# followers, digests, the owner step) and the SLA run against README's take-back section
# (check_sla).
from collections import Counter, defaultdict
from datetime import timedelta

from odoo import fields
from odoo.tools.safe_eval import safe_eval

from .config import CAPACITY, OWNERS

# The keys of the existing account, as the check counts the leads placed through them.
ACCOUNT_KINDS = ('vat', 'company_name', 'email_domain')


class Checks(object):
    """Named checks; each failure is printed with what was found."""

    def __init__(self):
        self.passed, self.failed = 0, []

    def __call__(self, name, problems):
        """``problems``: list of descriptions of what is wrong (empty: the check passes)."""
        if problems:
            self.failed.append(name)
            print('CHECK FAILED: %s: %d problem(s), e.g. %s' % (name, len(problems), problems[:5]),
                  flush=True)
        else:
            self.passed += 1

    @property
    def correct(self):
        return not self.failed


def check_run(data, before):
    """Verify the run against the rules of DESIGN.md. Every check holds for any correct engine
    on this data (a fresh database: every lead starts with no team, no member has a load)."""
    env = data.env
    env.cache.invalidate()
    check = Checks()
    Lead = env['crm.lead'].with_context(active_test=False)
    since = fields.Datetime.to_string(
        fields.Datetime.from_string(fields.Datetime.now()) - timedelta(days=30))
    # The generated leads only: BENCH_OWNERS adds existing records after them.
    scope = [('id', '<=', data.last_lead_id)]
    env.cr.execute("SELECT id, team_id, user_id, score, assignment_date, date_open FROM crm_lead "
                   "WHERE id <= %s", (data.last_lead_id,))
    leads = env.cr.fetchall()
    # Leads the existing owner step placed: ownership beats team and member filters.
    env.cr.execute("SELECT lead_id FROM crm_lead_assignment_log WHERE id > %s AND rule = 'owner'",
                   (before['log_id'],))
    owner_ids = {row[0] for row in env.cr.fetchall()}
    team_count = Counter(row[1] for row in leads if row[1] and row[0] not in owner_ids)
    member_count = Counter((row[1], row[2]) for row in leads
                           if row[2] and row[4] and row[4] >= since)
    plain_count = Counter((row[1], row[2]) for row in leads
                          if row[2] and row[4] and row[4] >= since and row[0] not in owner_ids)
    assigned = [row for row in leads if row[2]]

    # Scores: the sum of the points of the rules each lead matches (one search per rule).
    expected = Counter()
    for rule in data.rules:
        for lead_id in Lead.search(safe_eval(rule.domain or '[]') + scope).ids:
            expected[lead_id] += rule.points
    check("score = sum of the matching rules' points",
          ['lead %s: %s, expected %s' % (row[0], row[3], expected[row[0]]) for row in leads
           if abs((row[3] or 0.0) - expected[row[0]]) > 1e-6])

    # Phase 1: a lead in a team matches its filter and score band; a lead left without a team
    # matches no team (every benchmark team has capacity, so each one could have taken it).
    problems = []
    for team in data.teams:
        entry = data.team_domains[team.id] + score_band(team)
        matching = len(set(Lead.search([('team_id', '=', team.id)] + entry + scope).ids)
                       - owner_ids)
        if matching != team_count[team.id]:
            problems.append('%s: %d leads, %d match its filter and band'
                            % (team.name, team_count[team.id], matching))
        left = Lead.search_count([('team_id', '=', False)] + entry + scope)
        if left:
            problems.append('%s: %d leads without a team match it' % (team.name, left))
    check("teams: filter and score band respected, no matching lead left without team", problems)

    # Phase 2. Members are eligible when active, not paused, there (BENCH_ABSENCE: not on leave,
    # not off shift) and with a quota (their capacity pro-rated for recent leave days).
    quota = {m.id: m.assignment_quota for m in data.members}
    eligible = {(m.team_id.id, m.user_id.id): m for m in data.members
                if m.active and not m.assignment_optout and quota[m.id] > 0
                and (m.team_id.id, m.user_id.id) not in data.unavailable}
    check("members on leave or off shift receive nothing",
          ['%s: %d leads' % (key, member_count[key]) for key in sorted(data.unavailable)
           if member_count[key]])
    check("quotas pro-rated for past leave days only (BENCH_ABSENCE)",
          ['%s: quota %d of %d' % (m.display_name, quota[m.id], m.assignment_max)
           for m in data.members
           if (m.id in data.past_leave and m.assignment_max >= 10
               and quota[m.id] >= m.assignment_max)
           or (m.id not in data.past_leave | data.leave_now
               and quota[m.id] != m.assignment_max)])
    check("salespeople are eligible routing members of the lead's team",
          ['lead %s: (team, user) %s' % (row[0], (row[1], row[2])) for row in assigned
           if (row[1], row[2]) not in eligible])
    # BENCH_CAPACITY: a user's open leads after the run (one membership per user here).
    env.cr.execute("SELECT user_id, count(*) FROM crm_lead WHERE active AND probability < 100 "
                   "AND user_id IS NOT NULL GROUP BY user_id")
    open_count = Counter(dict(env.cr.fetchall()))

    def has_room(member, count):
        return (member.id in data.unlimited or count < quota[member.id]) and (
            member.id not in data.open_caps
            or open_count[member.user_id.id] < data.open_caps[member.id])

    check("no capacity exceeded (30-day count <= assignment_quota; no cap excepted)",
          ['%s: %d > %d' % (m.display_name, member_count[key], quota[m.id])
           for key, m in eligible.items() if member_count[key] > quota[m.id]
           and m.id not in data.unlimited]
          + ['%s (paused): %d leads' % (m.display_name, member_count[(m.team_id.id, m.user_id.id)])
             for m in data.members if m.assignment_optout
             and member_count[(m.team_id.id, m.user_id.id)]])
    problems, unserved = [], []
    for (team_id, user_id), member in eligible.items():
        domain = data.team_domains[team_id] + data.member_domains[member.id]
        given = len(set(Lead.search([('team_id', '=', team_id), ('user_id', '=', user_id)]
                                    + domain + scope).ids) - owner_ids)
        if given != plain_count[(team_id, user_id)]:
            problems.append('%s: %d leads, %d match team and member filters'
                            % (member.display_name, plain_count[(team_id, user_id)], given))
        # A member with room left had room during the whole run (loads only grow): no lead
        # waiting in the team may match them.
        if has_room(member, member_count[(team_id, user_id)]):
            waiting = Lead.search_count([('team_id', '=', team_id), ('user_id', '=', False),
                                         ('active', '=', True), ('probability', '<', 100)]
                                        + domain + scope)
            if waiting:
                unserved.append('%s has room (%d/%d) but %d matching leads wait in the team'
                                % (member.display_name, member_count[(team_id, user_id)],
                                   quota[member.id], waiting))
    check("assigned leads match team filter AND member filter", problems)
    check("no lead waits while a matching member has room", unserved)

    # Balance. Members of a team without a filter of their own are eligible for the same leads
    # and the lowest count/capacity wins, so for any two of them A, B (starting from zero):
    # count_A / cap_A - count_B / cap_B <= 1 / cap_A, i.e. equal capacities differ by at most
    # one lead and 2:1 capacities share about 2:1.
    # With BENCH_OWNERS, leads placed by the owner step come first and may load a member beyond
    # the others: the inequality then holds for members A that received a lead from phase 2
    # (A had the lowest ratio when it got its last one, and counts only grow).
    # BENCH_CAPACITY: equals are the members with neither an open-lead cap nor a preference
    # (those stop early, or take more); a limited member that is full takes no part (a member
    # with no cap goes on beyond it).
    problems = []
    by_team = defaultdict(list)
    for (team_id, user_id), member in eligible.items():
        if not data.member_domains[member.id] and member.id not in data.open_caps \
                and member.id not in data.preferred_domains:
            by_team[team_id].append((member_count[(team_id, user_id)], quota[member.id],
                                     member.display_name, plain_count[(team_id, user_id)],
                                     member.id in data.unlimited))
    for members in by_team.values():
        for count_a, cap_a, name_a, plain_a, _unlimited_a in members:
            for count_b, cap_b, name_b, _plain_b, unlimited_b in members:
                if not unlimited_b and count_b >= cap_b:
                    continue
                if plain_a and count_a * cap_b - count_b * cap_a > cap_b:
                    problems.append('%s %d/%d vs %s %d/%d' % (name_a, count_a, cap_a, name_b,
                                                              count_b, cap_b))
    check("balance within teams (count/capacity)", problems)
    if CAPACITY:
        check_capacity(data, check, eligible, member_count, open_count, has_room, scope)

    # Log rows of this run: one 'team' row per lead that entered a team, one 'member' row per
    # assigned lead and matching it, one 'unassigned' row per lead left without salesperson.
    env.cr.execute("""
        SELECT lead_id, kind, team_id, user_id, notified FROM crm_lead_assignment_log
         WHERE id > %s
    """, (before['log_id'],))
    logs = env.cr.fetchall()
    rows_of = defaultdict(Counter)
    member_row = {}
    for lead_id, kind, team_id, user_id, notified in logs:
        rows_of[kind][lead_id] += 1
        if kind == 'member':
            member_row[lead_id] = (team_id, user_id, notified)
    check("one 'member' log row per assigned lead, none twice",
          ['lead %s: %d member rows' % (lead_id, n) for lead_id, n in rows_of['member'].items()
           if n > 1]
          + (['%d member rows for %d assigned leads' % (sum(rows_of['member'].values()),
                                                        len(assigned))]
             if sum(rows_of['member'].values()) != len(assigned) else [])
          + ['lead %s: log %s, lead (%s, %s)' % (row[0], member_row.get(row[0]), row[1], row[2])
             for row in assigned if member_row.get(row[0], (0, 0))[:2] != (row[1], row[2])])
    check("one 'team' log row per lead that entered a team (none for the owner step's)",
          ['lead %s: %d team rows' % (row[0], rows_of['team'][row[0]]) for row in leads
           if rows_of['team'][row[0]] != (1 if row[1] and row[0] not in owner_ids else 0)])
    check("one 'unassigned' log row per lead left without salesperson",
          ['lead %s: %d unassigned rows' % (row[0], rows_of['unassigned'][row[0]]) for row in leads
           if rows_of['unassigned'][row[0]] != (0 if row[2] else 1)])

    # Side effects of setting a salesperson: dates, followers, one digest per salesperson and
    # no message per lead.
    check("assigned leads have date_open and assignment_date",
          ['lead %s' % row[0] for row in assigned if not (row[4] and row[5])])
    env.cr.execute("""
        SELECT l.id FROM crm_lead l JOIN res_users u ON u.id = l.user_id
         WHERE l.id <= %s
           AND NOT EXISTS (SELECT 1 FROM mail_followers f
                            WHERE f.res_model = 'crm.lead' AND f.res_id = l.id
                              AND f.partner_id = u.partner_id)
    """, (data.last_lead_id,))
    check("salespeople follow their leads", ['lead %s' % row[0] for row in env.cr.fetchall()])
    env.cr.execute("""
        SELECT l.id FROM crm_lead l
          JOIN crm_team t ON t.id = l.team_id JOIN res_users u ON u.id = t.user_id
         WHERE l.id <= %s
           AND NOT EXISTS (SELECT 1 FROM mail_followers f
                            WHERE f.res_model = 'crm.lead' AND f.res_id = l.id
                              AND f.partner_id = u.partner_id)
    """, (data.last_lead_id,))
    check("team followers (the leaders) follow the team's leads",
          ['lead %s' % row[0] for row in env.cr.fetchall()])
    env.cr.execute("""
        SELECT p.res_partner_id, count(*) FROM mail_message m
          JOIN mail_message_res_partner_rel p ON p.mail_message_id = m.id
         WHERE m.id > %s AND m.model IS NULL GROUP BY p.res_partner_id
    """, (before['message_id'],))
    digests = dict(env.cr.fetchall())
    partners = set(env['res.users'].browse(sorted({row[2] for row in assigned}))
                   .mapped('partner_id').ids)
    check("one digest per salesperson who received leads, every row notified",
          ['partner %s received %d digests' % (partner, digests.get(partner, 0))
           for partner in sorted(partners | set(digests))
           if digests.get(partner, 0) != (1 if partner in partners else 0)]
          + ['lead %s: member row not notified' % lead_id
             for lead_id, (_t, _u, notified) in member_row.items() if not notified])
    env.cr.execute("SELECT count(*) FROM mail_message WHERE id > %s AND model = 'crm.lead'",
                   (before['message_id'],))
    per_lead = env.cr.fetchone()[0]
    check("no message per lead", ['%d messages posted on leads' % per_lead] if per_lead else [])

    # The existing owner step: each lead it placed went to the salesperson of the existing
    # record sharing the key its reason names (the generated keys are unique to one record):
    # the tax ID (the customer's, or its head office's for a branch), the company name, the
    # email domain, else the phone or the email.
    env.cr.execute("""
        SELECT log.lead_id FROM crm_lead_assignment_log log JOIN crm_lead l ON l.id = log.lead_id
         WHERE log.id > %(log)s AND log.rule = 'owner'
           AND NOT CASE
               WHEN log.reason_data LIKE '%%["match_partner_vat"%%' THEN EXISTS (
                   SELECT 1 FROM res_partner p
                    WHERE p.user_id = log.user_id AND p.vat_key IN (
                          l.vat_key, CASE WHEN length(l.vat_key) = 13
                                          THEN left(l.vat_key, 10) END))
               WHEN log.reason_data LIKE '%%_company_name"%%' THEN EXISTS (
                   SELECT 1 FROM crm_lead o
                    WHERE o.id > %(last)s AND o.user_id = log.user_id AND o.active
                      AND o.probability < 100 AND o.company_name_key = l.company_name_key
                   UNION ALL
                   SELECT 1 FROM res_partner p
                    WHERE p.user_id = log.user_id AND p.company_name_key = l.company_name_key)
               WHEN log.reason_data LIKE '%%_email_domain"%%' THEN EXISTS (
                   SELECT 1 FROM crm_lead o
                    WHERE o.id > %(last)s AND o.user_id = log.user_id AND o.active
                      AND o.probability < 100 AND o.email_domain = l.email_domain
                   UNION ALL
                   SELECT 1 FROM res_partner p
                    WHERE p.user_id = log.user_id AND p.email_domain = l.email_domain)
               ELSE EXISTS (
                   SELECT 1 FROM crm_lead o
                    WHERE o.id > %(last)s AND o.user_id = log.user_id
                      AND o.active AND o.probability < 100
                      AND (o.phone_sanitized = l.phone_sanitized
                           OR o.email_normalized = l.email_normalized))
                 OR EXISTS (
                   SELECT 1 FROM res_partner p
                    WHERE p.user_id = log.user_id
                      AND (p.phone_sanitized = l.phone_sanitized
                           OR lower(p.email) = l.email_normalized))
               END
    """, {'log': before['log_id'], 'last': data.last_lead_id})
    check("the owner step gives a lead to the owner of the record sharing its key",
          ['lead %s' % row[0] for row in env.cr.fetchall()])
    # Leads placed through each key of the existing account (levels 1, 5 and 6).
    env.cr.execute("""
        SELECT CASE WHEN reason_data LIKE '%%["match_partner_vat"%%' THEN 'vat'
                    WHEN reason_data LIKE '%%_company_name"%%' THEN 'company_name'
                    WHEN reason_data LIKE '%%_email_domain"%%' THEN 'email_domain'
                    ELSE 'contact' END, count(*)
          FROM crm_lead_assignment_log WHERE id > %s AND rule = 'owner' GROUP BY 1
    """, (before['log_id'],))
    check.owner_keys = Counter(dict(env.cr.fetchall()))
    if OWNERS:
        env.cr.execute("""
            SELECT count(*) FILTER (WHERE l.phone_sanitized IS NOT NULL
                                      OR l.email_normalized LIKE 'customer%%@example.vn'),
                   count(*) FILTER (WHERE l.vat_key IS NOT NULL
                                      OR l.company_name_key ~ '^(khachhang|doitac)[0-9]+$'
                                      OR l.email_domain LIKE 'doitac%%.vn')
              FROM crm_lead l WHERE l.id <= %s
        """, (data.last_lead_id,))
        sharing, account = env.cr.fetchone()
        check("30%% of the leads share a key with an existing record, most go to their owner",
              [] if sharing >= 0.25 * len(leads)
              and len(owner_ids) - sum(check.owner_keys[kind] for kind in ACCOUNT_KINDS)
              >= 0.5 * sharing
              else ['%d leads share a key, %d placed by the owner step'
                    % (sharing, len(owner_ids))])
        check("15%% of the leads carry a variant of an existing account's tax ID, company name "
              "or domain, most go to its owner, through each of the three keys",
              [] if account >= 0.12 * len(leads)
              and sum(check.owner_keys[kind] for kind in ACCOUNT_KINDS) >= 0.5 * account
              and all(check.owner_keys[kind] >= 0.1 * account for kind in ACCOUNT_KINDS)
              else ['%d leads carry an account key, placed through them: %s'
                    % (account, dict(check.owner_keys))])
    else:
        check("no owner step without BENCH_OWNERS",
              ['%d owner rows' % len(owner_ids)] if owner_ids else [])
    env.cr.execute("""
        SELECT count(*) FROM crm_lead_assignment_log
         WHERE id > %s AND reason_data LIKE '%%"owner_skipped"%%'
    """, (before['log_id'],))
    check.owner_stats = (len(owner_ids), env.cr.fetchone()[0])
    return check, leads


def check_capacity(data, check, eligible, member_count, open_count, has_room, scope):
    """BENCH_CAPACITY: no open-lead cap exceeded, members with no cap took leads beyond their
    capacity where leads were left for them, and preferences honoured whenever a preferring
    member had room (rooms only shrink during a run: room at its end is room all along)."""
    env = data.env
    Lead = env['crm.lead'].with_context(active_test=False)
    check("no open-lead cap exceeded (open leads <= assignment_max_open)",
          ['%s: %d open > %d' % (m.display_name, open_count[m.user_id.id], data.open_caps[m.id])
           for m in eligible.values() if m.id in data.open_caps
           and open_count[m.user_id.id] > data.open_caps[m.id]])
    beyond = sum(1 for (team_id, user_id), m in eligible.items() if m.id in data.unlimited
                 and member_count[(team_id, user_id)] > m.assignment_quota)
    check("members with no cap go on beyond their capacity",
          [] if beyond else ['no member with no cap received more than their capacity'])
    holder = {}
    env.cr.execute("SELECT id, team_id, user_id FROM crm_lead WHERE id <= %s AND user_id IS NOT "
                   "NULL", (data.last_lead_id,))
    for lead_id, team_id, user_id in env.cr.fetchall():
        holder[lead_id] = (team_id, user_id)
    liked_by = {}  # member id -> ids of the leads of their preferred filter (in their team)
    for member in eligible.values():
        if member.id in data.preferred_domains:
            liked_by[member.id] = set(Lead.search(
                [('team_id', '=', member.team_id.id)] + data.team_domains[member.team_id.id]
                + data.member_domains[member.id] + data.preferred_domains[member.id]
                + scope).ids)
    by_member = {key: member for key, member in eligible.items()}
    problems, honoured = [], 0
    for member_id, liked in liked_by.items():
        member = data.members.browse(member_id)
        key = (member.team_id.id, member.user_id.id)
        room = has_room(member, member_count[key])
        for lead_id in liked:
            taken = by_member.get(holder.get(lead_id))
            if taken is None:
                continue
            if lead_id in liked_by.get(taken.id, ()):
                honoured += 1
            elif room:
                problems.append('lead %s preferred by %s (with room) given to %s'
                                % (lead_id, member.display_name, taken.display_name))
    if not honoured:
        problems.append('no lead went to a member who prefers it')
    check("preferences honoured whenever a preferring member had room (%d honoured)"
          % honoured, problems[:20] + (['%d more' % (len(problems) - 20)]
                                       if len(problems) > 20 else []))


def score_band(team):
    band = [('score', '>=', team.assignment_score_min)]
    if team.assignment_score_max:
        band.append(('score', '<', team.assignment_score_max))
    return band


def check_sla(data, aged, before, holders):
    """The take-back run against README's SLA take-back section."""
    env = data.env
    env.cache.invalidate()
    check = Checks()
    cr = env.cr
    cr.execute("SELECT lead_id, team_id, user_id, previous_user_id, kind FROM "
               "crm_lead_assignment_log WHERE id > %s", (before['log_id'],))
    rows = cr.fetchall()
    sla_rows = defaultdict(list)
    for lead_id, team_id, user_id, previous, kind in rows:
        sla_rows[lead_id].append((team_id, user_id, previous, kind))
    check("only 'sla' rows written", ['%s' % (row,) for row in rows if row[4] != 'sla'])
    check("one 'sla' row per overdue lead, none for the others",
          ['lead %s: %d rows' % (lead_id, len(sla_rows.get(lead_id, ())))
           for lead_id in set(aged) | set(sla_rows) if len(sla_rows.get(lead_id, ()))
           != (1 if lead_id in aged else 0)])
    cr.execute("SELECT id, team_id, user_id, coalesce(sla_reassign_count, 0) FROM crm_lead "
               "WHERE user_id IS NOT NULL")
    now_of = {row[0]: row[1:] for row in cr.fetchall()}
    moved = {lead_id: entries[0] for lead_id, entries in sla_rows.items() if entries[0][1]}
    check("moved leads: with the row's salesperson, taken from the previous holder",
          ['lead %s: now %s, row %s, before %s'
           % (lead_id, now_of.get(lead_id), row, aged.get(lead_id))
           for lead_id, row in moved.items()
           if now_of.get(lead_id, (None, None))[:2] != row[:2]
           or aged.get(lead_id) != (row[0], row[2])])
    check("none given back to anyone who held it",
          ['lead %s to %s, held by %s' % (lead_id, row[1], sorted(holders.get(lead_id, ())))
           for lead_id, row in moved.items() if row[1] in holders.get(lead_id, ())])
    check("sla_reassign_count 1 on moved leads, 0 on the others",
          ['lead %s: %s' % (lead_id, values[2]) for lead_id, values in now_of.items()
           if values[2] != (1 if lead_id in moved else 0)])
    eligible = {(m.team_id.id, m.user_id.id): m for m in data.members
                if m.active and not m.assignment_optout and m.assignment_max > 0}
    check("moved to an eligible member of the same team",
          ['lead %s: %s' % (lead_id, row[:2]) for lead_id, row in moved.items()
           if row[:2] not in eligible])
    loads = data.teams._routing_member_loads()
    check("no quota exceeded (30-day load with take-backs <= assignment_max)",
          ['%s: %d > %d' % (m.display_name, loads[key][0], m.assignment_max)
           for key, m in eligible.items() if loads.get(key, (0,))[0] > m.assignment_max])
    cr.execute("SELECT count(*) FROM mail_message WHERE id > %s AND model = 'crm.lead'",
               (before['message_id'],))
    per_lead = cr.fetchone()[0]
    check("no message per lead", ['%d messages posted on leads' % per_lead] if per_lead else [])
    return check, moved, sla_rows
