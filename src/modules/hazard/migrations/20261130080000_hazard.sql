-- 问题隐患 hazards (docs/HAZARDS.md). A hazard is a matter (type `hazard`); this module keeps beside it
--   hazard_deadlines: the "3030" clocks per severity (respond after 上报, rectify from 交办 to 验收通过),
--                     a city-wide configuration like matter_deadlines;
--   hazard_clocks:    one row per hazard with the instants of its two clocks, so that the 30-day
--                     rectification clock runs across 交办 → 整改 → 验收 (and back) instead of restarting at
--                     every state, and so that "responded within 30 minutes" is a column, not a guess.

create table hazard_deadlines (
  severity text primary key check (severity in ('general', 'larger', 'major')),
  respond_minutes integer not null check (respond_minutes between 1 and 10080),
  rectify_days integer not null check (rectify_days between 1 and 3650),
  warn_ratio double precision not null default 0.8 check (warn_ratio > 0 and warn_ratio < 1),
  updated_at timestamptz not null default now()
);

create table hazard_clocks (
  matter_id bigint primary key references matters (id) on delete cascade,
  severity text not null check (severity in ('general', 'larger', 'major')),
  reported_at timestamptz,
  respond_due_at timestamptz,
  responded_at timestamptz,
  rectify_due_at timestamptz,
  passed_at timestamptz,
  failed_count integer not null default 0 check (failed_count >= 0)
);
create index hazard_clocks_severity_idx on hazard_clocks (severity);
create index matters_hazard_severity_idx on matters ((payload->>'severity')) where type = 'hazard';
