# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""11.0.1.3.0, routing you can see: the assignment rows written before the upgrade get what
the report reads from them, in a few set-based statements (the new columns exist: the ORM
added them before this script runs).

- ``sla_hours``: the team's follow-up delay now (the one of then was not recorded);
- ``taken_back``: a later take-back (``sla`` row) took the lead from that salesperson;
- ``touch_date`` / ``response_hours`` / ``within_sla``: for each lead's last assignment row whose
  salesperson still holds the lead and followed it up since (``last_followup_date``): that
  follow-up, the only one known (earlier rows stay "not followed up"; working-hours teams are
  compared on the wall clock)."""


def migrate(cr, version):
    if not version:
        return
    cr.execute("""
        UPDATE crm_lead_assignment_log log
           SET sla_hours = coalesce(team.assignment_sla_hours, 0)
          FROM crm_team team
         WHERE team.id = log.team_id AND log.kind IN ('member', 'sla', 'manual')
           AND log.sla_hours IS NULL
    """)
    cr.execute("""
        UPDATE crm_lead_assignment_log log SET taken_back = TRUE
         WHERE log.kind IN ('member', 'sla', 'manual') AND log.user_id IS NOT NULL
           AND EXISTS (SELECT 1 FROM crm_lead_assignment_log later
                        WHERE later.lead_id = log.lead_id AND later.kind = 'sla'
                          AND later.previous_user_id = log.user_id AND later.id > log.id
                          AND NOT EXISTS (SELECT 1 FROM crm_lead_assignment_log between_
                                           WHERE between_.lead_id = log.lead_id
                                             AND between_.kind IN ('member', 'sla', 'manual')
                                             AND between_.user_id IS NOT NULL
                                             AND between_.id > log.id
                                             AND between_.id < later.id))
    """)
    cr.execute("""
        UPDATE crm_lead_assignment_log log
           SET touch_date = lead.last_followup_date,
               response_hours = greatest(
                   extract(epoch FROM lead.last_followup_date - log.date) / 3600.0, 0),
               within_sla = coalesce(log.sla_hours, 0) > 0
                            AND lead.last_followup_date - log.date
                                <= log.sla_hours * interval '1 hour'
          FROM (SELECT DISTINCT ON (lead_id) id FROM crm_lead_assignment_log
                 WHERE kind IN ('member', 'sla', 'manual')
                   AND (user_id IS NOT NULL OR kind = 'manual')
                 ORDER BY lead_id, id DESC) last, crm_lead lead
         WHERE log.id = last.id AND lead.id = log.lead_id AND lead.user_id = log.user_id
           AND log.touch_date IS NULL AND lead.last_followup_date >= log.date
    """)
