-- One row that changes whenever areas change: processes holding area geometry in memory compare it
-- (one tiny read) to know whether their copy is current. `id` tells databases apart within one process.
create table areas_version (
  id uuid not null default gen_random_uuid(),
  version bigint not null default 0
);
insert into areas_version default values;
