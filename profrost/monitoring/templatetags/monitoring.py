"""Template filters of the monitoring: a seed's formula with its subscripts («D_y = K_T / K_n») set as subscripts."""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()

SUBSCRIPT = re.compile(r"([A-Za-zА-Яа-яЁё])_(\{[^}]{1,20}\}|[A-Za-zА-Яа-яЁё0-9]{1,8})")


@register.filter
def formula(text):
    """«K_{иом}» and «K_T» → K<sub>иом</sub>, K<sub>T</sub>; everything else escaped."""
    return mark_safe(
        SUBSCRIPT.sub(lambda m: f"{m.group(1)}<sub>{m.group(2).strip('{}')}</sub>", escape(text or ""))
    )
