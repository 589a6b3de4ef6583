"""Live feeds over WebSockets: events from PostgreSQL (LISTEN/NOTIFY) to authorised subscribers.

`hub` listens once per process and fans rows of `event` out to feeds; `stream` turns a feed
into one subscriber's ordered, resumable, scope-filtered iterator; `connections` keeps the
process's open sockets and closes those whose token or account is no longer good.
"""
