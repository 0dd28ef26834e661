# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Fallback in plain Python (DESIGN.md "Fallback"): where leads nobody could take go instead of
waiting for ever.

After phase 2, a lead left waiting in a team because no member could take it (every member full,
absent, off hours or filtered out), once it has waited the team's fallback hours there, moves to
the team's overflow team and is routed there, in the same run, through that team's members (the
overflow team's own filter and score band do not apply; its members' filters do). A lead that
enters an overflow team whose own fallback hours are 0 may move on to the next level, at most
two levels. A lead still waiting then goes to the fallback salesperson of the team it waits in
at that point, whatever their load.
"""
from collections import namedtuple

from . import engine, policy
from .engine import Decision, MemberState, TeamState

# Teams in an overflow chain at most: the team and two overflow levels.
MAX_CHAIN = 3

# A team's fallback settings. ``fallback_team_id`` None: no overflow team (or one that does not
# take part: archived, opted out); ``fallback_user_id`` None: no fallback salesperson (or one
# who may receive no lead: archived, not internal). ``user_company_ids``: the companies the
# fallback salesperson works for, checked against each lead's company (``policy.may_receive``,
# as for members); None: not checked.
FallbackTeam = namedtuple('FallbackTeam', 'team_id fallback_team_id fallback_user_id hours '
                                          'user_company_ids')
FallbackTeam.__new__.__defaults__ = (None,)


def chain_problem(next_of, team_id, max_chain=MAX_CHAIN):
    """Why the overflow chains through ``team_id`` are refused, or None.

    :param next_of: {team_id: its overflow team id, or None}; teams missing have none
    :return: 'cycle' when following the overflow teams from ``team_id`` comes back to a team
        already seen, 'too_long' when a chain through ``team_id`` (teams leading to it
        included) holds more than ``max_chain`` teams, else None
    """
    seen, current = [], team_id
    while current is not None:
        if current in seen:
            return 'cycle'
        seen.append(current)
        current = next_of.get(current)
    above, level = 0, {team_id}
    while level:
        level = {team for team, target in next_of.items() if target in level}
        if level:
            above += 1
        if above + len(seen) > max_chain:
            return 'too_long'
    return None


def route(leads, config, members, overflow_fits, waited, now, company_of=None, skipped=None):
    """The fallback decisions of one run.

    :param leads: ``(lead_id, team_id, score, create_date)`` of the leads phase 2 left waiting
        because no member could take them ('no_member'), team_id being the team they wait in
    :param config: {team_id: :class:`FallbackTeam`} of the run's teams and of the overflow teams
        that take part; an overflow team missing here is not used
    :param members: {team_id: [engine.MemberState]} the members of the overflow teams who may
        take leads now (present, with room or not); the states of the run's main pass, so that
        counts carry on, and updated here
    :param overflow_fits: {member_id: ids of the leads the member's own filter accepts, or None
        for no filter of their own}: in an overflow team the team's filter does not apply
    :param waited: {lead_id: hours the lead has waited in its team}
    :param now: the run's date string, recorded as the members' last assignment
    :param company_of: {lead_id: company_id or None}: a lead goes to a fallback salesperson
        only if they work for its company (a team without company routes several)
    :param skipped: a dict receiving {lead_id: (team_id, user_id, company_id)} for the leads
        left waiting because the fallback salesperson does not work for their company
    :return: ({lead_id: [Decision] replacing its waiting decision}, {lead_id: (team it waited
        in, hours it waited)}) for the leads the fallback moved or gave away
    """
    result, origin = {}, {}
    team_of = {}
    ready = []
    for lead in leads:
        settings = config.get(lead[1])
        if settings is None or not (settings.fallback_team_id or settings.fallback_user_id):
            continue
        if waited.get(lead[0], 0.0) < settings.hours:
            continue
        ready.append(lead)
        team_of[lead[0]] = lead[1]
    movable = ready
    for level in range(MAX_CHAIN - 1):
        moving = []
        for lead in movable:
            settings = config[team_of[lead[0]]]
            # A lead enters an overflow team now: it moves on only if that team waits 0 hours.
            if level and settings.hours > 0:
                continue
            target = settings.fallback_team_id
            if target is not None and target in config:
                moving.append((lead, target))
        if not moving:
            break
        decisions = _route_into(moving, members, overflow_fits, now)
        movable = []
        for (lead, target), decision in zip(moving, decisions):
            origin.setdefault(lead[0], (lead[1], waited.get(lead[0], 0.0)))
            # Waiting in the previous overflow team is no decision any more: it moved on.
            result[lead[0]] = [earlier for earlier in result.get(lead[0], ())
                               if earlier.kind != 'unassigned'] + [
                Decision(lead[0], target, None, None, 'team', lead[2], None, None,
                         'fallback_team'),
                decision]
            team_of[lead[0]] = target
            if decision.kind != 'member':
                movable.append(lead)
    for lead in ready:
        decisions = result.get(lead[0])
        if decisions and decisions[-1].kind == 'member':
            continue
        team_id = team_of[lead[0]]
        settings = config[team_id]
        user_id = settings.fallback_user_id
        if not user_id:
            continue
        company_id = (company_of or {}).get(lead[0])
        # Active and internal were checked when the settings were read: the company is left.
        if settings.user_company_ids is not None and not policy.may_receive(
                True, False, settings.user_company_ids, company_id):
            if skipped is not None:
                skipped[lead[0]] = (team_id, user_id, company_id)
            continue
        origin.setdefault(lead[0], (lead[1], waited.get(lead[0], 0.0)))
        kept = [decision for decision in decisions or () if decision.kind != 'unassigned']
        result[lead[0]] = kept + [Decision(lead[0], team_id, user_id, None, 'member', lead[2],
                                           None, None, 'fallback_user')]
    return result, origin


def _route_into(moving, members, overflow_fits, now):
    """Route ``moving`` [(lead, target team id)] through the members of their target teams, as
    phase 2 does, with the members' own filters only. Returns one decision per lead, in the
    order of ``moving``."""
    targets = {}
    for lead, target in moving:
        targets.setdefault(target, set()).add(lead[0])
    teams = [TeamState(target, 0, 1, 0, set(), fits) for target, fits in targets.items()]
    states = [state for target in targets for state in members.get(target, ())]
    # The open loads are shared, not copied: what the proxies take counts at once.
    proxies = [MemberState(state.id, state.team_id, state.user_id, state.capacity, state.count,
                           state.last, overflow_fits.get(state.id), weight=state.weight,
                           unlimited=state.unlimited, open_cap=state.open_cap,
                           open_load=state.open_load, preferred=state.preferred)
               for state in states]
    decided = engine.route([(lead[0], target, lead[2], lead[3]) for lead, target in moving],
                           set(), teams, proxies, now)
    for state, proxy in zip(states, proxies):
        state.count, state.last = proxy.count, proxy.last
    by_lead = {decision.lead_id: decision for decision in decided}
    return [by_lead[lead[0]] for lead, _target in moving]
