-- 社会治理一张图: counts of placed matters kept by the database per (town, res-7 cell, state), so that a
-- city-wide view over all history reads a few ten thousand count rows instead of every matter. See
-- docs/MAP.md, "Roll-up".
--
-- Writes never touch a shared counter row: statement-level triggers (transition tables, so an import of
-- 100,000 rows is one statement) append count deltas to matter_cell_deltas, which has no key and no index;
-- the leader's job folds them into matter_cell_counts (fold_matter_cells). A reader sums counts and pending
-- deltas in one statement, so what it sees never depends on when the last fold ran.

-- The key. `town` is the first 9 digits of the area code (a town's prefix): a scope of a town or wider is
-- `town like '<prefix>%'`, exactly the matters' `area_code like '<prefix>%'`. Narrower scopes (village,
-- grid) read the matters themselves. `level` is an alert's level, '' for everything else. h3_r5 and h3_r6
-- follow from h3_r7 (generated): the view's res-5 cell list, and the groups of res-5 and res-6 views.
create table matter_cell_counts (
  town text collate "C" not null,
  h3_r7 text not null,
  h3_r5 text generated always as (h3_parent(h3_r7, 5)) stored,
  h3_r6 text generated always as (h3_parent(h3_r7, 6)) stored,
  type text not null,
  status text not null,
  closed boolean not null,
  deadline_state text not null,
  level text not null,
  n integer not null,
  primary key (town, h3_r7, type, status, closed, deadline_state, level)
);

create table matter_cell_deltas (
  town text collate "C" not null,
  h3_r7 text not null,
  h3_r5 text generated always as (h3_parent(h3_r7, 5)) stored,
  h3_r6 text generated always as (h3_parent(h3_r7, 6)) stored,
  type text not null,
  status text not null,
  closed boolean not null,
  deadline_state text not null,
  level text not null,
  n integer not null
);

-- Inserted matters: +1 per placed row, grouped per key within the statement.
create function matter_cells_inserted() returns trigger language plpgsql as $$
begin
  insert into matter_cell_deltas (town, h3_r7, type, status, closed, deadline_state, level, n)
  select left(r.area_code, 9), r.h3_r7, r.type, r.status, r.closed, r.deadline_state,
         case when r.type = 'alert' then coalesce(r.payload->>'level', '') else '' end, count(*)
  from new_rows r
  where r.h3_r7 is not null
  group by 1, 2, 3, 4, 5, 6, 7;
  return null;
end $$;

-- Deleted matters: -1 per placed row.
create function matter_cells_deleted() returns trigger language plpgsql as $$
begin
  insert into matter_cell_deltas (town, h3_r7, type, status, closed, deadline_state, level, n)
  select left(r.area_code, 9), r.h3_r7, r.type, r.status, r.closed, r.deadline_state,
         case when r.type = 'alert' then coalesce(r.payload->>'level', '') else '' end, -count(*)
  from old_rows r
  where r.h3_r7 is not null
  group by 1, 2, 3, 4, 5, 6, 7;
  return null;
end $$;

-- Updated matters: -1 under the old key and +1 under the new one, only for rows whose key changed (most
-- updates — a note, a payload field, an assignee — change nothing counted and write nothing here).
create function matter_cells_updated() returns trigger language plpgsql as $$
begin
  insert into matter_cell_deltas (town, h3_r7, type, status, closed, deadline_state, level, n)
  select k.town, k.h3_r7, k.type, k.status, k.closed, k.deadline_state, k.level, sum(k.n)
  from (
    select left(o.area_code, 9) as town, o.h3_r7, o.type, o.status, o.closed, o.deadline_state,
           case when o.type = 'alert' then coalesce(o.payload->>'level', '') else '' end as level,
           left(nw.area_code, 9) as new_town, nw.h3_r7 as new_r7, nw.type as new_type,
           nw.status as new_status, nw.closed as new_closed, nw.deadline_state as new_deadline,
           case when nw.type = 'alert' then coalesce(nw.payload->>'level', '') else '' end as new_level
    from old_rows o join new_rows nw on nw.id = o.id
  ) c
  cross join lateral (
    select c.town, c.h3_r7, c.type, c.status, c.closed, c.deadline_state, c.level, -1 as n
    where c.h3_r7 is not null
    union all
    select c.new_town, c.new_r7, c.new_type, c.new_status, c.new_closed, c.new_deadline,
           c.new_level, 1
    where c.new_r7 is not null
  ) k
  where (c.town, c.h3_r7, c.type, c.status, c.closed, c.deadline_state, c.level)
        is distinct from
        (c.new_town, c.new_r7, c.new_type, c.new_status, c.new_closed, c.new_deadline, c.new_level)
  group by 1, 2, 3, 4, 5, 6, 7
  having sum(k.n) <> 0;
  return null;
end $$;

create function matter_cells_truncated() returns trigger language plpgsql as $$
begin
  truncate matter_cell_counts, matter_cell_deltas;
  return null;
end $$;

create trigger matters_cells_ins after insert on matters
  referencing new table as new_rows for each statement execute function matter_cells_inserted();
create trigger matters_cells_del after delete on matters
  referencing old table as old_rows for each statement execute function matter_cells_deleted();
create trigger matters_cells_upd after update on matters
  referencing old table as old_rows new table as new_rows
  for each statement execute function matter_cells_updated();
create trigger matters_cells_trunc after truncate on matters
  for each statement execute function matter_cells_truncated();

-- The fold: the pending deltas move into the counts in one statement (a concurrent fold skips the rows
-- this one deleted; a reader sees the deltas or the counts, never both). Counts that reach 0 go. Returns
-- the number of delta rows folded.
create function fold_matter_cells() returns bigint language plpgsql as $$
declare
  folded bigint;
begin
  with d as (
    delete from matter_cell_deltas
    returning town, h3_r7, type, status, closed, deadline_state, level, n
  ), s as (
    select town, h3_r7, type, status, closed, deadline_state, level,
           sum(n) as n, count(*) as rows
    from d
    group by town, h3_r7, type, status, closed, deadline_state, level
  ), up as (
    insert into matter_cell_counts as c (town, h3_r7, type, status, closed, deadline_state, level, n)
    select town, h3_r7, type, status, closed, deadline_state, level, n from s where n <> 0
    on conflict (town, h3_r7, type, status, closed, deadline_state, level)
    do update set n = c.n + excluded.n
  )
  select coalesce(sum(rows), 0) into folded from s;
  delete from matter_cell_counts where n = 0;
  return folded;
end $$;

-- The matters already there.
insert into matter_cell_counts (town, h3_r7, type, status, closed, deadline_state, level, n)
select left(area_code, 9), h3_r7, type, status, closed, deadline_state,
       case when type = 'alert' then coalesce(payload->>'level', '') else '' end, count(*)
from matters
where h3_r7 is not null
group by 1, 2, 3, 4, 5, 6, 7;
