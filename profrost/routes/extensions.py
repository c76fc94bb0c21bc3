"""The routes app's extension points (profrost.core.extensions), filled by support (profrost.support.cards):

- `tutor_refusals(routes, tutor)` → {route id: Russian message} for the routes `tutor` may not tutor. Routes
  asks it whenever a tutor is named (actions.assign_tutor); support refuses a methodologist who is not an
  approved asset member assigned to the route's teacher (docs/support.md §12). Set-wise: one call for a bulk
  assignment. Until provided: nobody is refused.
- `default_tutors(person_ids)` → {person id: User}: the tutor a new route of each person gets (the asset member
  the teacher is assigned to, when they have a login). Asked when routes are created (by hand or generated).
  Until provided: no default.
"""

from profrost.core.extensions import Hook

tutor_refusals = Hook("tutor_refusals", default=lambda routes, tutor: {})
default_tutors = Hook("default_tutors", default=lambda person_ids: {})
