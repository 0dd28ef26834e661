#!/usr/bin/env bash
# make lint: flake8 (100 columns, .flake8) on the module and the scripts, and pylint with OCA's
# pylint-odoo plugin and OCA's mandatory checks (.pylintrc-mandatory) on the module, and
# crm_team_routing/README.rst up to date with its readme/ fragments. Installs
# its tools once into .venv-lint (Python 3.7) from requirements/lint/lint.txt. Prints each
# finding and exits non-zero when there is any.
set -euo pipefail
source "$(dirname "$(readlink -f "$0")")/lib.sh"

setup_lint
cd "$ROOT"
rc=0
# Scripts run by 'odoo shell' are given 'env' as a global; they say so on their first line
# ("# Run by scripts/... through 'bin/odoo shell' ...").
python_files=() shell_scripts=()
while IFS= read -r file; do
  [ -f "$file" ] || continue
  if head -n 1 "$file" | grep -q "through 'bin/odoo shell'"; then
    shell_scripts+=("$file")
  else
    python_files+=("$file")
  fi
done < <(git ls-files --cached --others --exclude-standard -- '*.py' scripts/odoo-bin)
say "flake8"
"$LINT_VENV/bin/flake8" "${python_files[@]}" || rc=1
"$LINT_VENV/bin/flake8" --builtins=env "${shell_scripts[@]}" || rc=1
say "pylint (pylint-odoo, OCA mandatory checks)"
"$LINT_VENV/bin/pylint" --rcfile=.pylintrc-mandatory crm_team_routing || rc=1
say "README.rst generated from readme/ (make readme)"
"$LINT_VENV/bin/python" scripts/gen_addon_readme.py --check crm_team_routing || rc=1
if [ "$rc" -eq 0 ]; then say "lint ok"; else say "lint FAILED: see the findings above"; fi
exit "$rc"
