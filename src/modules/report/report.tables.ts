import type { ColumnType, Generated, Kysely } from 'kysely';
import type { DbOrTx } from '../../core/db/database.ts';
import type { DB } from '../../core/db/types.ts';

/** Kysely's view of this module's tables (migrations/*.sql), kept in step by hand and by the tests. */
type GenTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface RowError {
  row: number;
  field: string;
  code: string;
  message: string;
}

export type ReportBatchesTable = {
  id: Generated<string>;
  filename: string;
  sha256: string;
  format: 'csv' | 'xlsx';
  encoding: string | null;
  rows_total: Generated<number>;
  rows_inserted: Generated<number>;
  rows_updated: Generated<number>;
  rows_rejected: Generated<number>;
  errors: ColumnType<RowError[], string | undefined, string>;
  area_code: string;
  imported_by: string | null;
  imported_by_name: string;
  created_at: GenTimestamp;
};

export type ReportStatsTable = {
  id: Generated<string>;
  indicator: string;
  area_code: string;
  /** 'YYYY-MM-01' */
  month: ColumnType<string, string, string>;
  /** numeric: read as text by the driver; the queries cast to float8. */
  value: ColumnType<string, number | string, number | string>;
  source_department: string | null;
  batch_id: string;
  row_no: number;
  created_at: GenTimestamp;
  updated_at: GenTimestamp;
};

export type ReportTables = {
  report_batches: ReportBatchesTable;
  report_stats: ReportStatsTable;
};

export type ReportDb = Kysely<DB & ReportTables>;

export const rdb = (db: DbOrTx): ReportDb => db.withTables<ReportTables>();
