-- The command big screen (docs/SCREEN.md): two partial indexes for the figures the existing ones do not serve.
-- What closed today, this month and each day of the trend: a range of closed_at, read from the index alone.
create index matters_closed_at_idx on matters (closed_at) include (area_code, type, status)
  where closed_at is not null;
-- The alert ticker (the newest alerts, read backwards) and the alerts counted by level this month: alerts are
-- a small share of the matters, so neither scans the others.
create index matters_alert_created_idx on matters (created_at desc, id desc) include (area_code)
  where type = 'alert';
