import type { ColumnType, Generated, Kysely } from 'kysely';
import type { DbOrTx } from '../../core/db/database.ts';
import type { DB } from '../../core/db/types.ts';

/** Kysely's view of this module's tables (migrations/*.sql), kept in step by hand and by the tests. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Id = Generated<string>;
type GenTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export type CourtCourtsTable = {
  id: Id;
  name: string;
  kind: 'town' | 'village' | 'industry';
  area_code: string;
  address: string | null;
  lng: number | null;
  lat: number | null;
  h3: string | null;
  liaison_name: string;
  liaison_phone_enc: string | null;
  judge_name: string | null;
  judge_court: string | null;
  services: ColumnType<string[], string[] | undefined, string[]>;
  open_days: ColumnType<number[], number[] | undefined, number[]>;
  open_from: Generated<string>;
  open_to: Generated<string>;
  slot_minutes: Generated<number>;
  version: Generated<number>;
  created_by: string | null;
  created_at: Generated<Date>;
  updated_at: GenTimestamp;
};

export type CourtBookingsTable = {
  id: Id;
  court_id: string;
  area_code: string;
  starts_at: Timestamp;
  ends_at: Timestamp;
  kind: 'online_hearing' | 'judicial_confirmation';
  title: string;
  parties_count: number;
  matter_id: string | null;
  status: Generated<'booked' | 'cancelled' | 'used'>;
  booked_by: string | null;
  booked_by_name: string;
  cancelled_at: Timestamp | null;
  cancel_reason: string | null;
  created_at: GenTimestamp;
};

export type CourtUsesTable = {
  id: Id;
  court_id: string;
  area_code: string;
  used_on: string;
  kind: string;
  parties_count: number;
  outcome: string;
  note: string | null;
  booking_id: string | null;
  recorded_by: string | null;
  recorded_by_name: string;
  created_at: GenTimestamp;
};

export type CourtStationsTable = {
  id: Id;
  name: string;
  area_code: string;
  address: string | null;
  lng: number | null;
  lat: number | null;
  h3: string | null;
  staff: ColumnType<{ name: string; title: string }[], string | undefined, string>;
  contact_name: string | null;
  contact_phone_enc: string | null;
  hours: string | null;
  version: Generated<number>;
  created_by: string | null;
  created_at: Generated<Date>;
  updated_at: GenTimestamp;
};

export type CourtReferralsTable = {
  id: Id;
  station_id: string;
  area_code: string;
  source_matter_id: string;
  source_number: string;
  source_type: string;
  reason: string;
  urgency: 'urgent' | 'normal';
  status: Generated<'pending' | 'accepted' | 'declined' | 'closed'>;
  referred_by: string | null;
  referred_by_name: string;
  handled_by: string | null;
  handled_at: Timestamp | null;
  handle_note: string | null;
  created_at: GenTimestamp;
};

export type CourtVisitsTable = {
  id: Id;
  station_id: string;
  area_code: string;
  referral_id: string | null;
  visited_at: Timestamp;
  person_label: string;
  content_enc: string;
  risk_level: 'low' | 'medium' | 'high';
  recorded_by: string | null;
  recorded_by_name: string;
  created_at: GenTimestamp;
};

export type CourtFollowupsTable = {
  id: Id;
  visit_id: string;
  station_id: string;
  area_code: string;
  due_on: string;
  plan: string;
  done_at: Timestamp | null;
  done_note: string | null;
  done_by: string | null;
  created_at: GenTimestamp;
};

export type CourtTables = {
  court_courts: CourtCourtsTable;
  court_bookings: CourtBookingsTable;
  court_uses: CourtUsesTable;
  court_stations: CourtStationsTable;
  court_referrals: CourtReferralsTable;
  court_visits: CourtVisitsTable;
  court_followups: CourtFollowupsTable;
};

export type CourtDb = Kysely<DB & CourtTables>;

export const kdb = (db: DbOrTx): CourtDb => db.withTables<CourtTables>();
