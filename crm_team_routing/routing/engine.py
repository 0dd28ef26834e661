# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The routing algorithm, in plain Python: ids and numbers in, decisions out.

The ORM layer (``crm.team._action_assign_leads``) reads everything it needs in a fixed number of
queries per team and member, calls :func:`route`, then writes the decisions in batches. Nothing
here touches the database, which keeps the algorithm easy to test and to profile.

Phase 1 gives each lead waiting for a team to the matching team with the lowest load relative to
its capacity (ties: sequence, then id). Phase 2 gives each lead of a routed team to the eligible
member with the lowest load relative to capacity (ties: longest waiting, then member id). Leads are
taken best first: higher score, older creation, lower id. Same input, same output.
"""
from collections import namedtuple

# kind: 'team' (phase 1), 'member' (phase 2) or 'unassigned'; score and load (before the lead)
# explain it; why says what kept an unassigned lead waiting: 'no_team', 'team_filter' (a lead
# put in the team that does not match its filter) or 'no_member'.
Decision = namedtuple('Decision', 'lead_id team_id user_id member_id kind score load why')

NEVER = ''  # sorts before any datetime string: never-assigned members wait the longest


class TeamState(object):
    """A team taking part in the run.

    ``entry``: ids of leads the team may take in phase 1 (filter AND score band).
    ``fits``: ids of leads matching the team filter (phase 2 needs filter, not score band).
    ``load``: members' 30-day counts plus waiting leads; grows as phase 1 routes leads to it.
    ``assign_members``: whether phase 2 runs for this team in this run.
    """
    __slots__ = ('id', 'sequence', 'capacity', 'load', 'entry', 'fits', 'assign_members')

    def __init__(self, team_id, sequence, capacity, load, entry, fits, assign_members=True):
        self.id = team_id
        self.sequence = sequence
        self.capacity = capacity
        self.load = load
        self.entry = entry
        self.fits = fits
        self.assign_members = assign_members


class MemberState(object):
    """An eligible membership: active, not opted out, capacity > 0.

    ``fits``: ids of leads matching team filter AND member filter, or None when the member has no
    filter of its own (then the team's ``fits`` applies). ``last``: last assignment date as a
    string ('' when never), used to favour whoever waited longest.
    """
    __slots__ = ('id', 'team_id', 'user_id', 'capacity', 'count', 'last', 'fits')

    def __init__(self, member_id, team_id, user_id, capacity, count, last, fits=None):
        self.id = member_id
        self.team_id = team_id
        self.user_id = user_id
        self.capacity = capacity
        self.count = count
        self.last = last or NEVER
        self.fits = fits


def best_first(leads):
    """Sort ``(id, team_id, score, create_date)`` tuples: higher score, older, lower id first."""
    return sorted(leads, key=lambda lead: (-(lead[2] or 0.0), lead[3] or '', lead[0]))


def route(leads, phase1_ids, teams, members, now):
    """Compute the decisions of one run.

    :param leads: candidate ``(id, team_id, score, create_date)`` tuples (team_id may be None)
    :param phase1_ids: ids of the candidates that wait for a team (phase 1)
    :param teams: list of :class:`TeamState` (routing teams of this run, capacity > 0)
    :param members: list of :class:`MemberState`
    :param now: the run's date string, recorded as the members' last assignment
    :return: list of :class:`Decision`, in the order they were taken
    """
    decisions = []
    ordered = best_first(leads)
    team_of = {}

    # Phase 1: teams. Load is compared relative to capacity; teams are not capped here.
    entries = {}  # lead id: the teams it may enter (a lead matches a few of many teams)
    for team in teams:
        for lead_id in team.entry:
            entries.setdefault(lead_id, []).append(team)
    for lead_id, team_id, score, _create in ordered:
        if lead_id not in phase1_ids:
            team_of[lead_id] = team_id
            continue
        best = None
        for team in entries.get(lead_id, ()):
            if best is None or (team.load * best.capacity, team.sequence, team.id) < \
                    (best.load * team.capacity, best.sequence, best.id):
                best = team
        if best is None:
            team_of[lead_id] = None
            decisions.append(Decision(lead_id, None, None, None, 'unassigned', score, None,
                                      'no_team'))
            continue
        decisions.append(Decision(lead_id, best.id, None, None, 'team', score, best.load, None))
        best.load += 1
        team_of[lead_id] = best.id

    # Phase 2: members, within each team routed in this run.
    members_of = {}
    for member in members:
        members_of.setdefault(member.team_id, []).append(member)
    teams_by_id = {team.id: team for team in teams}
    for lead_id, _team, score, _create in ordered:
        team = teams_by_id.get(team_of.get(lead_id))
        if team is None or not team.assign_members:
            continue
        best = None
        if lead_id in team.fits:
            for member in members_of.get(team.id, ()):
                if member.count >= member.capacity:
                    continue
                if member.fits is not None and lead_id not in member.fits:
                    continue
                if best is None or (member.count * best.capacity, member.last, member.id) < \
                        (best.count * member.capacity, best.last, best.id):
                    best = member
        if best is None:
            why = 'no_member' if lead_id in team.fits else 'team_filter'
            decisions.append(Decision(lead_id, team.id, None, None, 'unassigned', score, None, why))
            continue
        decisions.append(Decision(lead_id, team.id, best.user_id, best.id, 'member', score,
                                  best.count, None))
        best.count += 1
        best.last = now
    return decisions
