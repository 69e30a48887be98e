import type { ColumnType, Generated, Kysely } from 'kysely';
import type { DbOrTx } from '../../core/db/database.ts';
import type { DB } from '../../core/db/types.ts';

/** Kysely's view of this module's tables (migrations/*.sql), kept in step by hand and by the tests. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json = ColumnType<unknown, string | undefined, string>;

export type AlertModelsTable = {
  code: string;
  enabled: Generated<boolean>;
  params: Json;
  version: Generated<number>;
  healthy: Generated<boolean>;
  last_run_at: Timestamp | null;
  last_duration_ms: number | null;
  last_signals: number | null;
  last_error: string | null;
  runs: Generated<number>;
  failures: Generated<number>;
  updated_at: Generated<Date>;
};

export type AlertModelVersionsTable = {
  code: string;
  version: number;
  params: Json;
  changed_by: string | null;
  changed_by_name: string | null;
  reason: string | null;
  at: Generated<Date>;
};

export type AlertKeysTable = {
  model: string;
  key: string;
  window: string;
  matter_id: string;
  score: number;
  level: 'red' | 'orange' | 'yellow';
  digest: string;
  evaluations: Generated<number>;
  first_at: Timestamp;
  last_at: Timestamp;
};

export type AlertCursorsTable = {
  name: string;
  timeline_id: string | number;
  updated_at: Generated<Date>;
};

export type AlertBacktestsTable = {
  id: Generated<string>;
  code: string;
  run_at: Generated<Date>;
  period_from: Timestamp;
  period_to: Timestamp;
  result: Json;
};

export type PersonTagsTable = {
  person_id: string;
  tag: string;
  note: string | null;
  created_by: string | null;
  created_at: Generated<Date>;
};

export type AlertTables = {
  alert_models: AlertModelsTable;
  alert_model_versions: AlertModelVersionsTable;
  alert_keys: AlertKeysTable;
  alert_cursors: AlertCursorsTable;
  alert_backtests: AlertBacktestsTable;
  person_tags: PersonTagsTable;
};

export type AlertDb = Kysely<DB & AlertTables>;

export const adb = (db: DbOrTx): AlertDb => db.withTables<AlertTables>();
