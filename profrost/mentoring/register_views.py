"""Pages — filled in below."""

urlpatterns = []
