# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Capacity modes and preferred leads (DESIGN.md revision 3), read stage.

What ``_read_states`` gives each member state beside its 30-day count: ``unlimited`` ("No
cap"), the open-lead cap with the user's open leads in the team's company (one query per run,
shared by the user's memberships there: ``engine.OpenLoad``), and the leads of their preferred
filter (one search per distinct preferred filter and company, like member filters). The
decisions are the engine's (``routing.engine``): a preference never restricts.
"""
from odoo import _, models

from ..routing import engine
from ..routing.filters import parse_domain
from ..routing.reasons import join, text as reason_text


class CrmLeadRouterCapacity(models.AbstractModel):
    _inherit = 'crm.lead.router'

    def _capacity_context(self, members):
        """What the members' capacity modes need for a run, read once: {(user_id, company_id
        or None): open leads} when a member has an open-lead cap (one query), the memo of
        preferred filters' searches."""
        open_counts = None
        if any(member.assignment_max_open > 0 for member in members):
            open_counts = self._read_open_counts(members.mapped('user_id').ids)
        return {'open_counts': open_counts, 'loads': {}, 'preferred': {}}

    def _read_open_counts(self, user_ids):
        """{(user_id, company_id): open leads}: active, not won (probability < 100), leads and
        opportunities of any team. One query for the run (read in the snapshot taken after
        the lock, as the 30-day counts)."""
        if not user_ids:
            return {}
        self.env.cr.execute("""
            SELECT user_id, company_id, count(*) FROM crm_lead
             WHERE active AND coalesce(probability, 0) < 100 AND user_id = ANY(%s)
             GROUP BY user_id, company_id
        """, (list(user_ids),))
        return {(user_id, company_id): count
                for user_id, company_id, count in self.env.cr.fetchall()}

    def _capacity_member_args(self, context, member, team, base_domain, company, result, write,
                              filters):
        """The capacity keywords of ``member``'s ``engine.MemberState`` (unlimited, open_cap,
        open_load, preferred). An invalid preferred filter is reported and ignored: a
        preference never keeps a member from taking leads."""
        args = {'unlimited': member.assignment_unlimited}
        if context['open_counts'] is not None:
            # The user's open leads in the team's company (all companies for a team without
            # one), one counter shared by their memberships there.
            company_id = team.company_id.id or None
            key = (member.user_id.id, company_id)
            loads = context['loads']
            if key not in loads:
                counts = context['open_counts']
                loads[key] = engine.OpenLoad(
                    counts.get(key, 0) if company_id else
                    sum(count for (user_id, _company), count in counts.items()
                        if user_id == member.user_id.id))
            args.update(open_cap=max(member.assignment_max_open, 0), open_load=loads[key])
        text = member.assignment_domain_preferred
        if text and text.strip() not in ('', '[]'):
            try:
                domain = parse_domain(text)
                self._check_filter_fields(domain, rights=False)
                lang = member.preferred_filter_lang
                memo_key = (team.company_id.id, repr(domain), lang)
                memo = context['preferred']
                if memo_key not in memo:
                    # Names compared in the language of whoever saved the preference.
                    memo[memo_key] = self._search(base_domain + company + domain, lang) \
                        if domain else None
                args['preferred'] = memo[memo_key]
                filters[('preferred', member.id)] = (member, text)
            except Exception as error:
                self._report_error(team, _(
                    "The preferred leads of %(user)s in team %(team)s are ignored: their filter "
                    "is invalid (%(error)s).") % {'user': member.user_id.display_name,
                                                  'team': team.display_name,
                                                  'error': self._filter_error_text(error)},
                    result, write)
        return args

    @staticmethod
    def _capacity_status(state, why):
        """A member's status in a run's totals (``RoutingResult.members``), ``why`` (a reason
        node or None) completed with their capacity modes: "no cap", "12/40 open leads"."""
        parts = [why] if why else []
        if state.unlimited:
            parts.append(reason_text('status_unlimited'))
        if state.open_cap and not (why and state.open_full()):  # else ``why`` says it
            parts.append(reason_text('status_open', count=state.open_load.count,
                                     quota=state.open_cap))
        if len(parts) < 2:
            return parts[0] if parts else None
        return join('; ', parts)
