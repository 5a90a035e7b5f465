from .views import budgets, demand, personal, unit

app_name = "plans"

urlpatterns = personal.urlpatterns + unit.urlpatterns + budgets.urlpatterns + demand.urlpatterns
