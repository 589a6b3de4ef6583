"""Trusted queries compiled, per role, into one SQL statement answering the response's `data`
(issue 18). The design note is README.md beside this file."""
