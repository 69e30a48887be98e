import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBuiltinAreas } from '../../core/areas/builtin.ts';
import { verifyAuditChain } from '../../core/audit/audit.ts';
import type { Kernel } from '../../core/kernel.ts';
import { isValidIdCard, isValidMobile, isValidUscc } from '../../core/subjects/codes.ts';
import { openTestKernel } from '../../testing/harness.ts';
import { DEMO_LOGINS, type DemoSize, seedDemo } from './demo.ts';

const SMALL: DemoSize = {
  cityHouses: 150,
  focusHousesPerGrid: 5,
  enterprises: 40,
  cameras: 20,
  hydrants: 10,
  vessels: 5,
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
