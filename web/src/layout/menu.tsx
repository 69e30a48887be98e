import {
  AimOutlined,
  AlertOutlined,
  ApartmentOutlined,
  ApiOutlined,
  AuditOutlined,
  BankOutlined,
  BarChartOutlined,
  CloudUploadOutlined,
  CompassOutlined,
  DashboardOutlined,
  DatabaseOutlined,
  EditOutlined,
  EnvironmentOutlined,
  ExperimentOutlined,
  FlagOutlined,
  FormOutlined,
  FundProjectionScreenOutlined,
  GlobalOutlined,
  HeartOutlined,
  InboxOutlined,
  NodeIndexOutlined,
  PieChartOutlined,
  SafetyOutlined,
  SendOutlined,
  SettingOutlined,
  SolutionOutlined,
  TeamOutlined,
  TrophyOutlined,
  UnorderedListOutlined,
  WarningOutlined,
} from '@ant-design/icons';
import type { ReactNode } from 'react';

export interface MenuEntry {
  key: string;
  path: string;
  zh: string;
  en: string;
  icon: ReactNode;
  /** Shown when the user has one of these roles. */
  roles: string[];
  /** Shown in the phone's bottom bar for these roles. */
  mobileFor?: string[];
}

const CENTRES = ['city_admin', 'commander', 'county_center', 'town_center'];
/** The roles with matter:read (src/core/access/roles.ts). */
const MATTER_READERS = [...CENTRES, 'grid_worker', 'mediator', 'dept_clerk'];
const ALL = [...CENTRES, 'grid_worker', 'mediator', 'dept_clerk', 'auditor', 'enterprise_user'];

/**
 * The menu by role: a grid worker sees 我的网格/上报/待办; a commander 指挥/一张图/统计; an admin 用户/区域/配置.
 * 一张图 (/map) for everyone who reads matters: the map shows only what is in the user's scope.
 * 指令看板 (/command) for everyone who reads matters: a centre sees the tasks in its scope, a handler those
 * sent to them.
 * 预警中心 and 预警模型 for everyone who reads matters (`matter:read`: the centres, grid workers, mediators,
 * department clerks); an alert is a matter and the list shows only those in the user's scope.
 */
export const MENU: MenuEntry[] = [
  { key: 'home', path: '/', zh: '工作台', en: 'Home', icon: <DashboardOutlined />, roles: ALL },
  {
    key: 'grid',
    path: '/areas/mine',
    zh: '我的网格',
    en: 'My grid',
    icon: <EnvironmentOutlined />,
    roles: ['grid_worker'],
    mobileFor: ['grid_worker'],
  },
  // 网格 (docs/GRID.md): 入格 on the phone for grid workers (the server checks the roster), the 1+3+N rosters
  // and the two-100% report for whoever reads subjects.
  {
    key: 'grid-checkin',
    path: '/grid/checkin',
    zh: '入格',
    en: 'Check in',
    icon: <AimOutlined />,
    roles: ['grid_worker'],
    mobileFor: ['grid_worker'],
  },
  {
    key: 'grid-roster',
    path: '/grid/roster',
    zh: '网格力量',
    en: 'Grid teams',
    icon: <TeamOutlined />,
    roles: ['grid_worker', 'town_center', 'county_center', 'commander', 'city_admin'],
  },
  {
    key: 'grid-report',
    path: '/grid/report',
    zh: '入格率',
    en: 'Check-in report',
    icon: <PieChartOutlined />,
    roles: ['grid_worker', 'town_center', 'county_center', 'commander', 'city_admin'],
  },
  // 平安乐巡 (docs/PATROL.md): the patrol on the phone for those who walk (their login is a team member's),
  // the teams, tasks and leaderboard for whoever reads subjects; each page shows only what is in scope.
  {
    key: 'patrol-session',
    path: '/patrol/session',
    zh: '平安乐巡',
    en: 'Patrol',
    icon: <FlagOutlined />,
    roles: ['grid_worker'],
  },
  {
    key: 'patrol-teams',
    path: '/patrol/teams',
    zh: '巡防队伍',
    en: 'Patrol teams',
    icon: <SafetyOutlined />,
    roles: ['grid_worker', 'town_center', 'county_center', 'commander', 'city_admin'],
  },
  {
    key: 'patrol-leaderboard',
    path: '/patrol/leaderboard',
    zh: '巡逻排行',
    en: 'Patrol ranking',
    icon: <TrophyOutlined />,
    roles: ['grid_worker', 'town_center', 'county_center', 'commander', 'city_admin'],
  },
  {
    key: 'report',
    path: '/matters/new',
    zh: '上报',
    en: 'Report',
    icon: <EditOutlined />,
    roles: ['grid_worker', ...CENTRES],
    mobileFor: ['grid_worker'],
  },
  {
    key: 'todo',
    path: '/matters?view=todo',
    zh: '待办',
    en: 'To do',
    icon: <InboxOutlined />,
    roles: ['grid_worker', 'mediator', 'dept_clerk', 'town_center', 'county_center'],
    mobileFor: ['grid_worker', 'mediator', 'dept_clerk'],
  },
  {
    key: 'mine',
    path: '/matters?view=mine',
    zh: '我的上报',
    en: 'My reports',
    icon: <SolutionOutlined />,
    roles: ['grid_worker'],
    mobileFor: ['grid_worker'],
  },
  {
    key: 'command',
    path: '/matters?view=command',
    zh: '指挥',
    en: 'Command',
    icon: <NodeIndexOutlined />,
    roles: ['commander', 'city_admin'],
  },
  // 一站式调解 (docs/MEDIATION.md): the cases for mediators and the centres, the KPIs for the centres.
  {
    key: 'mediation',
    path: '/mediation',
    zh: '调解案件',
    en: 'Mediation',
    icon: <HeartOutlined />,
    roles: ['mediator', 'grid_worker', ...CENTRES],
    mobileFor: ['mediator'],
  },
  {
    key: 'mediation-kpis',
    path: '/mediation/kpis',
    zh: '调解指标',
    en: 'Mediation KPIs',
    icon: <BarChartOutlined />,
    roles: CENTRES,
  },
  {
    key: 'command-board',
    path: '/command',
    zh: '指令看板',
    en: 'Command board',
    icon: <SendOutlined />,
    roles: MATTER_READERS,
  },
  {
    key: 'queue',
    path: '/matters',
    zh: '事项队列',
    en: 'Matters',
    icon: <UnorderedListOutlined />,
    roles: ['county_center', 'town_center', 'commander', 'city_admin', 'mediator', 'dept_clerk'],
  },
  {
    key: 'alerts',
    path: '/alerts',
    zh: '预警中心',
    en: 'Alert board',
    icon: <AlertOutlined />,
    roles: MATTER_READERS,
  },
  {
    key: 'alert-models',
    path: '/alerts/models',
    zh: '预警模型',
    en: 'Alert models',
    icon: <ExperimentOutlined />,
    roles: MATTER_READERS,
  },
  {
    key: 'map',
    path: '/map',
    zh: '一张图',
    en: 'One map',
    icon: <GlobalOutlined />,
    roles: MATTER_READERS,
  },
  {
    // 指挥大屏: full screen, outside the frame (web/src/pages/screen/); the centres' own area.
    key: 'screen',
    path: '/screen',
    zh: '指挥大屏',
    en: 'Big screen',
    icon: <FundProjectionScreenOutlined />,
    roles: CENTRES,
  },
  // 共享法庭 and 心理服务站 (docs/COURTS.md): the registries for everyone who reads matters (court:read); the
  // stations' visit records inside the page only for psych:read (the town and county centres).
  {
    key: 'courts',
    path: '/courts',
    zh: '共享法庭',
    en: 'Shared courts',
    icon: <BankOutlined />,
    roles: MATTER_READERS,
  },
  // 海上斑马线 (docs/SEA.md): vessels, live tracks and sea alerts for the roles with sea:read.
  {
    key: 'sea',
    path: '/sea',
    zh: '海上斑马线',
    en: 'Sea safety',
    icon: <CompassOutlined />,
    roles: [...CENTRES, 'grid_worker'],
  },
  {
    key: 'psych',
    path: '/psych',
    zh: '心理服务站',
    en: 'Psych stations',
    icon: <HeartOutlined />,
    roles: MATTER_READERS,
  },
  // 问题隐患 (docs/HAZARDS.md): the 3030 loop for everyone who reads matters; 隐患上报 in a grid worker's menu and,
  // on the phone, through the 事件/安全隐患 switch on the 上报 form (the bottom bar is full).
  {
    key: 'hazards',
    path: '/hazards',
    zh: '问题隐患',
    en: 'Hazards',
    icon: <WarningOutlined />,
    roles: MATTER_READERS,
  },
  {
    key: 'hazard-report',
    path: '/hazards/new',
    zh: '隐患上报',
    en: 'Report a hazard',
    icon: <WarningOutlined />,
    roles: ['grid_worker'],
  },
  // 平安报表 (docs/REPORTS.md): the centres read it (report:read); 数说五年 and the import are reached from it.
  {
    key: 'safety-report',
    path: '/report',
    zh: '平安报表',
    en: 'Safety report',
    icon: <FundProjectionScreenOutlined />,
    roles: CENTRES,
  },
  {
    key: 'safety-report-import',
    path: '/report/imports',
    zh: '统计数据导入',
    en: 'Import statistics',
    icon: <CloudUploadOutlined />,
    roles: ['dept_clerk'],
  },
  {
    key: 'stats',
    path: '/stats',
    zh: '统计',
    en: 'Statistics',
    icon: <BarChartOutlined />,
    roles: ['commander', 'city_admin', 'county_center', 'town_center'],
  },
  {
    key: 'dispute-analysis',
    path: '/disputes/analysis',
    zh: '纠纷分析',
    en: 'Dispute analysis',
    icon: <BarChartOutlined />,
    roles: CENTRES,
  },
  {
    key: 'disputes',
    path: '/disputes',
    zh: '纠纷库',
    en: 'Dispute library',
    icon: <DatabaseOutlined />,
    roles: [
      'county_center',
      'town_center',
      'commander',
      'city_admin',
      'grid_worker',
      'mediator',
      'dept_clerk',
    ],
  },
  {
    key: 'dispute-imports',
    path: '/disputes/imports',
    zh: '纠纷导入',
    en: 'Import disputes',
    icon: <CloudUploadOutlined />,
    roles: ['county_center', 'town_center', 'city_admin', 'dept_clerk'],
  },
  {
    key: 'dispute-register',
    path: '/disputes/new',
    zh: '纠纷登记',
    en: 'Register a dispute',
    icon: <FormOutlined />,
    roles: ['grid_worker', 'county_center', 'town_center'],
  },
  {
    key: 'dispute-sources',
    path: '/disputes/sources',
    zh: '数据来源',
    en: 'Data sources',
    icon: <ApiOutlined />,
    roles: ['city_admin'],
  },
  {
    key: 'subjects',
    path: '/subjects',
    zh: '人房企物',
    en: 'People & places',
    icon: <TeamOutlined />,
    roles: [
      'county_center',
      'town_center',
      'grid_worker',
      'commander',
      'city_admin',
      'mediator',
      'dept_clerk',
    ],
  },
  {
    key: 'areas',
    path: '/areas',
    zh: '区域',
    en: 'Areas',
    icon: <ApartmentOutlined />,
    roles: ['city_admin', 'county_center', 'town_center'],
  },
  {
    key: 'users',
    path: '/admin/users',
    zh: '用户',
    en: 'Users',
    icon: <TeamOutlined />,
    roles: ['city_admin', 'county_center', 'town_center', 'auditor'],
  },
  {
    key: 'config',
    path: '/admin/config',
    zh: '配置',
    en: 'Settings',
    icon: <SettingOutlined />,
    roles: ['city_admin'],
  },
  {
    key: 'audit',
    path: '/admin/audit',
    zh: '审计日志',
    en: 'Audit log',
    icon: <AuditOutlined />,
    roles: ['auditor'],
  },
];

export function menuFor(roles: string[]): MenuEntry[] {
  return MENU.filter((m) => m.roles.some((r) => roles.includes(r)));
}

export function mobileMenuFor(roles: string[]): MenuEntry[] {
  return MENU.filter((m) => m.mobileFor?.some((r) => roles.includes(r)));
}
