-- 一站式调解 one-stop mediation: a case (a matter of type `mediation`, TJ-…) opened when a dispute is sent to
-- mediation, its level (village → town → county), mediator and linked team, sessions, the agreement with
-- the fields 人民调解法 art. 29 requires, the 司法确认 application and the outcome used by the KPIs.
-- See docs/MEDIATION.md.

create table mediation_cases (
  matter_id bigint primary key references matters (id) on delete cascade,
  dispute_id bigint not null references matters (id) on delete cascade,
  -- The dispute's 分流至调解 timeline entry: one case per sending, so that opening twice is impossible.
  source_timeline_id bigint not null unique,
  level text not null check (level in ('village', 'town', 'county')),
  -- The area whose centre owns the case at its level (a village, its town, its county).
  level_area_code text not null references areas (code),
  mediator_id bigint references users (id),
  -- The linked team: the grid worker and the village cadre, users or named people ({userId?, name}).
  grid_worker jsonb,
  cadre jsonb,
  outcome text check (outcome in ('settled', 'failed')),
  outcome_at timestamptz,
  outcome_level text check (outcome_level in ('village', 'town', 'county')),
  opened_at timestamptz not null default now()
);
create index mediation_cases_dispute_idx on mediation_cases (dispute_id);
create index mediation_cases_mediator_idx on mediation_cases (mediator_id);
create index mediation_cases_level_area_idx on mediation_cases (level_area_code);
create index mediation_cases_outcome_idx on mediation_cases (outcome, outcome_at);

create table mediation_sessions (
  id bigint generated always as identity primary key,
  matter_id bigint not null references matters (id) on delete cascade,
  held_at timestamptz not null,
  place text not null check (length(place) between 1 and 200),
  attendees text[] not null check (cardinality(attendees) between 1 and 30),
  record text not null check (length(record) between 1 and 5000),
  created_by bigint references users (id),
  created_by_name text not null,
  created_at timestamptz not null default now()
);
create index mediation_sessions_matter_idx on mediation_sessions (matter_id, held_at);
create index mediation_sessions_created_by_idx on mediation_sessions (created_by);

create table mediation_agreements (
  matter_id bigint primary key references matters (id) on delete cascade,
  -- [{name, gender, age, idNumberEnc (vault, aad mediation.id_number), address, role}], 2–10 parties.
  parties jsonb not null,
  facts text not null check (length(facts) between 1 and 5000),
  issues text not null check (length(issues) between 1 and 5000),
  responsibility text not null check (length(responsibility) between 1 and 5000),
  terms text not null check (length(terms) between 1 and 5000),
  performance_method text not null check (length(performance_method) between 1 and 1000),
  performance_deadline date not null,
  signed_by_parties boolean not null check (signed_by_parties),
  mediator_signed boolean not null check (mediator_signed),
  committee_sealed boolean not null check (committee_sealed),
  committee_name text not null check (length(committee_name) between 1 and 100),
  mediator_name text not null,
  agreed_at timestamptz not null,
  created_by bigint references users (id)
);
create index mediation_agreements_created_by_idx on mediation_agreements (created_by);

create table mediation_confirmations (
  matter_id bigint primary key references matters (id) on delete cascade,
  -- The shared court (src/modules/court), kept as plain fields: modules do not import each other.
  court_id text check (length(court_id) <= 40),
  court_name text not null check (length(court_name) between 1 and 100),
  applied_on date not null,
  note text check (length(note) <= 1000),
  created_by bigint references users (id),
  created_at timestamptz not null default now()
);
create index mediation_confirmations_created_by_idx on mediation_confirmations (created_by);
