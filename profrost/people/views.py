from django.http import HttpResponse


def person_list(request):
    return HttpResponse("people")


def me(request):
    return HttpResponse("me")
