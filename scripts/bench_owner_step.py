# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Time the existing owner step's Python alone: no database, no Odoo server.

    .venv/bin/python scripts/bench_owner_step.py [--leads N] [--repeat R] [--seed S]
                                                 [--reference COMMIT]

Builds seeded data shaped like ``BENCH_OWNERS=1 make bench`` (100,000 candidates, 20 teams x 10
members, about 30% sharing a key with one of 50,000 owned records, 15% with account keys:
company name, corporate email domain; candidates sharing new keys among themselves, a crowded
web-form address, a few stoplisted keys, owners who are not members, paused or full), then
prints the CPU seconds (best of R) of:

- the Python of ``crm.lead.router._read_owners`` (the candidates' keys, then their matches
  from the records found: ``owner.candidate_keys``, the owned keys, ``owner.candidate_matches``);
- ``owner.route`` (the owner step, then the engine's phases 1 and 2);

for this checkout and for the reference (``routing/owner.py`` as commit COMMIT has it, 1aa0e7a
by default, and a copy of that commit's loops of ``_read_owners`` kept below), and checks that
both give the same keys, matches, decisions, placed and skipped leads, and leave the same team
loads, member counts and open leads. Exit status 1 when they differ.
"""
import argparse
import hashlib
import os
import random
import subprocess
import sys
import time
import types

import odoo

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
odoo.addons.__path__.append(ROOT)

from odoo.addons.crm_team_routing.routing import engine, keys as account_keys  # noqa: E402
from odoo.addons.crm_team_routing.routing import owner  # noqa: E402

NOW = '2026-12-06 08:00:00'
TEAMS, PER_TEAM = 20, 10
RECORDS = 50000
FREE_DOMAINS = frozenset(['gmail.com', 'yahoo.com', 'hotmail.com'])


def load_reference(commit):
    """``routing/owner.py`` as ``commit`` has it, as a module beside the real one."""
    source = subprocess.check_output(
        ['git', 'show', '%s:crm_team_routing/routing/owner.py' % commit], cwd=ROOT)
    module = types.ModuleType('odoo.addons.crm_team_routing.routing.owner_reference')
    module.__package__ = 'odoo.addons.crm_team_routing.routing'
    exec(compile(source, 'owner@%s' % commit, 'exec'), module.__dict__)
    return module


def reference_read_python(candidates, company_of, free_domains, found, ref):
    """The Python of ``_read_owners`` as commit 1aa0e7a has it (its SQL left out): keys,
    the owned keys handed to the stoplist query, matches."""
    keys_of = {}
    keys = {kind: set() for kind in ref.KEY_KINDS}
    for row in candidates:
        lead_id, commercial_id, commercial_name = row[0], row[4], row[5]
        email, phone, vat, company_name, partner_name = row[7:12]
        domain = account_keys.corporate_domain(row[12], free_domains)
        lead_keys = [(kind, key, label) for kind, key, label in (
            ('partner', commercial_id, commercial_name), ('email', email, email),
            ('phone', phone, phone), ('vat', vat, account_keys.vat_label(vat)),
            ('company_name', company_name, partner_name),
            ('email_domain', domain, domain)) if key]
        keys_of[lead_id] = lead_keys
        for kind, key, _label in lead_keys:
            keys[kind].add((company_of[lead_id], key))
    owned = {kind: {(company_id, key) for company_id, key in keys[kind]
                    if (kind, company_id, key) in found} for kind in keys}
    matches = {}
    for row in candidates:
        lead_id, partner_id, partner_name, partner_user, commercial_id, commercial_name, \
            commercial_user = row[:7]
        company_id = company_of[lead_id]
        lead_matches = []
        if partner_user or commercial_user:
            record_id, name, user_id = (partner_id, partner_name, partner_user) \
                if partner_user else (commercial_id, commercial_name, commercial_user)
            lead_matches.append(ref.Match(1, 0, 'partner', record_id, name, user_id, None,
                                          '', None, None, None))
        for kind, key, label in keys_of[lead_id]:
            for level, rank, record, record_row, record_label in found.get(
                    (kind, company_id, key), ()):
                lead_matches.append(ref.Match(
                    level, rank, record, record_row[0], record_row[1], record_row[2],
                    record_row[3], record_row[4] or '', kind, key, record_label or label))
        if lead_matches:
            matches[lead_id] = lead_matches
    users = {match.user_id for lead_matches in matches.values() for match in lead_matches}
    return keys_of, keys, owned, matches, users


def current_read_python(candidates, company_of, free_domains, found):
    """The Python of ``_read_owners`` as this checkout has it."""
    keys_of, keys = owner.candidate_keys(candidates, company_of, free_domains)
    owned = {kind: set() for kind in keys}
    for kind, company_id, key in found:
        owned[kind].add((company_id, key))
    matches = owner.candidate_matches(candidates, keys_of, company_of, found)
    users = {match[5] for lead_matches in matches.values() for match in lead_matches}
    return keys_of, keys, owned, matches, users


def build(leads_count, seed):
    """Candidate rows as ``_read_owners`` reads them, the records found for their keys, the
    stoplist, the candidates as ``engine.Leads``, and a factory of fresh states and seats."""
    rng = random.Random(seed)
    users = list(range(1, TEAMS * PER_TEAM + 1))
    outsiders = list(range(1001, 1061))  # owners with no seat in the run's teams
    records = []  # (id, name, user_id, team_id, date, email, phone, name key, domain)
    for record_id in range(1, RECORDS + 1):
        user_id = rng.choice(outsiders) if rng.random() < 0.1 else rng.choice(users)
        records.append((
            1000000 + record_id, 'Record %d' % record_id, user_id,
            (user_id - 1) // PER_TEAM + 1 if user_id in users else None,
            '2026-%02d-%02d 10:00:00' % (rng.randint(1, 11), rng.randint(1, 28))
            if rng.random() < 0.9 else None,
            'r%d@c%d.vn' % (record_id, record_id % 9000), '+8490%07d' % record_id,
            'company%d' % (record_id % 12000), 'c%d.vn' % (record_id % 9000)))
    found = {}

    def add(kind, key, level, rank, record_kind, record, label=None):
        found.setdefault((kind, 1, key), []).append(
            (level, rank, record_kind, record[:5], label))

    candidates, rows = [], []
    hotline = '+84900000000'
    for lead_id in range(1, leads_count + 1):
        partner = [None] * 6
        email = phone = vat = name_key = partner_name = domain = None
        draw = rng.random()
        if draw < 0.30:  # shares a key with an owned record
            record = rng.choice(records)
            if rng.random() < 0.6:
                email = record[5]
                domain = record[8]
                add('email', email, 2 if rng.random() < 0.5 else 3, 1, 'opportunity', record)
            else:
                phone = record[6]
                add('phone', phone, 3, 0, 'lead', record)
            if rng.random() < 0.05:
                partner = [2000000 + lead_id, 'Contact %d' % lead_id, None,
                           3000000 + lead_id, 'Customer %d' % lead_id, None]
                partner[2 if rng.random() < 0.5 else 5] = record[2]
        elif draw < 0.40:  # a new customer, several leads of it in the run
            number = rng.randrange(4000)
            email = 'new%d@n%d.vn' % (number, number)
            domain = 'n%d.vn' % number
        elif draw < 0.41:
            email = 'info@webform.vn'  # a web form's default address: crowded
        else:
            email = 'p%d@gmail.com' % lead_id
            domain = 'gmail.com'
        if rng.random() < 0.6:
            phone = phone or ('+8491%07d' % lead_id if rng.random() < 0.9 else hotline)
        if rng.random() < 0.15:  # account keys
            record = rng.choice(records)
            name_key, partner_name = record[7], 'Cong ty %s' % record[7]
            add('company_name', name_key, 5, rng.randrange(3),
                ('opportunity', 'lead', 'customer')[rng.randrange(3)], record,
                'CÔNG TY %s' % record[7])
            if rng.random() < 0.5:
                domain = record[8]
                add('email_domain', domain, 6, 0, 'opportunity', record)
            if rng.random() < 0.1:
                vat = '%010d' % rng.randrange(10 ** 9) + ('' if rng.random() < 0.7 else '001')
                add('vat', vat, 1, 1, 'partner', record[:3] + (None, ''),
                    account_keys.vat_label(vat))
        candidates.append(tuple([lead_id] + partner
                                + [email, phone, vat, name_key, partner_name, domain]))
        team_id = None if rng.random() < 0.8 else rng.randint(1, TEAMS)
        rows.append((lead_id, team_id, float(rng.choice([0, 5, 10, 20, 40])), 1))
    add('phone', hotline, 3, 0, 'lead', records[0])
    for key in found:  # same key, several levels: the most recent first
        found[key].sort(key=lambda entry: (entry[0], entry[1]))
    stoplist = {(1, 'phone', hotline)} | {
        (1, 'email', records[index][5]) for index in range(0, RECORDS, 997)}
    company_of = dict.fromkeys(range(1, leads_count + 1), 1)
    leads = engine.Leads(rows)
    phase1_ids = {row[0] for row in rows if row[1] is None}

    def states():
        rng = random.Random(seed + 1)
        team_states = []
        for team_id in range(1, TEAMS + 1):
            fits = {lead_id for lead_id in range(1, leads_count + 1) if rng.random() < 0.2}
            team_states.append(engine.TeamState(team_id, team_id, 5000, rng.randrange(2000),
                                                fits, fits))
        members, seats = [], {}
        open_loads = {}
        for team_id in range(1, TEAMS + 1):
            for slot in range(PER_TEAM):
                member_id = (team_id - 1) * PER_TEAM + slot + 1
                # Users hold a seat in their team, and some in the next team too.
                for user_id in ((member_id,) if slot % 3 else (member_id, member_id % 200 + 1)):
                    capped = slot == 4
                    state = engine.MemberState(
                        member_id * 10 + (user_id != member_id), team_id, user_id,
                        40 if slot == 7 else 600, rng.randrange(30),
                        '2026-12-0%d 09:00:00' % rng.randint(1, 5),
                        open_cap=60 if capped else 0,
                        open_load=open_loads.setdefault(user_id, engine.OpenLoad(50))
                        if capped else None)
                    members.append(state)
                    blocked = 'paused' if slot == 9 else None
                    seats.setdefault(user_id, []).append(owner.Seat(
                        team_id, 1, team_id, state, blocked))
        for user_seats in seats.values():
            user_seats.sort(key=lambda seat: (seat.sequence, seat.team_id or 0))
        return team_states, members, seats
    return candidates, found, stoplist, company_of, leads, phase1_ids, states


def timed(function, repeat):
    best, result = None, None
    for _run in range(repeat):
        start = time.process_time()
        result = function()
        elapsed = time.process_time() - start
        best = elapsed if best is None else min(best, elapsed)
    return best, result


def fingerprint(outcome, teams, members):
    text = repr((
        [tuple(decision) for decision in outcome.decisions],
        sorted((lead_id, tuple(match)) for lead_id, match in outcome.placed.items()),
        sorted((lead_id, tuple(skip[0]), tuple(skip[1:]))
               for lead_id, skip in outcome.skipped.items()),
        [(team.id, team.load) for team in teams],
        [(member.id, member.count, member.last,
          member.open_load.count if member.open_load else None) for member in members]))
    return hashlib.sha256(text.encode()).hexdigest()[:16], len(outcome.decisions), \
        len(outcome.placed), len(outcome.skipped)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--leads', type=int, default=100000)
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--seed', type=int, default=25)
    parser.add_argument('--reference', default='1aa0e7a')
    args = parser.parse_args()
    ref = load_reference(args.reference)
    candidates, found, stoplist, company_of, leads, phase1_ids, states = build(
        args.leads, args.seed)

    ref_read_s, ref_read = timed(lambda: reference_read_python(
        candidates, company_of, FREE_DOMAINS, found, ref), args.repeat)
    new_read_s, new_read = timed(lambda: current_read_python(
        candidates, company_of, FREE_DOMAINS, found), args.repeat)
    same_read = ref_read[:3] == new_read[:3] and ref_read[4] == new_read[4] and {
        lead_id: [tuple(match) for match in lead_matches]
        for lead_id, lead_matches in ref_read[3].items()} == {
        lead_id: [tuple(match) for match in lead_matches]
        for lead_id, lead_matches in new_read[3].items()}

    prints = {}
    times = {}
    for label, module, read in (('reference', ref, ref_read), ('current', owner, new_read)):
        keys_of, _keys, _owned, matches, _users = read
        best = own = None
        for _run in range(args.repeat):
            teams, members, seats = states()
            spent = []

            def engine_route(*route_args):
                # The engine's share, to tell the owner step's own Python from it.
                engine_start = time.process_time()
                try:
                    return engine.route(*route_args)
                finally:
                    spent.append(time.process_time() - engine_start)
            start = time.process_time()
            outcome = module.route(leads, phase1_ids, teams, members, NOW, company_of,
                                   matches, keys_of, stoplist, seats, engine_route=engine_route)
            elapsed = time.process_time() - start
            best = elapsed if best is None else min(best, elapsed)
            own = elapsed - sum(spent) if own is None else min(own, elapsed - sum(spent))
            prints.setdefault(label, set()).add(fingerprint(outcome, teams, members))
        times[label] = best
        times[label + ' own'] = own
    print('leads %d, matched %d, records found %d, stoplist %d'
          % (args.leads, len(new_read[3]), len(found), len(stoplist)))
    print('_read_owners Python   reference %6.3f s   current %6.3f s   same: %s'
          % (ref_read_s, new_read_s, same_read))
    same_route = prints['reference'] == prints['current'] and len(prints['current']) == 1
    print('owner.route           reference %6.3f s   current %6.3f s   same: %s'
          % (times['reference'], times['current'], same_route))
    print('  of which the step   reference %6.3f s   current %6.3f s   (without the engine)'
          % (times['reference own'], times['current own']))
    for label in ('reference', 'current'):
        for digest, decisions, placed, skipped in sorted(prints[label]):
            print('  %-9s decisions %d placed %d skipped %d  sha256 %s'
                  % (label, decisions, placed, skipped, digest))
    return 0 if same_read and same_route else 1


if __name__ == '__main__':
    sys.exit(main())
