#!/usr/bin/env bash
# scripts/check_i18n.sh [PO]: checks the Vietnamese translation, regenerating nothing.
#   - msgfmt --check-format --statistics on crm_team_routing/i18n/vi.po (or PO) must succeed
#     (valid syntax and header, python-format placeholders kept);
#   - its statistics must show 0 untranslated and 0 fuzzy messages;
#   - if the template crm_team_routing/i18n/crm_team_routing.pot sits next to it, every msgid of
#     the template must have a translation in the .po (msgcmp): a re-exported template that was
#     not merged into vi.po fails here;
#   - if CRM_TEAM_ROUTING_EXPORTED_POT names a template exported from the code as it is now
#     (make test exports one), the committed template must have exactly its msgids: a string
#     added or changed in the code since the last scripts/i18n_export.sh fails here.
# Prints one line 'I18N vi.po translated=N fuzzy=N untranslated=N' and exits non-zero on failure.
set -euo pipefail
export LC_ALL=C LANGUAGE=   # msgfmt's statistics are parsed in English

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
po="${1:-$ROOT/crm_team_routing/i18n/vi.po}"
pot="$(dirname "$po")/crm_team_routing.pot"

fail() { printf '[crm_team_routing] i18n: %s\n' "$*" >&2; exit 1; }

command -v msgfmt >/dev/null || fail "msgfmt not found (install gettext, e.g. 'apt-get install gettext')"
[ -f "$po" ] || fail "$po not found"

# msgfmt writes its statistics to stderr; keep them and its errors apart from nothing else.
if ! stats=$(msgfmt --check-format --check-header --statistics -o /dev/null "$po" 2>&1); then
  printf '%s\n' "$stats" >&2
  fail "msgfmt rejects $po"
fi
# Translations of records the template cannot hold (demo data, the Apps card, core records)
# live in i18n_extra/, which Odoo loads after i18n/: they must be valid too.
extra="$(dirname "$(dirname "$po")")/i18n_extra/$(basename "$po")"
if [ -f "$extra" ] && ! msgfmt --check-format --check-header -o /dev/null "$extra"; then
  fail "msgfmt rejects $extra"
fi
# The statistics are the last line, e.g.
#   "180 translated messages, 3 fuzzy translations, 5 untranslated messages."
line=$(printf '%s\n' "$stats" | grep -E '[0-9]+ translated message' | tail -n 1 || true)
[ -n "$line" ] || { printf '%s\n' "$stats" >&2; fail "no statistics from msgfmt for $po"; }
count() { printf '%s\n' "$line" | grep -oE "[0-9]+ $1" | grep -oE '^[0-9]+' || echo 0; }
translated=$(count 'translated message')
fuzzy=$(count 'fuzzy translation')
untranslated=$(count 'untranslated message')
printf '%s\n' "$stats" | grep -v -F "$line" >&2 || true   # warnings, if any

echo "I18N $(basename "$po") translated=$translated fuzzy=$fuzzy untranslated=$untranslated"
[ "$translated" -gt 0 ] || fail "$po translates nothing"
[ "$fuzzy" -eq 0 ] && [ "$untranslated" -eq 0 ] \
  || fail "$po has $fuzzy fuzzy and $untranslated untranslated messages"

if [ -f "$pot" ] && command -v msgcmp >/dev/null; then
  msgcmp "$po" "$pot" || fail "$po lacks msgids of $(basename "$pot"): run msgmerge and translate them"
fi

exported="${CRM_TEAM_ROUTING_EXPORTED_POT:-}"
if [ -n "$exported" ]; then
  [ -f "$exported" ] || fail "no template exported from the code ($exported)"
  msgids() { msgattrib --no-wrap --no-location --no-obsolete "$1" | msgcat --sort-output --no-wrap - \
      | grep -E '^msgid ' | sort -u; }
  stale=$(diff <(msgids "$pot") <(msgids "$exported") || true)
  if [ -n "$stale" ]; then
    printf '%s\n' "$stale" | head -20 >&2
    fail "$(basename "$pot") is stale ('>' in the code only, '<' in the template only): run scripts/i18n_export.sh and translate"
  fi
  echo "I18N $(basename "$pot") matches the code"
fi
