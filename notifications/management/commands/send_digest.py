from notifications.management.job_command import JobCommand


class Command(JobCommand):
    help = "Send the daily digest: counts and links for each clinic admin, and for each clinician with work waiting."
    job = "digest"
