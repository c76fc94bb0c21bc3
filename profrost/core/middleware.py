from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    """Pages hold personal data: no browser or proxy may cache them (docs/security.md §10)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/static/"):
            add_never_cache_headers(response)
            response["Cache-Control"] = "no-store, " + response.get("Cache-Control", "")
        return response
