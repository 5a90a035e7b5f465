from .views import attendance, checkin, classes, enrolment, lms, online, scores, trainers

app_name = "delivery"

urlpatterns = (
    classes.urlpatterns
    + trainers.urlpatterns
    + enrolment.urlpatterns
    + attendance.urlpatterns
    + checkin.urlpatterns
    + scores.urlpatterns
    + online.urlpatterns
    + lms.urlpatterns
)
