-- 平安乐巡 patrol: volunteer teams and their members, patrol tasks (a route and check points in a time window),
-- the sessions members walk (人次), their check-ins at the check points, the findings that became matters, and
-- the point rules of the leaderboard. Every row carries the team's area code: scope is one LIKE prefix.
-- See docs/PATROL.md.

create table patrol_teams (
  id bigint generated always as identity primary key,
  name text not null check (length(name) between 1 and 60),
  -- A town, a village or a grid (levels 3–5): where the team patrols.
  area_code text not null references areas (code),
  kind text not null check (kind in ('red_armband', 'volunteer', 'veteran', 'party_member', 'women', 'other')),
  created_at timestamptz not null default now(),
  created_by bigint references users (id),
  unique (area_code, name)
);
create index patrol_teams_area_idx on patrol_teams (area_code text_pattern_ops);
create index patrol_teams_created_by_idx on patrol_teams (created_by);

-- role: leader (at most one per team) or member. The phone is encrypted (vault, bound to this column) with a
-- blind index (HMAC) so that the same phone cannot be registered twice in one team, even by two racing requests.
create table patrol_members (
  id bigint generated always as identity primary key,
  team_id bigint not null references patrol_teams (id) on delete cascade,
  area_code text not null references areas (code),
  name text not null check (length(name) between 1 and 50),
  role text not null default 'member' check (role in ('leader', 'member')),
  phone_enc text not null check (length(phone_enc) <= 200),
  phone_hmac text not null check (length(phone_hmac) = 64),
  user_id bigint references users (id) on delete set null,
  joined_at timestamptz not null default now(),
  created_by bigint references users (id),
  unique (team_id, phone_hmac)
);
create index patrol_members_area_idx on patrol_members (area_code text_pattern_ops);
create index patrol_members_user_idx on patrol_members (user_id);
create index patrol_members_created_by_idx on patrol_members (created_by);
create unique index patrol_members_one_leader_idx on patrol_members (team_id) where role = 'leader';

-- A route (GeoJSON LineString coordinates, WGS-84, 2–200 points) and a time window.
create table patrol_tasks (
  id bigint generated always as identity primary key,
  team_id bigint not null references patrol_teams (id) on delete cascade,
  area_code text not null references areas (code),
  name text not null check (length(name) between 1 and 80),
  route jsonb not null,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  created_at timestamptz not null default now(),
  created_by bigint references users (id),
  check (ends_at > starts_at)
);
create index patrol_tasks_team_idx on patrol_tasks (team_id, starts_at);
create index patrol_tasks_area_idx on patrol_tasks (area_code text_pattern_ops);
create index patrol_tasks_created_by_idx on patrol_tasks (created_by);

create table patrol_checkpoints (
  id bigint generated always as identity primary key,
  task_id bigint not null references patrol_tasks (id) on delete cascade,
  seq smallint not null check (seq between 1 and 50),
  name text not null check (length(name) between 1 and 60),
  lng double precision not null check (lng between 73 and 136),
  lat double precision not null check (lat between 3 and 54),
  radius_m integer not null check (radius_m between 10 and 1000),
  unique (task_id, seq)
);

-- One session = one walk of a task; its members (the starter and companions) each count one 人次 once it ends.
create table patrol_sessions (
  id bigint generated always as identity primary key,
  task_id bigint not null references patrol_tasks (id) on delete cascade,
  team_id bigint not null references patrol_teams (id) on delete cascade,
  area_code text not null references areas (code),
  started_at timestamptz not null default now(),
  ended_at timestamptz,
  started_by bigint references users (id),
  note text check (length(note) <= 2000),
  check (ended_at is null or ended_at >= started_at)
);
create index patrol_sessions_task_idx on patrol_sessions (task_id);
create index patrol_sessions_team_idx on patrol_sessions (team_id, started_at);
create index patrol_sessions_area_idx on patrol_sessions (area_code text_pattern_ops, started_at);
create index patrol_sessions_started_by_idx on patrol_sessions (started_by);

create table patrol_session_members (
  session_id bigint not null references patrol_sessions (id) on delete cascade,
  member_id bigint not null references patrol_members (id) on delete cascade,
  -- Copied from the session: a member walks one session at a time (the partial unique index below).
  active boolean not null default true,
  primary key (session_id, member_id)
);
create index patrol_session_members_member_idx on patrol_session_members (member_id);
create unique index patrol_session_members_one_active_idx on patrol_session_members (member_id) where active;

create table patrol_checkins (
  id bigint generated always as identity primary key,
  session_id bigint not null references patrol_sessions (id) on delete cascade,
  checkpoint_id bigint not null references patrol_checkpoints (id) on delete cascade,
  at timestamptz not null default now(),
  lng double precision not null,
  lat double precision not null,
  accuracy_m real not null,
  distance_m integer not null,
  unique (session_id, checkpoint_id)
);
create index patrol_checkins_checkpoint_idx on patrol_checkins (checkpoint_id);

create table patrol_findings (
  id bigint generated always as identity primary key,
  session_id bigint not null references patrol_sessions (id) on delete cascade,
  matter_id bigint not null unique references matters (id) on delete cascade,
  at timestamptz not null default now()
);
create index patrol_findings_session_idx on patrol_findings (session_id);

-- Points per thing done; changed by those who configure (matter:configure), audited.
create table patrol_point_rules (
  code text primary key check (code in ('session', 'checkpoint', 'finding_confirmed')),
  points integer not null check (points between 0 and 1000),
  updated_at timestamptz not null default now(),
  updated_by bigint references users (id)
);
create index patrol_point_rules_updated_by_idx on patrol_point_rules (updated_by);
insert into patrol_point_rules (code, points) values ('session', 10), ('checkpoint', 2), ('finding_confirmed', 5);
