/**
 * Roles and what each may do — the one place where permissions are decided. Area scope (which records)
 * is applied by the data layer with `scopeFilter`; this table says which actions.
 */
export const ROLES = [
  'city_admin',
  'commander',
  'county_center',
  'town_center',
  'grid_worker',
  'mediator',
  'dept_clerk',
  'enterprise_user',
  'auditor',
] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_NAMES: Record<Role, { zh: string; en: string }> = {
  city_admin: { zh: '市级管理员', en: 'City administrator' },
  commander: { zh: '指挥中心', en: 'Command centre' },
  county_center: { zh: '县级综治中心', en: 'County governance centre' },
  town_center: { zh: '镇街综治中心', en: 'Town governance centre' },
  grid_worker: { zh: '网格员', en: 'Grid worker' },
  mediator: { zh: '调解员', en: 'Mediator' },
  dept_clerk: { zh: '部门办事员', en: 'Department clerk' },
  enterprise_user: { zh: '企业用户', en: 'Enterprise user' },
  auditor: { zh: '审计员', en: 'Auditor' },
};

export const PERMISSIONS = [
  'area:read',
  'area:import',
  'subject:read',
  'subject:write',
  'subject:reveal',
  'enterprise:read-own',
  'user:read',
  'user:manage',
  'audit:read',
  'matter:read',
  'matter:report',
  'matter:act',
  'matter:configure',
  'dispute:import',
  'dispute:configure',
  'alert:configure',
  'subject:tags',
  // 共享法庭 / 心理服务站 (src/modules/court): the registries, bookings, and the stations' sensitive records.
  'court:read',
  'court:manage',
  'court:book',
  'psych:read',
  'psych:write',
  // 平安报表 (src/modules/report): read the indicators and exports; import the departments' statistics.
  'report:read',
  'report:import',
  // 海上斑马线 (src/modules/sea): vessels, positions and sea alerts; geometries, closures, rules and push tokens.
  'sea:read',
  'sea:manage',
  'sea:report',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const READ_SUBJECTS: Permission[] = ['area:read', 'subject:read'];
const MATTERS: Permission[] = ['matter:read', 'matter:report', 'matter:act'];
const COURTS: Permission[] = ['court:read', 'court:manage', 'court:book'];
const CENTRE: Permission[] = [
  ...READ_SUBJECTS,
  'subject:write',
  'subject:reveal',
  'user:read',
  ...MATTERS,
  'dispute:import',
];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  // The psychological stations' visit records are for the centres that run the stations, not the city admin.
  city_admin: PERMISSIONS.filter(
    (p) => p !== 'enterprise:read-own' && p !== 'audit:read' && !p.startsWith('psych:'),
  ),
  commander: [
    ...READ_SUBJECTS,
    'subject:reveal',
    ...MATTERS,
    'court:read',
    'report:read',
    'sea:read',
    'sea:manage',
    'sea:report',
  ],
  // 重点人员 tags are seen and kept by the county centre and the city; towns see the alerts they cause.
  // The county and town centres run the shared courts' registry and the village psychological stations.
  county_center: [
    ...CENTRE,
    'subject:tags',
    ...COURTS,
    'psych:read',
    'psych:write',
    'report:read',
    'report:import',
    'sea:read',
    'sea:manage',
    'sea:report',
  ],
  town_center: [...CENTRE, ...COURTS, 'psych:read', 'psych:write', 'report:read', 'sea:read', 'sea:report'],
  grid_worker: [
    ...READ_SUBJECTS,
    'subject:write',
    'subject:reveal',
    ...MATTERS,
    'court:read',
    'sea:read',
    'sea:report',
  ],
  // Mediators and department clerks handle what is assigned to them; they do not file reports themselves.
  // Both book the shared courts (online hearings, 司法确认) for the disputes they handle.
  mediator: [...READ_SUBJECTS, 'subject:reveal', 'matter:read', 'matter:act', 'court:read', 'court:book'],
  // A clerk imports their own department's files into the dispute library (checked against the source).
  dept_clerk: [
    ...READ_SUBJECTS,
    'matter:read',
    'matter:act',
    'dispute:import',
    'court:read',
    'court:book',
    'report:import',
  ],
  enterprise_user: ['area:read', 'enterprise:read-own'],
  // Auditors read the trail and who the users are; they write nothing and see no personal data.
  auditor: ['area:read', 'audit:read', 'user:read'],
};

export function isRole(s: string): s is Role {
  return (ROLES as readonly string[]).includes(s);
}
