"""What the resource importers share: the region-only permission, whole numbers, dates, competences and
organizations looked up by code and INN."""

import re

from django.core.exceptions import ValidationError

from profrost.core.imports import ModelImporter, norm_key, text
from profrost.diagnostics.models import Competence
from profrost.structure.models import Organization

POSITIVE = "нужно целое положительное число"
NON_NEGATIVE = "нужно целое неотрицательное число"
EARLY_END = "окончание раньше начала"
MAX_INT = 2_147_483_647  # PositiveIntegerField's ceiling in PostgreSQL

_INTEGER = re.compile(r"^[+-]?\d+$")


def parse_int(value, minimum, message):
    """A whole number not below `minimum`, or None for an empty cell."""
    if value is None or isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise ValidationError(message)
        number = int(value)
    else:
        s = text(value).replace(" ", "").replace("\u00a0", "")
        if not s:
            return None
        if not _INTEGER.match(s):
            raise ValidationError(message)
        number = int(s)
    if number is None:
        return None
    if number < minimum:
        raise ValidationError(message)
    if number > MAX_INT:
        raise ValidationError(f"слишком большое число «{number}»")
    return number


def whole(minimum, message):
    """A cell parser: a whole number not below `minimum`; `message` for anything else."""
    return lambda value: parse_int(value, minimum, message)


# Competence codes are Cyrillic; a code typed on a Latin keyboard («MT1») means the same.
_LOOKALIKES = str.maketrans("ABCEHKMOPTXY", "АВСЕНКМОРТХУ")


def competence_key(code):
    return code.strip().upper().translate(_LOOKALIKES)


def split_list(value):
    return [part.strip() for part in text(value).split(";") if part.strip()]


def names_in(value, table, unknown):
    """The pks of a «;»-separated list of names found in `table` ({normalized name: pk}); `unknown` starts the
    error for a name not there («неизвестная должность»)."""
    ids, errors = set(), []
    for name in split_list(value):
        pk = table.get(norm_key(name))
        if pk is None:
            errors.append(f"{unknown} «{name}»")
        else:
            ids.add(pk)
    if errors:
        raise ValidationError(errors)
    return frozenset(ids)


def check_dates(c, record):
    """«Окончание» not before «Начало» (the rule of the edit forms, core.forms.EndNotBeforeStart)."""
    start, end = record["start"], record["end"]
    if start and end and end < start:
        c.error("Окончание", EARLY_END)


class ResourceImporter(ModelImporter):
    """A resource of the region's catalog: loaded by the center only; looks up competences by code and
    organizations by INN (parsers `competence_ids` and `organization`)."""

    permission = "manage_resources"
    refusal = "загрузку «{title}» выполняют только администратор региона и центр"

    def load_competences(self):
        self.competences = {}
        self.active_competences = set()
        for pk, code, active in Competence.objects.values_list("pk", "code", "is_active"):
            self.competences[competence_key(code)] = pk
            if active:
                self.active_competences.add(competence_key(code))

    def load_organizations(self):
        self.org_by_inn = {}
        for pk, inn, kind in Organization.objects.exclude(inn="").values_list("pk", "inn", "kind"):
            self.org_by_inn[inn] = (pk, kind)

    def competence_ids(self, value):
        ids, errors = set(), []
        for code in split_list(value):
            key = competence_key(code)
            if key not in self.competences:
                errors.append(f"неизвестный код компетенции «{code}»")
            elif key not in self.active_competences:
                errors.append(f"компетенция «{code}» выведена из употребления")
            else:
                ids.add(self.competences[key])
        if errors:
            raise ValidationError(errors)
        return frozenset(ids)

    def organization_of(self, value):
        """(pk, kind) of the organization with this INN."""
        inn = text(value).replace(" ", "")
        found = self.org_by_inn.get(inn)
        if found is None:
            raise ValidationError(f"организация с ИНН {inn} не найдена")
        return found

    def organization(self, value):
        return self.organization_of(value)[0]
