"""Use-case functions of KAM bot, one module per area. Every function is keyword-only and takes the
session and the acting member (an Actor); every query is scoped to the actor's workspace; every change
writes an audit event."""
