from .views import assessment, cycles, documents, evaluation

app_name = "appraisals"

urlpatterns = assessment.urlpatterns + evaluation.urlpatterns + cycles.urlpatterns + documents.urlpatterns
