import type { ColumnType, Kysely } from 'kysely';
import type { DbOrTx } from '../../core/db/database.ts';
import type { DB } from '../../core/db/types.ts';

/** Kysely's view of this module's tables (migrations/*.sql), kept in step by hand and by the tests. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type GenTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export type Severity = 'general' | 'larger' | 'major';

export type HazardDeadlinesTable = {
  severity: Severity;
  respond_minutes: number;
  rectify_days: number;
  warn_ratio: ColumnType<number, number | undefined, number>;
  updated_at: GenTimestamp;
};

export type HazardClocksTable = {
  matter_id: string;
  severity: Severity;
  reported_at: Timestamp | null;
  respond_due_at: Timestamp | null;
  responded_at: Timestamp | null;
  rectify_due_at: Timestamp | null;
  passed_at: Timestamp | null;
  failed_count: ColumnType<number, number | undefined, number>;
};

export type HazardTables = {
  hazard_deadlines: HazardDeadlinesTable;
  hazard_clocks: HazardClocksTable;
};

export type HazardDb = Kysely<DB & HazardTables>;

export const hdb = (db: DbOrTx): HazardDb => db.withTables<HazardTables>();
