import type { ColumnType, Generated, Kysely } from 'kysely';
import type { DbOrTx } from '../../core/db/database.ts';
import type { DB } from '../../core/db/types.ts';

/** Kysely's view of this module's tables (migrations/*.sql), kept in step by hand and by the tests. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Id = Generated<string>;

export type PatrolTeamsTable = {
  id: Id;
  name: string;
  area_code: string;
  kind: string;
  created_at: ColumnType<Date, Date | string | undefined, Date | string>;
  created_by: string | null;
};

export type PatrolMembersTable = {
  id: Id;
  team_id: string;
  area_code: string;
  name: string;
  role: ColumnType<string, string | undefined, string>;
  phone_enc: string;
  phone_hmac: string;
  user_id: string | null;
  joined_at: ColumnType<Date, Date | string | undefined, Date | string>;
  created_by: string | null;
};

export type PatrolTasksTable = {
  id: Id;
  team_id: string;
  area_code: string;
  name: string;
  route: ColumnType<unknown, string, string>;
  starts_at: Timestamp;
  ends_at: Timestamp;
  created_at: ColumnType<Date, Date | string | undefined, Date | string>;
  created_by: string | null;
};

export type PatrolCheckpointsTable = {
  id: Id;
  task_id: string;
  seq: number;
  name: string;
  lng: number;
  lat: number;
  radius_m: number;
};

export type PatrolSessionsTable = {
  id: Id;
  task_id: string;
  team_id: string;
  area_code: string;
  started_at: ColumnType<Date, Date | string | undefined, Date | string>;
  ended_at: Timestamp | null;
  started_by: string | null;
  note: string | null;
};

export type PatrolSessionMembersTable = {
  session_id: string;
  member_id: string;
  active: ColumnType<boolean, boolean | undefined, boolean>;
};

export type PatrolCheckinsTable = {
  id: Id;
  session_id: string;
  checkpoint_id: string;
  at: ColumnType<Date, Date | string | undefined, Date | string>;
  lng: number;
  lat: number;
  accuracy_m: number;
  distance_m: number;
};

export type PatrolFindingsTable = {
  id: Id;
  session_id: string;
  matter_id: string;
  at: ColumnType<Date, Date | string | undefined, Date | string>;
};

export type PatrolPointRulesTable = {
  code: string;
  points: number;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
  updated_by: string | null;
};

export type PatrolTables = {
  patrol_teams: PatrolTeamsTable;
  patrol_members: PatrolMembersTable;
  patrol_tasks: PatrolTasksTable;
  patrol_checkpoints: PatrolCheckpointsTable;
  patrol_sessions: PatrolSessionsTable;
  patrol_session_members: PatrolSessionMembersTable;
  patrol_checkins: PatrolCheckinsTable;
  patrol_findings: PatrolFindingsTable;
  patrol_point_rules: PatrolPointRulesTable;
};

export type PatrolDb = Kysely<DB & PatrolTables>;

export const pdb = (db: DbOrTx): PatrolDb => db.withTables<PatrolTables>();
