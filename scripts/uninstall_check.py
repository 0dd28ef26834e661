# Run by scripts/test.sh through 'bin/odoo shell' (env is given): uninstall the module, then check
# that its tables are gone and core's personal lead rules have their own domains again.
module = env['ir.module.module'].search([('name', '=', 'crm_team_routing')])
assert module.state == 'installed', module.state
module.button_immediate_uninstall()
env.cr.commit()
env.cr.execute("SELECT count(*) FROM information_schema.tables WHERE table_name IN "
               "('crm_team_member', 'crm_lead_assignment_log', 'crm_lead_scoring_rule')")
assert env.cr.fetchone()[0] == 0, "tables left behind"
env.cr.execute("SELECT count(*) FROM information_schema.columns "
               "WHERE table_name = 'crm_lead' AND column_name IN ('score', 'share_state')")
assert env.cr.fetchone()[0] == 0, "crm_lead columns left behind"
env.cr.execute("SELECT count(*) FROM information_schema.columns "
               "WHERE table_name IN ('crm_lead', 'res_partner') "
               "AND column_name IN ('email_normalized', 'phone_sanitized')")
assert env.cr.fetchone()[0] == 0, "matching key columns left behind"
env.cr.execute("SELECT indexname FROM pg_indexes WHERE indexname = 'res_partner_email_lower_idx' "
               "OR indexname LIKE 'crm\\_lead\\_routing\\_%' OR indexname LIKE '%\\_set\\_idx' "
               "OR indexname = 'crm_lead_to_share_idx'")
left = [row[0] for row in env.cr.fetchall()]
assert not left, "indexes left behind: %s" % left
for xmlid in ('crm.crm_rule_personal_lead', 'crm.crm_rule_personal_lead_report',
              'crm.crm_activity_report_rule_personal_activities'):
    rule = env.ref(xmlid)
    assert rule.domain_force == "['|',('user_id','=',user.id),('user_id','=',False)]", \
        (xmlid, rule.domain_force)
assert not env.ref('crm_team_routing.group_sale_team_leader', raise_if_not_found=False)
print("UNINSTALL-CHECK ok")
