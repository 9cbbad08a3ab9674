"""`gostaking monitor`: a tenderduty-style watcher of one or more nodes over their APIs (alerts.py: what is wrong;
watch.py: the loop, its state file and its webhook). docs/monitoring.md describes every alert."""
