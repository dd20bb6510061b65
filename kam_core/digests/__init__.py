"""Digests: which subscriptions are due (a pure function), claiming each run exactly once in the
database, building the content (Slack-free), daily snapshots, and the tick that ties them together.
Posting is done by a Publisher the Slack edge provides."""
