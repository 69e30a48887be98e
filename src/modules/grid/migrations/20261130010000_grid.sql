-- 网格 grid: the "1+3+N" team of each grid, its members' check-ins (入格) and visit logs, the check-in
-- rules per role and the reminders sent to those who missed one. See docs/GRID.md.

-- One row per member of a grid's team. role: leader 网格长 (at most one active per grid), fulltime 专职网格员,
-- parttime 兼职网格员, instructor 网格指导员, and the N: police, doctor, lawyer, volunteer, other.
create table grid_members (
  id bigint generated always as identity primary key,
  area_code text not null references areas (code) check (length(area_code) = 15),
  role text not null check (
    role in ('leader', 'fulltime', 'parttime', 'instructor', 'police', 'doctor', 'lawyer', 'volunteer', 'other')
  ),
  name text not null check (length(name) between 1 and 50),
  -- v1. + AES-256-GCM ciphertext bound to this column (src/core/subjects/vault.ts); shown masked.
  phone_enc text check (length(phone_enc) <= 200),
  user_id bigint references users (id) on delete set null,
  unit text check (length(unit) <= 100),
  -- Check-ins are required from this day (China time) on: a member who joins mid-month owes only the rest.
  since date not null default current_date,
  removed_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1
);
create index grid_members_area_idx on grid_members (area_code text_pattern_ops);
create index grid_members_user_idx on grid_members (user_id);
-- 1 网格长 per grid: the database refuses a second one even if two requests race.
create unique index grid_members_one_leader_idx on grid_members (area_code)
  where role = 'leader' and removed_at is null;

-- The rule per role: none, day (每日) or week (每周, Monday to Sunday, China time).
create table grid_rules (
  role text primary key check (
    role in ('leader', 'fulltime', 'parttime', 'instructor', 'police', 'doctor', 'lawyer', 'volunteer', 'other')
  ),
  period text not null check (period in ('none', 'day', 'week')),
  updated_at timestamptz not null default now(),
  updated_by bigint references users (id)
);
create index grid_rules_updated_by_idx on grid_rules (updated_by);
insert into grid_rules (role, period) values
  ('leader', 'day'), ('fulltime', 'none'), ('parttime', 'none'), ('instructor', 'week'),
  ('police', 'none'), ('doctor', 'none'), ('lawyer', 'none'), ('volunteer', 'none'), ('other', 'none');

-- City-wide check-in settings: one row.
create table grid_settings (
  id smallint primary key default 1 check (id = 1),
  tolerance_m integer not null default 100 check (tolerance_m between 0 and 2000),
  max_accuracy_m integer not null default 1000 check (max_accuracy_m between 10 and 5000),
  updated_at timestamptz not null default now(),
  updated_by bigint references users (id)
);
create index grid_settings_updated_by_idx on grid_settings (updated_by);
insert into grid_settings (id) values (1);

-- 入格: one per member and rule period (period 'day' for members without a rule). distance_m is 0 inside
-- the polygon, else the metres to its edge (within the tolerance).
create table grid_checkins (
  id bigint generated always as identity primary key,
  member_id bigint not null references grid_members (id) on delete cascade,
  -- The member's grid when they checked in (no foreign key: the member's row holds it; one check less per
  -- row keeps the demo's month of city-wide check-ins fast to load).
  area_code text not null,
  role text not null,
  period text not null check (period in ('day', 'week')),
  period_start date not null,
  at timestamptz not null default now(),
  lng double precision not null,
  lat double precision not null,
  accuracy_m real not null,
  distance_m integer not null default 0,
  -- The account that checked in (history: no foreign key, as area_code above).
  user_id bigint
);
create unique index grid_checkins_period_idx on grid_checkins (member_id, period, period_start);
-- Reports reach check-ins through the members of an area (grid_members_area_idx) and this unique index; a
-- check-in's visits through grid_visits_checkin_idx. Few indexes: the demo loads ~190,000 rows.

-- 走访记录: houses visited, findings, photos; a finding may become a matter (matter_id).
create table grid_visits (
  id bigint generated always as identity primary key,
  checkin_id bigint not null references grid_checkins (id) on delete cascade,
  area_code text not null references areas (code),
  house_ids bigint[] not null default '{}' check (cardinality(house_ids) <= 100),
  findings text check (length(findings) <= 2000),
  matter_id bigint references matters (id) on delete set null,
  created_by bigint references users (id),
  created_at timestamptz not null default now()
);
create index grid_visits_checkin_idx on grid_visits (checkin_id);
create index grid_visits_area_idx on grid_visits (area_code text_pattern_ops);
create index grid_visits_matter_idx on grid_visits (matter_id);
create index grid_visits_created_by_idx on grid_visits (created_by);

-- Photos of a visit: the blobs in the content-addressed store (files), one row per photo.
create table grid_visit_photos (
  id bigint generated always as identity primary key,
  visit_id bigint not null references grid_visits (id) on delete cascade,
  sha256 text not null references files (sha256),
  filename text not null check (length(filename) between 1 and 255),
  mime text not null,
  size bigint not null,
  created_at timestamptz not null default now()
);
create index grid_visit_photos_visit_idx on grid_visit_photos (visit_id);
create index grid_visit_photos_sha_idx on grid_visit_photos (sha256);

-- 提醒: a reminder to a member who missed check-ins; linked users also get a notification.
create table grid_reminders (
  id bigint generated always as identity primary key,
  member_id bigint not null references grid_members (id) on delete cascade,
  area_code text not null references areas (code),
  period_from date not null,
  period_to date not null,
  missing integer not null check (missing >= 0),
  message text not null check (length(message) <= 500),
  sent_by bigint references users (id),
  sent_at timestamptz not null default now()
);
create index grid_reminders_member_idx on grid_reminders (member_id, sent_at desc);
create index grid_reminders_area_idx on grid_reminders (area_code text_pattern_ops);
create index grid_reminders_sent_by_idx on grid_reminders (sent_by);
