-- 社会治理一张图: coarser h3 cells stored beside the resolution-9 cell of every placed record, so that the
-- map's aggregate groups on a column served by an index instead of computing a parent for every row. The
-- columns are generated: the code that writes matters and subjects does not change. See docs/MAP.md.

-- The parent of an h3 cell (its 15-hex-digit index) at a coarser resolution `res`, by bit arithmetic on the
-- 64-bit index: clear the resolution field (bits 52–55) and the digits of resolutions res+1…15 (3 bits
-- each), then write `res` into the field and 7 ("unused") into those digits — what h3's cellToParent does.
-- Checked against h3-js cellToParent on 1,000 cells at resolutions 5–8, on PGlite and PostgreSQL. Null in,
-- null out (strict); the cell must be valid and of resolution ≥ res. Immutable, so usable in generated
-- columns and indexes.
create function h3_parent(cell text, res int) returns text language sql immutable strict parallel safe as $$
  select lpad(to_hex(
    ((('x' || lpad(cell, 16, '0'))::bit(64)::bigint) & ~(15::bigint << 52) & ~((1::bigint << (3 * (15 - res))) - 1))
    | (res::bigint << 52) | ((1::bigint << (3 * (15 - res))) - 1)), 15, '0')
$$;

-- Resolution 5 (cells of ~250 km², edge ~9.9 km: the city view) and 7 (~5 km², edge ~1.4 km: a town).
-- Adding a stored column rewrites the table once, at this migration.
alter table matters
  add column h3_r5 text generated always as (h3_parent(h3, 5)) stored,
  add column h3_r7 text generated always as (h3_parent(h3, 7)) stored;

-- The aggregate's scan: `h3_r5 = any(<the view's res-5 cells>)` (and `h3_r7 = any(…)` when zoomed in), one
-- group per stored cell and state. Every other column the aggregate reads — the scope (area_code), the
-- filters (type, closed, deadline_state, created_at) and the res-9 cell — is included, so that PostgreSQL
-- answers from the index alone once the visibility map is current (autovacuum; VACUUM on PGlite). The
-- area summary's counts (closed_at) read it whole for a city.
create index matters_map_idx on matters (h3_r5, h3_r7, status)
  include (h3, area_code, type, closed, deadline_state, created_at, closed_at);

-- The same for open matters only — what a command centre looks at by default, about a tenth of the rows.
-- Chosen by the planner when the query says `not m.closed` (as a literal). `closed` is included although
-- the predicate fixes it: the aggregate's counts name it, and an index-only scan needs every named column.
create index matters_map_open_idx on matters (h3_r5, h3_r7, status)
  include (h3, area_code, type, closed, deadline_state, created_at)
  where not closed;

-- The time slider: a window of days or months reads its rows in creation order, whatever their place.
create index matters_map_time_idx on matters (created_at)
  include (h3_r5, h3_r7, h3, status, area_code, type, closed, deadline_state);

-- Alerts are a small share of the matters: their layer reads them here, then their level from the payload.
create index matters_map_alert_idx on matters (h3_r5, h3_r7, status)
  include (h3, area_code, closed, deadline_state, created_at)
  where type = 'alert';

-- Houses, enterprises and things: the same cells, with their scope (and a thing's kind) included.
alter table houses
  add column h3_r5 text generated always as (h3_parent(h3, 5)) stored,
  add column h3_r7 text generated always as (h3_parent(h3, 7)) stored;
create index houses_map_idx on houses (h3_r5, h3_r7) include (h3, area_code);

alter table enterprises
  add column h3_r5 text generated always as (h3_parent(h3, 5)) stored,
  add column h3_r7 text generated always as (h3_parent(h3, 7)) stored;
create index enterprises_map_idx on enterprises (h3_r5, h3_r7) include (h3, area_code);

alter table things
  add column h3_r5 text generated always as (h3_parent(h3, 5)) stored,
  add column h3_r7 text generated always as (h3_parent(h3, 7)) stored;
create index things_map_idx on things (h3_r5, h3_r7) include (h3, area_code, kind);
