import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeActor } from '../../core/access/actor.ts';
import { isRole } from '../../core/access/roles.ts';
import { readBuiltinAreas } from '../../core/areas/builtin.ts';
import { verifyAuditChain } from '../../core/audit/audit.ts';
import type { Kernel } from '../../core/kernel.ts';
import { listMatters } from '../../core/matters/matters.service.ts';
import { indexTokens } from '../../core/matters/search.ts';
import { isValidIdCard, isValidMobile, isValidUscc } from '../../core/subjects/codes.ts';
import { cstDate } from '../../core/workflow/deadlines.ts';
import { openTestKernel } from '../../testing/harness.ts';
import { DEMO_LOGINS, type DemoSize, seedDemo } from './demo.ts';
import { DEMO_REFERENCE_DATE } from './matters.ts';

const SMALL: DemoSize = {
  cityHouses: 150,
  focusHousesPerGrid: 5,
  enterprises: 40,
  cameras: 20,
  hydrants: 10,
  vessels: 5,
  matters: 400,
};

let a: Kernel;
let b: Kernel;
beforeAll(async () => {
  [a, b] = await Promise.all([openTestKernel(), openTestKernel()]);
  const areas = await readBuiltinAreas();
  await seedDemo(a.db, a.vault, areas, { size: SMALL });
  await seedDemo(b.db, b.vault, areas, { size: SMALL });
});
afterAll(async () => {
  await a.close();
  await b.close();
});

describe('demo seed', () => {
  it('is deterministic: the same seed gives the same people, places and codes', async () => {
    const snapshot = async (k: Kernel) => {
      const persons = await k.db
        .selectFrom('persons')
        .select(['id', 'name', 'area_code', 'birth_date', 'id_number_enc'])
        .orderBy('id')
        .execute();
      return {
        persons: persons.map((p) => [
          p.id,
          p.name,
          p.area_code,
          p.birth_date,
          k.vault.decrypt(p.id_number_enc!, 'person.id_number'),
        ]),
        houses: await k.db
          .selectFrom('houses')
          .select(['address', 'lng', 'lat', 'area_code'])
          .orderBy('id')
          .execute(),
        ents: await k.db.selectFrom('enterprises').select(['name', 'uscc']).orderBy('id').execute(),
      };
    };
    const [sa, sb] = await Promise.all([snapshot(a), snapshot(b)]);
    expect(sa.persons.length).toBeGreaterThan(100);
    expect(sa).toEqual(sb);
  });

  it('creates a login for every demo user and valid national codes', async () => {
    const users = await a.db.selectFrom('users').select(['username', 'roles', 'enterprise_id']).execute();
    expect(users.map((u) => u.username).sort()).toEqual(DEMO_LOGINS.map((l) => l.username).sort());
    expect(users.find((u) => u.username === 'enterprise.demo')!.enterprise_id).not.toBeNull();
    const persons = await a.db
      .selectFrom('persons')
      .select(['id_number_enc', 'phone_enc', 'area_code'])
      .execute();
    for (const p of persons) {
      const id = a.vault.decrypt(p.id_number_enc!, 'person.id_number');
      expect(isValidIdCard(id)).toBe(true);
      expect(id.slice(0, 6)).toBe(p.area_code.slice(0, 6));
      expect(isValidMobile(a.vault.decrypt(p.phone_enc!, 'person.phone'))).toBe(true);
    }
    for (const e of await a.db.selectFrom('enterprises').select('uscc').execute())
      expect(isValidUscc(e.uscc)).toBe(true);
  });

  it('places every house inside the grid it is filed under, and the demo villages have data', async () => {
    const r = await sql<{
      n: string;
    }>`select count(*) n from houses where area_code like '330302006044%'`.execute(a.db);
    expect(Number(r.rows[0]!.n)).toBeGreaterThan(0);
    const { locate } = await import('../../core/areas/areas.service.ts');
    const houses = await a.db.selectFrom('houses').select(['lng', 'lat', 'area_code']).limit(25).execute();
    for (const h of houses) expect((await locate(a.db, h.lng!, h.lat!)).at(-1)?.code).toBe(h.area_code);
    expect((await verifyAuditChain(a.db)).ok).toBe(true);
  });
});

describe('demo matters', () => {
  const matters = (k: Kernel) => k.db.selectFrom('matters').selectAll().orderBy('id').execute();
  const timelines = async (k: Kernel) => {
    const rows = await k.db.selectFrom('matter_timeline').selectAll().orderBy('id').execute();
    const by = new Map<string, typeof rows>();
    for (const r of rows) by.set(r.matter_id, [...(by.get(r.matter_id) ?? []), r]);
    return by;
  };

  it('are deterministic: the same seed gives the same matters, timelines and counters', async () => {
    const snapshot = async (k: Kernel) => ({
      matters: await matters(k),
      timeline: await k.db.selectFrom('matter_timeline').selectAll().orderBy('id').execute(),
      counters: await k.db.selectFrom('matter_counters').selectAll().orderBy('prefix').execute(),
    });
    const [sa, sb] = await Promise.all([snapshot(a), snapshot(b)]);
    expect(sa.matters).toHaveLength(SMALL.matters);
    // updated_at is the last step, not the time of the insert.
    expect(sa).toEqual(sb);
  });

  it('are numbered SJ-<county>-<day>-<seq> in the order reported, and the counters continue the sequences', async () => {
    const rows = await matters(a);
    const seqs = new Map<string, number[]>();
    for (const m of rows) {
      const match = /^SJ-(\d{6})-(\d{8})-(\d{4})$/.exec(m.number);
      expect(match, m.number).not.toBeNull();
      expect(match![1]).toBe(m.area_code.slice(0, 6));
      expect(match![2]).toBe(cstDate(m.created_at).replaceAll('-', ''));
      const prefix = m.number.slice(0, -5);
      seqs.set(prefix, [...(seqs.get(prefix) ?? []), Number(match![3])]);
    }
    expect(new Set(rows.map((m) => m.number)).size).toBe(rows.length);
    // ids follow the time of report, so each day's numbers run 1, 2, 3… in id order.
    for (const list of seqs.values()) expect(list).toEqual(list.map((_, i) => i + 1));
    const counters = await a.db.selectFrom('matter_counters').selectAll().execute();
    expect(Object.fromEntries(counters.map((c) => [c.prefix, c.n]))).toEqual(
      Object.fromEntries([...seqs].map(([p, l]) => [p, l.length])),
    );
  });

  it('have timelines in time order that follow the workflow, closed ones ending with 办结 or 不予受理', async () => {
    const rows = await matters(a);
    const by = await timelines(a);
    for (const m of rows) {
      const t = by.get(m.id)!;
      expect(t[0]).toMatchObject({ action: 'create', to_status: 'reported', at: m.created_at });
      for (let i = 1; i < t.length; i++) {
        expect(t[i]!.at.getTime()).toBeGreaterThanOrEqual(t[i - 1]!.at.getTime());
        expect(t[i]!.from_status, `${m.number} ${t[i]!.action}`).toBe(t[i - 1]!.to_status);
      }
      expect(t.at(-1)!.to_status).toBe(m.status);
      expect(m.version).toBe(t.length);
      expect(m.updated_at).toEqual(t.at(-1)!.at);
      expect(m.search_tokens).toEqual(indexTokens(m.title, m.description));
      if (m.closed) {
        expect(t.at(-1)!.action).toBe(m.status === 'closed' ? 'close' : 'reject');
        expect(m.closed_at).toEqual(t.at(-1)!.at);
        expect(m.due_at).toBeNull();
      } else {
        expect(m.closed_at).toBeNull();
        expect(m.created_at.getTime()).toBeLessThanOrEqual(DEMO_REFERENCE_DATE.getTime());
      }
    }
    const statuses = new Set(rows.map((m) => m.status));
    for (const s of ['closed', 'rejected', 'reported', 'handling']) expect(statuses).toContain(s);
  });

  it('carry the deadline clock as it stands at the reference date: one 督办 for each overdue matter', async () => {
    const rows = await matters(a);
    const by = await timelines(a);
    const ref = DEMO_REFERENCE_DATE.getTime();
    const areas = new Map(
      (await a.db.selectFrom('areas').select(['code', 'parent_code']).execute()).map((x) => [x.code, x]),
    );
    let overdue = 0;
    for (const m of rows.filter((x) => !x.closed)) {
      const automatic = by
        .get(m.id)!
        .filter((e) => e.action === 'supervise' && (e.data as { automatic?: boolean }).automatic);
      expect(m.due_at).not.toBeNull();
      if (m.deadline_state === 'overdue') {
        overdue++;
        expect(m.due_at!.getTime()).toBeLessThanOrEqual(ref);
        expect(automatic, m.number).toHaveLength(1);
        expect(automatic[0]!.at.getTime()).toBeGreaterThan(m.due_at!.getTime());
        const handling = m.assignee_area_code ?? m.dispatcher_area_code!;
        expect(m.escalated_to).toBe(areas.get(handling)!.parent_code);
        expect(automatic[0]!.data).toMatchObject({ escalatedTo: m.escalated_to });
      } else {
        expect(m.due_at!.getTime()).toBeGreaterThan(ref);
        expect(m.deadline_state).toBe(m.warn_at!.getTime() <= ref ? 'warning' : 'normal');
        expect(m.escalated_to).toBeNull();
        expect(automatic).toHaveLength(0);
      }
    }
    expect(overdue).toBeGreaterThan(0);
  });

  it('are filed at real grids or villages, dispatched by their town, with one audit entry for the lot', async () => {
    const r = await sql<{ level: number | null; n: string }>`
      select a.level, count(*) n from matters m left join areas a on a.code = m.area_code group by a.level`.execute(
      a.db,
    );
    expect(r.rows.every((x) => x.level === 4 || x.level === 5)).toBe(true);
    const towns = await sql<{ n: string }>`
      select count(*) n from matters m join areas t on t.code = m.dispatcher_area_code
      where t.level <> 3 or m.area_code not like substr(t.code, 1, 9) || '%'`.execute(a.db);
    expect(Number(towns.rows[0]!.n)).toBe(0);
    const { locate } = await import('../../core/areas/areas.service.ts');
    const placed = await a.db
      .selectFrom('matters')
      .select(['lng', 'lat', 'area_code'])
      .where('lng', 'is not', null)
      .limit(10)
      .execute();
    for (const m of placed) expect((await locate(a.db, m.lng!, m.lat!)).at(-1)?.code).toBe(m.area_code);
    const entries = await a.db
      .selectFrom('audit_log')
      .select(['new_values'])
      .where('action', '=', 'seed.demo_matters')
      .execute();
    expect(entries).toHaveLength(1);
    expect(entries[0]!.new_values).toMatchObject({ matters: SMALL.matters });
  });

  it('give the demo town centre open matters of 鼓楼社区 and 墨池社区 in its queue', async () => {
    const u = await a.db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', 'town.wuma')
      .executeTakeFirstOrThrow();
    const actor = makeActor({
      id: u.id,
      username: u.username,
      displayName: u.display_name,
      roles: u.roles.filter(isRole),
      areaCode: u.area_code,
      departmentCode: u.department_code,
    });
    const queue = await listMatters(a.db, actor, { closed: false, sort: 'due_asc', limit: 200 });
    const demoVillages = queue.items.filter((m) => /^33030200604[45]/.test(m.areaCode));
    expect(demoVillages.length).toBeGreaterThan(0);
    expect(queue.items.every((m) => !m.closed)).toBe(true);
  });
});
