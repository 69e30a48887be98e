-- 智能预警: the models' tunable parameters (versioned), the one-alert-per-(model, key, window) index, the
-- streaming cursor, backtest results, and person tags (重点人员 watch lists) under their own permission.

create table alert_models (
  code text primary key check (code ~ '^[a-z][a-z0-9_]{1,39}$'),
  enabled boolean not null default true,
  params jsonb not null,
  version integer not null default 1,
  -- Health: a model that throws or runs past its time limit is marked unhealthy and the others go on.
  healthy boolean not null default true,
  last_run_at timestamptz,
  last_duration_ms integer,
  last_signals integer,
  last_error text check (length(last_error) <= 2000),
  runs integer not null default 0,
  failures integer not null default 0,
  updated_at timestamptz not null default now()
);

-- Every version of a model's parameters: who changed what, when and why.
create table alert_model_versions (
  code text not null references alert_models (code) on delete cascade,
  version integer not null,
  params jsonb not null,
  changed_by bigint references users (id),
  changed_by_name text,
  reason text check (length(reason) <= 500),
  at timestamptz not null default now(),
  primary key (code, version)
);

-- One alert per (model, key, window): later evaluations update it; a closed one is not raised again.
create table alert_keys (
  model text not null references alert_models (code),
  key text not null check (length(key) between 1 and 200),
  "window" text not null check (length("window") between 1 and 40),
  matter_id bigint not null references matters (id) on delete cascade,
  score integer not null check (score between 0 and 100),
  level text not null check (level in ('red', 'orange', 'yellow')),
  -- A digest of score and factors: an evaluation that finds the same thing changes nothing.
  digest text not null,
  evaluations integer not null default 1,
  first_at timestamptz not null default now(),
  last_at timestamptz not null default now(),
  primary key (model, key, "window")
);
create index alert_keys_matter_idx on alert_keys (matter_id);

-- Where the streaming evaluation has read the matters' timeline up to (one row per runner).
create table alert_cursors (
  name text primary key,
  timeline_id bigint not null default 0,
  updated_at timestamptz not null default now()
);

-- A backtest's results per model (the latest shows on the model's page).
create table alert_backtests (
  id bigint generated always as identity primary key,
  code text not null references alert_models (code) on delete cascade,
  run_at timestamptz not null default now(),
  period_from timestamptz not null,
  period_to timestamptz not null,
  result jsonb not null
);
create index alert_backtests_code_idx on alert_backtests (code, run_at desc);

-- 重点人员: tags on persons (严重精神障碍, 社区矫正, 刑释人员, 吸毒人员…), seen only with subject:tags.
create table person_tags (
  person_id bigint not null references persons (id) on delete cascade,
  tag text not null check (tag in ('mental_disorder', 'community_correction', 'released_prisoner',
                                   'drug_user', 'petitioner', 'violence_history', 'other')),
  note text check (length(note) <= 500),
  created_by bigint references users (id),
  created_at timestamptz not null default now(),
  primary key (person_id, tag)
);
create index person_tags_tag_idx on person_tags (tag);

-- What really happened later (a violent incident between parties, a mass incident, a petition that
-- escalated, self-harm…): imported from police and other case data, or planted by the demo generator.
-- Backtests score the models against it; no model reads it.
create table alert_outcomes (
  id bigint generated always as identity primary key,
  kind text not null check (kind in ('violent_incident', 'domestic_violence', 'medical_violence',
                                     'mass_incident', 'petition_escalation', 'self_harm',
                                     'economic_collapse', 'hazard_accident', 'other')),
  subject_type text check (subject_type in ('person', 'enterprise', 'house', 'thing')),
  subject_id bigint,
  area_code text references areas (code),
  at timestamptz not null,
  source text not null check (length(source) <= 40),
  note text check (length(note) <= 500),
  created_at timestamptz not null default now()
);
create index alert_outcomes_at_idx on alert_outcomes (at);
create index alert_outcomes_subject_idx on alert_outcomes (subject_type, subject_id);
