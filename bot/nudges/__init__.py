"""Weekly nudges (issue 06): who drifted away, what is worth coming back for, and whether it worked.

- `planner`: the set-based queries that decide who gets a nudge and what each one holds (no loop per member);
- `content`: the nudges' own items (new members of one's sectors, new FAQ entries, facilitators' flags), next to
  the items other features register in `Contributions.nudge_sources`;
- `campaign`: a run: claimed once per (community, period), written in batches to `nudges` + the outbox;
- `report`: reactivation within 7 days, nudged versus the random holdout; figures and the CSV table;
- `periods`: periods, quiet hours and the holdout draw (pure functions).
"""
