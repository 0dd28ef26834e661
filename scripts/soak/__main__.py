# The soak's entry: scripts/soak.sh runs 'python -m soak' from scripts/ with Odoo's venv python.
# A soak that stops on an exception still ends with a result line (exit code 2).
import sys
import traceback

from soak.main import main

try:
    sys.exit(main())
except Exception:
    traceback.print_exc()
    print('SOAK result=FAIL failed=the soak stopped (see the traceback above)', flush=True)
    sys.exit(2)
