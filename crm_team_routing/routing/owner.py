# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The existing owner step, in plain Python: a candidate goes to the salesperson who already has
its customer, before phases 1 and 2 (DESIGN.md "Existing owner").

The router reads, in a fixed number of indexed queries whatever the number of leads, the
candidates' keys and the best record sharing each key (``crm.lead.router._read_owners``), then
calls :func:`route`, which:

1. gives each candidate, best first, the owner of its first match: the first level with a match
   whose key is not on the stoplist, and within that level the most recently assigned record,
   then the highest id. Levels: (1) the salesperson of the lead's customer or of its commercial
   entity, then of the customer with the lead's tax ID; (2) an open opportunity of the same
   commercial entity, then the same email, then the same phone; (3) an open lead with the same
   email or phone; (4) a customer (a partner with a salesperson) with the same email or phone;
   (5) an open opportunity, then an open lead, then a customer with the same company name;
   (6) the same, with the same corporate email domain. The owner takes the lead when they hold
   a seat that can take it (:func:`choose_seat`); otherwise the lead is routed as usual and
   :attr:`Outcome.skipped` says why the owner was skipped;
2. routes the other candidates through ``engine.route`` (phases 1 and 2), with the counts the
   owner step left, except those that share a key nobody owns yet with a better candidate of the
   run (same-run stickiness);
3. gives those followers the salesperson the first candidate of their group was given, when they
   can take it, and routes the rest through ``engine.route`` again.

Decisions of the step are ``engine.Decision`` with kind 'member' and ``why`` = :data:`OWNER`
(logged with rule 'owner'). Member counts and team loads are the engine's states, updated in
place, so that each engine pass starts from what was decided before it.
"""
import gc
from array import array
from collections import Counter, namedtuple
from itertools import compress

from . import engine, keys as account_keys

# ``Decision.why`` of the member decisions this step makes (the engine's own have None).
OWNER = 'owner'

# A key shared by at least this many records (open leads and opportunities, customers; the
# candidate itself not counted) with at least STOPLIST_OWNERS different salespeople is ignored:
# a hotline, an info@ address.
STOPLIST_RECORDS = 21
STOPLIST_OWNERS = 2

# The kinds of key a candidate matches through: its commercial entity ('partner'), email,
# phone, tax ID ('vat', level 1), company name and corporate email domain (the existing
# account, DESIGN.md revision 3).
KEY_KINDS = ('partner', 'email', 'phone', 'vat', 'company_name', 'email_domain')

# Keys the stoplist applies to: shared contact points, and names and domains several
# customers may share. A customer (the commercial entity, the tax ID) is one customer, however
# many opportunities and salespeople it has.
STOPLIST_KINDS = ('email', 'phone', 'company_name', 'email_domain')
_STOPLIST_KINDS = frozenset(STOPLIST_KINDS)

# (level, rank) of a record matched through a key several records may share, by kind of key and
# kind of record: within a level, the lower rank wins before the assignment date.
KEY_LEVELS = {
    'email': {'opportunity': (2, 1), 'lead': (3, 0), 'customer': (4, 0)},
    'phone': {'opportunity': (2, 2), 'lead': (3, 0), 'customer': (4, 0)},
    'company_name': {'opportunity': (5, 0), 'lead': (5, 1), 'customer': (5, 2)},
    'email_domain': {'opportunity': (6, 0), 'lead': (6, 1), 'customer': (6, 2)},
}

# A record whose salesperson may take a candidate.
#   level: 1 to 6 (module docstring); rank: order inside the level (``KEY_LEVELS``; level 1:
#          the lead's customer 0, the tax ID 1)
#   record: 'partner' (level 1), 'opportunity', 'lead', 'customer', or 'run' (a candidate of
#           the same run, for stickiness)
#   record_id, name: the record, which the reason names
#   user_id: its salesperson; team_id: its team (None for partners)
#   date: its assignment date as a string, '' when none (the most recent wins)
#   key_kind: one of KEY_KINDS (None for the lead's own customer on level 1); key: the key's
#             value (the commercial entity's id, the email, the phone, the tax ID's digits...);
#             label: the key as the reason shows it
Match = namedtuple('Match', 'level rank record record_id name user_id team_id date key_kind key '
                            'label')

# Why an owner did not take a lead: cause 'not_member' (no seat in a team of the run routing to
# owners, of the lead's company), 'archived', 'paused', 'absent', 'full' (count >= capacity),
# 'open_full' (open leads >= the open-lead cap; count and capacity are those two) or
# 'unavailable' (takes no lead in this run: an invalid filter, say); count and capacity of the
# seat concerned (None for 'not_member').
Skip = namedtuple('Skip', 'match cause count capacity')


class Seat(object):
    """A membership of a possible owner in a routing team of the run that routes to existing
    owners (``assignment_owner``).

    ``state``: the membership's ``engine.MemberState`` (shared with the engine: its count grows
    as leads are given), None when it takes no lead in this run. ``blocked``: None, or why it
    cannot take a lead whatever its count ('archived', 'paused', 'absent', 'full' for a
    capacity of 0, 'unavailable'). ``company_id``: the team's company (None: any).
    """
    __slots__ = ('team_id', 'company_id', 'sequence', 'state', 'blocked', 'user_company_ids')

    def __init__(self, team_id, company_id, sequence, state, blocked=None,
                 user_company_ids=None):
        self.team_id = team_id
        self.company_id = company_id
        self.sequence = sequence
        self.state = state
        self.blocked = blocked
        # The companies the owner works for (None: not known, any): in a team without
        # company, the seat takes only leads of those.
        self.user_company_ids = user_company_ids

    def serves(self, company_id):
        """Whether the seat may take a lead of ``company_id``: the team's company, or any
        company its user works for when the team has none."""
        if self.company_id is not None:
            return self.company_id == company_id
        return company_id is None or self.user_company_ids is None \
            or company_id in self.user_company_ids

    def can_take(self):
        return self.blocked is None and self.state is not None and self.state.has_room()


class Outcome(object):
    """What :func:`route` decided: every decision of the run, in the order they were taken;
    ``placed`` {lead_id: Match} for the leads given by this step (their reason names the match);
    ``skipped`` {lead_id: Skip} for the leads whose owner could not take them."""

    def __init__(self):
        self.decisions = []
        self.placed = {}
        self.skipped = {}


def candidate_keys(candidates, company_of, free_domains):
    """The candidates' keys, from the router's candidate rows (``_read_owners``: lead id,
    partner id, name and salesperson, commercial entity id, name and salesperson, email, phone,
    tax ID key, company name key, partner name, email domain).

    :return: ({lead_id: [(key_kind, key, label)]} in the order of ``KEY_KINDS``,
        {key_kind: {(company_id, key)}}); a free-mail domain is no key
    """
    keys_of = {}
    keys = {kind: set() for kind in KEY_KINDS}
    partners, emails, phones, vats, names, domains = (keys[kind] for kind in KEY_KINDS)
    for row in candidates:
        lead_id = row[0]
        company_id = company_of[lead_id]
        lead_keys = []
        # Built key by key rather than filtered from a list of six: most leads have two keys.
        if row[4]:
            lead_keys.append(('partner', row[4], row[5]))
            partners.add((company_id, row[4]))
        if row[7]:
            lead_keys.append(('email', row[7], row[7]))
            emails.add((company_id, row[7]))
        if row[8]:
            lead_keys.append(('phone', row[8], row[8]))
            phones.add((company_id, row[8]))
        if row[9]:
            lead_keys.append(('vat', row[9], account_keys.vat_label(row[9])))
            vats.add((company_id, row[9]))
        if row[10]:
            lead_keys.append(('company_name', row[10], row[11]))
            names.add((company_id, row[10]))
        domain = row[12] and account_keys.corporate_domain(row[12], free_domains)
        if domain:
            lead_keys.append(('email_domain', domain, domain))
            domains.add((company_id, domain))
        keys_of[lead_id] = lead_keys
    return keys_of, keys


def candidate_matches(candidates, keys_of, company_of, found):
    """{lead_id: [match]}: the records that may give a candidate its owner, as plain tuples of
    :class:`Match`'s fields (:func:`route` makes a Match of the one it chooses): level 1, the
    salesperson of the lead's partner, else of its commercial entity; then the records ``found``
    ({(key_kind, company_id, key): [(level, rank, record, (id, name, user_id, team_id, date),
    label)]}) through each of the lead's keys. Candidates with no match are left out."""
    matches = {}
    for row in candidates:
        lead_id = row[0]
        lead_matches = []
        if row[3]:  # the partner's salesperson
            lead_matches.append((1, 0, 'partner', row[1], row[2], row[3], None, '', None, None,
                                 None))
        elif row[6]:  # the commercial entity's
            lead_matches.append((1, 0, 'partner', row[4], row[5], row[6], None, '', None, None,
                                 None))
        company_id = company_of[lead_id]
        for kind, key, label in keys_of[lead_id]:
            records = found.get((kind, company_id, key))
            if records:
                lead_matches.extend(
                    (level, rank, record, record_row[0], record_row[1], record_row[2],
                     record_row[3], record_row[4] or '', kind, key, record_label or label)
                    for level, rank, record, record_row, record_label in records)
        if lead_matches:
            matches[lead_id] = lead_matches
    return matches


def is_stoplisted(records, owners):
    """Whether a key shared by ``records`` records (the candidate itself not counted) with
    ``owners`` different salespeople is ignored."""
    return records >= STOPLIST_RECORDS and owners >= STOPLIST_OWNERS


def first_match(matches, company_id, stoplist):
    """The match that decides: lowest level, then lowest rank, then most recently assigned,
    then highest record id; matches through a key of ``stoplist`` ((company_id, key_kind, key))
    are ignored. None when nothing matches.

    ``matches``: :class:`Match`, or plain tuples of its fields (what the router reads: a
    namedtuple costs a Python call to build, and most are never chosen); the one chosen is
    returned as given. Fields are read by index: ``Match`` attributes cost a call each.
    """
    best = None
    for match in matches:
        # match[8], match[9]: key_kind, key
        if stoplist and match[8] in _STOPLIST_KINDS \
                and (company_id, match[8], match[9]) in stoplist:
            continue
        if best is None:
            best = match
            continue
        # [0] level, [1] rank, [7] date, [3] record_id
        if (match[0], match[1]) < (best[0], best[1]) or (
                (match[0], match[1]) == (best[0], best[1])
                and (match[7] or '', match[3]) > (best[7] or '', best[3])):
            best = match
    return best


def choose_seat(seats, company_id, lead_id, preferred_team_id, fits):
    """The seat of the owner that takes the lead, or (None, Skip fields) when none can.

    ``seats``: the owner's seats, ordered by team sequence then team id. The team is the matched
    record's team (``preferred_team_id``) if the owner can take the lead there, else a team of
    theirs whose filter matches the lead (``fits`` {team_id: lead ids}), else their first.
    """
    usable = [seat for seat in seats if seat.serves(company_id)]
    if not usable:
        return None, ('not_member', None, None)
    open_seats = [seat for seat in usable if seat.can_take()]
    if not open_seats:
        seat = usable[0]
        state = seat.state
        if seat.blocked is None and state is not None and state.open_full() \
                and not state.full():
            # At their open-lead cap (DESIGN.md revision 3): "40/40 open leads".
            return None, ('open_full', state.open_load.count, state.open_cap)
        return None, (seat.blocked or 'full', state.count if state else 0,
                      state.capacity if state else 0)
    for seat in open_seats:
        if seat.team_id == preferred_team_id:
            return seat, None
    for seat in open_seats:
        if lead_id in fits.get(seat.team_id, ()):
            return seat, None
    return open_seats[0], None


def crowded_keys(keys_of, company_of):
    """{(company_id, key_kind, key)}: the keys of a kind the stoplist applies to that more than
    STOPLIST_RECORDS candidates of the run share (a web form's default address, a lead
    vendor's domain, a list of leads imported with one company name): nobody owns them yet, but
    they say no more of who the customer is than a stoplisted key, so candidates do not follow
    each other through them."""
    counts = Counter((company_of.get(lead_id), key_kind, key)
                     for lead_id, lead_keys in keys_of.items()
                     for key_kind, key, _label in lead_keys if key_kind in STOPLIST_KINDS)
    return {ident for ident, count in counts.items() if count > STOPLIST_RECORDS}


def follow_groups(ordered, keys_of, company_of, owned):
    """Same-run stickiness: candidates linked by keys nobody owns yet form groups; each group
    follows its first candidate (best first).

    :param ordered: candidate rows, best first
    :param keys_of: {lead_id: [(key_kind, key, label)]} the candidates' keys
    :param owned: set of (company_id, key_kind, key) that have an owner, or are stoplisted
    :return: {follower_id: (leader_id, key_kind, label)}: the key through which it joined
    """
    rank = {}
    parent = {}
    joined = {}
    first_of_key = {}

    def root(lead_id):
        while parent[lead_id] != lead_id:
            parent[lead_id] = parent[parent[lead_id]]
            lead_id = parent[lead_id]
        return lead_id

    for position, row in enumerate(ordered):
        lead_id = row[0]
        if lead_id not in keys_of:
            continue
        rank[lead_id] = position
        parent[lead_id] = lead_id
        company_id = company_of.get(lead_id)
        for key_kind, key, label in keys_of[lead_id]:
            ident = (company_id, key_kind, key)
            if ident in owned:
                continue
            other = first_of_key.setdefault(ident, lead_id)
            if other == lead_id:
                continue
            mine, theirs = root(lead_id), root(other)
            if mine == theirs:
                continue
            joined.setdefault(lead_id, (key_kind, label))
            # The group's first candidate stays its root: it leads the group.
            if rank[mine] < rank[theirs]:
                parent[theirs] = mine
            else:
                parent[mine] = theirs
    followers = {}
    for lead_id in parent:
        leader = root(lead_id)
        if leader != lead_id:
            key_kind, label = joined.get(lead_id, (None, None))
            followers[lead_id] = (leader, key_kind, label)
    return followers


def _snapshot(teams, members):
    opens = {id(member.open_load): member.open_load for member in members
             if member.open_load is not None}
    return ({team.id: team.load for team in teams},
            {member.id: (member.count, member.last) for member in members},
            {key: (load, load.count) for key, load in opens.items()})


def _sync(base, teams, members, decisions, team_of, now):
    """Set team loads and member counts to what ``decisions`` leave from ``base`` (a
    :func:`_snapshot`), whether or not the engine updated its states in place."""
    base_loads, base_members, base_opens = base
    counts, loads = Counter(), Counter()
    for decision in decisions:
        if decision.kind == 'team':
            loads[decision.team_id] += 1
        elif decision.kind == 'member':
            counts[decision.member_id] += 1
            previous = team_of.get(decision.lead_id)
            if decision.why == OWNER and decision.team_id != previous:
                # Moved by this step: it waits in neither team now.
                loads[decision.team_id] += 1
                if previous:
                    loads[previous] -= 1
    for team in teams:
        team.load = base_loads[team.id] + loads[team.id]
    opened = Counter()
    for member in members:
        count, last = base_members[member.id]
        member.count = count + counts[member.id]
        member.last = now if counts[member.id] else last
        if member.open_load is not None:
            opened[id(member.open_load)] += counts[member.id]
    # A user's open leads: what they had, plus what any of their memberships took.
    for key, (load, count) in base_opens.items():
        load.count = count + opened[key]


def _engine_pass(engine_route, leads, keep, phase1_ids, teams, members, now, team_of):
    """Phases 1 and 2 for the candidates of ``leads`` whose id ``keep`` accepts, in their order;
    team loads and member counts are then what the states held before plus the pass's
    decisions (the owner step's own changes are made in place, as it decides)."""
    if isinstance(leads, engine.Leads):
        # Columns, not tuples: the engine orders them by their scores alone (the order of
        # ``leads`` ranks equal scores), where a list of tuples takes three sorts.
        mask = [keep(lead_id) for lead_id in leads.ids]
        rows = engine.Leads()
        rows.ids = array('i', compress(leads.ids, mask))
        rows.team_ids = array('i', compress(leads.team_ids, mask))
        rows.scores = array('d', compress(leads.scores, mask))
    else:
        rows = [row for row in leads if keep(row[0])]
    base = _snapshot(teams, members)
    decisions = engine_route(rows, phase1_ids, teams, members, now)
    _sync(base, teams, members, decisions, team_of, now)
    return decisions


def _followers(ordered, keys_of, company_of, stoplist, matches, placed):
    """{follower_id: (leader_id, key_kind, label)} of :func:`follow_groups` with what
    ``route`` knows to be owned (the stoplist, :func:`crowded_keys`, the keys of every match),
    placed candidates left out.

    Only a key at least two candidates share can link candidates, and most keys are one
    candidate's: the keys whose value alone is seen once are dropped first (no tuple built for
    them), and the union-find sees the shared keys alone, and the candidates that have one.
    """
    values = Counter(key for lead_keys in keys_of.values() for _kind, key, _label in lead_keys)
    repeated = {key for key, number in values.items() if number > 1}
    if not repeated:
        return {}
    entries = []  # (lead_id, (company_id, key_kind, key), key_kind, key, label), key by key
    for lead_id, lead_keys in keys_of.items():
        company_id = None
        for key_kind, key, label in lead_keys:
            if key in repeated:
                if company_id is None:
                    company_id = company_of.get(lead_id)
                entries.append((lead_id, (company_id, key_kind, key), key_kind, key, label))
    counts = Counter(entry[1] for entry in entries)
    shared = {ident for ident, number in counts.items() if number > 1
              and not (number > STOPLIST_RECORDS and ident[1] in _STOPLIST_KINDS)}
    shared.difference_update(stoplist)
    # match[8], match[9]: key_kind, key
    shared.difference_update([(company_of.get(lead_id), match[8], match[9])
                              for lead_id, lead_matches in matches.items()
                              for match in lead_matches if match[8] and match[9] in repeated])
    if not shared:
        return {}
    linking = {}
    for lead_id, ident, key_kind, key, label in entries:
        if ident in shared:
            linking.setdefault(lead_id, []).append((key_kind, key, label))
    return {lead_id: group for lead_id, group in
            follow_groups(ordered, linking, company_of, ()).items() if lead_id not in placed}


def route(leads, phase1_ids, teams, members, now, company_of, matches, keys_of, stoplist, seats,
          engine_route=None):
    """The run's decisions with the existing owner step before phases 1 and 2.

    :param leads, phase1_ids, teams, members, now: as ``engine.route``
    :param company_of: {lead_id: company_id}
    :param matches: {lead_id: [Match]} the records that may give their owner, for the
        candidates the step considers (any order; :func:`first_match` picks); plain tuples
        of a Match's fields will do
    :param keys_of: {lead_id: [(key_kind, key, label)]} the keys of those candidates
    :param stoplist: set of (company_id, key_kind, key) ignored
    :param seats: {user_id: [Seat]} seats of the possible owners, by team sequence then id
    :param engine_route: phases 1 and 2 (default ``engine.route``, looked up at each call)
    :return: :class:`Outcome`
    """
    # As in ``engine.route``: the step builds a few objects per candidate and no reference
    # cycles, yet enough to set off the cyclic collector's full passes over every object of the
    # process. Paused meanwhile, resumed as the caller had it.
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        return _route(leads, phase1_ids, teams, members, now, company_of, matches, keys_of,
                      stoplist, seats, engine_route or engine.route)
    finally:
        if paused:
            gc.enable()


def _route(leads, phase1_ids, teams, members, now, company_of, matches, keys_of, stoplist, seats,
           engine_route):
    """:func:`route`, with the cyclic garbage collector paused."""
    outcome = Outcome()
    # Best first, as ``engine.best_first`` orders tuples: Leads are sorted by score alone
    # (their order ranks equal scores), a list of tuples by three sorts.
    ordered = list(leads.best_first()) if isinstance(leads, engine.Leads) \
        else engine.best_first(leads)
    team_of = {row[0]: row[1] for row in ordered}
    teams_by_id = {team.id: team for team in teams}
    fits = {team.id: team.fits for team in teams}
    placed, skipped = outcome.placed, outcome.skipped
    given = {}  # lead_id: (user_id, team_id) of the run's member decisions

    def take(row, match):
        lead_id, team_id, score = row[0], row[1], row[2]
        if type(match) is not Match:
            match = Match._make(match)
        seat, why = choose_seat(seats.get(match.user_id, ()), company_of.get(lead_id), lead_id,
                                match.team_id, fits)
        if seat is None:
            skipped[lead_id] = Skip(match, *why)
            return
        state = seat.state
        outcome.decisions.append(engine.Decision(
            lead_id, seat.team_id, state.user_id, state.id, 'member', score, state.count,
            OWNER))
        state.take(now)
        if seat.team_id != team_id:
            if seat.team_id in teams_by_id:
                teams_by_id[seat.team_id].load += 1
            if team_id in teams_by_id:
                teams_by_id[team_id].load -= 1
        placed[lead_id] = match
        given[lead_id] = (state.user_id, seat.team_id)

    # 1. Existing owners, best first.
    for row in ordered:
        lead_matches = matches.get(row[0])
        if lead_matches:
            match = first_match(lead_matches, company_of.get(row[0]), stoplist)
            if match is not None:
                take(row, match)

    # 2. Phases 1 and 2 for the others, except the followers of a better candidate.
    followers = _followers(ordered, keys_of, company_of, stoplist, matches, placed)
    first_pass = _engine_pass(
        engine_route, leads, lambda lead_id: lead_id not in placed and lead_id not in followers,
        phase1_ids, teams, members, now, team_of)
    outcome.decisions.extend(first_pass)
    if not followers:
        return outcome
    leaders = {group[0] for group in followers.values()}
    given.update((decision.lead_id, (decision.user_id, decision.team_id))
                 for decision in first_pass
                 if decision.lead_id in leaders and decision.kind == 'member')

    # 3. Followers take the salesperson of their group's first candidate, when they can.
    for row in ordered:
        if row[0] not in followers:
            continue
        leader_id, key_kind, label = followers[row[0]]
        if leader_id not in given:
            continue  # the group's first candidate waits: no salesperson to follow
        user_id, team_id = given[leader_id]
        take(row, Match(None, 0, 'run', leader_id, None, user_id, team_id, '', key_kind, None,
                        label))

    # 4. Phases 1 and 2 for the followers that could not follow.
    outcome.decisions.extend(_engine_pass(
        engine_route, leads, lambda lead_id: lead_id in followers and lead_id not in placed,
        phase1_ids, teams, members, now, team_of))
    return outcome
