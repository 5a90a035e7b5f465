from django.http import HttpResponse


def staff_list(request):  # placeholder, replaced by the staff list
    return HttpResponse("")


def detail(request, pk):  # placeholder
    return HttpResponse("")
