"""The apps in layers, bottom up — written once, here (docs/architecture.md, "Layers").

An app imports only from its own layer and the layers below it, never from above, so there is no cycle between
apps. The lower app offers extension points (profrost.core.extensions: card slots, hooks, signals) where a page
or an event of its must reach a higher app's data. tests/test_layers.py holds every module of the project to
this, imports inside functions included. Monitoring reads every app below it; only the portal's pages read it.
"""

LAYERS = (
    "core",  # knows no domain: scoping primitives, rules, journal, history, import pipeline, exports, tasks,
    #          notifications, extension points
    "structure",  # the region's tree: regions, districts, municipalities, organizations, their statuses
    "people",  # the registry of pedagogical staff: persons, jobs, positions, subjects
    "accounts",  # users, their roles and scopes, the permission rules
    "diagnostics",  # competences, instruments, campaigns, results, deficits
    "resources",  # programs, cohorts, applications, events, internships, communities, the growth record
    "routes",  # individual educational routes (ИОМ)
    "support",  # the regional methodological asset: its register, criteria, orders, teachers assigned to members
    "mentoring",  # mentoring programs of organizations, pairs and groups, personal plans, matching, registers
    "monitoring",  # indicators as data over measures, live computation, snapshots, ratings, recommendations
    "portal",  # the top: pages across apps (start page, navigation) and the embedded trial's demo data
)
