import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../src/cli/seed/demo.ts';
import { MODELS } from '../../src/modules/alert/models/index.ts';
import { defineModel, type Signal } from '../../src/modules/alert/runtime/model.ts';
import { applySignals } from '../../src/modules/alert/runtime/runtime.ts';
import { announceBrowserSkip, hasChromium } from '../../src/testing/browser.ts';
import { login } from '../../src/testing/harness.ts';
import { type E2E, startE2E } from './harness.ts';

announceBrowserSkip('web/e2e/screen.e2e.test.ts');

/** Every wait is bounded: a step that does not happen fails the test instead of hanging it. */
const STEP = 30_000;
/** A write, its event over SSE, the screen's 1 s debounce and its refetch: slower on a busy 2-core machine. */
const LIVE = 30_000;
const GULOU = '330302006044';

/**
 * 指挥大屏 in Chromium against the real server, at 1920×1080: the commander opens /screen (outside the
 * console's frame), the panels render with the figures the API gives — counts, KPIs, the trend, the ticker,
 * the map with the city's districts and a dispatched 指令 task — and, without a reload, a matter reported
 * elsewhere raises today's count, a red alert raised by a model tops the ticker, and the task, signed for,
 * reported back, verified and closed by others through the API, leaves the map and the list while today's
 * closed tasks go up.
 */
describe.runIf(hasChromium)('指挥大屏 in the browser: panels, live counts, ticker and a task closing', () => {
  let e2e: E2E;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  const stamp = Date.now().toString(36);
  let task = { id: '', number: '' };
  let cookies: Record<string, string> = {};

  const open = async (username: string) => {
    const s = await e2e.newPage({ width: 1920, height: 1080 });
    contexts.push(s.context);
    s.page.on('pageerror', (e) => pageErrors.push(`${username}: ${e.message}`));
    await e2e.login(s.page, username);
    return s;
  };
  const num = async (page: Page, testId: string) =>
    Number(await page.getByTestId(testId).first().textContent());
  const rendered = async (page: Page): Promise<Record<string, number>> => {
    const v = await page.getByTestId('screen-map').getAttribute('data-rendered');
    return v ? (JSON.parse(v) as Record<string, number>) : {};
  };
  const api = async (who: string, method: 'GET' | 'POST', url: string, payload?: unknown) => {
    const res = await e2e.t.app.inject({
      method,
      url,
      headers: { cookie: cookies[who]! },
      ...(payload ? { payload: payload as Record<string, unknown> } : {}),
    });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json() as Record<string, unknown>;
  };
  const step = async (who: string, action: string, fields: Record<string, string> = {}) => {
    const m = await api(who, 'GET', `/api/matters/${task.id}`);
    await api(who, 'POST', `/api/matters/${task.id}/transitions`, { action, version: m.version, ...fields });
  };

  beforeAll(async () => {
    e2e = await startE2E();
    const db = e2e.t.kernel.db;
    cookies = {
      commander: await login(e2e.t.app, 'commander', DEMO_PASSWORD),
      town: await login(e2e.t.app, 'town.wuma', DEMO_PASSWORD),
      grid: await login(e2e.t.app, 'grid.gulou', DEMO_PASSWORD),
    };
    // A 指令 task from an open matter of 五马街道 to the town's centre, dispatched by the city's commander.
    const town = await db
      .selectFrom('users')
      .select(['area_code'])
      .where('username', '=', 'town.wuma')
      .executeTakeFirstOrThrow();
    const source = await db
      .selectFrom('matters')
      .select(['id'])
      .where('type', '=', 'event')
      .where('closed', '=', false)
      .where('area_code', 'like', '330302006%')
      .where('lng', 'is not', null)
      .orderBy('id')
      .limit(1)
      .executeTakeFirstOrThrow();
    const t = await api('commander', 'POST', `/api/matters/${source.id}/tasks`, {
      assignee: { department: 'zongzhi', areaCode: town.area_code },
      instructions: `大屏测试指令${stamp}：请立即到场核实并反馈处置情况。`,
      deadline: new Date(Date.now() + 2 * 3_600_000).toISOString(),
    });
    task = { id: String(t.id), number: String(t.number) };
  }, 180_000);
  afterEach(() => {
    expect(pageErrors.splice(0)).toEqual([]);
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await e2e?.close();
  });

  it('renders the panels at 1920×1080 with the API’s figures, and follows the data live without a reload', async () => {
    const { page } = await open('commander');
    await page.goto(`${e2e.base}/screen`);
    await page
      .getByTestId('screen-title')
      .filter({ hasText: '温州市社会治理指挥中心' })
      .waitFor({ timeout: STEP });
    // Outside the console's frame: no menu.
    expect(await page.locator('.ant-layout-sider, .ant-menu').count()).toBe(0);
    await page.locator('[data-testid=screen-live][data-state=live]').waitFor({ timeout: STEP });
    for (const id of [
      'panel-counts',
      'panel-kpis',
      'panel-open',
      'panel-map',
      'panel-trend',
      'panel-ticker',
      'panel-tasks',
    ])
      await page.getByTestId(id).waitFor({ timeout: STEP });

    // The figures are the API's, for the same user.
    const s = await api('commander', 'GET', '/api/screen/summary');
    const counts = s.counts as {
      today: { matters: number; tasksDispatched: number };
      month: { matters: number };
    };
    expect(await num(page, 'count-today-matters')).toBe(counts.today.matters);
    expect(await num(page, 'count-month-matters')).toBe(counts.month.matters);
    expect(await num(page, 'count-today-dispatched')).toBeGreaterThanOrEqual(1);
    expect(await num(page, 'open-tasks')).toBe((s.open as { tasks: number }).tasks);
    expect(await page.getByTestId('kpi-resolution-value').textContent()).toMatch(/^(\d+\.\d%|—)$/);
    expect(await page.getByTestId('screen-trend').locator('canvas').count()).toBeGreaterThan(0);
    const taskRow = page.locator('[data-testid=screen-task]').filter({ hasText: task.number });
    await taskRow.waitFor({ timeout: STEP });

    // The map: districts drawn, and the task's dot on it.
    await expect
      .poll(async () => (await rendered(page))['screen-area-fill-2'] ?? 0, {
        timeout: STEP,
        message: 'districts drawn',
      })
      .toBeGreaterThan(0);
    await expect
      .poll(async () => (await rendered(page))['screen-tasks'] ?? 0, {
        timeout: STEP,
        message: 'the task on the map',
      })
      .toBeGreaterThan(0);
    const tasksOnMap = (await rendered(page))['screen-tasks']!;
    await e2e.shot(page, 'screen-1920x1080');

    // The page is never reloaded from here on: a marker on the window would be lost by a reload.
    await page.evaluate(() => {
      (globalThis as unknown as { __noReload: boolean }).__noReload = true;
    });
    const noReload = () =>
      page.evaluate(() => (globalThis as unknown as { __noReload?: boolean }).__noReload === true);

    // A grid worker reports a matter: today's count goes up.
    const before = await num(page, 'count-today-matters');
    await api('grid', 'POST', '/api/matters', {
      type: 'event',
      title: `大屏实时测试 ${stamp}`,
      areaCode: `${GULOU}001`,
    });
    await expect
      .poll(() => num(page, 'count-today-matters'), {
        timeout: LIVE,
        message: 'the new matter reaches the screen',
      })
      .toBe(before + 1);

    // A model raises a red alert: it tops the ticker and today's red count goes up.
    const redBefore = await num(page, 'count-today-red');
    const title = `大屏测试红色预警（${stamp}）`;
    const base = MODELS[0]!;
    const model = defineModel({ ...base, evaluate: async () => [] });
    const signal: Signal = {
      key: `e2e:screen:${stamp}`,
      window: 'open',
      score: 95,
      title,
      areaCode: GULOU,
      point: null,
      subjects: [],
      factors: [{ code: 'test', name: { zh: '测试', en: 'Test' }, weight: 95, detail: '测试', records: [] }],
    };
    const db = e2e.t.kernel.db;
    const applied = await db.transaction().execute((tx) => applySignals(tx, model, 1, [signal], new Date()));
    expect(applied.raised).toBe(1);
    for (const ev of applied.events) await e2e.t.kernel.events.publish(ev);
    const first = page.getByTestId('ticker-item').first();
    await expect
      .poll(() => first.textContent(), { timeout: LIVE, message: 'the alert reaches the ticker' })
      .toContain(title);
    expect(await first.getAttribute('data-level')).toBe('red');
    expect(await num(page, 'count-today-red')).toBe(redBefore + 1);

    // The task closes elsewhere: 签收 → 到场 → 反馈 by the town, 核查 → 办结 by the commander.
    const closedBefore = await num(page, 'count-today-tasksClosed');
    await step('town', 'sign');
    await expect
      .poll(() => taskRow.getAttribute('data-status'), { timeout: LIVE, message: '签收 reaches the list' })
      .toBe('signed');
    await step('town', 'arrive');
    await step('town', 'feedback', { result: '已到场核实，现场秩序正常。' });
    await step('commander', 'verify', { note: '核查属实。' });
    await step('commander', 'close');
    await expect
      .poll(() => num(page, 'count-today-tasksClosed'), {
        timeout: LIVE,
        message: 'the closed task is counted',
      })
      .toBe(closedBefore + 1);
    await taskRow.waitFor({ state: 'detached', timeout: LIVE });
    await expect
      .poll(async () => (await rendered(page))['screen-tasks'] ?? 0, {
        timeout: LIVE,
        message: 'the task leaves the map',
      })
      .toBe(tasksOnMap - 1);
    expect(await noReload()).toBe(true);
    await e2e.shot(page, 'screen-after-live');
  }, 240_000);

  it('narrows to a sub-area, refuses one outside the scope, and switches to English', async () => {
    const { page } = await open('town.wuma');
    await page.goto(`${e2e.base}/screen`);
    await page
      .getByTestId('screen-title')
      .filter({ hasText: '五马街道社会治理指挥中心' })
      .waitFor({ timeout: STEP });
    await page.goto(`${e2e.base}/screen?area=330302023000`); // 七都街道: another town
    await page
      .getByTestId('screen-error')
      .filter({ hasText: '不在您的管辖范围内' })
      .waitFor({ timeout: STEP });
    await page.goto(`${e2e.base}/screen?area=${GULOU}`);
    await page.getByTestId('screen-title').filter({ hasText: '鼓楼社区' }).waitFor({ timeout: STEP });
    await page.getByTestId('lang-switch').click();
    await page
      .getByTestId('screen-title')
      .filter({ hasText: 'Governance Command Centre' })
      .waitFor({ timeout: STEP });
    await page.getByText('Key figures').waitFor({ timeout: STEP });
    await page.getByTestId('lang-switch').click();
    await page
      .getByTestId('screen-title')
      .filter({ hasText: '鼓楼社区社会治理指挥中心' })
      .waitFor({ timeout: STEP });

    // Other window sizes: the whole screen scales, nothing spills out of the window.
    for (const size of [
      { width: 1920, height: 1080 },
      { width: 1366, height: 768 },
      { width: 2560, height: 1080 },
    ]) {
      await page.setViewportSize(size);
      await page.getByTestId('panel-tasks').waitFor({ timeout: STEP });
      const fit = await page.evaluate(() => {
        const d = (
          globalThis as unknown as {
            document: {
              querySelectorAll(
                s: string,
              ): ArrayLike<{ getBoundingClientRect(): { right: number; bottom: number } }>;
            };
          }
        ).document;
        const panels = Array.from(d.querySelectorAll('[data-testid^=panel-]'));
        const g = globalThis as unknown as { innerWidth: number; innerHeight: number };
        return {
          right: Math.max(...panels.map((p) => p.getBoundingClientRect().right)),
          bottom: Math.max(...panels.map((p) => p.getBoundingClientRect().bottom)),
          width: g.innerWidth,
          height: g.innerHeight,
        };
      });
      expect(fit.right, `${size.width}×${size.height}`).toBeLessThanOrEqual(fit.width);
      expect(fit.bottom, `${size.width}×${size.height}`).toBeLessThanOrEqual(fit.height);
      if (size.width === 1366) await e2e.shot(page, 'screen-1366x768');
    }
  }, 120_000);
});
