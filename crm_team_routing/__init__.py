# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import routing
from . import controllers
from . import models
from . import wizards
from .hooks import uninstall_hook
