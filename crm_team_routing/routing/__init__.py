# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Routing decisions in plain Python: ids and numbers in, decisions out, no ORM.

The ``crm.lead.router`` model reads what a run needs, calls these functions, then writes.
"""
from . import engine
from . import filters
