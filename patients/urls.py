from django.urls import path

from patients import views

app_name = "patients"

urlpatterns = [
    path("access-log/", views.access_log_search, name="access_log_search"),
    path("access-log.csv", views.access_log_csv, name="access_log_csv"),
    path("", views.patient_list, name="list"),
    path("new/", views.patient_create, name="create"),
    path("<int:patient_id>/edit/", views.patient_edit, name="edit"),
    path("<int:patient_id>/access-log/", views.patient_access_log, name="access_log"),
    path("<int:patient_id>/history/", views.patient_record_history, name="history"),
    path("<int:patient_id>/conditions/new/", views.condition_add, name="condition_add"),
    path("<int:patient_id>/conditions/<int:condition_id>/", views.condition_edit, name="condition_edit"),
    path("<int:patient_id>/medications/new/", views.medication_add, name="medication_add"),
    path("<int:patient_id>/other-history/", views.other_history_edit, name="other_history"),
    path("<int:patient_id>/medications/<int:medication_id>/", views.medication_edit, name="medication_edit"),
    path("<int:patient_id>/scars/new/", views.scar_create, name="scar_create"),
    path("scars/<int:scar_id>/edit/", views.scar_edit, name="scar_edit"),
    path("scars/<int:scar_id>/end-course/", views.scar_course_end, name="scar_course_end"),
    path("scars/<int:scar_id>/reopen-course/", views.scar_course_reopen, name="scar_course_reopen"),
    path("scars/<int:scar_id>/assessments/new/", views.assessment_create, name="assessment_create"),
    path("assessments/<int:assessment_id>/edit/", views.assessment_edit, name="assessment_edit"),
    path("<int:patient_id>/consents/new/", views.consent_add, name="consent_add"),
    path("consents/<int:consent_id>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("photos/<int:photo_id>/", views.photo_view, name="photo"),
]
