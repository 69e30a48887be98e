import { Readable } from 'node:stream';
import { type Actor, makeActor } from '../../core/access/actor.ts';
import { loadConfig } from '../../core/config.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { type BlobStore, createLocalStore } from '../../core/files/store.ts';
import { addAttachments, type StoredFile } from '../../core/matters/attachments.service.ts';
import { transition } from '../../core/matters/transition.ts';
import { dueAt, warnAt } from '../../core/workflow/deadlines.ts';
import type { HazardCategory, Severity } from '../../modules/hazard/hazard.schema.ts';
import { createHazard } from '../../modules/hazard/hazard.service.ts';
import { hdb } from '../../modules/hazard/hazard.tables.ts';
import { mulberry32 } from '../../shared/random.ts';
import type { SeedArea } from './demo.ts';
import { DEMO_REFERENCE_DATE } from './matters.ts';

/** A 1×1 PNG: the demo's "photo" (stored once, content-addressed). */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

const TITLES: Record<HazardCategory, string[]> = {
  fire: ['楼道电动车违规充电', '消防通道被占用', '灭火器过期失效', '疏散指示灯损坏', '厂房内违规住人'],
  gas: ['餐饮店燃气软管老化', '燃气报警器未安装', '液化气钢瓶违规存放', '燃气管道私改'],
  hazchem: ['危化品仓库无防爆设施', '危化品超量储存', '危化品台账缺失'],
  construction: ['工地未设安全网', '脚手架搭设不规范', '塔吊限位器失效', '深基坑无围护'],
  selfbuilt: ['自建房违规加层', '自建房墙体开裂', '经营性自建房无安全鉴定'],
  road: ['路口信号灯故障', '道路井盖缺失', '学校周边缺少减速带', '急弯处护栏损坏'],
  vessel: ['渔船救生衣配备不足', '渔船消防设备过期', '渔船北斗终端未开启'],
  other: ['广告牌松动', '电线私拉乱接', '河道护栏缺失'],
};
const DEPARTMENT: Record<HazardCategory, string> = {
  fire: 'fire',
  gas: 'housing',
  hazchem: 'emergency',
  construction: 'housing',
  selfbuilt: 'housing',
  road: 'traffic_police',
  vessel: 'ocean_fishery',
  other: 'emergency',
};
const CATEGORIES = Object.keys(TITLES) as HazardCategory[];
/** Where each demo hazard stops: every state of the loop, most of them 销号. */
const STOPS = [
  { to: 'found', w: 4 },
  { to: 'reported', w: 8 },
  { to: 'assigned', w: 8 },
  { to: 'rectifying', w: 14 },
  { to: 'checking', w: 8 },
  { to: 'verified', w: 6 },
  { to: 'closed', w: 52 },
] as const;
const ORDER = ['found', 'reported', 'assigned', 'rectifying', 'checking', 'verified', 'closed'];

/**
 * Demo hazards (src/modules/hazard) across Wenzhou's towns, in every state, taken through the module's own
 * commands (the same code paths as the console) by a village grid worker, the town centre and the county
 * bureau in charge, with before/after photos; then their timestamps are spread over the year before the
 * reference date — responses mostly inside 30 minutes, some late; rectifications mostly inside 30 days, some
 * open hazards past it (超期) — so that the list, the clocks, the KPI and the 隐患超期 model have something
 * to show. Majors are about one in six, linked to seeded enterprises of their county where there are any.
 */
export async function seedHazardDemo(
  tx: DbOrTx,
  areas: SeedArea[],
  opts: {
    seed?: number | undefined;
    count: number;
    referenceDate?: Date | undefined;
    files?: BlobStore | undefined;
  },
): Promise<number> {
  if (opts.count <= 0) return 0;
  const rnd = mulberry32((opts.seed ?? 20261129) + 9);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const ref = (opts.referenceDate ?? DEMO_REFERENCE_DATE).getTime();
  // The photos go where the kernel reads them: the configured store (ZHILI_FILES_DIR / the data dir).
  const store = opts.files ?? createLocalStore(loadConfig().filesDir);
  const blob = await store.put(Readable.from(PNG), { maxBytes: 1_000_000 });
  const photo = (name: string): StoredFile => ({
    filename: name,
    sha256: blob.sha256,
    size: blob.size,
    mime: 'image/png',
  });

  const towns = areas.filter((a) => a.level === 3);
  const villages = areas.filter((a) => a.level === 4);
  const byTown = new Map<string, SeedArea[]>();
  for (const v of villages) byTown.set(v.parentCode ?? '', [...(byTown.get(v.parentCode ?? '') ?? []), v]);
  const enterprises = await tx.selectFrom('enterprises').select(['id', 'area_code']).execute();
  const total = STOPS.reduce((s, x) => s + x.w, 0);
  let made = 0;
  for (let i = 0; i < opts.count; i++) {
    const town = towns[i % towns.length]!;
    const county = town.parentCode!;
    const category = pick(CATEGORIES);
    const r = rnd();
    const severity: Severity = r < 0.17 ? 'major' : r < 0.42 ? 'larger' : 'general';
    const stop = stopOf(rnd() * total);
    // An enterprise of the town is named as responsible where the category has one; the hazard is filed
    // where the enterprise is (its village or grid), by the grid worker there.
    const local = enterprises.filter((e) => e.area_code.startsWith(town.code.slice(0, 9)));
    const enterprise =
      ['fire', 'gas', 'hazchem', 'construction'].includes(category) && local.length ? pick(local) : null;
    const place = enterprise ? enterprise.area_code : pick(byTown.get(town.code) ?? [town]).code;

    const grid = actor('demo-grid', '网格员', 'grid_worker', place);
    const centre = actor('demo-town', `${town.name}综治中心`, 'town_center', town.code, 'zongzhi');
    const dept = DEPARTMENT[category];
    const clerk = actor(`demo-${dept}`, '整改责任部门', 'dept_clerk', county, dept);

    const created = await createHazard(tx, grid, {
      title: pick(TITLES[category]),
      category,
      severity,
      areaCode: place,
      ...(enterprise
        ? { enterpriseId: enterprise.id }
        : { responsibleName: category === 'selfbuilt' ? '户主' : undefined }),
      report: false,
    });
    const id = created.id;
    await addAttachments(tx, grid, id, [photo('现场照片.png')], '整改前照片');
    const steps: string[] = [];
    const go = async (who: Actor, action: string, extra: Record<string, unknown> = {}) => {
      const v = await tx
        .selectFrom('matters')
        .select('version')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      await transition(tx, who, id, { action, version: v.version, ...extra });
      steps.push(action);
    };
    const upTo = (s: string) => ORDER.indexOf(stop) >= ORDER.indexOf(s);
    if (upTo('reported')) await go(grid, 'report');
    if (upTo('assigned')) await go(centre, 'assign', { assignee: { department: dept, areaCode: county } });
    if (upTo('rectifying')) await go(clerk, 'sign');
    const failOnce = upTo('checking') && rnd() < 0.2;
    if (failOnce) {
      await addAttachments(tx, clerk, id, [photo('整改后.png')], '整改后照片');
      await go(clerk, 'submit', { result: '已按要求整改' });
      await go(centre, 'fail', { reason: '整改不到位，请继续整改' });
    }
    if (upTo('checking')) {
      await addAttachments(tx, clerk, id, [photo('整改后.png')], '整改后照片');
      await go(clerk, 'submit', { result: '已完成整改，隐患消除' });
    }
    if (upTo('verified')) await go(centre, 'pass');
    if (upTo('closed')) await go(centre, 'close');
    await spreadInTime(tx, id, steps, severity, stop, ref, rnd);
    made++;
  }
  return made;
}

function stopOf(x: number): string {
  let w = x;
  for (const s of STOPS) {
    w -= s.w;
    if (w < 0) return s.to;
  }
  return 'closed';
}

function actor(
  username: string,
  displayName: string,
  role: 'grid_worker' | 'town_center' | 'dept_clerk',
  areaCode: string,
  departmentCode?: string,
) {
  return makeActor(
    { id: null, username, displayName, roles: [role], areaCode, departmentCode: departmentCode ?? null },
    { kind: 'system' },
  );
}

/**
 * Rewrites one seeded hazard's instants as if it had happened over the past months: a schedule of its
 * steps, then the timeline, the clocks and the matter's deadline columns from it (the same rules as
 * hazard's step hooks, with the default 3030 configuration).
 */
async function spreadInTime(
  tx: DbOrTx,
  id: string,
  steps: string[],
  severity: Severity,
  stop: string,
  ref: number,
  rnd: () => number,
) {
  const gap: Record<string, () => number> = {
    report: () => (5 + rnd() * 115) * MIN,
    // Mostly within the 30 minutes; about one in six late.
    assign: () => (rnd() < 0.85 ? 3 + rnd() * 25 : 35 + rnd() * 200) * MIN,
    sign: () => (1 + rnd() * 40) * HOUR,
    submit: () => (2 + rnd() * 24) * DAY,
    fail: () => (1 + rnd() * 2) * DAY,
    pass: () => (0.5 + rnd() * 3) * DAY,
    close: () => (1 + rnd() * 20) * HOUR,
  };
  const offsets: number[] = [];
  let span = 0;
  for (const s of steps) {
    span += gap[s]!();
    offsets.push(span);
  }
  // Open hazards sit 0–60 days after their last step (some past their deadline); closed ones up to a year ago.
  const idle = stop === 'closed' ? rnd() * 330 * DAY : rnd() * (stop === 'found' ? 3 : 60) * DAY;
  const created = ref - span - idle - HOUR;
  const at = (k: number) => new Date(created + (k < 0 ? 0 : offsets[k]!));
  const timeline = await tx
    .selectFrom('matter_timeline')
    .select(['id', 'action'])
    .where('matter_id', '=', id)
    .orderBy('id')
    .execute();
  let k = -1;
  for (const e of timeline) {
    if (e.action !== 'attach' && e.action !== 'create') k = steps.indexOf(e.action, k + 1);
    await tx
      .updateTable('matter_timeline')
      .set({ at: at(k) })
      .where('id', '=', e.id)
      .execute();
  }
  await tx
    .updateTable('matter_attachments')
    .set({ created_at: new Date(created) })
    .where('matter_id', '=', id)
    .execute();
  const when = (a: string) => {
    const j = steps.lastIndexOf(a);
    return j < 0 ? null : at(j);
  };
  const firstAssign = steps.indexOf('assign') < 0 ? null : at(steps.indexOf('assign'));
  const reported = when('report');
  const respondDue = reported ? new Date(reported.getTime() + 30 * MIN) : null;
  const rectifyDue = firstAssign ? new Date(firstAssign.getTime() + 30 * DAY) : null;
  const passed = when('pass');
  const last = at(steps.length - 1);
  await hdb(tx)
    .updateTable('hazard_clocks')
    .set({
      severity,
      reported_at: reported,
      respond_due_at: respondDue,
      responded_at: firstAssign,
      rectify_due_at: rectifyDue,
      passed_at: passed,
    })
    .where('matter_id', '=', id)
    .execute();
  let due: Date | null = null;
  let start = last;
  if (stop === 'reported') due = respondDue;
  else if (['assigned', 'rectifying', 'checking'].includes(stop)) {
    due = rectifyDue;
    start = firstAssign ?? last;
  } else if (stop === 'verified') due = dueAt(last, { amount: 1, unit: 'workdays' });
  const warn = due ? warnAt(start, due, 0.8) : null;
  const now = new Date(ref);
  await tx
    .updateTable('matters')
    .set({
      created_at: new Date(created),
      updated_at: last,
      state_entered_at: last,
      due_at: due,
      warn_at: warn,
      deadline_state:
        !due || stop === 'closed'
          ? 'normal'
          : due <= now
            ? 'overdue'
            : warn && warn <= now
              ? 'warning'
              : 'normal',
      closed_at: stop === 'closed' ? last : null,
    })
    .where('id', '=', id)
    .execute();
}
