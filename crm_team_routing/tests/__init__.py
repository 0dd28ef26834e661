# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import test_model_constraints
from . import test_routing
from . import test_visibility
from . import test_share
from . import test_xmlrpc
from . import test_mass_assign
from . import test_automation
from . import test_ui
from . import test_concurrency
from . import test_owner_rules
from . import test_owner
