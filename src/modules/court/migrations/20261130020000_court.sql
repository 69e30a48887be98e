-- 共享法庭 shared courts and 心理服务站 psychological stations (docs/COURTS.md): the two registries, the
-- courts' bookings of slots (one booking per court and start among those not cancelled: a unique index, so
-- two concurrent bookings of one slot cannot both win) and their use log; referrals to a station from a
-- dispute or an alert, and the stations' visit records and follow-ups (under psych:read / psych:write).
-- Phones are v1. + AES-256-GCM ciphertext bound to their column (src/core/subjects/vault.ts); so is the text
-- of a visit record.

create table court_courts (
  id bigint generated always as identity primary key,
  name text not null check (length(name) between 1 and 100),
  kind text not null check (kind in ('town', 'village', 'industry')),
  area_code text not null references areas (code),
  address text check (length(address) <= 200),
  lng double precision check (lng between -180 and 180),
  lat double precision check (lat between -90 and 90),
  h3 text,
  liaison_name text not null check (length(liaison_name) between 1 and 50),
  liaison_phone_enc text check (length(liaison_phone_enc) <= 200),
  judge_name text check (length(judge_name) <= 50),
  judge_court text check (length(judge_court) <= 100),
  services text[] not null default '{}' check (cardinality(services) <= 10),
  -- Open hours in China time: ISO weekdays (1 = Monday) and a daily window cut into slots of slot_minutes.
  open_days smallint[] not null default '{1,2,3,4,5}' check (cardinality(open_days) between 1 and 7),
  open_from text not null default '09:00' check (open_from ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
  open_to text not null default '17:00' check (open_to ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
  slot_minutes smallint not null default 30 check (slot_minutes between 15 and 240),
  version integer not null default 1,
  created_by bigint references users (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (open_from < open_to)
);
create index court_courts_area_idx on court_courts (area_code text_pattern_ops);
create index court_courts_kind_idx on court_courts (kind);
create index court_courts_created_by_idx on court_courts (created_by);

create table court_bookings (
  id bigint generated always as identity primary key,
  court_id bigint not null references court_courts (id) on delete cascade,
  -- The court's area, copied so that every list is scoped by one column.
  area_code text not null references areas (code),
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  kind text not null check (kind in ('online_hearing', 'judicial_confirmation')),
  title text not null check (length(title) between 1 and 200),
  parties_count smallint not null default 2 check (parties_count between 1 and 99),
  matter_id bigint references matters (id) on delete set null,
  status text not null default 'booked' check (status in ('booked', 'cancelled', 'used')),
  booked_by bigint references users (id),
  booked_by_name text not null,
  cancelled_at timestamptz,
  cancel_reason text check (length(cancel_reason) <= 500),
  created_at timestamptz not null default now(),
  check (ends_at > starts_at)
);
-- SLOT_TAKEN: one live booking per court and slot start (slots are fixed lengths from the opening time).
create unique index court_bookings_slot_uidx on court_bookings (court_id, starts_at) where status <> 'cancelled';
create index court_bookings_court_idx on court_bookings (court_id, starts_at);
create index court_bookings_area_idx on court_bookings (area_code text_pattern_ops);
create index court_bookings_matter_idx on court_bookings (matter_id);
create index court_bookings_booked_by_idx on court_bookings (booked_by);

create table court_uses (
  id bigint generated always as identity primary key,
  court_id bigint not null references court_courts (id) on delete cascade,
  area_code text not null references areas (code),
  used_on date not null,
  kind text not null check (kind in ('online_hearing', 'judicial_confirmation', 'mediation', 'legal_advice', 'education')),
  parties_count smallint not null check (parties_count between 0 and 999),
  outcome text not null check (outcome in ('settled', 'confirmed', 'not_settled', 'adjourned', 'advised')),
  note text check (length(note) <= 500),
  booking_id bigint references court_bookings (id) on delete set null,
  recorded_by bigint references users (id),
  recorded_by_name text not null,
  created_at timestamptz not null default now()
);
create index court_uses_court_idx on court_uses (court_id, used_on desc);
create index court_uses_area_idx on court_uses (area_code text_pattern_ops);
create unique index court_uses_booking_uidx on court_uses (booking_id);
create index court_uses_recorded_by_idx on court_uses (recorded_by);

create table court_stations (
  id bigint generated always as identity primary key,
  name text not null check (length(name) between 1 and 100),
  area_code text not null references areas (code),
  address text check (length(address) <= 200),
  lng double precision check (lng between -180 and 180),
  lat double precision check (lat between -90 and 90),
  h3 text,
  -- [{name, title}], at most 20 people.
  staff jsonb not null default '[]' check (jsonb_typeof(staff) = 'array' and jsonb_array_length(staff) <= 20),
  contact_name text check (length(contact_name) <= 50),
  contact_phone_enc text check (length(contact_phone_enc) <= 200),
  hours text check (length(hours) <= 100),
  version integer not null default 1,
  created_by bigint references users (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index court_stations_area_idx on court_stations (area_code text_pattern_ops);
create index court_stations_created_by_idx on court_stations (created_by);

create table court_referrals (
  id bigint generated always as identity primary key,
  station_id bigint not null references court_stations (id) on delete cascade,
  -- The station's area: the referral queue is scoped by it.
  area_code text not null references areas (code),
  source_matter_id bigint not null references matters (id) on delete cascade,
  source_number text not null,
  source_type text not null,
  reason text not null check (length(reason) between 2 and 500),
  urgency text not null default 'normal' check (urgency in ('urgent', 'normal')),
  status text not null default 'pending' check (status in ('pending', 'accepted', 'declined', 'closed')),
  referred_by bigint references users (id),
  referred_by_name text not null,
  handled_by bigint references users (id),
  handled_at timestamptz,
  handle_note text check (length(handle_note) <= 500),
  created_at timestamptz not null default now()
);
-- One open referral of a matter to a station.
create unique index court_referrals_open_uidx on court_referrals (station_id, source_matter_id)
  where status in ('pending', 'accepted');
create index court_referrals_area_idx on court_referrals (area_code text_pattern_ops, created_at desc);
create index court_referrals_source_idx on court_referrals (source_matter_id);
create index court_referrals_status_idx on court_referrals (status);
create index court_referrals_referred_by_idx on court_referrals (referred_by);
create index court_referrals_handled_by_idx on court_referrals (handled_by);

create table court_visits (
  id bigint generated always as identity primary key,
  station_id bigint not null references court_stations (id) on delete cascade,
  area_code text not null references areas (code),
  referral_id bigint references court_referrals (id) on delete set null,
  visited_at timestamptz not null,
  -- Who was seen, as the counsellor labels them (e.g. 张某): never a full identity here.
  person_label text not null check (length(person_label) between 1 and 50),
  -- The record itself, encrypted (court_visits.content); read only under psych:read, every read audited.
  content_enc text not null check (length(content_enc) <= 20000),
  risk_level text not null default 'low' check (risk_level in ('low', 'medium', 'high')),
  recorded_by bigint references users (id),
  recorded_by_name text not null,
  created_at timestamptz not null default now()
);
create index court_visits_station_idx on court_visits (station_id, visited_at desc);
create index court_visits_area_idx on court_visits (area_code text_pattern_ops);
create index court_visits_referral_idx on court_visits (referral_id);
create index court_visits_recorded_by_idx on court_visits (recorded_by);

create table court_followups (
  id bigint generated always as identity primary key,
  visit_id bigint not null references court_visits (id) on delete cascade,
  station_id bigint not null references court_stations (id) on delete cascade,
  area_code text not null references areas (code),
  due_on date not null,
  plan text not null check (length(plan) between 1 and 200),
  done_at timestamptz,
  done_note text check (length(done_note) <= 500),
  done_by bigint references users (id),
  created_at timestamptz not null default now()
);
create index court_followups_due_idx on court_followups (due_on) where done_at is null;
create index court_followups_area_idx on court_followups (area_code text_pattern_ops);
create index court_followups_visit_idx on court_followups (visit_id);
create index court_followups_station_idx on court_followups (station_id);
create index court_followups_done_by_idx on court_followups (done_by);
