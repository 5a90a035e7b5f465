from django.http import HttpResponse


def tree(request):  # placeholder, replaced by the unit tree browser
    return HttpResponse("")


def detail(request, pk):  # placeholder
    return HttpResponse("")
