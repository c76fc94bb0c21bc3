"""Resources from spreadsheets, one module per concept: programs (ДПП), events, cohorts with their municipal
quotas and the results of a cohort's training (cohorts.py). Importing the package registers the importers
(ResourcesConfig.ready()); `profrost import programs|events|cohorts|cohort_results`.

The same pipeline as every other import (core/imports.py): each row is checked with the rules the edit pages
use, classified as new / changed / unchanged, and the whole file is written in one transaction. Importing the
same file twice changes nothing. Only the region (the center) loads these: the pages allow it to the center's
roles, and a file loaded on behalf of anyone else is rejected.
"""

# In this order: the kinds are listed (the import page, importable_kinds) in the order they register.
from profrost.resources.imports import programs, events, cohorts  # noqa: F401, I001
