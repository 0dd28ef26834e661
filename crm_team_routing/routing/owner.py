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
from collections import Counter, namedtuple

from . import engine

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


def is_stoplisted(records, owners):
    """Whether a key shared by ``records`` records (the candidate itself not counted) with
    ``owners`` different salespeople is ignored."""
    return records >= STOPLIST_RECORDS and owners >= STOPLIST_OWNERS


def first_match(matches, company_id, stoplist):
    """The match that decides: lowest level, then lowest rank, then most recently assigned,
    then highest record id; matches through a key of ``stoplist`` ((company_id, key_kind, key))
    are ignored. None when nothing matches."""
    best = None
    for match in matches:
        if match.key_kind in STOPLIST_KINDS and (company_id, match.key_kind, match.key) in stoplist:
            continue
        if best is None or (match.level, match.rank) < (best.level, best.rank) or (
                (match.level, match.rank) == (best.level, best.rank)
                and (match.date or '', match.record_id) > (best.date or '', best.record_id)):
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
    """Set team loads and member counts to what ``decisions`` (all of the run so far) leave,
    whether or not the engine updated its states in place."""
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


def route(leads, phase1_ids, teams, members, now, company_of, matches, keys_of, stoplist, seats,
          engine_route=None):
    """The run's decisions with the existing owner step before phases 1 and 2.

    :param leads, phase1_ids, teams, members, now: as ``engine.route``
    :param company_of: {lead_id: company_id}
    :param matches: {lead_id: [Match]} the records that may give their owner, for the
        candidates the step considers (any order; :func:`first_match` picks)
    :param keys_of: {lead_id: [(key_kind, key, label)]} the keys of those candidates
    :param stoplist: set of (company_id, key_kind, key) ignored
    :param seats: {user_id: [Seat]} seats of the possible owners, by team sequence then id
    :param engine_route: phases 1 and 2 (default ``engine.route``, looked up at each call)
    :return: :class:`Outcome`
    """
    engine_route = engine_route or engine.route
    outcome = Outcome()
    ordered = engine.best_first(leads)
    base = _snapshot(teams, members)
    team_of = {row[0]: row[1] for row in leads}
    teams_by_id = {team.id: team for team in teams}
    fits = {team.id: team.fits for team in teams}
    given = {}  # lead_id: (user_id, team_id) of the run's member decisions

    def place(row, match, seat):
        lead_id, team_id, score, _create = row
        state = seat.state
        decision = engine.Decision(lead_id, seat.team_id, state.user_id, state.id, 'member',
                                   score, state.count, OWNER)
        state.take(now)
        if seat.team_id != team_id:
            if seat.team_id in teams_by_id:
                teams_by_id[seat.team_id].load += 1
            if team_id in teams_by_id:
                teams_by_id[team_id].load -= 1
        outcome.decisions.append(decision)
        outcome.placed[lead_id] = match
        given[lead_id] = (state.user_id, seat.team_id)

    def take(row, match):
        lead_id = row[0]
        seat, why = choose_seat(seats.get(match.user_id, ()), company_of.get(lead_id), lead_id,
                                match.team_id, fits)
        if seat is None:
            outcome.skipped[lead_id] = Skip(match, *why)
        else:
            place(row, match, seat)

    # 1. Existing owners, best first.
    for row in ordered:
        match = first_match(matches.get(row[0], ()), company_of.get(row[0]), stoplist)
        if match is not None:
            take(row, match)

    # 2. Phases 1 and 2 for the others, except the followers of a better candidate.
    owned = set(stoplist) | crowded_keys(keys_of, company_of)
    for lead_id, lead_matches in matches.items():
        company_id = company_of.get(lead_id)
        owned.update((company_id, match.key_kind, match.key) for match in lead_matches
                     if match.key_kind)
    followers = {lead_id: group for lead_id, group in
                 follow_groups(ordered, keys_of, company_of, owned).items()
                 if lead_id not in outcome.placed}
    first_pass = engine_route([row for row in leads if row[0] not in outcome.placed
                               and row[0] not in followers],
                              phase1_ids, teams, members, now)
    outcome.decisions.extend(first_pass)
    _sync(base, teams, members, outcome.decisions, team_of, now)
    if not followers:
        return outcome
    given.update((decision.lead_id, (decision.user_id, decision.team_id))
                 for decision in first_pass if decision.kind == 'member')

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
    second_pass = engine_route([row for row in leads if row[0] in followers
                                and row[0] not in outcome.placed],
                               phase1_ids, teams, members, now)
    outcome.decisions.extend(second_pass)
    _sync(base, teams, members, outcome.decisions, team_of, now)
    return outcome
