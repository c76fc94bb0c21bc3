"""Pagination for list pages: one page of a queryset, and the list's query string without the page number
(for the page links and the export buttons, which keep the filters)."""

from django.core.paginator import Paginator

PAGE_SIZE = 50


def page_of(request, qs, size=PAGE_SIZE):
    return Paginator(qs, size).get_page(request.GET.get("page"))


def query_without_page(request):
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
