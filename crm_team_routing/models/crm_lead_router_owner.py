# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The existing owner step: read, decide (``routing.owner``), explain.

A lead from a customer someone already has goes back to them (step 0, before the teams).
"""
import csv
import io

from odoo import api, models

from ..routing import keys as account_keys, owner
from ..routing.reasons import join, text as reason_text

# The kinds of key matched by value (the commercial entity is matched by id).
VALUE_KINDS = ('email', 'phone', 'vat', 'company_name', 'email_domain')
# Up to this many keys travel with each query, as arrays; more are copied once into temporary
# tables the queries join: 100,000 keys cost 0.1-0.3 s of quoting and parsing per query.
OWNER_KEYS_INLINE_MAX = 1000
# The temporary tables of each kind of key ('keys': the run's; 'owned': those a record with a
# salesperson has), and their statements (names of VALUE_KINDS only).
KEY_TABLES = {
    (name, kind): {
        'relation': 'pg_temp.crm_team_routing_%s_%s AS k' % (name, kind),
        'drop': 'DROP TABLE IF EXISTS pg_temp.crm_team_routing_%s_%s' % (name, kind),
        'create': 'CREATE TEMPORARY TABLE pg_temp.crm_team_routing_%s_%s (company_id int, '
                  'key varchar, lookup varchar) ON COMMIT DROP' % (name, kind),
        'copy': 'COPY pg_temp.crm_team_routing_%s_%s FROM STDIN WITH (FORMAT csv)' % (name, kind),
        'analyze': 'ANALYZE pg_temp.crm_team_routing_%s_%s' % (name, kind),
    } for name in ('keys', 'owned') for kind in VALUE_KINDS
}


class CrmLeadRouterOwner(models.AbstractModel):
    _inherit = 'crm.lead.router'

    def _read_owners(self, teams, data):
        """What the existing owner step needs (see ``routing.owner``), for the candidates of this
        run (waiting for a team, or in a team of the run) of the companies whose teams of the
        run route to existing owners: their keys, the best record sharing each key at each
        level, the stoplist, the seats of the owners. A fixed number of indexed queries, whatever
        the number of leads: the run's keys, then the owned ones, travel once each
        (``_owner_key_relations``). None when the step has nothing to do."""
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
            SELECT l.id, p.id, p.display_name, CASE WHEN p.active THEN p.user_id END,
                   cp.id, cp.display_name, CASE WHEN cp.active THEN cp.user_id END,
                   l.email_normalized, l.phone_sanitized, l.vat_key, l.company_name_key,
                   l.partner_name, l.email_domain
              FROM crm_lead l
              LEFT JOIN res_partner p ON p.id = l.partner_id
                        AND (p.company_id IS NULL OR p.company_id = l.company_id)
              LEFT JOIN res_partner cp ON cp.id = p.commercial_partner_id
                        AND (cp.company_id IS NULL OR cp.company_id = l.company_id)
             WHERE l.id = ANY(%s)
        """, (lead_ids,))
        candidates = cr.fetchall()
        free_domains = self.env['res.partner']._routing_free_email_domains()
        keys_of, keys = owner.candidate_keys(candidates, company_of, free_domains)
        relations = self._owner_key_relations(keys)
        found = self._read_owner_records(keys, relations)
        # A key nobody owns cannot have two owners: only owned keys may be stoplisted. The
        # records found are for the run's keys only: their keys are the owned ones.
        owned = {kind: set() for kind in keys}
        for kind, company_id, key in found:
            owned[kind].add((company_id, key))
        shared = self._owner_shared_keys()
        stoplist = self._read_owner_stoplist(self._owner_key_relations(
            {kind: owned[kind] for kind in shared}, name='owned'))
        matches = owner.candidate_matches(candidates, keys_of, company_of, found)
        # match[5]: the user_id of a Match's fields
        users = {match[5] for lead_matches in matches.values() for match in lead_matches}
        return {
            'matches': matches,
            'keys_of': keys_of,
            'stoplist': stoplist,
            'seats': self._read_owner_seats(owner_teams, data, owner_ids=users),
        }

    def _owner_key_relations(self, keys, name='keys'):
        """{kind: (SQL of the relation ``k`` (company_id, key, lookup), its parameters)} of
        ``keys`` ({kind: {(company_id, key)}}) of each kind in ``VALUE_KINDS`` it has:
        ``lookup`` is the value searched, the key itself, and for a tax ID also its head
        office's (``keys.vat_head_office``). A few keys travel as arrays with each query; more
        are copied once into a temporary table per kind (``KEY_TABLES``: ``name`` and kind;
        dropped at the commit, or by the next run of this transaction)."""
        rows = {}
        for kind in VALUE_KINDS:
            if not keys.get(kind):
                continue
            kind_rows = [(company_id, key, key) for company_id, key in keys[kind]]
            if kind == 'vat':
                kind_rows += [(company_id, key, head) for company_id, key, head in (
                    (company_id, key, account_keys.vat_head_office(key))
                    for company_id, key in keys[kind]) if head]
            if kind_rows:
                rows[kind] = kind_rows
        if sum(len(kind_rows) for kind_rows in rows.values()) <= OWNER_KEYS_INLINE_MAX:
            return {kind: ("unnest(%s::int[], %s::varchar[], %s::varchar[]) "
                           "AS k(company_id, key, lookup)", [list(column) for column in zip(
                               *kind_rows)]) for kind, kind_rows in rows.items()}
        cr = self.env.cr
        relations = {}
        for kind, kind_rows in rows.items():
            table = KEY_TABLES[(name, kind)]
            cr.execute(table['drop'])
            cr.execute(table['create'])
            # CSV: the csv module quotes what needs it, in C; a key is never empty, so an
            # empty field is a company_id None (NULL).
            buffer = io.StringIO()
            csv.writer(buffer).writerows(kind_rows)
            buffer.seek(0)
            cr.copy_expert(table['copy'], buffer)
            # The planner's row counts and key frequencies of this run's keys.
            cr.execute(table['analyze'])
            relations[kind] = (table['relation'], [])
        return relations

    def _read_owner_records(self, keys, relations):
        """{(key_kind, company_id, key): [(level, rank, record, (id, name, user_id, team_id,
        date), label)]}: for each key of the run, the record of each level that gives its
        owner (the most recently assigned, then the highest id); ``label``: how the reason names
        the key when the record says it better than the candidate (the record's company name,
        the tax ID it was found by), else None. A fixed number of queries (the kinds of key of
        the run, two each at most); won (probability 100) and lost (archived) records never
        match, nor records of another company."""
        cr = self.env.cr
        found = {}

        def add(key, level, rank, record, row, label=None):
            found.setdefault(key, []).append((level, rank, record, row, label))

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
        if 'vat' in relations:
            for company_id, key, row, matched in self._read_owner_vat(relations['vat']):
                add(('vat', company_id, key), 1, 1, 'partner', row + (None, ''),
                    account_keys.vat_label(matched))
        for kind, (levels, column, label) in sorted(self._owner_shared_keys().items()):
            if kind not in relations:
                continue
            relation, params = relations[kind]
            # Open opportunities and open leads with the key.
            cr.execute("""
                SELECT DISTINCT ON (k.company_id, k.key, l.type)
                       k.company_id, k.key, l.type, {label},
                       l.id, l.name, l.user_id, l.team_id, l.assignment_date
                  FROM {relation}
                  JOIN crm_lead l ON l.{column} = k.key
                 WHERE {open_lead}
                 ORDER BY k.company_id, k.key, l.type, l.assignment_date DESC NULLS LAST,
                          l.id DESC
            """.format(relation=relation, column=column, open_lead=open_lead,
                       label='l.partner_name' if label else 'NULL'), params)
            for row in cr.fetchall():
                record = 'opportunity' if row[2] == 'opportunity' else 'lead'
                add((kind, row[0], row[1]), levels[record][0], levels[record][1], record,
                    row[4:], row[3])
            # Customers with a salesperson: no assignment date, the newest wins.
            cr.execute("""
                SELECT DISTINCT ON (k.company_id, k.key)
                       k.company_id, k.key, {label}, p.id, p.display_name, p.user_id
                  FROM {relation}
                  JOIN res_partner p ON {partner_key} = k.key
                 WHERE p.active AND p.user_id IS NOT NULL
                   AND (p.company_id IS NULL OR p.company_id = k.company_id)
                 ORDER BY k.company_id, k.key, p.id DESC
            """.format(relation=relation, partner_key=self._owner_partner_key(kind),
                       label='p.name' if label else 'NULL'), params)
            for row in cr.fetchall():
                level, rank = levels['customer']
                add((kind, row[0], row[1]), level, rank, 'customer', row[3:] + (None, ''),
                    row[2])
        return found

    def _read_owner_vat(self, relation):
        """[(company_id, key, (partner_id, name, user_id), matched key)]: for each tax ID key
        of the run (``relation``: see ``_owner_key_relations``), the customer with that tax ID
        who has a salesperson (level 1): the commercial entity before its contacts, then the
        newest. A Vietnamese branch's key (13 digits) finds its head office's (10) when no
        partner of the company has the branch's own. One query."""
        relation, params = relation
        # Whether a key found its own partner is a window over the key's rows: a NOT EXISTS
        # over the found rows scanned them all again for each row (0.18 s for 3,000 rows).
        self.env.cr.execute("""
            WITH found AS (
                SELECT k.company_id, k.key, k.lookup = k.key AS exact, p.id, p.display_name,
                       p.user_id, p.vat_key, p.id = p.commercial_partner_id AS commercial
                  FROM {relation}
                  JOIN res_partner p ON p.vat_key = k.lookup
                 WHERE p.active AND (p.company_id IS NULL OR p.company_id = k.company_id)),
            ranked AS (
                SELECT found.*, bool_or(found.exact) OVER (
                           PARTITION BY found.company_id, found.key) AS key_found
                  FROM found)
            SELECT DISTINCT ON (f.company_id, f.key)
                   f.company_id, f.key, f.id, f.display_name, f.user_id, f.vat_key
              FROM ranked f
             WHERE f.user_id IS NOT NULL AND (f.exact OR NOT f.key_found)
             ORDER BY f.company_id, f.key, f.exact DESC, f.commercial DESC, f.id DESC
        """.format(relation=relation), params)
        return [(row[0], row[1], row[2:5], row[5]) for row in self.env.cr.fetchall()]

    @api.model
    def _owner_shared_keys(self):
        """{key_kind: (levels, lead column, labelled by the record)} of the keys several
        customers may share, hence on the stoplist: ``levels`` is ``owner.KEY_LEVELS[kind]``;
        a company name is named as the matched record writes it."""
        return {
            'email': (owner.KEY_LEVELS['email'], 'email_normalized', False),
            'phone': (owner.KEY_LEVELS['phone'], 'phone_sanitized', False),
            'company_name': (owner.KEY_LEVELS['company_name'], 'company_name_key', True),
            'email_domain': (owner.KEY_LEVELS['email_domain'], 'email_domain', False),
        }

    @api.model
    def _owner_partner_key(self, kind):
        """The SQL expression of a partner's key, as its index has it."""
        return {'email': 'lower(p.email)', 'phone': 'p.phone_sanitized',
                'company_name': 'p.company_name_key', 'email_domain': 'p.email_domain'}[kind]

    def _read_owner_stoplist(self, relations):
        """{(company_id, key_kind, key)}: the keys of ``relations`` (see
        ``_owner_key_relations``: emails, phones, company names, email domains that someone
        owns) shared by too many records with several owners (``owner.is_stoplisted``): a
        hotline, an info@ address, a group's domain. Records: open leads and opportunities (the
        candidate itself not counted) and customers with a salesperson, of the key's company.
        One query per kind of key."""
        cr = self.env.cr
        stoplist = set()
        for kind, (_levels, column, _label) in sorted(self._owner_shared_keys().items()):
            if kind not in relations:
                continue
            relation, params = relations[kind]
            query = """
                WITH r AS (SELECT k.company_id, k.key, l.user_id
                             FROM {relation} JOIN crm_lead l ON l.{column} = k.key
                            WHERE l.active AND l.probability < 100
                              AND l.company_id IS NOT DISTINCT FROM k.company_id
                           UNION ALL
                           SELECT k.company_id, k.key, p.user_id
                             FROM {relation} JOIN res_partner p ON {partner_key} = k.key
                            WHERE p.active AND p.user_id IS NOT NULL
                              AND (p.company_id IS NULL OR p.company_id = k.company_id))
                SELECT company_id, key, count(*) - 1, count(DISTINCT user_id)
                  FROM r GROUP BY company_id, key
                HAVING count(*) - 1 >= %s AND count(DISTINCT user_id) >= %s
            """.format(relation=relation, column=column,
                       partner_key=self._owner_partner_key(kind))
            cr.execute(query, params + params + [owner.STOPLIST_RECORDS, owner.STOPLIST_OWNERS])
            stoplist.update((company_id, kind, key) for company_id, key, records, owners
                            in cr.fetchall() if owner.is_stoplisted(records, owners))
        return stoplist

    def _read_owner_seats(self, owner_teams, data, owner_ids=()):
        """{user_id: [owner.Seat]}: the active memberships in the run's teams that route to
        existing owners, ordered by team sequence then id (an archived user's are blocked).
        An archived user among ``owner_ids`` (the matched records' salespeople) with no such
        membership gets one blocked seat of no team, so that the reason says "archived"
        rather than "not a member". One query; what kept a member out of this run (paused,
        absent, quota used up) comes from ``_read_states``."""
        self.env.cr.execute("""
            SELECT m.id, m.team_id, m.user_id, m.assignment_optout, m.assignment_max,
                   t.company_id, t.sequence, u.active,
                   ARRAY(SELECT rel.cid FROM res_company_users_rel rel WHERE rel.user_id = u.id)
              FROM crm_team_member m
              JOIN crm_team t ON t.id = m.team_id
              JOIN res_users u ON u.id = m.user_id
             WHERE m.active AND m.team_id = ANY(%s)
            UNION ALL
            SELECT NULL, NULL, u.id, FALSE, 0, NULL, 0, FALSE, NULL
              FROM res_users u
             WHERE u.id = ANY(%s) AND NOT u.active
               AND NOT EXISTS (SELECT 1 FROM crm_team_member m
                                WHERE m.user_id = u.id AND m.active AND m.team_id = ANY(%s))
        """, (owner_teams.ids, list(owner_ids), owner_teams.ids))
        rows = self.env.cr.fetchall()
        states = {state.id: state for state in data['member_states']}
        left_out = {member.id: cause for entries in data.get('skipped', {}).values()
                    for cause, member, _detail in entries}
        seats = {}
        for member_id, team_id, user_id, paused, capacity, company_id, sequence, active, \
                user_companies in rows:
            state = states.get(member_id)
            cause = left_out.get(member_id)
            if not active or cause == 'archived':
                blocked = 'archived'
            elif paused or cause == 'paused':
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
                team_id, company_id, sequence or 0, state, blocked,
                user_company_ids=frozenset(user_companies) if user_companies is not None
                else None))
        for user_seats in seats.values():
            user_seats.sort(key=lambda seat: (seat.sequence, seat.team_id or 0))
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
        # The leads the step placed or skipped: a decision of any other lead has the plain
        # reason (most of a run's: one dictionary look-up, not three tests, for each).
        touched = dict.fromkeys(outcome.placed)
        touched.update(dict.fromkeys(outcome.skipped))

        def owner_reason(decision):
            if decision.lead_id not in touched:
                return reason(decision)
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
