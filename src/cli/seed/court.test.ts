import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../core/access/actor.ts';
import { locate } from '../../core/areas/areas.service.ts';
import { readBuiltinAreas } from '../../core/areas/builtin.ts';
import type { Kernel } from '../../core/kernel.ts';
import { createMatter } from '../../core/matters/matters.service.ts';
import { isValidMobile } from '../../core/subjects/codes.ts';
import { chinaDay, chinaMinutes, hhmmToMinutes, isoWeekday } from '../../modules/court/court.shared.ts';
import { kdb } from '../../modules/court/court.tables.ts';
import { LIAISON_AAD } from '../../modules/court/courts.service.ts';
import { VISIT_AAD } from '../../modules/court/stations.service.ts';
import { openTestKernel } from '../../testing/harness.ts';
import { type CourtSeedCounts, seedCourtDemo } from './court.ts';

/** The demo's courts and stations: in real villages, with valid encrypted phones and bookable slots. */
let k: Kernel;
let counts: CourtSeedCounts;
beforeAll(async () => {
  k = await openTestKernel();
  const sys = systemActor('test');
  await k.db.transaction().execute(async (tx) => {
    for (let i = 0; i < 12; i++) {
      await createMatter(tx, sys, {
        type: 'event',
        category: 'dispute',
        title: `鼓楼社区纠纷${i}`,
        areaCode: '330302006044',
      });
    }
  });
  const areas = await readBuiltinAreas();
  counts = await k.db
    .transaction()
    .execute((tx) => seedCourtDemo(tx, k.vault, areas, { size: { courts: 60, stations: 80 } }));
}, 120_000);
afterAll(async () => {
  await k?.close();
});

describe('court demo seed', () => {
  it('places the courts and stations at points inside their own areas, the demo logins’ areas first', async () => {
    expect(counts).toMatchObject({ courts: 60, stations: 80 });
    const courts = await kdb(k.db).selectFrom('court_courts').selectAll().orderBy('id').execute();
    expect(courts.slice(0, 3).map((c) => c.area_code)).toEqual([
      '330302006044',
      '330302006045',
      '330302006000',
    ]);
    for (const c of courts) {
      const chain = await locate(k.db, c.lng!, c.lat!);
      expect(
        chain.map((a) => a.code),
        c.name,
      ).toContain(c.area_code);
      expect(isValidMobile(k.vault.decrypt(c.liaison_phone_enc!, LIAISON_AAD))).toBe(true);
    }
    // Joined the registry over the roll-out since 2021, a month before now at the latest.
    const joined = courts.map((c) => new Date(c.created_at).getTime());
    expect(Math.min(...joined)).toBeGreaterThanOrEqual(Date.UTC(2021, 0, 1));
    expect(Math.max(...joined)).toBeLessThanOrEqual(Date.now() - 29 * 86_400_000);
    expect(new Set(joined.map((t) => new Date(t).getUTCFullYear())).size).toBeGreaterThanOrEqual(3);
    const stations = await kdb(k.db)
      .selectFrom('court_stations')
      .select(['area_code', 'lng', 'lat'])
      .execute();
    for (const s of stations.slice(0, 20)) {
      expect((await locate(k.db, s.lng!, s.lat!)).map((a) => a.code)).toContain(s.area_code);
    }
  });

  it('books only real slots: weekdays, within the hours, on the grid', async () => {
    const rows = await kdb(k.db)
      .selectFrom('court_bookings as b')
      .innerJoin('court_courts as c', 'c.id', 'b.court_id')
      .select(['b.starts_at', 'b.ends_at', 'c.open_from', 'c.open_to', 'c.slot_minutes'])
      .execute();
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      const start = new Date(r.starts_at);
      const m = chinaMinutes(start);
      expect(isoWeekday(chinaDay(start))).toBeLessThanOrEqual(5);
      expect(m).toBeGreaterThanOrEqual(hhmmToMinutes(r.open_from));
      expect(m + r.slot_minutes).toBeLessThanOrEqual(hhmmToMinutes(r.open_to));
      expect((m - hhmmToMinutes(r.open_from)) % r.slot_minutes).toBe(0);
    }
  });

  it('refers seeded disputes, with timeline entries and encrypted visit records', async () => {
    expect(counts.referrals).toBeGreaterThan(0);
    const refs = await kdb(k.db).selectFrom('court_referrals').select('source_matter_id').execute();
    const tl = await k.db
      .selectFrom('matter_timeline')
      .select('matter_id')
      .where('action', '=', 'psych_referral')
      .execute();
    expect(tl.map((x) => x.matter_id).sort()).toEqual(refs.map((x) => x.source_matter_id).sort());
    for (const v of await kdb(k.db).selectFrom('court_visits').select('content_enc').execute()) {
      expect(k.vault.decrypt(v.content_enc, VISIT_AAD).length).toBeGreaterThan(5);
    }
  });
});
