"""Russian grammar in templates: `{% load russian %}`.

`{{ person|case:"accusative" }}` — a person's (or a user's) full name in a case;
`{{ person|by_sex:"присутствовал,присутствовала" }}` — the form agreeing with the person's sex (a third form,
after a second comma, for the unknown sex);
`{{ e.get_status_display|agree:e.person }}` — a status in the masculine («зачислен») agreeing with the person;
`{{ importer.title|lowerfirst }}` — «Программы ДПП» → «программы ДПП»: the first letter lowered unless the
first word is an abbreviation (where `|lower` would print «программы дпп»).
"""

from django import template

from profrost.core import russian

register = template.Library()


def _name_parts(obj):
    """(last, first, middle, sex) of a person or a user (a user linked to a person takes the person's sex)."""
    person = getattr(obj, "person", None)
    sex = getattr(obj, "sex", "") or getattr(person, "sex", "") or ""
    return (
        getattr(obj, "last_name", "") or "",
        getattr(obj, "first_name", "") or "",
        getattr(obj, "middle_name", "") or "",
        sex,
    )


@register.filter
def case(obj, grammatical_case):
    """The full name of a person or a user in a case; an object without name parts prints as it is."""
    if obj is None or obj == "":
        return ""
    last, first, middle, sex = _name_parts(obj)
    if not (last or first or middle):
        return str(obj)
    return russian.decline_name(last, first, middle, grammatical_case, sex)


@register.filter
def by_sex(obj, forms):
    """ "присутствовал,присутствовала[,присутствовал(а)]" → the form for this person's (or user's) sex."""
    masculine, feminine, *unknown = (form.strip() for form in forms.split(","))
    sex = ""
    if obj is not None:
        last, first, middle, sex = _name_parts(obj)
        sex = russian.infer_sex(last, first, middle, sex)
    return russian.by_sex(sex, masculine, feminine, unknown[0] if unknown else None)


@register.filter
def agree(label, obj):
    """`{{ e.get_status_display|agree:e.person }}` — «зачислена» for a woman (core.russian.feminine_forms)."""
    if obj is None:
        return label
    last, first, middle, sex = _name_parts(obj)
    return russian.agree(label, russian.infer_sex(last, first, middle, sex))


@register.filter
def lowerfirst(value):
    """«Программы ДПП» → «программы ДПП»; «ДПП: программы» stays (an abbreviation keeps its capitals)."""
    return russian.lower_first(value)
