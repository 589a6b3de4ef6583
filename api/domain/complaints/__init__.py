"""Customer complaints (README "Complaints").

- filing.py: `file_complaint`, validated in full before anything is written;
- routing.py: who handles a (region, category), least-loaded fallback, `set_routing`;
- lifecycle.py: the state machine (start, resolve, close, reopen, reassign);
- timeline.py: the append-only timeline, the event and the customer message of each change;
- outbox.py: customer progress messages, delivery adapters, the delivery job;
- sla.py: targets per category and the breach job (escalation to the region manager);
- compensation.py: replacement pickups (stock moves when collected) and member coupons;
- queries.py, stats.py: what the API reads, batched; breach rates and handling times.
"""
