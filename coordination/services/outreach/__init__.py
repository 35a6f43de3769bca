"""Use cases of outreach (DESIGN §14), by subject: `consent` (an enterprise's consent to be recommended),
`lists` (building, publishing and closing a list) and `follow_ups` (opening an entry, the §1 disclosure,
recording the follow-up, and the reminders the deadline sweep sends about follow-ups due).

Who may do what: a coordinator builds, publishes and closes the lists it coordinates
(`selectors.lists_coordinated_by`); an institution's people open and follow up the entries of the lists
published to their institution; an enterprise's managers give or withdraw its consent. Out of scope is a
404 (NotFound), whatever the caller tried.
"""
