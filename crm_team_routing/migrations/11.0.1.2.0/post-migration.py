# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Revision 3's boundaries on existing databases: record rules are noupdate data, so a changed
rule gets its new domain here."""

# A leader reads the log rows of the leads now in the teams they lead (not of a lead moved out).
LOG_LEADER_RULE = 'crm_lead_assignment_log_rule_team_leader'
LOG_LEADER_DOMAIN = "[('lead_id.team_id.user_id', '=', user.id)]"


def update_log_leader_rule(cr):
    cr.execute("""
        UPDATE ir_rule SET domain_force = %s
         WHERE id = (SELECT res_id FROM ir_model_data
                      WHERE module = 'crm_team_routing' AND name = %s AND model = 'ir.rule')
    """, (LOG_LEADER_DOMAIN, LOG_LEADER_RULE))


def migrate(cr, version):
    if not version:
        return
    update_log_leader_rule(cr)
