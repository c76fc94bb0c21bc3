"""Russian grammar for the text people read: a full name declined by case, a word chosen by the person's sex.

No domain here: the functions take the parts of a name as strings and a sex code — "m" or "f", the codes
people.models.Sex stores ("M"/"F" are read too), "" when unknown. Names are declined by pytrovich (the
petrovich rules for Russian surnames, first names and patronymics); a part no rule knows (a foreign or
indeclinable name: «Шевчук» for a woman, «Дюма») stays as it is, which is also what Russian grammar does
with it.

When the sex is not given it is inferred from the name: the patronymic decides (-вич/-ич/оглы → male,
-вна/-чна/-шна/кызы → female), else the first name and the surname by the petrovich rules. When even
that leaves it open, by_sex() uses the masculine form — the generic masculine of Russian official text
(«педагог зачислен») — unless the caller gives a form for the unknown case.
"""

from functools import lru_cache

from pytrovich.detector import PetrovichGenderDetector
from pytrovich.enums import Case, Gender, NamePart
from pytrovich.maker import PetrovichDeclinationMaker

MALE, FEMALE, UNKNOWN = "m", "f", ""

CASES = {
    "nominative": Case.NOMINATIVE,
    "genitive": Case.GENITIVE,
    "dative": Case.DATIVE,
    "accusative": Case.ACCUSATIVE,
    "instrumental": Case.INSTRUMENTAL,
    "prepositional": Case.PREPOSITIONAL,
}

_GENDER_OF = {MALE: Gender.MALE, FEMALE: Gender.FEMALE}
_SEX_OF = {Gender.MALE: MALE, Gender.FEMALE: FEMALE}


@lru_cache(maxsize=1)
def _maker():
    return PetrovichDeclinationMaker()


@lru_cache(maxsize=1)
def _detector():
    return PetrovichGenderDetector()


def sex_code(sex):
    """ "m", "f" or "" for any spelling of the code (None, "M", " f ")."""
    code = (sex or "").strip().lower()
    return code if code in (MALE, FEMALE) else UNKNOWN


def _inferred(last, first, middle, sex):
    """(code, certain): the given sex or the patronymic's are certain, a guess from the first name and the
    surname by the petrovich rules is not."""
    code = sex_code(sex)
    if code:
        return code, True
    last, first, middle = (part.strip() if part else "" for part in (last, first, middle))
    patronymic = middle.lower().replace("ё", "е")
    if patronymic.endswith(("вна", "чна", "шна", "кызы", "гызы")):
        return FEMALE, True
    if patronymic.endswith(("вич", "ич", "оглы", "улы", "уулу")):
        return MALE, True
    if not (last or first or middle):
        return UNKNOWN, False
    detected = _detector().detect(firstname=first or None, lastname=last or None, middlename=middle or None)
    return _SEX_OF.get(detected, UNKNOWN), False


def infer_sex(last="", first="", middle="", sex=""):
    """The given sex when it is known; otherwise the one the name shows (the patronymic first), or ""."""
    return _inferred(last, first, middle, sex)[0]


def _decline_part(part, name_part, gender, case, known):
    if not part or case == Case.NOMINATIVE:
        return part
    word = part.strip()
    if not any("а" <= ch.lower() <= "я" or ch.lower() == "ё" for ch in word):
        return part  # not a Russian word (Latin letters, digits): left as it is
    result = _maker().make(name_part, gender, case, word, known_gender=known)
    # The rules append lower-case endings: «ИВАНОВ» would become «ИВАНОВу».
    return result.upper() if word.isupper() and len(word) > 1 else result


def _declension(last, first, middle, case, sex):
    if case not in CASES:
        raise ValueError(f"unknown case {case!r}; one of {', '.join(CASES)}")
    code, known = _inferred(last, first, middle, sex)
    gender = _GENDER_OF.get(code, Gender.ANDROGYNOUS)
    return CASES[case], gender, known


def decline_name(last, first="", middle="", case="genitive", sex=""):
    """«Архипова Людмила Петровна», "accusative" → «Архипову Людмилу Петровну». Empty parts are left out."""
    grammatical_case, gender, known = _declension(last, first, middle, case, sex)
    parts = (
        _decline_part(last, NamePart.LASTNAME, gender, grammatical_case, known),
        _decline_part(first, NamePart.FIRSTNAME, gender, grammatical_case, known),
        _decline_part(middle, NamePart.MIDDLENAME, gender, grammatical_case, known),
    )
    return " ".join(p.strip() for p in parts if p and p.strip())


def decline_short_name(last, first="", middle="", case="genitive", sex=""):
    """«Архипова Л. П.», "dative" → «Архиповой Л. П.»: the surname declined, the initials as they are."""
    grammatical_case, gender, known = _declension(last, first, middle, case, sex)
    surname = _decline_part(last, NamePart.LASTNAME, gender, grammatical_case, known)
    initials = " ".join(f"{p.strip()[0]}." for p in (first, middle) if p and p.strip())
    return f"{(surname or '').strip()} {initials}".strip()


def by_sex(sex, masculine, feminine, unknown=None):
    """The word agreeing with the person's sex: by_sex("f", "зачислен", "зачислена") → «зачислена».
    Unknown sex: `unknown` when given, else the masculine (the generic masculine of official Russian)."""
    code = sex_code(sex)
    if code == FEMALE:
        return feminine
    if code == MALE:
        return masculine
    return masculine if unknown is None else unknown


# Labels written in the masculine (statuses of a person's record: «зачислен», «Оценён») and their feminine
# forms, registered by the apps that own the labels (feminine_forms); agree() picks the one for a person.
_FEMININE = {}


def feminine_forms(forms):
    """Register {masculine label: feminine label} for agree(); an app calls it next to its choices."""
    _FEMININE.update(forms)


def agree(label, sex):
    """The label agreeing with the person's sex: agree("зачислен", "f") → «зачислена» (when registered)."""
    label = str(label)
    return _FEMININE.get(label, label) if sex_code(sex) == FEMALE else label


def lower_first(text):
    """«Современный урок по ФГОС» → «современный урок по ФГОС»: for a title after a colon («Семинар: …»),
    where str.lower() would print «фгос». A first word in capitals (an abbreviation: «ДПП», «ОВЗ») stays."""
    text = str(text or "")
    words = text.split(maxsplit=1)
    if words and len(words[0].strip('«»"(),.:;')) > 1 and words[0].strip('«»"(),.:;').isupper():
        return text
    return text[:1].lower() + text[1:]
