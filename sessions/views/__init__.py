"""The schedule's pages, one module per job: booking and status changes, the treatment record,
the calendar, the worklist, and the patient and scar pages that show a course of treatment."""
