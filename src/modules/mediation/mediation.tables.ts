import type { ColumnType, Generated, Kysely } from 'kysely';
import type { DbOrTx } from '../../core/db/database.ts';
import type { DB } from '../../core/db/types.ts';

/** Kysely's view of this module's tables (migrations/*.sql), kept in step by hand and by the tests. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;
type DateCol = ColumnType<string, string, string>;
export type Level = 'village' | 'town' | 'county';
export interface Member {
  userId: string | null;
  name: string;
}
export interface StoredParty {
  role: string;
  name: string;
  gender: string;
  age: number;
  idNumberEnc: string;
  idNumberMasked: string;
  address: string;
}

export type MediationTables = {
  mediation_cases: {
    matter_id: string;
    dispute_id: string;
    source_timeline_id: string;
    level: Level;
    level_area_code: string;
    mediator_id: string | null;
    grid_worker: Json<Member | null> | null;
    cadre: Json<Member | null> | null;
    outcome: 'settled' | 'failed' | null;
    outcome_at: Timestamp | null;
    outcome_level: Level | null;
    opened_at: Generated<Date>;
  };
  mediation_sessions: {
    id: Generated<string>;
    matter_id: string;
    held_at: Timestamp;
    place: string;
    attendees: string[];
    record: string;
    created_by: string | null;
    created_by_name: string;
    created_at: Generated<Date>;
  };
  mediation_agreements: {
    matter_id: string;
    parties: Json<StoredParty[]>;
    facts: string;
    issues: string;
    responsibility: string;
    terms: string;
    performance_method: string;
    performance_deadline: DateCol;
    signed_by_parties: boolean;
    mediator_signed: boolean;
    committee_sealed: boolean;
    committee_name: string;
    mediator_name: string;
    agreed_at: Timestamp;
    created_by: string | null;
  };
  mediation_confirmations: {
    matter_id: string;
    court_id: string | null;
    court_name: string;
    applied_on: DateCol;
    note: string | null;
    booking_id: string | null;
    booking_starts_at: Date | null;
    created_by: string | null;
    created_at: Generated<Date>;
  };
};

export type MediationDb = Kysely<DB & MediationTables>;

export const mdb = (db: DbOrTx): MediationDb => db.withTables<MediationTables>();
