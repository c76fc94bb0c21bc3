"""Pages — being built."""

urlpatterns = []
