import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distanceM, EARTH_RADIUS_M } from '../../src/modules/patrol/patrol.geo.ts';
import { pdb } from '../../src/modules/patrol/patrol.tables.ts';
import { announceBrowserSkip, hasChromium } from '../../src/testing/browser.ts';
import { type E2E, startE2E } from './harness.ts';

announceBrowserSkip('web/e2e/patrol.e2e.test.ts');

/** Every wait is bounded: a step that does not happen fails the test instead of hanging it. */
const STEP = 15_000;
/** A server round trip that writes: slower on a busy 2-core machine. */
const WRITE = 30_000;
const PHONE = { width: 390, height: 844 };

const waitText = (l: Locator, text: string | RegExp, timeout = STEP) =>
  l.filter({ hasText: text }).first().waitFor({ timeout });

/**
 * 平安乐巡 on a phone (390×844) in Chromium against the real server: the demo's 鼓楼 grid worker leads the
 * village's red-armband team; they start a patrol of its standing route, check in at the first check point
 * with the browser's location (Playwright's geolocation, permission granted), are refused at the next one from
 * ~900 m away with the distance the server measured, report a finding that becomes a matter, and end the
 * patrol, which the leaderboard then counts.
 */
describe.runIf(hasChromium)(
  '平安乐巡 on a phone: start, check in, refused from far away, finding, end',
  () => {
    let e2e: E2E;
    let page: Page;
    let context: BrowserContext;
    const pageErrors: string[] = [];

    beforeAll(async () => {
      e2e = await startE2E();
      const s = await e2e.newPage(PHONE);
      page = s.page;
      context = s.context;
      await context.grantPermissions(['geolocation'], { origin: e2e.base });
      page.on('pageerror', (e) => pageErrors.push(e.message));
      await e2e.login(page, 'grid.gulou');
    }, 240_000);

    afterAll(async () => {
      await context?.close();
      await e2e?.close();
    });

    /** The check points of the user's active session, in order, read from the database. */
    async function activeCheckpoints() {
      const db = pdb(e2e.t.kernel.db);
      const s = await db
        .selectFrom('patrol_sessions as s')
        .innerJoin('patrol_session_members as sm', 'sm.session_id', 's.id')
        .innerJoin('patrol_members as m', 'm.id', 'sm.member_id')
        .innerJoin('users as u', 'u.id', 'm.user_id')
        .select(['s.id', 's.task_id'])
        .where('u.username', '=', 'grid.gulou')
        .where('sm.active', '=', true)
        .executeTakeFirstOrThrow();
      const cps = await db
        .selectFrom('patrol_checkpoints')
        .selectAll()
        .where('task_id', '=', s.task_id)
        .orderBy('seq')
        .execute();
      return { sessionId: s.id, cps };
    }

    it('starts a patrol, checks in at the first check point, and is refused far from the next with the distance', async () => {
      await page.goto(`${e2e.base}/patrol/session`);
      const start = page.getByTestId('session-start').first();
      await start.waitFor({ timeout: STEP });
      await start.click();
      const card = page.getByTestId('session-card');
      await card.waitFor({ timeout: WRITE });
      const { sessionId, cps } = await activeCheckpoints();
      expect(cps.length).toBe(4);

      // At the first check point (5 m off, 10 m accuracy): accepted.
      const m = (EARTH_RADIUS_M * Math.PI) / 180;
      await context.setGeolocation({ latitude: cps[0]!.lat + 5 / m, longitude: cps[0]!.lng, accuracy: 10 });
      await page.getByTestId('checkin-next').click();
      await page
        .locator('[data-testid="checkpoint-item"][data-done="true"]')
        .first()
        .waitFor({ timeout: WRITE });
      expect(await page.locator('[data-testid="checkpoint-item"][data-done="true"]').count()).toBe(1);

      // About 900 m north of the second: refused, with the distance the server measured.
      const far = { lat: cps[1]!.lat + 900 / m, lng: cps[1]!.lng };
      await context.setGeolocation({ latitude: far.lat, longitude: far.lng, accuracy: 10 });
      await page.getByTestId('checkin-next').click();
      const refused = page.getByTestId('checkin-refused');
      await refused.waitFor({ timeout: WRITE });
      const expected = Math.round(distanceM(far, { lng: cps[1]!.lng, lat: cps[1]!.lat }));
      await waitText(refused, `${expected} 米`);
      await waitText(refused, `超出 ${cps[1]!.radius_m} 米范围`);
      expect(await page.locator('[data-testid="checkpoint-item"][data-done="true"]').count()).toBe(1);
      const saved = await pdb(e2e.t.kernel.db)
        .selectFrom('patrol_checkins')
        .select('checkpoint_id')
        .where('session_id', '=', sessionId)
        .execute();
      expect(saved.map((r) => r.checkpoint_id)).toEqual([cps[0]!.id]);
      await e2e.shot(page, 'patrol-session-390');
    }, 180_000);

    it('reports a finding as a matter and ends the patrol, which then counts as one 人次', async () => {
      const { sessionId, cps } = await activeCheckpoints();
      await context.setGeolocation({ latitude: cps[1]!.lat, longitude: cps[1]!.lng, accuracy: 12 });
      await page.getByTestId('finding-title').fill('巷口路灯不亮（测试）');
      await page.getByTestId('finding-submit').click();
      const item = page.getByTestId('finding-item');
      await waitText(item, '巷口路灯不亮（测试）', WRITE);
      await waitText(item, /SJ-/);
      const f = await pdb(e2e.t.kernel.db)
        .selectFrom('patrol_findings as f')
        .innerJoin('matters as mt', 'mt.id', 'f.matter_id')
        .select(['mt.title', 'mt.source_channel'])
        .where('f.session_id', '=', sessionId)
        .executeTakeFirstOrThrow();
      expect(f).toEqual({ title: '巷口路灯不亮（测试）', source_channel: 'patrol' });

      await page.getByTestId('session-end').click();
      await page.getByTestId('session-start').first().waitFor({ timeout: WRITE });
      const ended = await pdb(e2e.t.kernel.db)
        .selectFrom('patrol_sessions')
        .select('ended_at')
        .where('id', '=', sessionId)
        .executeTakeFirstOrThrow();
      expect(ended.ended_at).not.toBeNull();

      await page.goto(`${e2e.base}/patrol/leaderboard`);
      await page.getByTestId('leaderboard').waitFor({ timeout: STEP });
      await waitText(page.getByTestId('leaderboard'), '鼓楼社区');
      await e2e.shot(page, 'patrol-leaderboard-390');
      // A grid worker ranks but does not set the rules.
      expect(await page.getByTestId('patrol-rules-edit').count()).toBe(0);
      expect(pageErrors).toEqual([]);
    }, 120_000);

    it('an administrator changes the points per 人次 (audited) and the leaderboard shows the new rule', async () => {
      const s = await e2e.newPage();
      const admin = s.page;
      admin.on('pageerror', (e) => pageErrors.push(e.message));
      await e2e.login(admin, 'admin');
      await admin.goto(`${e2e.base}/patrol/leaderboard`);
      await admin.getByTestId('leaderboard').waitFor({ timeout: STEP });
      await admin.getByTestId('patrol-rules-edit').click();
      const perSession = admin.getByTestId('rule-session');
      await perSession.waitFor({ timeout: STEP });
      await perSession.fill('12');
      await admin.getByRole('button', { name: /确\s*定|OK/ }).click();
      await waitText(admin.locator('body'), '完成一次巡逻（每人次） 12');
      const rule = await pdb(e2e.t.kernel.db)
        .selectFrom('patrol_point_rules')
        .select('points')
        .where('code', '=', 'session')
        .executeTakeFirstOrThrow();
      expect(rule.points).toBe(12);
      const audited = await e2e.t.kernel.db
        .selectFrom('audit_log')
        .select('action')
        .where('action', '=', 'patrol.rules')
        .execute();
      expect(audited.length).toBeGreaterThan(0);
      await e2e.shot(admin, 'patrol-rules');
      await s.context.close();
      expect(pageErrors).toEqual([]);
    }, 90_000);
  },
);
