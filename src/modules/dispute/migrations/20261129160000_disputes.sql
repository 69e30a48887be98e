-- 全量矛盾纠纷库: the sources that feed disputes, the records each sent, and the import jobs that carried them.

-- A department's feed (or a channel), with the mapping profile that reads its records.
create table dispute_sources (
  code text primary key check (code ~ '^[a-z][a-z0-9_]{1,39}$'),
  department_code text references departments (code),
  name text not null check (length(name) between 1 and 60),
  name_en text not null check (length(name_en) between 1 and 100),
  profile jsonb not null,
  enabled boolean not null default true,
  updated_at timestamptz not null default now(),
  version integer not null default 1
);
create index dispute_sources_department_idx on dispute_sources (department_code);

-- Tokens department systems present to the push API; only a hash is kept.
create table dispute_source_tokens (
  id bigint generated always as identity primary key,
  source_code text not null references dispute_sources (code),
  name text not null check (length(name) between 1 and 60),
  token_hash text not null unique,
  token_prefix text not null,
  created_by bigint references users (id),
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
create index dispute_source_tokens_source_idx on dispute_source_tokens (source_code);
create index dispute_source_tokens_user_idx on dispute_source_tokens (created_by);

-- One file imported for one source. (source, sha256) is unique: the same file twice is one job.
create table import_jobs (
  id bigint generated always as identity primary key,
  source_code text not null references dispute_sources (code),
  filename text not null check (length(filename) between 1 and 255),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  size bigint not null check (size >= 0),
  -- Where the bytes are: the content-addressed store (web uploads) or a path given to the CLI.
  file_path text not null,
  format text,
  encoding text,
  -- The header row as found in the file: the rejected rows go back under the same columns.
  headers jsonb not null default '[]',
  status text not null default 'queued' check (status in ('queued', 'running', 'done', 'failed')),
  bytes_read bigint not null default 0,
  rows_read integer not null default 0,
  inserted integer not null default 0,
  merged integer not null default 0,
  skipped integer not null default 0,
  rejected integer not null default 0,
  -- The last row whose batch committed: a resumed job starts after it.
  checkpoint_row integer not null default 0,
  error text check (length(error) <= 2000),
  log jsonb not null default '[]',
  created_by bigint references users (id),
  actor_area_code text references areas (code),
  created_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  heartbeat_at timestamptz,
  -- host:pid of the process running it, so that a process on the same host can tell a dead holder at once.
  holder text,
  unique (source_code, sha256)
);
create index import_jobs_created_idx on import_jobs (created_at desc, id desc);
create index import_jobs_user_idx on import_jobs (created_by);
create index import_jobs_area_idx on import_jobs (actor_area_code text_pattern_ops);
create index import_jobs_status_idx on import_jobs (status) where status in ('queued', 'running');

-- A row that could not be taken, with every reason; the row itself is kept encrypted (it names people).
create table import_rejects (
  job_id bigint not null references import_jobs (id) on delete cascade,
  row_no integer not null,
  errors jsonb not null,
  raw_enc text not null,
  primary key (job_id, row_no)
);

-- Every record a source sent, tied to the one dispute it fed: several departments → one dispute.
create table dispute_records (
  id bigint generated always as identity primary key,
  matter_id bigint not null references matters (id) on delete cascade,
  source_code text not null references dispute_sources (code),
  record_key text not null check (length(record_key) between 1 and 64),
  channel text not null check (channel in ('file', 'push', 'open311', 'web')),
  job_id bigint references import_jobs (id) on delete set null,
  row_no integer,
  reported_at timestamptz not null,
  source_category text check (length(source_category) <= 40),
  category text not null,
  title text not null,
  description text,
  address text,
  -- Parties as the record named them, masked; the linked subjects are in matter_parties.
  parties jsonb not null default '[]',
  -- Amount, people, how it was classified, whether it was merged and with what similarity.
  data jsonb not null default '{}',
  created_at timestamptz not null default now(),
  unique (source_code, record_key)
);
create index dispute_records_matter_idx on dispute_records (matter_id);
create index dispute_records_job_idx on dispute_records (job_id);
create index dispute_records_source_idx on dispute_records (source_code, reported_at desc);

-- Lists of the library filter by category and time within an area.
create index matters_dispute_category_idx on matters (category, created_at) where type = 'dispute';
