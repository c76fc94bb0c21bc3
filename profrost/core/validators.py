"""Validators shared by forms, the API and imports (one SNILS rule, one INN rule everywhere)."""

import datetime
import os
import re
import uuid

from django.core.exceptions import ValidationError

_SNILS_SEPARATORS = re.compile(r"[\s\-]")


def normalize_snils(value):
    """11 digits, or raise ValidationError with a Russian message (docs/security.md §12)."""
    if value is None:
        raise ValidationError("СНИЛС не указан", code="required")
    raw = str(value).strip()
    if isinstance(value, float) and value.is_integer():  # a spreadsheet number cell
        raw = str(int(value))
    digits = _SNILS_SEPARATORS.sub("", raw)
    if not digits:
        raise ValidationError("СНИЛС не указан", code="required")
    if not (digits.isascii() and digits.isdigit()):  # "١١٢…" is digits to str.isdigit(), not a SNILS
        raise ValidationError("СНИЛС должен состоять из цифр", code="invalid")
    if len(digits) == 10:  # a spreadsheet dropped the leading zero of a number cell
        digits = "0" + digits
    if len(digits) != 11:
        raise ValidationError("СНИЛС должен содержать 11 цифр", code="invalid")
    number, control = digits[:9], int(digits[9:])
    # The checksum applies only to numbers above 001-001-998.
    if int(number) > 1001998:
        total = sum(int(d) * (9 - i) for i, d in enumerate(number))
        expected = total % 101 % 100
        if control != expected:
            raise ValidationError("неверная контрольная сумма СНИЛС", code="checksum")
    return digits


def format_snils(digits):
    if not digits or len(digits) != 11:
        return digits or ""
    return f"{digits[0:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:11]}"


def mask_snils(digits):
    """For journals and logs: never the full number."""
    if not digits or len(digits) != 11:
        return ""
    return f"***-***-{digits[6:9]} {digits[9:11]}"


def snils_control(number9):
    """The control number for the first nine digits (used by the seed generator)."""
    total = sum(int(d) * (9 - i) for i, d in enumerate(number9))
    return total % 101 % 100


INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)


def inn10(first9):
    """A legal entity's INN: nine digits plus the check digit."""
    return first9 + str(sum(w * int(d) for w, d in zip(INN10_WEIGHTS, first9)) % 11 % 10)


def validate_inn(value):
    """An INN: 10 digits (a legal entity) with its check digit, or 12 digits (two check digits); "" for none.
    Spaces are dropped; a spreadsheet's number cell is read as its digits."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    digits = str(value).strip().replace(" ", "")
    if not digits:
        return ""
    if not (digits.isascii() and digits.isdigit()) or len(digits) not in (10, 12):
        raise ValidationError("ИНН должен состоять из 10 или 12 цифр")
    d = [int(c) for c in digits]
    if len(d) == 10:
        ok = inn10(digits[:9]) == digits
    else:
        w1 = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8]
        w2 = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]
        ok = (
            sum(a * b for a, b in zip(w1, d)) % 11 % 10 == d[10]
            and sum(a * b for a, b in zip(w2, d)) % 11 % 10 == d[11]
        )
    if not ok:
        raise ValidationError("неверная контрольная цифра ИНН")
    return digits


def generated_upload_name(folder, filename):
    """The stored name of an attached file: a generated name under a dated folder, keeping only the
    (lower-case) extension — an uploaded name never becomes a path (docs/security.md §13)."""
    ext = os.path.splitext(filename)[1].lower()[:10]
    return f"{folder}/{datetime.date.today():%Y/%m}/{uuid.uuid4().hex}{ext}"
