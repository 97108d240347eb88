from notifications.management.job_command import JobCommand


class Command(JobCommand):
    help = "Send recalls: a patient with a scar in its window and nothing booked is invited to book."
    job = "recalls"
