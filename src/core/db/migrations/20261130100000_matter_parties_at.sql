-- A party row carries its matter's date (matters.created_at: when it was reported), so that "this person's or
-- this company's matters within these dates" is one range of one index instead of every matter the party ever
-- had, each fetched to read its date. The dispute library's duplicate search asks exactly that, per party,
-- for every batch it imports: a town government or a hospital in thousands of disputes made that search
-- grow with the whole library (docs/BENCHMARKS.md). A matter's date is not edited in the product; where it is
-- (demo seeds backdating, tests) the trigger below carries the change over.
alter table matter_parties add column matter_at timestamptz;
update matter_parties mp set matter_at = m.created_at from matters m where m.id = mp.matter_id;
alter table matter_parties alter column matter_at set not null;

create function matter_parties_fill_at() returns trigger language plpgsql as $$
begin
  select created_at into new.matter_at from matters where id = new.matter_id;
  return new;
end $$;
-- Writers that know the date pass it (the dispute import does); the others get it filled in.
create trigger matter_parties_fill_at before insert on matter_parties
  for each row when (new.matter_at is null) execute function matter_parties_fill_at();

create function matters_carry_at() returns trigger language plpgsql as $$
begin
  update matter_parties set matter_at = new.created_at where matter_id = new.id;
  return null;
end $$;
create trigger matters_carry_at after update of created_at on matters
  for each row when (new.created_at is distinct from old.created_at) execute function matters_carry_at();

-- Replaces (subject_type, subject_id): the same prefix, now ordered by date within a party.
drop index matter_parties_subject_idx;
create index matter_parties_subject_idx on matter_parties (subject_type, subject_id, matter_at);
