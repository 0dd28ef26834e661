# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Matching keys of a customer, in plain Python: the normalised email and the E.164 phone.

A customer who writes again from another case ("Lan <LAN@ACME.VN>" and "lan@acme.vn") or calls
from another format of the same number ("0912 345 678", "+84 912345678", "84912345678") must be
recognised: the existing owner step (``routing.owner``) matches records on these keys. Bad input
never raises: what cannot be read gives '' (no key, hence no match).
"""
import re

import phonenumbers

# Longer inputs give no key: nobody types 1,000 characters in an email or phone field, and a
# regular expression or the phone parser must not spend time on pasted garbage.
MAX_INPUT_LENGTH = 1000
# RFC 5321: an address is at most 254 characters.
MAX_EMAIL_LENGTH = 254
# Region of a national number when nothing else says: the first users are Vietnamese.
DEFAULT_REGION = 'VN'

# An address: no blanks, brackets, quotes or separators on either side of a single '@'.
_ADDRESS_RE = re.compile(r"""[^\s<>()\[\],;:"'@]+@[^\s<>()\[\],;:"'@]+""")
# What separates several numbers typed in one field: "0912 345 678 / 0913 111 222".
_PHONE_SEPARATORS_RE = re.compile(r'[,;/|]|\s[-–]\s|\bor\b|\bhoặc\b', re.IGNORECASE)


def normalize_email(text):
    """The first address of ``text``, lower-cased, without display name; '' when there is none.

    >>> normalize_email('Lan <LAN@ACME.VN>, other@acme.vn')
    'lan@acme.vn'
    """
    if not text or not isinstance(text, str) or len(text) > MAX_INPUT_LENGTH or '@' not in text:
        return ''
    for candidate in _ADDRESS_RE.findall(text):
        address = candidate.strip('.').lower()
        local, _at, domain = address.partition('@')
        labels = domain.split('.')
        if not local or len(address) > MAX_EMAIL_LENGTH or len(labels) < 2 \
                or not all(labels) or len(labels[-1]) < 2:
            continue
        return address
    return ''


def region_code(*codes):
    """The first of ``codes`` (country codes such as 'vn', 'FR', or None) the phone parser knows,
    upper-cased; DEFAULT_REGION when none is known."""
    for code in codes:
        code = (code or '').strip().upper()
        if code in phonenumbers.SUPPORTED_REGIONS:
            return code
    return DEFAULT_REGION


def sanitize_phone(number, region=DEFAULT_REGION):
    """``number`` in E.164 ('+84912345678'), read as a number of ``region`` when it has no
    international prefix; '' when it is not a valid number (or not a number at all).

    Several numbers in one field: the first valid one counts.
    """
    if not number or not isinstance(number, str) or len(number) > MAX_INPUT_LENGTH:
        return ''
    region = region_code(region)
    parts = [part for part in _PHONE_SEPARATORS_RE.split(number) if part.strip()]
    for part in [number] + parts if len(parts) > 1 else [number]:
        try:
            parsed = phonenumbers.parse(part, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return ''


def sanitize_phones(numbers, region=DEFAULT_REGION):
    """The key of the first of ``numbers`` (mobile, then phone) that is a valid number."""
    for number in numbers:
        key = sanitize_phone(number, region)
        if key:
            return key
    return ''
