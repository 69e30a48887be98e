import { afterAll, beforeAll, expect, it } from 'vitest';
import { seedMediationDemo } from '../../cli/seed/mediation.ts';
import { createTestContext, type TestContext } from '../../testing/harness.ts';
import type { CourtTables } from '../court/court.tables.ts';
import { type MediationTables, mdb } from './mediation.tables.ts';
import { mediationWorkflow } from './mediation.workflow.ts';

/** The demo's mediation cases: every state of the workflow, at all three levels, quickly. */
let t: TestContext;
let town = '';

beforeAll(async () => {
  t = await createTestContext();
  town = await t.userSession({
    username: 'town.wuma',
    role: 'town_center',
    areaCode: '330302006000',
    departmentCode: 'zongzhi',
  });
  await t.userSession({ username: 'mediator.gulou', role: 'mediator', areaCode: '330302006044' });
  await t.userSession({
    username: 'mediator.wuma',
    role: 'mediator',
    areaCode: '330302006000',
    departmentCode: 'justice',
  });
  await t.userSession({ username: 'grid.gulou', role: 'grid_worker', areaCode: '330302006044' });
}, 60_000);

afterAll(async () => {
  await t?.close();
});

// Not timed (benchmarks are not tests): alone on PGlite it takes about 3.5 s, most of it one transaction per step.
it('seeds a case in every state, at village, town and county level', async () => {
  const n = await t.kernel.db
    .transaction()
    .execute((tx) => seedMediationDemo(tx, t.kernel.vault, { seed: 7 }));
  expect(n).toBeGreaterThan(8);
  const rows = await mdb(t.kernel.db)
    .selectFrom('matters')
    .innerJoin('mediation_cases as c', 'c.matter_id', 'matters.id')
    .select(['matters.status', 'c.level'])
    .where('matters.type', '=', 'mediation')
    .execute();
  const states = new Set(rows.map((r) => r.status));
  expect([...states].sort()).toEqual(Object.keys(mediationWorkflow.states).sort());
  const levels = new Set(rows.map((r) => r.level));
  expect([...levels].sort()).toEqual(['county', 'town', 'village']);
});

it('books the 司法确认 slots at the village’s shared court when there is one', async () => {
  const court = await t.app.inject({
    method: 'POST',
    url: '/api/courts',
    headers: { cookie: town },
    payload: {
      name: '鼓楼社区共享法庭',
      kind: 'village',
      areaCode: '330302006044',
      liaison: { name: '王庭务' },
      judge: { name: '李法官', court: '鹿城区人民法院' },
    },
  });
  expect(court.statusCode, court.body).toBe(201);
  await t.kernel.db.transaction().execute((tx) => seedMediationDemo(tx, t.kernel.vault, { seed: 8 }));
  const booked = await t.kernel.db
    .withTables<MediationTables & CourtTables>()
    .selectFrom('mediation_confirmations as c')
    .innerJoin('court_bookings as b', 'b.id', 'c.booking_id')
    .select(['b.kind', 'b.court_id', 'b.matter_id', 'c.matter_id as case_id'])
    .execute();
  // Two demo cases pass through 司法确认 (one stops there, one goes on to 结案).
  expect(booked).toHaveLength(2);
  for (const b of booked) {
    expect(b).toMatchObject({
      kind: 'judicial_confirmation',
      court_id: court.json().id,
      matter_id: b.case_id,
    });
  }
});
