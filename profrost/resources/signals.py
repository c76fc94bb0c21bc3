"""Events of the resources app that the apps above it follow (docs/architecture.md, "Extension points"):
resources never calls into them. Sent inside the writing transaction, so a receiver's changes commit or roll
back with the event's own.

- enrollments_changed(sender=Enrollment, enrollments=iterable): enrollments got a new status, attestation or
  certificate (by the page, the CLI or an import). Routes: the items linked to the cohort follow.
- attendance_marked(sender=Participation, participation=…): the organizer marked a participant present or
  absent. Routes: the item planned for the event follows.
- application_changed(sender=Application, application=…, reason=""): an application (or a teacher's request)
  was made or moved to another status — requested, submitted, waiting, confirmed, enrolled, rejected,
  withdrawn, declined; `reason` is the refusal's reason, if any. Routes: the course's item is added or linked
  when the application is confirmed or enrolled, and every linked item records the step.
- participation_registered(sender=Participation, participation=…): a teacher was registered for an event.
  Routes: the event's item is added or linked.
"""

from django.dispatch import Signal

enrollments_changed = Signal()
attendance_marked = Signal()
application_changed = Signal()
participation_registered = Signal()
