"""The application's use cases: intake, deciding, filing, replies, delivery, reminders, signals,
the county's scheduled jobs, staff operations and status. Each takes settings, ports and `now`."""
