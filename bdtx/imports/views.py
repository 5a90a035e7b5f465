from django.http import HttpResponse


def import_list(request):  # placeholder, replaced by the import history
    return HttpResponse("")


def new(request):  # placeholder
    return HttpResponse("")
