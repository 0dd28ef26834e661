# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""11.0.1.2.0: the boundaries of revision 3 on existing databases. Record rules are noupdate
data: a changed rule gets its new domain here."""
from odoo import SUPERUSER_ID, api

# Absences: sales managers get the leaves of the routing members of their companies and the
# public holidays, no longer every leave of their companies (HR's, other employees'). The rule
# is noupdate data: its domain is written here, as security/crm_team_routing_security.xml has it.
ABSENCE_MANAGER_RULE = 'resource_calendar_leaves_rule_sale_manager'
ABSENCE_MANAGER_NAME = ("Absences of routing members and public holidays of my companies "
                        "(sales managers)")
ABSENCE_MANAGER_DOMAIN = (
    "['|', '&', ('resource_id', '=', False), '|', ('company_id', '=', False), "
    "('company_id', 'child_of', [user.company_id.id]), "
    "'&', ('resource_id.crm_team_member_ids.active', '=', True), "
    "'|', ('resource_id.company_id', '=', False), "
    "('resource_id.company_id', 'child_of', [user.company_id.id])]"
)


def migrate_absence_rules(cr):
    cr.execute("""
        UPDATE ir_rule SET domain_force = %s, name = %s
         WHERE id = (SELECT res_id FROM ir_model_data
                      WHERE module = 'crm_team_routing' AND model = 'ir.rule' AND name = %s)
    """, (ABSENCE_MANAGER_DOMAIN, ABSENCE_MANAGER_NAME, ABSENCE_MANAGER_RULE))


def migrate_routing_resources(cr):
    """Mark the resources the module made for memberships (``routing_created``): those of a
    membership that were created with it or after it (at the membership's creation, or by the
    upgrade that gave members a resource). A resource that existed before the membership was
    the user's already (HR's): it was reused, not made, and stays unmarked. Whatever the mark,
    a resource another model uses (an employee) is never routing's (see
    ``resource.resource._routing_own``)."""
    cr.execute("""
        UPDATE resource_resource r SET routing_created = TRUE
          FROM (SELECT resource_id, min(create_date) AS first_member
                  FROM crm_team_member WHERE resource_id IS NOT NULL
                 GROUP BY resource_id) m
         WHERE m.resource_id = r.id AND r.resource_type = 'user'
           AND r.create_date >= m.first_member
           AND NOT coalesce(r.routing_created, FALSE)
    """)


# The body of a routing digest or take-back note: a title, then links to leads.
LEAD_LIST = '<p>%</p><ul><li><a href="%/web#id=%&amp;model=crm.lead&amp;view_type=form">%'


def make_routing_messages_private(cr):
    """Digests and take-back notes were internal notes on the team (readable by every
    employee), each addressed to one person and listing leads by link: detach them from the
    team, as the notifier now writes them (attached to no document), so that only their
    recipient (and author) may read them. Recognised by their shape, written by routing alone:
    a note of type comment on a team, with exactly one recipient, whose body is a title then a
    list of links to leads. A person's note on a team is left as it is."""
    cr.execute("""
        UPDATE mail_message m SET model = NULL, res_id = NULL, record_name = NULL
         WHERE m.model = 'crm.team' AND m.message_type = 'comment'
           AND m.subtype_id = (SELECT res_id FROM ir_model_data
                                WHERE module = 'mail' AND name = 'mt_note')
           AND m.body LIKE %s
           AND (SELECT count(*) FROM mail_message_res_partner_rel r
                 WHERE r.mail_message_id = m.id) = 1
    """, (LEAD_LIST,))
    return cr.rowcount


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
    env = api.Environment(cr, SUPERUSER_ID, {})
    # Before, any team without routing member handed its waiting leads to routing teams; now
    # only intake teams do, and core's default team is one, as at a new install.
    env['crm.team']._routing_init_intake()
    migrate_absence_rules(cr)
    migrate_routing_resources(cr)
    make_routing_messages_private(cr)
    update_log_leader_rule(cr)
