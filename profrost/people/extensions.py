"""The people app's extension points (profrost.core.extensions): the apps above it show their part of a person
on the person card, and say how a person's data of theirs is exported and erased (personal_data.py)."""

from profrost.core.extensions import Slot

# Sections of the person card below the jobs: diagnostics (results), resources (matching, growth), routes.
person_card = Slot("person_card")
