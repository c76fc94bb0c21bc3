"""What routes tell the apps above (docs/architecture.md, "Extension points").

`routes_created(sender, person_ids)` — routes were created for these people (one by hand, or a campaign's in
bulk), sent inside the creating transaction. Mentoring receives it: an active pair adds its section-3 item to the
new route (docs/mentoring.md §7).
"""

from django.dispatch import Signal

routes_created = Signal()
