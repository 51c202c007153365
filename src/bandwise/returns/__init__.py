"""NHS England's job evaluation returns as pure data and rules: the staff groups, the
quarters of the quarterly JE KPI return, the bands it counts, the board readiness and
practices-audit statements. No database here; the services compute the figures."""
