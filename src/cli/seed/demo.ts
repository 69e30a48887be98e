import { fakerZH_CN as faker } from '@faker-js/faker';
import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import type { Insertable } from 'kysely';
import { systemActor } from '../../core/access/actor.ts';
import type { Role } from '../../core/access/roles.ts';
import { createUser } from '../../core/access/users.service.ts';
import type { AreaGeometry } from '../../core/areas/areas.service.ts';
import { audit } from '../../core/audit/audit.ts';
import type { Db } from '../../core/db/database.ts';
import type { EnterprisesTable, HousesTable, PersonsTable, ThingsTable } from '../../core/db/types.ts';
import type { BlobStore } from '../../core/files/store.ts';
import { generateIdCard, generateMobile, generateUscc, parseIdCard } from '../../core/subjects/codes.ts';
import { h3Of, type Point } from '../../core/subjects/common.ts';
import { AAD as PERSON_AAD } from '../../core/subjects/persons.service.ts';
import type { Vault } from '../../core/subjects/vault.ts';
import { seedCourtDemo } from './court.ts';
import { seedGridDemo } from './grid.ts';
import { seedDemoMatters } from './matters.ts';
import { seedPatrolDemo } from './patrol.ts';
import { seedReportDemo } from './report.ts';
import { seedSeaDemo } from './sea.ts';

/** The demo password of every demo login (printed by `zhili start`; never use the demo seed in production). */
export const DEMO_PASSWORD = 'Zhili-demo-2026';

const CITY = '330300000000';
const LUCHENG = '330302000000';
const LONGWAN = '330303000000';
const WUMA = '330302006000'; // 五马街道
const GULOU = '330302006044'; // 鼓楼社区
const MOCHI = '330302006045'; // 墨池社区

export interface DemoLogin {
  username: string;
  displayName: string;
  role: Role;
  areaCode: string;
  departmentCode?: string;
}

/** Users for every role at city, district, town and village level. */
export const DEMO_LOGINS: DemoLogin[] = [
  { username: 'admin', displayName: '市级管理员', role: 'city_admin', areaCode: CITY },
  { username: 'commander', displayName: '市指挥中心值班员', role: 'commander', areaCode: CITY },
  { username: 'auditor', displayName: '市审计员', role: 'auditor', areaCode: CITY },
  {
    username: 'clerk.police',
    displayName: '市公安局办事员',
    role: 'dept_clerk',
    areaCode: CITY,
    departmentCode: 'police',
  },
  {
    username: 'mediator.city',
    displayName: '市级调解员',
    role: 'mediator',
    areaCode: CITY,
    departmentCode: 'justice',
  },
  {
    username: 'county.lucheng',
    displayName: '鹿城区综治中心',
    role: 'county_center',
    areaCode: LUCHENG,
    departmentCode: 'zongzhi',
  },
  { username: 'commander.lucheng', displayName: '鹿城区指挥中心', role: 'commander', areaCode: LUCHENG },
  { username: 'auditor.lucheng', displayName: '鹿城区审计员', role: 'auditor', areaCode: LUCHENG },
  {
    username: 'clerk.court',
    displayName: '鹿城区法院办事员',
    role: 'dept_clerk',
    areaCode: LUCHENG,
    departmentCode: 'court',
  },
  {
    username: 'county.longwan',
    displayName: '龙湾区综治中心',
    role: 'county_center',
    areaCode: LONGWAN,
    departmentCode: 'zongzhi',
  },
  {
    username: 'clerk.housing',
    displayName: '鹿城区住建局办事员',
    role: 'dept_clerk',
    areaCode: LUCHENG,
    departmentCode: 'housing',
  },
  {
    username: 'town.wuma',
    displayName: '五马街道综治中心',
    role: 'town_center',
    areaCode: WUMA,
    departmentCode: 'zongzhi',
  },
  {
    username: 'mediator.wuma',
    displayName: '五马街道调解员',
    role: 'mediator',
    areaCode: WUMA,
    departmentCode: 'justice',
  },
  {
    username: 'clerk.justice',
    displayName: '五马司法所办事员',
    role: 'dept_clerk',
    areaCode: WUMA,
    departmentCode: 'justice',
  },
  { username: 'grid.gulou', displayName: '鼓楼社区网格员', role: 'grid_worker', areaCode: GULOU },
  { username: 'mediator.gulou', displayName: '鼓楼社区调解员', role: 'mediator', areaCode: GULOU },
  { username: 'grid.mochi', displayName: '墨池社区网格员', role: 'grid_worker', areaCode: MOCHI },
  { username: 'enterprise.demo', displayName: '鼓楼社区企业用户', role: 'enterprise_user', areaCode: GULOU },
];

export interface SeedArea {
  code: string;
  parentCode: string | null;
  level: number;
  name: string;
  geometry: AreaGeometry | null;
  bbox: [number, number, number, number] | null;
}

export interface DemoCounts {
  users: number;
  houses: number;
  persons: number;
  enterprises: number;
  things: number;
  matters: number;
}

export interface DemoSize {
  /** Houses spread over the whole city, plus a denser set in the two demo villages. */
  cityHouses: number;
  focusHousesPerGrid: number;
  enterprises: number;
  cameras: number;
  hydrants: number;
  vessels: number;
  /** 事件 over the three years before the reference date, with their timelines (src/cli/seed/matters.ts). */
  matters: number;
  /** 共享法庭 and 心理服务站 (src/cli/seed/court.ts); none when absent. */
  courts?: number;
  stations?: number;
  /** 一站式调解 cases in every state (src/cli/seed/mediation.ts, with their own disputes); none when absent. */
  mediation?: boolean;
  /** 平安报表: years of monthly imported statistics per district (src/cli/seed/report.ts); none when absent. */
  reportYears?: number;
  /** 问题隐患 in every state across the towns, with photos (src/cli/seed/hazard.ts); none when absent. */
  hazards?: number;
}

export const DEFAULT_SIZE: DemoSize = {
  cityHouses: 2000,
  focusHousesPerGrid: 40,
  enterprises: 800,
  cameras: 400,
  hydrants: 200,
  vessels: 60,
  matters: 50_000,
  courts: 3535,
  stations: 5500,
  mediation: true,
  reportYears: 5,
  hazards: 160,
};

const INDUSTRIES = [
  '鞋业',
  '服装',
  '眼镜',
  '电气',
  '阀门',
  '汽摩配',
  '印刷',
  '塑料',
  '五金',
  '泵业',
  '食品',
  '建材',
];
const TRADE_NAMES = ['华', '鑫', '宏', '泰', '瑞', '丰', '达', '兴', '盛', '源', '隆', '昌', '恒', '信'];
const TAGS = ['独居老人', '残疾人', '低保户', '退役军人', '流动人口'];

/**
 * Deterministic demo data: the same seed gives the same people, houses and codes on every machine.
 * Houses sit at random points inside real grids; ID numbers and credit codes carry valid check characters.
 */
export async function seedDemo(
  db: Db,
  vault: Vault,
  areas: SeedArea[],
  opts: {
    seed?: number;
    size?: DemoSize;
    /** The demo's "now" for the matters' dates and deadlines (fixed by default, so seeds are reproducible). */
    referenceDate?: Date;
    onProgress?: (stage: string, done: number, total: number) => void;
    /** Where the demo's photos go: the kernel's store (default: the configured files folder). */
    files?: BlobStore;
  } = {},
): Promise<DemoCounts> {
  const size = opts.size ?? DEFAULT_SIZE;
  faker.seed(opts.seed ?? 20261129);
  const rnd = () => Math.min(faker.number.float({ min: 0, max: 1 }), 0.999_999_999);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const grids = areas.filter((a) => a.level === 5 && a.geometry && a.bbox);
  const byCode = new Map(areas.map((a) => [a.code, a]));
  const focusGrids = grids.filter((g) => g.parentCode === GULOU || g.parentCode === MOCHI);
  const coastalGrids = grids.filter((g) => g.code.startsWith('330305'));

  const pointIn = (g: SeedArea): Point => {
    const [minX, minY, maxX, maxY] = g.bbox!;
    for (let i = 0; i < 200; i++) {
      const p = { lng: minX + rnd() * (maxX - minX), lat: minY + rnd() * (maxY - minY) };
      if (booleanPointInPolygon([p.lng, p.lat], g.geometry!))
        return { lng: round6(p.lng), lat: round6(p.lat) };
    }
    return { lng: round6((minX + maxX) / 2), lat: round6((minY + maxY) / 2) };
  };
  const villageName = (g: SeedArea) => byCode.get(g.parentCode ?? '')?.name ?? '';

  const actor = systemActor('seed');
  return db.transaction().execute(async (tx) => {
    let users = 0;
    for (const u of DEMO_LOGINS) {
      if (u.role === 'enterprise_user') continue;
      await createUser(tx, actor, { ...u, roles: [u.role], password: DEMO_PASSWORD });
      users++;
    }

    // 房 houses
    const houseGrids = [
      ...focusGrids.flatMap((g) => Array.from({ length: size.focusHousesPerGrid }, () => g)),
      ...Array.from({ length: size.cityHouses }, () => pick(grids)),
    ];
    const houseRows: Insertable<HousesTable>[] = houseGrids.map((g, i) => {
      const p = pointIn(g);
      const kind =
        rnd() < 0.75 ? (rnd() < 0.8 ? 'residence' : 'rental') : pick(['shop', 'factory', 'office'] as const);
      return {
        area_code: g.code,
        address: `${villageName(g)}${faker.location.street()}${1 + (i % 300)}号`,
        kind,
        floors: 1 + Math.floor(rnd() * (kind === 'factory' ? 4 : 18)),
        lng: p.lng,
        lat: p.lat,
        h3: h3Of(p),
      };
    });
    const houses = await insertBatches(tx, 'houses', houseRows, (d, t) => opts.onProgress?.('houses', d, t));

    // 人 persons: 1–4 per dwelling, with valid ID numbers born in their district
    const seenIds = new Set<string>();
    const personRows: Insertable<PersonsTable>[] = [];
    for (const h of houses) {
      if (h.kind !== 'residence' && h.kind !== 'rental') continue;
      const n = 1 + Math.floor(rnd() * 4);
      for (let k = 0; k < n; k++) {
        const gender = rnd() < 0.5 ? 'M' : 'F';
        const birth = faker.date.between({ from: '1940-01-01', to: '2008-12-31' }).toISOString().slice(0, 10);
        let id = generateIdCard(rnd, h.area_code.slice(0, 6), birth, gender);
        while (seenIds.has(id)) id = generateIdCard(rnd, h.area_code.slice(0, 6), birth, gender);
        seenIds.add(id);
        const phone = generateMobile(rnd);
        const info = parseIdCard(id)!;
        personRows.push({
          area_code: h.area_code,
          name: faker.person.lastName() + faker.person.firstName(gender === 'M' ? 'male' : 'female'),
          gender: info.gender,
          birth_date: info.birthDate,
          id_number_enc: vault.encrypt(id, PERSON_AAD.idNumber),
          id_number_hmac: vault.blindIndex('id_number', id),
          phone_enc: vault.encrypt(phone, PERSON_AAD.phone),
          phone_hmac: vault.blindIndex('mobile', phone),
          house_id: h.id,
          tags: rnd() < 0.08 ? [pick(TAGS)] : [],
        });
      }
    }
    const persons = await insertBatches(tx, 'persons', personRows, (d, t) =>
      opts.onProgress?.('persons', d, t),
    );

    // 企 enterprises, at the non-residential houses first
    const workplaces = houses.filter((h) => h.kind === 'shop' || h.kind === 'factory' || h.kind === 'office');
    const focusWorkplaces = workplaces.filter(
      (h) => h.area_code.startsWith(GULOU) || h.area_code.startsWith(MOCHI),
    );
    const seenUscc = new Set<string>();
    const entRows: Insertable<EnterprisesTable>[] = [];
    for (let i = 0; i < size.enterprises; i++) {
      const h = i < focusWorkplaces.length ? focusWorkplaces[i]! : pick(workplaces);
      let uscc = generateUscc(rnd, h.area_code.slice(0, 6));
      while (seenUscc.has(uscc)) uscc = generateUscc(rnd, h.area_code.slice(0, 6));
      seenUscc.add(uscc);
      const phone = generateMobile(rnd);
      const district =
        byCode.get(`${h.area_code.slice(0, 6)}000000`)?.name.replace(/[区县市]$/, '') ?? '温州';
      entRows.push({
        area_code: h.area_code,
        name: `温州市${district}${pick(TRADE_NAMES)}${pick(TRADE_NAMES)}${pick(INDUSTRIES)}有限公司`,
        uscc,
        legal_person_name: faker.person.lastName() + faker.person.firstName(),
        phone_enc: vault.encrypt(phone, 'enterprise.phone'),
        phone_hmac: vault.blindIndex('mobile', phone),
        industry: pick(INDUSTRIES),
        address: h.address,
        house_id: h.id,
        lng: h.lng,
        lat: h.lat,
        h3: h.h3,
      });
    }
    const enterprises = await insertBatches(tx, 'enterprises', entRows, (d, t) =>
      opts.onProgress?.('enterprises', d, t),
    );

    // 物 things: cameras with a view direction, hydrants, fishing vessels in 洞头
    const thingRows: Insertable<ThingsTable>[] = [];
    const addThing = (kind: string, i: number, g: SeedArea, name: string, attrs: Record<string, unknown>) => {
      const p = pointIn(g);
      thingRows.push({
        area_code: g.code,
        kind,
        name,
        identifier: `${kind.toUpperCase()}-${String(i + 1).padStart(5, '0')}`,
        attributes: JSON.stringify(attrs),
        lng: p.lng,
        lat: p.lat,
        h3: h3Of(p),
      });
    };
    for (let i = 0; i < size.cameras; i++) {
      const g = i < focusGrids.length * 5 ? focusGrids[i % focusGrids.length]! : pick(grids);
      addThing('camera', i, g, `${villageName(g)}监控点${i + 1}`, {
        heading: Math.floor(rnd() * 360),
        fov: 90,
        // Every other camera plays the offline demo video (data/demo-video); the rest stay unreachable.
        streamUrl:
          i % 2 === 0 ? '/demo-video/camera.m3u8' : `https://video.example.invalid/live/cam${i + 1}.m3u8`,
      });
    }
    for (let i = 0; i < size.hydrants; i++) {
      const g = pick(grids);
      addThing('hydrant', i, g, `${villageName(g)}消火栓${i + 1}`, {
        pressureMpa: 0.2 + Math.round(rnd() * 30) / 100,
      });
    }
    for (let i = 0; i < size.vessels && coastalGrids.length > 0; i++) {
      const g = pick(coastalGrids);
      addThing('vessel', i, g, `浙洞渔${String(10000 + Math.floor(rnd() * 9000))}`, {
        homePort: '洞头港',
        crew: 3 + Math.floor(rnd() * 10),
        lengthM: 12 + Math.floor(rnd() * 30),
      });
    }
    const things = await insertBatches(tx, 'things', thingRows, (d, t) => opts.onProgress?.('things', d, t));

    // The enterprise user is tied to the first enterprise of 鼓楼社区.
    const own = enterprises.find((e) => e.area_code.startsWith(GULOU));
    for (const u of DEMO_LOGINS.filter((l) => l.role === 'enterprise_user')) {
      await createUser(tx, actor, {
        ...u,
        roles: [u.role],
        password: DEMO_PASSWORD,
        enterpriseId: own?.id ?? null,
      });
      users++;
    }
    const matters = await seedDemoMatters(tx, areas, {
      count: size.matters,
      seed: opts.seed ?? 20261129,
      referenceDate: opts.referenceDate,
      onProgress: opts.onProgress,
    });
    await seedGridDemo(tx, vault, areas, { seed: opts.seed, referenceDate: opts.referenceDate, size }); // 网格 1+3+N, check-ins
    await seedCourtDemo(tx, vault, areas, { seed: opts.seed, size }); // 共享法庭, 心理服务站
    await seedPatrolDemo(tx, vault, areas, { seed: opts.seed, referenceDate: opts.referenceDate, size }); // 平安乐巡
    await seedSeaDemo(tx, { seed: opts.seed, vessels: size.vessels }); // 海上斑马线: geometry, vessel registry
    await seedReportDemo(tx, areas, {
      seed: opts.seed,
      referenceDate: opts.referenceDate,
      years: size.reportYears ?? 0,
    }); // 平安报表
    if (size.mediation)
      await (await import('./mediation.ts')).seedMediationDemo(tx, vault, { seed: opts.seed }); // 一站式调解 in every state
    if (size.hazards)
      await (await import('./hazard.ts')).seedHazardDemo(tx, areas, {
        seed: opts.seed,
        count: size.hazards,
        referenceDate: opts.referenceDate,
        files: opts.files,
      }); // 问题隐患 in every state, the 3030 clocks
    const counts = {
      users,
      houses: houses.length,
      persons: persons.length,
      enterprises: enterprises.length,
      things: things.length,
      matters: matters.matters,
    };
    await audit(tx, actor, {
      action: 'seed.demo',
      entityType: 'dataset',
      newValues: { ...counts, seed: opts.seed ?? 20261129 },
    });
    return counts;
  });
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

type Table = 'houses' | 'persons' | 'enterprises' | 'things';

async function insertBatches<T extends Table>(
  tx: Db,
  table: T,
  rows: Insertable<
    { houses: HousesTable; persons: PersonsTable; enterprises: EnterprisesTable; things: ThingsTable }[T]
  >[],
  onProgress: (done: number, total: number) => void,
) {
  const out: {
    id: string;
    area_code: string;
    kind?: string;
    address?: string;
    lng: number | null;
    lat: number | null;
    h3: string | null;
  }[] = [];
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    // biome-ignore lint/suspicious/noExplicitAny: one bulk insert for four tables whose row types differ.
    const ret = await (tx.insertInto(table) as any).values(chunk).returningAll().execute();
    out.push(...ret);
    onProgress(Math.min(i + 500, rows.length), rows.length);
  }
  return out as {
    id: string;
    area_code: string;
    kind: string;
    address: string;
    lng: number | null;
    lat: number | null;
    h3: string | null;
  }[];
}
