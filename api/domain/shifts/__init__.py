"""Shift handover and store standards: HQ's checklist templates (standards.py), shifts as
attendance (shifts.py), the handover and its acceptance (handover.py), the generated summary
(summary.py) and HQ's view of who keeps the standards (report.py)."""
