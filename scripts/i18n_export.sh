#!/usr/bin/env bash
# Re-export crm_team_routing/i18n/crm_team_routing.pot from a fresh database and merge it into
# vi.po (new strings come out untranslated: translate them, then scripts/check_i18n.sh).
set -euo pipefail
source "$(dirname "$(readlink -f "$0")")/lib.sh"

setup_all
pg_start
db="crm_routing_i18n_$$"
trap 'drop_db "$db"' EXIT
copy_db "$(template_db)" "$db"
"$ROOT/bin/odoo" -d "$db" -i crm_team_routing --without-demo=all --stop-after-init --log-level=warn --no-http
# Odoo 11 refuses a .pot name; a .po export without --language is the template.
"$ROOT/bin/odoo" -d "$db" --i18n-export="$STATE/crm_team_routing.po" --modules=crm_team_routing \
  --stop-after-init --log-level=warn --no-http
i18n="$ROOT/crm_team_routing/i18n"
mv "$STATE/crm_team_routing.po" "$i18n/crm_team_routing.pot"
msgmerge --quiet --no-fuzzy-matching --no-wrap --backup=off -U "$i18n/vi.po" "$i18n/crm_team_routing.pot"
msgattrib --no-obsolete --no-wrap -o "$i18n/vi.po" "$i18n/vi.po"
say "exported $i18n/crm_team_routing.pot and merged vi.po"
"$ROOT/scripts/check_i18n.sh" || true
