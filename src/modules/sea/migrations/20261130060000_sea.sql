-- 海上斑马线 sea: fishing vessels (things of kind 'vessel' with their registry row here), their positions,
-- the geometries the rules read (channels, corridors 斑马线, restricted zones, ports), typhoon closure orders,
-- port exit/entry reports (进出港报告), the rules' parameters, the sea alerts' keys and the push tokens.
-- See docs/SEA.md.

-- One row per fishing vessel; the vessel itself is a thing (things.kind = 'vessel', identifier = number).
create table sea_vessels (
  thing_id bigint primary key references things (id) on delete cascade,
  -- 船号, e.g. 浙苍渔01234: also the MQTT topic segment.
  number text not null unique check (length(number) between 2 and 30),
  name text not null check (length(name) between 1 and 100),
  area_code text not null references areas (code),
  home_port text not null check (length(home_port) between 1 and 50),
  owner_type text check (owner_type in ('person', 'enterprise')),
  owner_id bigint,
  crew_count integer not null default 0 check (crew_count between 0 and 200),
  -- The crew as person ids (the persons registry holds who they are; nothing personal here).
  crew_person_ids bigint[] not null default '{}',
  length_m real check (length_m is null or length_m between 1 and 200),
  -- The latest position (also kept in memory by the feed); status is derived by the feed and the checks.
  last_ts timestamptz,
  last_lng double precision,
  last_lat double precision,
  last_sog real,
  last_cog real,
  status text not null default 'unknown' check (status in ('unknown', 'in_port', 'at_sea', 'silent')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  check ((owner_type is null) = (owner_id is null))
);
create index sea_vessels_area_idx on sea_vessels (area_code text_pattern_ops);

-- The track: one row per accepted position, inserted in batches by the feed.
create table sea_positions (
  vessel_id bigint not null references sea_vessels (thing_id) on delete cascade,
  ts timestamptz not null,
  lng double precision not null,
  lat double precision not null,
  sog real,
  cog real
);
create index sea_positions_vessel_ts_idx on sea_positions (vessel_id, ts desc);

-- Channels (航道), corridors (斑马线), restricted zones (禁入区) and ports (港区): polygons in WGS-84.
create table sea_geometries (
  id bigint generated always as identity primary key,
  kind text not null check (kind in ('channel', 'corridor', 'zone', 'port')),
  name text not null check (length(name) between 1 and 100),
  area_code text not null references areas (code),
  -- GeoJSON Polygon coordinates [[[lng, lat], …]], validated (closed ring, no self-intersection, in range).
  coordinates jsonb not null,
  active boolean not null default true,
  created_by bigint references users (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1
);
create index sea_geometries_kind_idx on sea_geometries (kind) where active;
create index sea_geometries_created_by_idx on sea_geometries (created_by);

-- 台风休渔令 / closure orders: no fishing vessel at sea inside the area from starts_at until lifted or ends_at.
create table sea_closures (
  id bigint generated always as identity primary key,
  name text not null check (length(name) between 1 and 100),
  area_code text not null references areas (code),
  coordinates jsonb not null,
  starts_at timestamptz not null,
  ends_at timestamptz,
  lifted_at timestamptz,
  reason text check (length(reason) <= 500),
  issued_by bigint references users (id),
  lifted_by bigint references users (id),
  created_at timestamptz not null default now()
);
create index sea_closures_issued_by_idx on sea_closures (issued_by);
create index sea_closures_lifted_by_idx on sea_closures (lifted_by);

-- 进出港报告: a vessel reports before leaving port (exit) and on return (entry).
create table sea_port_reports (
  id bigint generated always as identity primary key,
  vessel_id bigint not null references sea_vessels (thing_id) on delete cascade,
  area_code text not null,
  kind text not null check (kind in ('exit', 'entry')),
  port text not null check (length(port) between 1 and 50),
  reported_at timestamptz not null default now(),
  crew_on_board integer check (crew_on_board between 0 and 200),
  destination text check (length(destination) <= 100),
  created_by bigint references users (id),
  created_by_name text not null
);
create index sea_port_reports_vessel_idx on sea_port_reports (vessel_id, reported_at desc);
create index sea_port_reports_created_by_idx on sea_port_reports (created_by);

-- The rules' parameters (one row) and every version of them.
create table sea_params (
  id smallint primary key default 1 check (id = 1),
  params jsonb not null default '{}',
  version integer not null default 1,
  updated_at timestamptz not null default now(),
  updated_by bigint references users (id)
);
create index sea_params_updated_by_idx on sea_params (updated_by);
insert into sea_params (id) values (1);

-- One sea alert (a matter of type sea_alert) per breach episode; at most one open per (vessel, rule), which
-- the evaluator (one consumer: the leader) keeps, and this table remembers across restarts.
create table sea_alerts (
  matter_id bigint primary key references matters (id) on delete cascade,
  vessel_id bigint not null references sea_vessels (thing_id) on delete cascade,
  rule text not null check (rule in ('channel_crossing', 'restricted_zone', 'signal_lost', 'closure', 'port_exit')),
  breaches integer not null default 1,
  first_at timestamptz not null,
  last_at timestamptz not null
);
create index sea_alerts_vessel_rule_idx on sea_alerts (vessel_id, rule);

-- Positions the feed rejected (malformed, out of range, a jump, unknown vessel, out of order): counted and
-- a sample kept for the operators (at most the latest few thousand; older ones are pruned by the feed).
create table sea_rejects (
  id bigint generated always as identity primary key,
  at timestamptz not null default now(),
  reason text not null,
  topic text check (length(topic) <= 200),
  sample text check (length(sample) <= 300)
);

-- Push tokens for department systems posting positions over HTTP (stored as SHA-256; shown once).
create table sea_push_tokens (
  id bigint generated always as identity primary key,
  name text not null check (length(name) between 1 and 100),
  token_hash text not null unique,
  token_prefix text not null,
  created_by bigint references users (id),
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
create index sea_push_tokens_created_by_idx on sea_push_tokens (created_by);
