import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import type { MultiPolygon, Polygon } from 'geojson';
import type { BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { distanceToGridM, offsetPoint } from '../../src/modules/grid/grid.geo.ts';
import { gdb } from '../../src/modules/grid/grid.tables.ts';
import { announceBrowserSkip, hasChromium } from '../../src/testing/browser.ts';
import { type E2E, startE2E, submitStepForm } from './harness.ts';

announceBrowserSkip('web/e2e/grid.e2e.test.ts');

const STEP = 15_000;
const WRITE = 30_000;
const GULOU = '330302006044';

/**
 * 网格 in Chromium on a phone (375×812) against the real server and the demo seed: grid.gulou — 网格长 of the
 * first grid of 鼓楼社区 — checks in with the location the browser context grants, inside the grid's polygon;
 * logs a visit with a finding and turns it into a matter in one tap; a second attempt from 1.5 km away is
 * refused with the distance shown; the town centre dispatches a task from that matter to them, and the task is
 * in their 待办 on the phone, where they sign for it. The town centre then sees the two-100% report and the
 * grid's roster.
 */
describe.runIf(hasChromium)('网格 in the browser: 入格 on a phone, finding → matter, the report', () => {
  let e2e: E2E;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  let grid = '';
  let geometry: Polygon | MultiPolygon;
  let inside = { lng: 0, lat: 0 };

  beforeAll(async () => {
    e2e = await startE2E();
    const db = e2e.t.kernel.db;
    const leader = await gdb(db)
      .selectFrom('grid_members as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .innerJoin('areas as a', 'a.code', 'm.area_code')
      .select(['m.area_code', 'a.geometry', 'a.min_lng', 'a.min_lat', 'a.max_lng', 'a.max_lat'])
      .where('u.username', '=', 'grid.gulou')
      .where('m.role', '=', 'leader')
      .executeTakeFirstOrThrow();
    grid = leader.area_code;
    expect(grid.startsWith(GULOU)).toBe(true);
    geometry = leader.geometry as unknown as Polygon;
    // The lattice point of the grid's box nearest its middle that lies inside the polygon.
    let best = Number.POSITIVE_INFINITY;
    for (let i = 1; i < 20; i++) {
      for (let j = 1; j < 20; j++) {
        const p = {
          lng: leader.min_lng! + ((leader.max_lng! - leader.min_lng!) * i) / 20,
          lat: leader.min_lat! + ((leader.max_lat! - leader.min_lat!) * j) / 20,
        };
        const d = Math.hypot(i - 10, j - 10);
        if (d < best && booleanPointInPolygon([p.lng, p.lat], geometry)) {
          best = d;
          inside = p;
        }
      }
    }
  });
  afterEach(() => {
    expect(pageErrors.splice(0)).toEqual([]);
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await e2e?.close();
  });

  it('a grid leader checks in inside the grid, reports a finding, is refused from outside with the distance, and signs for a task', async () => {
    const { page, context } = await e2e.newPage({ width: 375, height: 812 });
    contexts.push(context);
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await context.grantPermissions(['geolocation'], { origin: e2e.base });
    // A real receiver reports its accuracy; the server refuses a fix claiming exactly 0 m (Playwright's default).
    await context.setGeolocation({ latitude: inside.lat, longitude: inside.lng, accuracy: 12 });
    await e2e.login(page, 'grid.gulou');
    await page.getByTestId('nav-grid-checkin').click();
    await page.waitForURL(/\/grid\/checkin$/);
    const card = page.getByTestId('checkin-card');
    await card.waitFor({ timeout: STEP });
    await page.getByTestId('checkin-button').click();
    await page.getByTestId('checkin-done').waitFor({ timeout: WRITE });
    await expect(page.getByTestId('checkin-done').textContent()).resolves.toMatch(/今日已入格/);
    await expect(page.getByTestId('checkin-done').textContent()).resolves.toContain('定位在网格内');
    await e2e.shot(page, 'grid-checkin-done');

    // The visit log, and the finding turned into a matter in one tap.
    await page.getByTestId('visit-findings').fill('解放街口路灯损坏，夜间行人有摔倒风险');
    await page.getByTestId('visit-save').click();
    await page.getByTestId('visit-item').first().waitFor({ timeout: WRITE });
    await page.getByTestId('visit-to-matter').click();
    const link = page.getByTestId('visit-matter');
    await link.waitFor({ timeout: WRITE });
    await expect(link.textContent()).resolves.toMatch(/SJ-\d{6}-\d{8}-\d{4}/);
    const matter = await e2e.t.kernel.db
      .selectFrom('matters')
      .select(['title', 'area_code', 'source_channel'])
      .where('source_channel', '=', 'grid_visit')
      .executeTakeFirstOrThrow();
    expect(matter).toEqual({
      title: '解放街口路灯损坏，夜间行人有摔倒风险',
      area_code: grid,
      source_channel: 'grid_visit',
    });
    await e2e.shot(page, 'grid-visit-matter');

    // From 1.5 km east: refused, with the distance to the grid's edge.
    const far = offsetPoint(inside, 0, 1500);
    const expected = Math.round(distanceToGridM(far, geometry));
    expect(expected).toBeGreaterThan(100);
    await context.setGeolocation({ latitude: far.lat, longitude: far.lng, accuracy: 12 });
    await page.getByTestId('checkin-button').click();
    const refused = page.getByTestId('checkin-refused');
    await refused.waitFor({ timeout: WRITE });
    await expect(refused.textContent()).resolves.toContain(`距网格边界 ${expected} 米`);
    await e2e.shot(page, 'grid-checkin-refused');
    const count = await gdb(e2e.t.kernel.db)
      .selectFrom('grid_checkins as c')
      .innerJoin('grid_members as m', 'm.id', 'c.member_id')
      .select('c.id')
      .where('m.area_code', '=', grid)
      .where('m.role', '=', 'leader')
      .where('c.period_start', '=', new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10))
      .execute();
    expect(count).toHaveLength(1);

    // The town centre sends a task from the finding to this grid worker; it is in their 待办 on the phone.
    const db = e2e.t.kernel.db;
    const source = await db
      .selectFrom('matters')
      .select('id')
      .where('source_channel', '=', 'grid_visit')
      .executeTakeFirstOrThrow();
    const worker = await db
      .selectFrom('users')
      .select('id')
      .where('username', '=', 'grid.gulou')
      .executeTakeFirstOrThrow();
    const town = await e2e.t.userSession({
      username: 'town_grid_e2e',
      role: 'town_center',
      areaCode: '330302006000',
      departmentCode: 'zongzhi',
    });
    const sent = await e2e.t.app.inject({
      method: 'POST',
      url: `/api/matters/${source.id}/tasks`,
      headers: { cookie: town },
      payload: {
        assignee: { userId: worker.id },
        instructions: '请今日内到现场核实路灯损坏情况并拍照反馈',
        deadline: new Date(Date.now() + 86_400_000).toISOString(),
      },
    });
    expect(sent.statusCode, sent.body).toBe(201);
    const task = sent.json() as { number: string };
    await page.getByTestId('nav-todo').click();
    await page.waitForURL(/view=todo/);
    const taskCard = page.getByTestId('matter-card').filter({ hasText: task.number });
    await taskCard.waitFor({ timeout: STEP });
    await e2e.shot(page, 'grid-todo-task');
    await taskCard.click();
    await page.waitForURL(/\/matters\/\d+$/);
    await page.getByText('请今日内到现场核实路灯损坏情况并拍照反馈').first().waitFor({ timeout: STEP });
    await page.getByTestId('action-sign').click();
    await submitStepForm(page, WRITE);
    await page.getByTestId('matter-status').filter({ hasText: '待到场' }).first().waitFor({ timeout: WRITE });
    // Nothing wider than the phone's 375 px.
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await e2e.shot(page, 'grid-task-signed');
  });

  it('the town centre sees the two-100% report with the trend and the grid’s roster', async () => {
    const { page, context } = await e2e.newPage();
    contexts.push(context);
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await e2e.login(page, 'town.wuma');
    await page.goto(`${e2e.base}/grid/report?from=2026-11-01`);
    await page.getByTestId('report-share').waitFor({ timeout: STEP });
    await expect(page.getByTestId('report-share').textContent()).resolves.toMatch(/\d+\.\d%/);
    await page.getByTestId('grid-trend').locator('canvas').first().waitFor({ timeout: STEP });
    await page.getByTestId('report-rows').getByText('鼓楼社区').waitFor({ timeout: STEP });
    await e2e.shot(page, 'grid-report');
    await page.goto(`${e2e.base}/grid/roster?area=${grid}`);
    const table = page.getByTestId('roster-table');
    await table.waitFor({ timeout: STEP });
    await table.getByText('网格长').first().waitFor({ timeout: STEP });
    await expect(table.getByTestId('member-phone').first().textContent()).resolves.toMatch(
      /^1\d{2}\*{4}\d{4}$/,
    );
    await e2e.shot(page, 'grid-roster');
  });
});
