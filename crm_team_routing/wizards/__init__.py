# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import crm_team_routing_preview
from . import crm_team_routing_preview_line
from . import crm_lead_mass_assign
from . import crm_lead_hand_back
from . import crm_lead_routing_credit
