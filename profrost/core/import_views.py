from django.http import HttpResponse


def import_list(request):
    return HttpResponse("imports")
