# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import crm_lead_router
from . import crm_lead_assignment_log
from . import crm_team
from . import crm_team_member
from . import crm_lead
from . import crm_lead_scoring_rule
from . import crm_lead_share_rule
from . import ir_rule
from . import mail_followers
from . import resource_resource
from . import resource_calendar_leaves
from . import res_partner
from . import res_config_settings
