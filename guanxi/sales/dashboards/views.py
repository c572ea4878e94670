from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def dashboard(request):
    return HttpResponse("")


@login_required
def panel(request, panel: str):
    return HttpResponse("")


@login_required
def home_widget(request):
    return HttpResponse("")
