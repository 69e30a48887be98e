-- 一键直达 command: the tasks a centre dispatches from a matter or an alert (matters of type `task`, with
-- their loop in the matters table) linked to the matter they came from, with the deadline the dispatcher
-- chose, the map's pinned-instruction flag and where the handler arrived; and the duty phones of the people a centre calls up (the
-- grid team), encrypted by the PII vault like every phone. See docs/COMMAND.md.

create table command_tasks (
  matter_id bigint primary key references matters (id) on delete cascade,
  source_matter_id bigint not null references matters (id) on delete cascade,
  deadline timestamptz not null,
  pinned boolean not null default false,
  -- The cameras the dispatcher watched (things of kind camera; no foreign key: a camera may be removed).
  camera_ids bigint[] not null default '{}' check (cardinality(camera_ids) <= 10),
  -- 到场: when, and where the handler's browser said they were (optional), with the distance to the matter.
  arrived_at timestamptz,
  arrival_lng double precision,
  arrival_lat double precision,
  arrival_accuracy_m real,
  arrival_distance_m integer,
  check (source_matter_id <> matter_id)
);
-- The tasks of one matter (its page), and the board's order (deadline first).
create index command_tasks_source_idx on command_tasks (source_matter_id, matter_id);
create index command_tasks_deadline_idx on command_tasks (deadline, matter_id);
-- The map's pinned instructions: few among many.
create index command_tasks_pinned_idx on command_tasks (matter_id) where pinned;

create table command_duty_phones (
  user_id bigint primary key references users (id) on delete cascade,
  -- v1. + AES-256-GCM ciphertext bound to this column (src/core/subjects/vault.ts); shown masked.
  phone_enc text not null check (length(phone_enc) <= 200),
  updated_at timestamptz not null default now(),
  updated_by bigint references users (id)
);
create index command_duty_phones_updated_by_idx on command_duty_phones (updated_by);
