-- 平安报表 (docs/REPORTS.md): statistics the platform does not own (police and safety figures), imported from
-- department files. One row per (indicator, area, month): a re-import of the same key updates the value and
-- points at the newer batch and row, so the drill-down always names the file and row a figure came from.

create table report_batches (
  id bigint generated always as identity primary key,
  filename text not null check (length(filename) between 1 and 255),
  sha256 text not null check (length(sha256) = 64),
  format text not null check (format in ('csv', 'xlsx')),
  encoding text check (length(encoding) <= 20),
  rows_total integer not null default 0,
  rows_inserted integer not null default 0,
  rows_updated integer not null default 0,
  rows_rejected integer not null default 0,
  -- [{row, field, code, message}], at most 1000 (rows_rejected counts them all).
  errors jsonb not null default '[]' check (jsonb_typeof(errors) = 'array'),
  -- The importer's area: the batch list is scoped by it.
  area_code text not null references areas (code),
  imported_by bigint references users (id),
  imported_by_name text not null check (length(imported_by_name) between 1 and 100),
  created_at timestamptz not null default now()
);
create index report_batches_area_idx on report_batches (area_code text_pattern_ops);
create index report_batches_imported_by_idx on report_batches (imported_by);
create index report_batches_created_idx on report_batches (created_at desc);

create table report_stats (
  id bigint generated always as identity primary key,
  indicator text not null check (length(indicator) between 1 and 40),
  area_code text not null references areas (code),
  -- The first day of the month the figure counts.
  month date not null check (extract(day from month) = 1),
  value numeric(16, 2) not null check (value >= 0),
  source_department text check (length(source_department) <= 100),
  batch_id bigint not null references report_batches (id),
  row_no integer not null check (row_no >= 1),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index report_stats_key_uidx on report_stats (indicator, area_code, month);
create index report_stats_area_idx on report_stats (area_code text_pattern_ops);
create index report_stats_month_idx on report_stats (indicator, month);
create index report_stats_batch_idx on report_stats (batch_id);
