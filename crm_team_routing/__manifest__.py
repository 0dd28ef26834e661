# Copyright 2026 crm_team_routing contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    'name': 'CRM Team Routing',
    'summary': 'Route incoming leads to sales teams, then to salespeople, '
               'by filters, lead score and capacity; each person sees only '
               'the leads they are responsible for',
    'version': '11.0.1.3.0',
    'category': 'Sales',
    'author': 'crm_team_routing contributors',
    'website': 'https://example.com/crm_team_routing',
    'license': 'LGPL-3',
    'depends': [
        'crm',
        'base_automation',
        'resource',
    ],
    # Read by Apps before the install (a clear message when it is missing) and turned into the
    # wheel's requirements by setuptools-odoo (setup/crm_team_routing).
    'external_dependencies': {
        'python': ['phonenumbers'],
    },
    'data': [
        'security/crm_team_routing_security.xml',
        'security/ir.model.access.csv',
        'data/ir_cron_data.xml',
        'data/ir_config_parameter_data.xml',
        'data/ir_actions_server_data.xml',
        'data/crm_team_member_data.xml',
        'data/crm_team_data.xml',
        'views/crm_lead_routing_run_views.xml',
        'views/crm_lead_routing_report_views.xml',
        'views/crm_team_views.xml',
        'views/crm_team_member_views.xml',
        'views/crm_lead_views.xml',
        'views/crm_lead_scoring_rule_views.xml',
        'views/crm_lead_share_rule_views.xml',
        'views/crm_lead_assignment_log_views.xml',
        'views/resource_calendar_leaves_views.xml',
        'views/res_config_settings_views.xml',
        'wizards/crm_team_routing_preview_views.xml',
        'wizards/crm_lead_mass_assign_views.xml',
        'wizards/crm_lead_hand_back_views.xml',
        'wizards/crm_lead_routing_credit_views.xml',
        'views/crm_team_routing_menus.xml',
        'views/assets.xml',
    ],
    'demo': [
        'demo/crm_team_routing_demo.xml',
        'demo/base_automation_demo.xml',
    ],
    'uninstall_hook': 'uninstall_hook',
    'installable': True,
    'application': False,
}
