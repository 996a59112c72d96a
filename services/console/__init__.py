"""The web console: pages for stations, departments, the district office and voters; a
client of the four services' HTTP APIs, with its own database of users, sessions and
the audit (docs/architecture.md, "Decisions and why")."""
