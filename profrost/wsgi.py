import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "profrost.settings")
application = get_wsgi_application()

from django.conf import settings  # noqa: E402

if not settings.DEBUG and not settings.SECRET_KEY_FROM_ENV:
    # A throw-away key would log everyone out at each restart and sign nothing reliably.
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
