-- 司法确认 through a shared court's registry: the booking (src/modules/court) made in the same transaction as
-- the application. Null for an application recorded on paper at a court outside the registry.
alter table mediation_confirmations
  add column booking_id bigint references court_bookings (id) on delete set null,
  add column booking_starts_at timestamptz;
create index mediation_confirmations_booking_idx on mediation_confirmations (booking_id);
