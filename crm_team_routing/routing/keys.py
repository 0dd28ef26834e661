# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Matching keys of a customer, in plain Python: the normalised email and the E.164 phone; the
account's tax ID, company name and email domain.

A customer who writes again from another case ("Lan <LAN@ACME.VN>" and "lan@acme.vn") or calls
from another format of the same number ("0912 345 678", "+84 912345678", "84912345678") must be
recognised: the existing owner step (``routing.owner``) matches records on these keys. So must a
known company under another spelling of its name ("CÔNG TY TNHH ABC", "Cty ABC"), its tax ID
however typed, or a colleague writing from the same corporate domain. Bad input never raises:
what cannot be read gives '' (no key, hence no match).
"""
import re
import unicodedata

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


# ----------------------------------------------------------------------------------------------
# The existing account: tax ID, company name, corporate email domain (DESIGN.md revision 3)
# ----------------------------------------------------------------------------------------------

# A tax ID key has this many digits at least (a Vietnamese MST 10, a branch 13; other countries'
# VAT numbers 8 to 14) and at most: fewer is a typo or "N/A 0", more is not a tax ID.
VAT_MIN_DIGITS = 8
VAT_MAX_DIGITS = 20
# A Vietnamese branch ("0101234567-001") is its head office's 10 digits and 3 of its own.
VAT_BRANCH_DIGITS = 13
VAT_HEAD_DIGITS = 10
# A company name key shorter than this says nothing ("Cty A").
COMPANY_NAME_MIN_LENGTH = 2

# Free-mail domains: an address there says nothing of the company. The default of the system
# parameter ``crm_team_routing.free_email_domains``, applied when matching.
FREE_EMAIL_DOMAINS = (
    'gmail.com', 'yahoo.com', 'yahoo.com.vn', 'hotmail.com', 'outlook.com', 'live.com',
    'msn.com', 'icloud.com', 'ymail.com', 'aol.com', 'zoho.com', 'proton.me', 'protonmail.com',
    'mail.com', 'gmx.com',
)

# Legal forms, written as company_name_key reads them (lower-case, no accents, punctuation as
# blanks): Vietnamese ("Công ty TNHH MTV", "Cty CP", their spelled-out forms) and English
# ("Co., Ltd", "JSC", "LLC", "Inc", "Corp"). Longest first, so that "co ltd" goes before "ltd".
LEGAL_FORMS = (
    'trach nhiem huu han', 'doanh nghiep tu nhan', 'joint stock company', 'mot thanh vien',
    'company limited', 'incorporated', 'corporation', 'cong ty', 'co phan', 'limited', 'co ltd',
    'c ty', 'cty', 'tnhh', 'dntn', 'mtv', 'jsc', 'llc', 'inc', 'corp', 'ltd', 'cp',
)
_LEGAL_FORMS_RE = re.compile(r'(?:^| )(?:%s)(?= |$)' % '|'.join(
    re.escape(form) for form in sorted(LEGAL_FORMS, key=len, reverse=True)))
_NOT_WORD_RE = re.compile(r'[\W_]+')
_DIGITS_RE = re.compile(r'[0-9]')


def vat_key(text):
    """The digits of a tax ID, whatever else was typed ("VN 0101.234.567", "0101234567-001"
    give '0101234567' and '0101234567001'): a country prefix such as "VN" is dropped with the
    blanks, dots and dashes. '' when it cannot be a tax ID (too few or too many digits, all
    the same digit).
    """
    if not text or not isinstance(text, str) or len(text) > MAX_INPUT_LENGTH:
        return ''
    digits = ''.join(_DIGITS_RE.findall(text))
    if not VAT_MIN_DIGITS <= len(digits) <= VAT_MAX_DIGITS or len(set(digits)) == 1:
        return ''
    return digits


def vat_head_office(key):
    """The head office's key of a Vietnamese branch's key (13 digits: its first 10); ''."""
    return key[:VAT_HEAD_DIGITS] if key and len(key) == VAT_BRANCH_DIGITS else ''


def vat_label(key):
    """A tax ID key as people write it: a branch with its dash ("0101234567-001")."""
    if key and len(key) == VAT_BRANCH_DIGITS:
        return '%s-%s' % (key[:VAT_HEAD_DIGITS], key[VAT_HEAD_DIGITS:])
    return key or ''


def strip_accents(text):
    """``text`` without accents: "Công ty Đại Phát" gives "Cong ty Dai Phat"."""
    text = text.replace('đ', 'd').replace('Đ', 'D')
    return ''.join(char for char in unicodedata.normalize('NFKD', text)
                   if not unicodedata.combining(char))


def company_name_key(name):
    """The key of a company name: lower-cased, without accents, punctuation, blanks and legal
    forms, so that "CÔNG TY TNHH ABC", "Cty ABC" and "ABC Co., Ltd." give 'abc' (and "Công ty
    TNHH ABCD" 'abcd'). '' when nothing is left but a legal form, or a single character.
    """
    if not name or not isinstance(name, str) or len(name) > MAX_INPUT_LENGTH:
        return ''
    words = _NOT_WORD_RE.sub(' ', strip_accents(name).lower()).strip()
    # A removed form leaves its neighbours apart: "cong ty co phan abc" -> " abc" in two steps.
    previous = None
    while previous != words:
        previous, words = words, _LEGAL_FORMS_RE.sub(' ', words).strip()
    key = words.replace(' ', '')
    return key if len(key) >= COMPANY_NAME_MIN_LENGTH else ''


def email_domain(email):
    """The domain of a normalised address ("lan@acme.vn" gives 'acme.vn'); ''. Stored for every
    address: free-mail domains are left out when matching (:func:`free_email_domains`)."""
    if not email or not isinstance(email, str) or '@' not in email:
        return ''
    return email.rpartition('@')[2].strip().lower()


def free_email_domains(text=None):
    """The free-mail domains of the system parameter's text (comma-separated); the default list
    when there is no text."""
    if not text or not isinstance(text, str):
        return frozenset(FREE_EMAIL_DOMAINS)
    return frozenset(domain.strip().lower().lstrip('@') for domain in text.split(',')
                     if domain.strip())


def corporate_domain(domain, free_domains):
    """``domain`` when it may identify a company (not a free-mail domain), else ''."""
    return domain if domain and domain not in free_domains else ''
