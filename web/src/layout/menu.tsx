import {
  AlertOutlined,
  ApartmentOutlined,
  ApiOutlined,
  AuditOutlined,
  BarChartOutlined,
  CloudUploadOutlined,
  DashboardOutlined,
  DatabaseOutlined,
  EditOutlined,
  EnvironmentOutlined,
  ExperimentOutlined,
  FormOutlined,
  GlobalOutlined,
  InboxOutlined,
  NodeIndexOutlined,
  SendOutlined,
  SettingOutlined,
  SolutionOutlined,
  TeamOutlined,
  UnorderedListOutlined,
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
