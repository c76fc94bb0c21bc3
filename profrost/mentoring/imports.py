"""Importers of mentoring (`profrost import mentorships FILE`) — docs/mentoring.md §9."""
