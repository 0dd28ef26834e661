# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Log reasons are stored as what they say (``reason_data``, see ``routing/reasons.py``) and
written out in each reader's language. Rows written before keep their text, as a literal."""


def migrate(cr, version):
    if not version:
        return
    cr.execute("""
        SELECT 1 FROM information_schema.columns
         WHERE table_name = 'crm_lead_assignment_log' AND column_name = 'reason'
    """)
    if cr.fetchone():
        cr.execute("""
            UPDATE crm_lead_assignment_log SET reason_data = to_json(reason)::text
             WHERE reason_data IS NULL AND reason IS NOT NULL
        """)
