"""Block Kit built by pure functions: every builder returns plain dicts, checked against Slack's limits."""
