"""Stock rules: the ledger (every change a movement plus a balance update), alerts, queries."""
