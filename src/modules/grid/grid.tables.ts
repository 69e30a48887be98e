import type { ColumnType, Generated, Kysely } from 'kysely';
import type { DbOrTx } from '../../core/db/database.ts';
import type { DB } from '../../core/db/types.ts';

/** Kysely's view of this module's tables (migrations/*.sql), kept in step by hand and by the tests. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type DateCol = ColumnType<string, string, string>;

export type GridMembersTable = {
  id: Generated<string>;
  area_code: string;
  role: string;
  name: string;
  phone_enc: string | null;
  user_id: string | null;
  unit: string | null;
  since: ColumnType<string, string | undefined, string>;
  removed_at: Timestamp | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  version: Generated<number>;
};

export type GridRulesTable = {
  role: string;
  period: 'none' | 'day' | 'week';
  updated_at: Generated<Date>;
  updated_by: string | null;
};

export type GridSettingsTable = {
  id: Generated<number>;
  tolerance_m: number;
  max_accuracy_m: number;
  updated_at: Generated<Date>;
  updated_by: string | null;
};

export type GridCheckinsTable = {
  id: Generated<string>;
  member_id: string;
  area_code: string;
  role: string;
  period: 'day' | 'week';
  period_start: DateCol;
  at: ColumnType<Date, Date | string | undefined, Date | string>;
  lng: number;
  lat: number;
  accuracy_m: number;
  distance_m: Generated<number>;
  user_id: string | null;
};

export type GridVisitsTable = {
  id: Generated<string>;
  checkin_id: string;
  area_code: string;
  house_ids: ColumnType<string[], string[] | undefined, string[]>;
  findings: string | null;
  matter_id: string | null;
  created_by: string | null;
  created_at: Generated<Date>;
};

export type GridVisitPhotosTable = {
  id: Generated<string>;
  visit_id: string;
  sha256: string;
  filename: string;
  mime: string;
  size: ColumnType<string, number, number>;
  created_at: Generated<Date>;
};

export type GridRemindersTable = {
  id: Generated<string>;
  member_id: string;
  area_code: string;
  period_from: DateCol;
  period_to: DateCol;
  missing: number;
  message: string;
  sent_by: string | null;
  sent_at: Generated<Date>;
};

export type GridTables = {
  grid_members: GridMembersTable;
  grid_rules: GridRulesTable;
  grid_settings: GridSettingsTable;
  grid_checkins: GridCheckinsTable;
  grid_visits: GridVisitsTable;
  grid_visit_photos: GridVisitPhotosTable;
  grid_reminders: GridRemindersTable;
};

export type GridDb = Kysely<DB & GridTables>;

export const gdb = (db: DbOrTx): GridDb => db.withTables<GridTables>();
