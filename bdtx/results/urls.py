from .views import certificates, reports, results

app_name = "results"

urlpatterns = results.urlpatterns + certificates.urlpatterns + reports.urlpatterns
