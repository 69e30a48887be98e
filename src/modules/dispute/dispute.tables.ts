import type { ColumnType, Generated, Kysely } from 'kysely';
import type { DbOrTx } from '../../core/db/database.ts';
import type { DB } from '../../core/db/types.ts';

/** Kysely's view of this module's tables (migrations/*.sql), kept in step by hand and by the tests. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json = ColumnType<unknown, string | undefined, string>;

export type DisputeSourcesTable = {
  code: string;
  department_code: string | null;
  name: string;
  name_en: string;
  profile: Json;
  enabled: Generated<boolean>;
  updated_at: Generated<Date>;
  version: Generated<number>;
};

export type DisputeSourceTokensTable = {
  id: Generated<string>;
  source_code: string;
  name: string;
  token_hash: string;
  token_prefix: string;
  created_by: string | null;
  created_at: Generated<Date>;
  last_used_at: Date | null;
  revoked_at: Date | null;
};

export type ImportStatus = 'queued' | 'running' | 'done' | 'failed';

export type ImportJobsTable = {
  id: Generated<string>;
  source_code: string;
  filename: string;
  sha256: string;
  size: string | number;
  file_path: string;
  format: string | null;
  encoding: string | null;
  headers: Json;
  status: Generated<ImportStatus>;
  bytes_read: Generated<string | number>;
  rows_read: Generated<number>;
  inserted: Generated<number>;
  merged: Generated<number>;
  skipped: Generated<number>;
  rejected: Generated<number>;
  checkpoint_row: Generated<number>;
  error: string | null;
  log: Json;
  created_by: string | null;
  actor_area_code: string | null;
  created_at: Generated<Date>;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  heartbeat_at: Timestamp | null;
  holder: string | null;
};

export type ImportRejectsTable = {
  job_id: string;
  row_no: number;
  errors: Json;
  raw_enc: string;
};

export type DisputeRecordsTable = {
  id: Generated<string>;
  matter_id: string;
  source_code: string;
  record_key: string;
  channel: 'file' | 'push' | 'open311' | 'web';
  job_id: string | null;
  row_no: number | null;
  reported_at: Timestamp;
  source_category: string | null;
  category: string;
  title: string;
  description: string | null;
  address: string | null;
  parties: Json;
  data: Json;
  created_at: Generated<Date>;
};

export type DisputeTables = {
  dispute_sources: DisputeSourcesTable;
  dispute_source_tokens: DisputeSourceTokensTable;
  import_jobs: ImportJobsTable;
  import_rejects: ImportRejectsTable;
  dispute_records: DisputeRecordsTable;
};

export type DisputeDb = Kysely<DB & DisputeTables>;

/** The kernel's handle (or transaction) seen with this module's tables too. */
export const ddb = (db: DbOrTx): DisputeDb => db.withTables<DisputeTables>();
