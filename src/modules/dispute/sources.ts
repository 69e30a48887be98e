import { z } from 'zod';
import { CATEGORY_CODES, PARTY_ROLES } from './dispute.schema.ts';

/**
 * A source is a department's feed (or a channel: Open311, the web form). Its mapping profile says how that
 * department writes a record: its column names, its code table for categories, its date formats. The
 * profiles below are the defaults seeded into `dispute_sources`; a city administrator edits them there.
 */
export const PartyColumns = z.object({
  role: z.enum(PARTY_ROLES),
  kind: z.enum(['person', 'enterprise']),
  name: z.string().max(60),
  idNumber: z.string().max(60).optional(),
  phone: z.string().max(60).optional(),
  uscc: z.string().max(60).optional(),
});

export const SourceProfile = z.object({
  /** Their record code's name, e.g. 警情编号; also the column that holds it. */
  recordLabel: z.string().max(40),
  /** What their files usually look like; a parser detects the real format and encoding anyway. */
  format: z.enum(['csv', 'xlsx', 'jsonl']),
  encoding: z.enum(['utf8', 'gbk']).default('utf8'),
  /** Rows above the header in their XLSX exports (a title, a date line). */
  titleRows: z.number().int().min(0).max(20).default(0),
  columns: z.object({
    recordKey: z.string().max(60),
    reportedAt: z.string().max(60),
    description: z.string().max(60),
    title: z.string().max(60).optional(),
    category: z.string().max(60).optional(),
    areaCode: z.string().max(60).optional(),
    address: z.string().max(60).optional(),
    lng: z.string().max(60).optional(),
    lat: z.string().max(60).optional(),
    amount: z.string().max(60).optional(),
    peopleInvolved: z.string().max(60).optional(),
    parties: z.array(PartyColumns).max(10).default([]),
  }),
  /**
   * Date formats in dayjs notation tried in order (e.g. 'YYYY-MM-DD HH:mm:ss', 'YYYY/M/D', 'YYYYMMDDHHmmss');
   * times without a zone are China Standard Time. Excel date cells and serial numbers are always accepted.
   */
  dateFormats: z.array(z.string().max(40)).min(1).max(10),
  /** Their category codes → ours. A code not in the table goes to the text classifier. */
  categoryCodes: z.record(z.string().max(40), z.enum(CATEGORY_CODES)).default({}),
  /** Amounts written in 万元 rather than 元. */
  amountUnit: z.enum(['yuan', 'wan']).default('yuan'),
});
export type SourceProfile = z.infer<typeof SourceProfile>;

export interface SourceDef {
  code: string;
  /** departments.code; null for channels that are not a department (Open311, the web form). */
  department: string | null;
  name: { zh: string; en: string };
  profile: SourceProfile;
}

/** The channels that are not department feeds: they use our own field names. */
const OWN_COLUMNS: SourceProfile['columns'] = {
  recordKey: 'recordKey',
  reportedAt: 'reportedAt',
  description: 'description',
  title: 'title',
  category: 'category',
  areaCode: 'areaCode',
  address: 'address',
  lng: 'lng',
  lat: 'lat',
  amount: 'amount',
  peopleInvolved: 'peopleInvolved',
  parties: [],
};

export const CHANNEL_SOURCES: SourceDef[] = [
  {
    code: 'open311',
    department: null,
    name: { zh: '群众上报（Open311）', en: 'Citizen reports (Open311)' },
    profile: SourceProfile.parse({
      recordLabel: 'service_request_id',
      format: 'jsonl',
      columns: OWN_COLUMNS,
      dateFormats: ['YYYY-MM-DDTHH:mm:ssZ'],
    }),
  },
  {
    code: 'web',
    department: null,
    name: { zh: '网格员及窗口登记', en: 'Grid workers and service windows' },
    profile: SourceProfile.parse({
      recordLabel: '登记编号',
      format: 'jsonl',
      columns: OWN_COLUMNS,
      dateFormats: ['YYYY-MM-DDTHH:mm:ssZ'],
    }),
  },
];

/** The 21 departments' feeds. Filled in department by department (see docs/DISPUTES.md). */
export const DEPARTMENT_SOURCES: SourceDef[] = [];

export const SOURCES: SourceDef[] = [...DEPARTMENT_SOURCES, ...CHANNEL_SOURCES];
