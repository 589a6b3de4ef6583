"""Running Chainstore in production: Prometheus metrics, JSON logs, the drain on SIGTERM."""
