import type { ColumnType, Generated, Kysely } from 'kysely';
import type { DbOrTx } from '../../core/db/database.ts';
import type { DB } from '../../core/db/types.ts';

/** Kysely's view of this module's tables (migrations/*.sql), kept in step by hand and by the tests. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;

export type CommandTasksTable = {
  matter_id: string;
  source_matter_id: string;
  deadline: Timestamp;
  pinned: Generated<boolean>;
  camera_ids: ColumnType<string[], string[] | undefined, string[]>;
  arrived_at: Timestamp | null;
  arrival_lng: number | null;
  arrival_lat: number | null;
  arrival_accuracy_m: number | null;
  arrival_distance_m: number | null;
};

export type CommandDutyPhonesTable = {
  user_id: string;
  phone_enc: string;
  updated_at: Generated<Date>;
  updated_by: string | null;
};

export type CommandTables = {
  command_tasks: CommandTasksTable;
  command_duty_phones: CommandDutyPhonesTable;
};

export type CommandDb = Kysely<DB & CommandTables>;

export const cdb = (db: DbOrTx): CommandDb => db.withTables<CommandTables>();
