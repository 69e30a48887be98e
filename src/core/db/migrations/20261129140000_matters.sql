-- Matters (事项): one table for every line of work, with parties, attachments, an append-only timeline,
-- deadlines on the current state, and the configuration a centre may change (deadlines per type/state).

create table matters (
  id bigint generated always as identity primary key,
  number text not null unique check (length(number) <= 40),
  type text not null check (type ~ '^[a-z][a-z0-9_]{1,39}$'),
  category text check (length(category) <= 40),
  title text not null check (length(title) between 1 and 200),
  description text check (length(description) <= 5000),
  status text not null check (length(status) <= 40),
  closed boolean not null default false,
  urgency text not null default 'normal' check (urgency in ('extra_urgent', 'urgent', 'normal')),
  source_department text references departments (code),
  source_channel text check (length(source_channel) <= 40),
  area_code text not null references areas (code),
  lng double precision,
  lat double precision,
  h3 text,
  reporter_id bigint references users (id),
  reporter_name text check (length(reporter_name) <= 50),
  -- The unit in charge now: a department's office at an area (综治中心 of a town, 住建局 of a county…).
  assignee_department text references departments (code),
  assignee_area_code text references areas (code),
  assignee_user_id bigint references users (id),
  -- Who dispatched it: the centre that watches and verifies it.
  dispatcher_area_code text references areas (code),
  -- The current state's clock.
  state_entered_at timestamptz not null default now(),
  warn_at timestamptz,
  due_at timestamptz,
  paused_at timestamptz,
  deadline_state text not null default 'normal' check (deadline_state in ('normal', 'warning', 'overdue')),
  escalated_to text references areas (code),
  extension_requested jsonb,
  payload jsonb not null default '{}',
  search_tokens text[] not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  closed_at timestamptz,
  version integer not null default 1
);
create index matters_area_idx on matters (area_code text_pattern_ops);
create index matters_queue_idx on matters (area_code text_pattern_ops, status, created_at desc, id desc);
create index matters_created_idx on matters (created_at desc, id desc);
create index matters_type_status_idx on matters (type, status);
create index matters_assignee_idx on matters (assignee_department, assignee_area_code) where not closed;
create index matters_assignee_user_idx on matters (assignee_user_id) where not closed;
create index matters_reporter_idx on matters (reporter_id);
create index matters_due_idx on matters (due_at) where not closed;
create index matters_warn_idx on matters (warn_at) where not closed;
create index matters_deadline_state_idx on matters (deadline_state) where not closed;
create index matters_h3_idx on matters (h3);
create index matters_tokens_idx on matters using gin (search_tokens);
create index matters_title_trgm_idx on matters using gin (title gin_trgm_ops);
create index matters_source_department_idx on matters (source_department);
create index matters_dispatcher_idx on matters (dispatcher_area_code);
create index matters_escalated_idx on matters (escalated_to);

-- Numbers readable by people, one sequence per prefix (type, county, day): JF-330302-20261129-0001.
create table matter_counters (
  prefix text primary key,
  n integer not null
);

create table matter_parties (
  id bigint generated always as identity primary key,
  matter_id bigint not null references matters (id) on delete cascade,
  role text not null check (length(role) between 1 and 20),
  subject_type text not null check (subject_type in ('person', 'house', 'enterprise', 'thing')),
  subject_id bigint not null,
  created_at timestamptz not null default now(),
  unique (matter_id, role, subject_type, subject_id)
);
create index matter_parties_subject_idx on matter_parties (subject_type, subject_id);

create table matter_timeline (
  id bigint generated always as identity primary key,
  matter_id bigint not null references matters (id) on delete cascade,
  at timestamptz not null default now(),
  actor_id bigint references users (id),
  actor_name text not null,
  action text not null,
  from_status text,
  to_status text,
  note text check (length(note) <= 5000),
  data jsonb not null default '{}'
);
create index matter_timeline_matter_idx on matter_timeline (matter_id, id);
create index matter_timeline_actor_idx on matter_timeline (actor_id);

-- Files are stored once by content hash; an attachment row ties one to a matter (and a timeline entry).
create table files (
  sha256 text primary key check (sha256 ~ '^[0-9a-f]{64}$'),
  size bigint not null check (size >= 0),
  mime text not null,
  created_at timestamptz not null default now()
);

create table matter_attachments (
  id bigint generated always as identity primary key,
  matter_id bigint not null references matters (id) on delete cascade,
  timeline_id bigint references matter_timeline (id),
  sha256 text not null references files (sha256),
  filename text not null check (length(filename) between 1 and 255),
  mime text not null,
  size bigint not null,
  uploaded_by bigint references users (id),
  created_at timestamptz not null default now()
);
create index matter_attachments_matter_idx on matter_attachments (matter_id);
create index matter_attachments_timeline_idx on matter_attachments (timeline_id);
create index matter_attachments_sha_idx on matter_attachments (sha256);
create index matter_attachments_user_idx on matter_attachments (uploaded_by);

-- A centre's own deadlines, overriding a type's declared defaults per state.
create table matter_deadlines (
  type text not null,
  state text not null,
  amount integer not null check (amount between 1 and 100000),
  unit text not null check (unit in ('minutes', 'hours', 'days', 'workdays')),
  warn_ratio double precision not null default 0.8 check (warn_ratio > 0 and warn_ratio < 1),
  updated_at timestamptz not null default now(),
  primary key (type, state)
);

-- Notices to people: 临期/超期/督办/分派…
create table notifications (
  id bigint generated always as identity primary key,
  user_id bigint not null references users (id) on delete cascade,
  matter_id bigint references matters (id) on delete cascade,
  kind text not null,
  message text not null,
  created_at timestamptz not null default now(),
  read_at timestamptz
);
create index notifications_user_idx on notifications (user_id, id desc);
create index notifications_matter_idx on notifications (matter_id);

-- One row per job and time slot: with several instances, the slot is claimed once.
create table job_runs (
  job text not null,
  slot timestamptz not null,
  instance text not null,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  result jsonb,
  primary key (job, slot)
);
