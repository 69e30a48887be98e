import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hasFfmpeg, makeTestPattern } from '../../scripts/demo-video.ts';
import { h3Of } from '../../src/core/subjects/common.ts';
import { MODELS } from '../../src/modules/alert/models/index.ts';
import { defineModel, type Signal } from '../../src/modules/alert/runtime/model.ts';
import { applySignals } from '../../src/modules/alert/runtime/runtime.ts';
import { EARTH_RADIUS_M } from '../../src/modules/command/cameras.geo.ts';
import { seedDutyPhones } from '../../src/modules/command/demo/duty-phones.ts';
import { announceBrowserSkip, hasChromium } from '../../src/testing/browser.ts';
import { chooseOption, type E2E, startE2E, submitStepForm } from './harness.ts';

announceBrowserSkip('web/e2e/command.e2e.test.ts');

/** Every wait is bounded: a step that does not happen fails the test instead of hanging it. */
const STEP = 15_000;
/** A server round trip that writes, or an event over SSE: slower on a busy 2-core machine. */
const WRITE = 30_000;
/** The player gives a stream 8 s before it calls it down; the browser needs a moment more to say so. */
const STREAM = 20_000;
const GULOU = '330302006044';

// The playback test that makes its own HLS stream needs ffmpeg (Debian's package; .ci/run installs it).
if (!hasFfmpeg()) {
  if (process.env.ZHILI_REQUIRE_FFMPEG === '1')
    throw new Error('web/e2e/command.e2e.test.ts: ffmpeg is required (ZHILI_REQUIRE_FFMPEG=1) but not found');
  console.warn(
    '\n!!! web/e2e/command.e2e.test.ts: the test that plays a stream it makes is SKIPPED — ffmpeg is not on the PATH (Debian: apt-get install ffmpeg) !!!\n',
  );
}

const waitText = (l: Locator, text: string | RegExp, timeout = STEP) =>
  l.filter({ hasText: text }).first().waitFor({ timeout });

/**
 * 一键直达 in Chromium against the real server: on a red alert's page the commander sees the cameras nearest
 * the spot by distance with their field of view, plays the offline demo stream (hls.js over MSE, H.264), and
 * gets a clear message with a retry for a stream that is unreachable or missing; dispatches a task from the
 * page; the town centre's open command board shows it live (one event stream in the tab), and the town signs
 * for it, reports arrival with the browser's location, handles and reports back; the commander verifies and
 * closes it, and the town's board drops it without a reload.
 */
describe.runIf(hasChromium)('一键直达 in the browser: cameras, player, dispatch, the command board', () => {
  let e2e: E2E;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  const stamp = Date.now().toString(36);
  const title = `鼓楼社区人员聚集风险预警（测试${stamp}）`;
  const cams: Record<string, string> = {};
  let alertId = '';
  let at = { lng: 0, lat: 0 };
  let taskNumber = '';
  /** The folder of the stream this test makes with ffmpeg. */
  let made = '';

  const open = async (username: string, viewport?: { width: number; height: number }) => {
    const s = await e2e.newPage(viewport);
    contexts.push(s.context);
    s.page.on('pageerror', (e) => pageErrors.push(`${username}: ${e.message}`));
    await e2e.login(s.page, username);
    return s;
  };

  /** A point `north` and `east` metres from the alert. */
  const offset = (north: number, east: number) => {
    const m = (EARTH_RADIUS_M * Math.PI) / 180;
    return { lat: at.lat + north / m, lng: at.lng + east / (m * Math.cos((at.lat * Math.PI) / 180)) };
  };

  beforeAll(async () => {
    e2e = await startE2E();
    const db = e2e.t.kernel.db;
    expect(await seedDutyPhones(db, e2e.t.kernel.vault)).toBeGreaterThanOrEqual(2);
    const area = await db
      .selectFrom('areas')
      .select(['center_lng', 'center_lat'])
      .where('code', '=', GULOU)
      .executeTakeFirstOrThrow();
    at = { lng: area.center_lng!, lat: area.center_lat! };
    // Three cameras of our own beside the seeded ones: 15 m north looking south at the spot with the demo
    // video, 30 m east with an unreachable stream, 45 m west with a playlist that does not exist.
    const add = async (key: string, p: { lng: number; lat: number }, attrs: Record<string, unknown>) => {
      const r = await db
        .insertInto('things')
        .values({
          area_code: GULOU,
          kind: 'camera',
          name: `测试监控${key}`,
          identifier: `E2E-${key}-${stamp}`,
          attributes: JSON.stringify(attrs),
          lng: p.lng,
          lat: p.lat,
          h3: h3Of(p),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      cams[key] = r.id;
    };
    await add('A', offset(15, 0), { heading: 180, fov: 90, streamUrl: '/demo-video/camera.m3u8' });
    await add('B', offset(0, 30), {
      heading: 0,
      fov: 60,
      streamUrl: `https://cam-${stamp}.example.invalid/live.m3u8`,
    });
    await add('C', offset(0, -45), { heading: 90, fov: 60, streamUrl: '/demo-video/missing.m3u8' });
    // D, 20 m south, plays a stream this test makes with ffmpeg (a larger picture, 4 s), served by the test.
    await add('D', offset(-20, 0), { heading: 0, fov: 90, streamUrl: '/e2e-video/made.m3u8' });
    if (hasFfmpeg()) {
      made = fs.mkdtempSync(path.join(os.tmpdir(), 'zhili-e2e-hls-'));
      makeTestPattern(made, { name: 'made', seconds: 4, size: '480x270' });
    }

    // A red alert at the spot, raised as the model runtime raises one, and announced.
    const base = MODELS[0]!;
    const model = defineModel({ ...base, evaluate: async () => [] });
    const signal: Signal = {
      key: `e2e:command:${stamp}`,
      window: 'open',
      score: 90,
      title,
      areaCode: GULOU,
      point: at,
      subjects: [],
      factors: [
        { code: 'crowd', name: { zh: '人员聚集', en: 'Crowd' }, weight: 90, detail: '测试', records: [] },
      ],
    };
    const applied = await db.transaction().execute((tx) => applySignals(tx, model, 1, [signal], new Date()));
    expect(applied.raised).toBe(1);
    alertId = applied.events.find((e) => e.type === 'alert.raised')!.matterId!;
    for (const ev of applied.events) await e2e.t.kernel.events.publish(ev);
  }, 180_000);
  afterEach(() => {
    expect(pageErrors.splice(0)).toEqual([]);
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await e2e?.close();
    if (made) fs.rmSync(made, { recursive: true, force: true });
  });

  it.runIf(hasFfmpeg())(
    'plays a stream the test makes with ffmpeg (Debian ffmpeg): a 480×270 HLS of its own',
    async () => {
      const { page } = await open('commander');
      const served: string[] = [];
      // The camera's server, as a deployment's would be: the playlist and its segments from the folder.
      await page.route('**/e2e-video/*', (route) => {
        const file = path.basename(new URL(route.request().url()).pathname);
        const full = path.join(made, file);
        if (!/^made(-\d+)?\.(m3u8|ts)$/.test(file) || !fs.existsSync(full))
          return route.fulfill({ status: 404 });
        served.push(file);
        return route.fulfill({
          status: 200,
          contentType: file.endsWith('.m3u8') ? 'application/vnd.apple.mpegurl' : 'video/mp2t',
          body: fs.readFileSync(full),
        });
      });
      await page.goto(`${e2e.base}/alerts/${alertId}`);
      const panel = page.getByTestId('command-panel');
      const item = panel.locator(`[data-testid=camera-item][data-camera-id="${cams.D}"]`);
      await item.waitFor({ timeout: STEP });
      await item.click();
      const player = panel.getByTestId('player');
      await panel.locator('[data-testid=player][data-state=playing]').waitFor({ timeout: STREAM });
      const video = player.getByTestId('player-video');
      await expect
        .poll(() => video.evaluate((v) => (v as unknown as { currentTime: number }).currentTime), {
          timeout: STEP,
        })
        .toBeGreaterThan(0.3);
      // The picture is the one made here (480×270), read from our files: the playlist, then segments.
      expect(
        await video.evaluate((v) => {
          const e = v as unknown as { videoWidth: number; videoHeight: number };
          return [e.videoWidth, e.videoHeight];
        }),
      ).toEqual([480, 270]);
      expect(served[0]).toBe('made.m3u8');
      expect(served.some((f) => f.endsWith('.ts'))).toBe(true);
    },
  );

  it('lists the nearest cameras with their field of view, plays the demo stream and explains the dead ones', async () => {
    const { page } = await open('commander');
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    const consoleLines: string[] = [];
    page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    page.on('response', (r) => {
      if (r.url().includes('demo-video'))
        consoleLines.push(`resp ${r.status()} ${r.url()} ${r.headers()['content-type']}`);
    });
    await page.goto(`${e2e.base}/alerts/${alertId}`);
    await waitText(page.getByTestId('matter-title'), title);
    const panel = page.getByTestId('command-panel');
    await panel.waitFor({ timeout: STEP });
    const items = panel.getByTestId('camera-item');
    await items.first().waitFor({ timeout: STEP });

    // Nearest first: distances ascending, ours in order, A first (nothing else is within 15 m).
    const distances = await items.evaluateAll((els) =>
      els.map((e) => Number(e.getAttribute('data-distance'))),
    );
    expect(distances).toEqual([...distances].sort((a, b) => a - b));
    const order = await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-camera-id')));
    expect(order[0]).toBe(cams.A);
    expect(order.indexOf(cams.B!)).toBeLessThan(order.indexOf(cams.C!));
    const item = (key: string) => panel.locator(`[data-testid=camera-item][data-camera-id="${cams[key]}"]`);
    expect(Number(await item('A').getAttribute('data-distance'))).toBeCloseTo(15, 0);
    // A looks south at the spot; B looks north while the spot is west of it.
    expect(await item('A').getByTestId('camera-fov').getAttribute('data-in-view')).toBe('true');
    expect(await item('B').getByTestId('camera-fov').getAttribute('data-in-view')).toBe('false');
    await waitText(item('A'), /15 米/);

    // The demo stream plays: hls.js over Media Source Extensions, H.264 in MPEG-TS.
    await item('A').click();
    const player = panel.getByTestId('player');
    await panel
      .locator('[data-testid=player][data-state=playing]')
      .waitFor({ timeout: STREAM })
      .catch(async (e: unknown) => {
        const state = await player.getByTestId('player-video').evaluate((el) => {
          const v = el as unknown as {
            readyState: number;
            paused: boolean;
            currentTime: number;
            muted: boolean;
            error: { code: number; message: string } | null;
            buffered: { length: number; start(i: number): number; end(i: number): number };
            src: string;
            networkState: number;
          };
          const b = [];
          for (let i = 0; i < v.buffered.length; i++) b.push(`${v.buffered.start(i)}-${v.buffered.end(i)}`);
          return JSON.stringify({
            readyState: v.readyState,
            paused: v.paused,
            t: v.currentTime,
            muted: v.muted,
            error: v.error && `${v.error.code} ${v.error.message}`,
            buffered: b,
            src: v.src,
            net: v.networkState,
          });
        });
        throw new Error(`not playing: ${state}\nconsole: ${consoleLines.join('\n')}`, { cause: e });
      });
    await expect
      .poll(
        () =>
          player
            .getByTestId('player-video')
            .evaluate((v) => (v as unknown as { currentTime: number }).currentTime),
        {
          timeout: STEP,
        },
      )
      .toBeGreaterThan(0.3);
    expect(
      await player
        .getByTestId('player-video')
        .evaluate((v) => (v as unknown as { videoWidth: number }).videoWidth),
    ).toBe(320);
    await e2e.shot(page, 'command-camera-playing');

    // An unreachable stream, chosen with the keyboard: a message with the reason and a retry, not a black box.
    await item('B').focus();
    await page.keyboard.press('Enter');
    const error = panel.getByTestId('player-error');
    await error.waitFor({ timeout: STREAM });
    expect(['network', 'timeout']).toContain(await error.getAttribute('data-fault'));
    await waitText(error, /视频暂不可用：(无法连接视频流|视频流连接超时)/);
    await e2e.shot(page, 'command-camera-down');
    // Retry asks again: a new request for the playlist, and the same clear message.
    const asked = () => requests.filter((u) => u.includes(`cam-${stamp}`)).length;
    const before = asked();
    await error.getByTestId('player-retry').click();
    await expect.poll(asked, { timeout: STEP }).toBeGreaterThan(before);
    await panel.locator('[data-testid=player-error]').waitFor({ timeout: STREAM });

    // A playlist that does not exist: 404, said as such.
    await item('C').click();
    const missing = panel.locator('[data-testid=player-error][data-fault=not_found]');
    await missing.waitFor({ timeout: STREAM });
    await waitText(missing.getByTestId('player-error-detail'), 'HTTP 404');

    // The grid team: the 1+3+N roster of the alert's grid, the village's grid worker and the town centre,
    // phones masked until a reason is given.
    await panel.getByTestId('command-tab-team').click();
    const members = panel.getByTestId('team-member');
    await waitText(members, '鼓楼社区网格员');
    await waitText(members, '五马街道综治中心');
    await waitText(panel.getByTestId('team-roster'), '1+3+N');
    const leader = panel.getByTestId('team-roster-member').filter({ hasText: '网格长' }).first();
    await leader.waitFor({ timeout: STEP });
    const leaderPhone = leader.getByTestId('team-roster-phone');
    expect(await leaderPhone.textContent()).toMatch(/1\d{2}\*{4}\d{4}/);
    const phone = members.filter({ hasText: '鼓楼社区网格员' }).getByTestId('team-phone');
    expect(await phone.textContent()).toMatch(/1\d{2}\*{4}\d{4}/);
    await e2e.shot(page, 'command-team');
    await panel.getByTestId('team-reveal').click();
    await page.getByTestId('team-reveal-reason').fill('红色预警处置，联系网格员到场');
    await page.getByTestId('team-reveal-submit').click();
    await expect.poll(() => phone.textContent(), { timeout: WRITE }).toMatch(/1\d{10}/);
    await expect.poll(() => leaderPhone.textContent(), { timeout: WRITE }).toMatch(/1\d{10}/);
  }, 180_000);

  it('dispatches a task from the alert; the town’s board shows it live and the loop closes in the browser', async () => {
    // The town centre's board is open first, with one event stream for the whole tab.
    const town = await open('town.wuma');
    const streams: string[] = [];
    town.page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/events') streams.push(r.url());
    });
    await town.page.getByTestId('menu-command-board').click();
    await town.page.waitForURL(/\/command$/);
    await town.page.locator('[data-testid=live][data-state=live]').waitFor({ timeout: STEP });

    const { page } = await open('commander');
    await page.goto(`${e2e.base}/alerts/${alertId}`);
    const panel = page.getByTestId('command-panel');
    await panel.getByTestId('command-tab-dispatch').click();
    const form = panel.getByTestId('dispatch-form');
    await form.waitFor({ timeout: STEP });
    // A refusal is shown in the form: nothing chosen, nothing typed.
    await form.getByTestId('dispatch-submit').click();
    await waitText(form, '请选择承办部门');
    await waitText(form, '请填写指令内容');

    await form.getByTestId('dispatch-department').click();
    await page.keyboard.type('综治');
    await page.keyboard.press('Enter');
    await form.getByTestId('dispatch-area').click();
    await page.keyboard.type('五马');
    await page.keyboard.press('Enter');
    await form
      .getByTestId('dispatch-instructions')
      .fill('立即赶赴鼓楼社区核实聚集情况，疏导人员，处置后反馈现场照片。');
    await form.getByTestId('dispatch-pinned').check();
    await form.getByTestId('dispatch-submit').click();
    const task = panel.getByTestId('task-item').first();
    await task.waitFor({ timeout: WRITE });
    taskNumber = (await task.getAttribute('data-task-number'))!;
    expect(taskNumber).toMatch(/^ZL-330302-\d{8}-\d{4}$/);
    await waitText(task.getByTestId('task-status'), '待签收');
    // The alert's own timeline says so.
    await waitText(page.getByTestId('timeline'), `已下达指令 ${taskNumber}`, WRITE);
    await e2e.shot(page, 'command-dispatched');

    // Live on the town's board, without a reload, over the tab's one stream.
    const row = town.page.locator(`[data-testid=board-row][data-task-number="${taskNumber}"]`);
    await row.waitFor({ timeout: WRITE });
    await waitText(row, '待签收');
    expect(streams).toHaveLength(1);
    await e2e.shot(town.page, 'command-board');

    // The town signs for it and reports arrival with the browser's location.
    await town.context.grantPermissions(['geolocation'], { origin: e2e.base });
    await town.context.setGeolocation({ latitude: at.lat + 0.0003, longitude: at.lng });
    await row.getByTestId('board-task-link').click();
    await town.page.waitForURL(/\/matters\/\d+$/);
    await act(town.page, 'sign');
    await town.page.getByTestId('arrive-located').click();
    await waitText(town.page.getByTestId('task-arrival'), /距事发点 3\d 米/, WRITE);
    await act(town.page, 'handle', { note: '现场人员已疏导' });
    await act(town.page, 'feedback', { result: '聚集已疏散，无人员受伤。' });
    const timeline = town.page.getByTestId('timeline');
    for (const step of ['下达指令', '签收', '到场', '处置', '反馈']) await waitText(timeline, step);
    await waitText(timeline, /到场位置 .*距事发点 3\d 米/);

    // The commander verifies and closes it from the task's page; the town's board drops it live.
    await town.page.goto(`${e2e.base}/command`);
    await row.waitFor({ timeout: STEP });
    await waitText(row, '待核查', WRITE);
    await page.goto(`${e2e.base}/command`);
    await page
      .locator(`[data-testid=board-row][data-task-number="${taskNumber}"]`)
      .getByTestId('board-task-link')
      .click();
    await page.waitForURL(/\/matters\/\d+$/);
    await act(page, 'verify', { note: '经视频核实已疏散' });
    await act(page, 'close');
    await row.waitFor({ state: 'detached', timeout: WRITE });
    const boardStatus = town.page.getByTestId('board-status');
    await chooseOption(
      town.page,
      boardStatus,
      town.page.locator('.ant-select-item-option').filter({ hasText: '已办结' }),
      boardStatus.filter({ hasText: '已办结' }),
      STEP,
    );
    await waitText(
      town.page.locator(`[data-testid=board-row][data-task-number="${taskNumber}"]`),
      '已办结',
      WRITE,
    );
  }, 240_000);
});

/** Opens an action's form on a matter page, fills it, submits and waits for it to close (or fails with why). */
async function act(
  page: Page,
  action: string,
  fields: Partial<Record<'note' | 'reason' | 'result', string>> = {},
) {
  await page.getByTestId(`action-${action}`).click();
  const form = page.getByTestId('action-form');
  await form.waitFor({ timeout: STEP });
  for (const [k, v] of Object.entries(fields)) await page.getByTestId(`action-field-${k}`).fill(v);
  await submitStepForm(page, WRITE);
}
