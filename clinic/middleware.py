from django.utils import timezone

from clinic.models import Clinic


class ClinicTimeZoneMiddleware:
    """Show and read dates and times in the clinic's own time zone (set on the clinic set-up page)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        timezone.activate(Clinic.current().zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
