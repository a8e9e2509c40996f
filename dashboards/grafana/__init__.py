"""Grafana: the dashboards (one module per kind, with its SQL), Grafana-managed alert rules and provisioning."""
