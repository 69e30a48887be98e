import zlib from 'node:zlib';
import { sql } from 'kysely';
import type { BrowserContext, Page, Response } from 'playwright-core';
import { zxyToTileId } from 'pmtiles';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEMO_PASSWORD } from '../../src/cli/seed/demo.ts';
import { announceBrowserSkip, hasChromium } from '../../src/testing/browser.ts';
import { login } from '../../src/testing/harness.ts';
import { type E2E, picture, startE2E } from './harness.ts';

announceBrowserSkip('web/e2e/map.e2e.test.ts');

/** Every wait is bounded: a step that does not happen fails the test instead of hanging it. */
const STEP = 20_000;
/** MapLibre on SwiftShader (no GPU) draws slowly on a busy 2-core machine. */
// WebGL is drawn in software here: beside another browser test on two cores (CI runs two files at once) a
// step that takes 10 s alone took over 45 s. The bounds are generous; passing runs do not wait for them.
const DRAW = 90_000;
vi.setConfig({ testTimeout: 180_000 });
const PHONE = { width: 375, height: 812 };

/** A 256×256 tile of one colour, as a PNG (what a raster tile server answers). */
const TILE = (() => {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(zlib.crc32(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(256, 0);
  ihdr.writeUInt32BE(256, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(256 * 3, Buffer.from([0xd9, 0xe8, 0xd0]))]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(Array.from({ length: 256 }, () => row)))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
})();

/**
 * A PMTiles v3 archive (github.com/protomaps/PMTiles, spec v3) whose every tile from zoom 0 to `maxZoom` is
 * `tile` (a PNG): the 127-byte header, a root directory of one entry whose run covers all those tile ids,
 * the JSON metadata and the tile's bytes — uncompressed. The `pmtiles` package reads archives but writes
 * none, so the test writes this one by the spec; ids come from the package's own zxyToTileId.
 */
function pmtilesOf(tile: Buffer, maxZoom: number) {
  const varint = (n: number) => {
    const out: number[] = [];
    let v = n;
    while (v >= 0x80) {
      out.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    out.push(v);
    return out;
  };
  const run = zxyToTileId(maxZoom + 1, 0, 0); // the ids of zoom 0 … maxZoom are 0 … run-1
  // count; tile id delta; run length; length; offset + 1
  const dir = Buffer.from([...varint(1), ...varint(0), ...varint(run), ...varint(tile.length), ...varint(1)]);
  const meta = Buffer.from(JSON.stringify({ name: 'e2e', format: 'png' }));
  const rootOffset = 127;
  const metaOffset = rootOffset + dir.length;
  const tileDataOffset = metaOffset + meta.length;
  const h = Buffer.alloc(127);
  h.write('PMTiles', 0, 'ascii');
  h.writeUInt8(3, 7);
  const u64 = (at: number, v: number) => h.writeBigUInt64LE(BigInt(v), at);
  u64(8, rootOffset);
  u64(16, dir.length);
  u64(24, metaOffset);
  u64(32, meta.length);
  u64(40, tileDataOffset); // no leaf directories
  u64(48, 0);
  u64(56, tileDataOffset);
  u64(64, tile.length);
  u64(72, run); // addressed tiles
  u64(80, 1); // tile entries
  u64(88, 1); // tile contents
  h.writeUInt8(1, 96); // clustered
  h.writeUInt8(1, 97); // internal compression: none
  h.writeUInt8(1, 98); // tile compression: none
  h.writeUInt8(2, 99); // tile type: PNG
  h.writeUInt8(0, 100);
  h.writeUInt8(maxZoom, 101);
  h.writeInt32LE(-180e7, 102);
  h.writeInt32LE(-85e7, 106);
  h.writeInt32LE(180e7, 110);
  h.writeInt32LE(85e7, 114);
  h.writeUInt8(8, 118);
  h.writeInt32LE(120.7e7, 119);
  h.writeInt32LE(28e7, 123);
  return { bytes: Buffer.concat([h, dir, meta, tile]), tileDataOffset };
}

interface Cell {
  cell: string;
  lng: number;
  lat: number;
  total: number;
}
interface Point {
  id: string;
  number: string;
  type: string;
  title: string;
  lng: number;
  lat: number;
}
type Aggregate =
  | { mode: 'cells'; cells: Cell[]; total: number }
  | { mode: 'points'; points: Point[]; total: number };

/**
 * A screenshot of the window as it is (the harness's full-page capture resizes the window for a moment, and
 * MapLibre's canvas is caught half redrawn).
 */
const shot = (page: Page, name: string) => picture(page, name);

const canvas = (page: Page) => page.getByTestId('map-canvas');

/** The map's configuration as the server sends it with ZHILI_MAP_BASE_SOURCES set to these sources. */
function withBaseSources(page: Page, sources: Record<string, unknown>[]) {
  return page.route('**/api/map/config', async (route) => {
    const real = await route.fetch();
    const config = (await real.json()) as { baseSources: unknown[] };
    config.baseSources = sources;
    await route.fulfill({ response: real, json: config });
  });
}

/** MapLibre's state as the page shows it on the map's container (data-* attributes set when the map rests). */
async function probe(page: Page) {
  return canvas(page).evaluate((el) => {
    const d = (el as unknown as { dataset: Record<string, string | undefined> }).dataset;
    return {
      ready: d.ready === 'true',
      loading: d.loading === 'true',
      zoom: Number(d.zoom),
      center: (d.center ?? '').split(',').map(Number) as [number, number],
      rendered: (d.rendered ? JSON.parse(d.rendered) : {}) as Record<string, number>,
    };
  });
}

/** Waits until the map has drawn `layer` (at least `min` features in view) and nothing is loading. */
async function drawn(page: Page, layer: string, min = 1) {
  await expect
    .poll(
      async () => {
        const p = await probe(page);
        return p.ready && !p.loading && (p.rendered[layer] ?? 0) >= min;
      },
      { timeout: DRAW, interval: 250, message: `the map draws ${layer}` },
    )
    .toBe(true);
}

/**
 * Where a longitude/latitude is on the screen: Web Mercator from the map's centre and zoom (512-px world
 * at zoom 0, no rotation or pitch — the page turns both off), read from the container's attributes.
 */
async function screenOf(page: Page, lng: number, lat: number) {
  const box = (await canvas(page).boundingBox())!;
  const { zoom, center } = await probe(page);
  const world = 512 * 2 ** zoom;
  const x = (l: number) => ((l + 180) / 360) * world;
  const y = (φ: number) =>
    ((180 - (180 / Math.PI) * Math.log(Math.tan(Math.PI / 4 + (φ * Math.PI) / 360))) / 360) * world;
  return {
    x: box.x + box.width / 2 + x(lng) - x(center[0]),
    y: box.y + box.height / 2 + y(lat) - y(center[1]),
  };
}

/** Whether the map's own canvas (not a panel, the legend or a control over it) is what a click there hits. */
async function onCanvas(page: Page, p: { x: number; y: number }) {
  return page.evaluate(
    ([x, y]) =>
      (
        globalThis as unknown as {
          document: { elementFromPoint(x: number, y: number): { className?: unknown } | null };
        }
      ).document
        .elementFromPoint(x, y)
        ?.className?.toString()
        .includes('maplibregl-canvas') ?? false,
    [p.x, p.y] as const,
  );
}

/** Nothing wider than the window: no sideways scrolling on a phone. */
async function fitsWidth(page: Page) {
  const { scroll, client } = await page.evaluate(() => {
    const d = (
      globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }
    ).document.documentElement;
    return { scroll: d.scrollWidth, client: d.clientWidth };
  });
  expect(scroll, `${page.url()} is ${scroll}px wide in a ${client}px window`).toBeLessThanOrEqual(client);
}

/** The last aggregate answer of each layer the page received (what it draws once it rests). */
function track(page: Page): Partial<Record<'matters' | 'alerts', Aggregate>> {
  const latest: Partial<Record<'matters' | 'alerts', Aggregate>> = {};
  page.on('response', (r) => {
    const layer = new URL(r.url()).searchParams.get('layer');
    if (!r.url().includes('/api/map/aggregate') || !r.ok() || (layer !== 'matters' && layer !== 'alerts'))
      return;
    void r
      .json()
      .then((a: Aggregate) => {
        latest[layer] = a;
      })
      .catch(() => {});
  });
  return latest;
}

const isAggregate = (layer: string) => (r: Response) =>
  r.url().includes('/api/map/aggregate') && new URL(r.url()).searchParams.get('layer') === layer && r.ok();

/**
 * 社会治理一张图 in a browser against the real server: the city's boundaries and the matters as hexagons
 * drawn by MapLibre (on SwiftShader), the layer panel and filters in the address and in the requests, a
 * hexagon that zooms in, a matter point that opens its card, a matter reported meanwhile that appears live,
 * an area's KPIs, an API error shown in words, and the phone's layout.
 */
describe.runIf(hasChromium)('一张图 in the browser: layers, filters, clicks', () => {
  let e2e: E2E;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  /** The busiest resolution-9 cell of 鹿城区's matters: where zooming in shows points. */
  let spot = { lng: 0, lat: 0 };

  const open = async (username: string, viewport?: { width: number; height: number }) => {
    const s = await e2e.newPage(viewport);
    contexts.push(s.context);
    s.page.on('pageerror', (e) => pageErrors.push(`${username}: ${e.message}`));
    await e2e.login(s.page, username);
    return s;
  };

  beforeAll(async () => {
    e2e = await startE2E();
    const r = await sql<{ lng: number; lat: number }>`
      select avg(lng)::float8 as lng, avg(lat)::float8 as lat from matters
      where h3 = (
        select h3 from matters
        where h3 is not null and area_code like '330302%' and type <> 'alert'
        group by h3 order by count(*) desc limit 1
      )`.execute(e2e.t.kernel.db);
    spot = r.rows[0]!;
    expect(spot.lng).toBeGreaterThan(119);
  }, 180_000);
  afterEach(() => {
    expect(pageErrors.splice(0)).toEqual([]);
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await e2e?.close();
  });

  it('a commander sees the city as hexagons, toggles a layer, filters, and zooms into a hexagon', async () => {
    const { page } = await open('commander');
    const latest = track(page);
    const first = page.waitForResponse(isAggregate('matters'), { timeout: DRAW });
    await page.getByTestId('menu-map').click();
    await page.waitForURL(/\/map/);
    await page.locator('[data-testid=map-canvas] canvas.maplibregl-canvas').waitFor({ timeout: STEP });
    const answer = (await (await first).json()) as Aggregate;
    expect(answer.mode).toBe('cells');
    await drawn(page, 'matters-cells');
    await drawn(page, 'area-fill-2');
    await page.getByTestId('map-legend').locator('[data-testid=legend-matters][data-mode=cells]').waitFor();
    expect(await page.getByTestId('legend-range').count()).toBeGreaterThan(0);
    const count = page.getByTestId('layer-count-matters');
    await expect.poll(() => count.getAttribute('data-count'), { timeout: STEP }).toMatch(/^\d+$/);
    await shot(page, 'map-city');

    // The layer panel: alerts on (asked for, drawn, in the legend and the address), matters off and on.
    const alertsAsked = page.waitForResponse(isAggregate('alerts'), { timeout: STEP });
    await page.getByTestId('layer-alerts').check();
    await alertsAsked;
    await page.waitForURL(/layers=[^&]*alerts/);
    await page.getByTestId('legend-alerts').waitFor({ timeout: STEP });
    await page.getByTestId('layer-matters').uncheck();
    await page.getByTestId('legend-matters').waitFor({ state: 'detached', timeout: STEP });
    await expect
      .poll(async () => (await probe(page)).rendered['matters-cells'] ?? 0, { timeout: DRAW })
      .toBe(0);
    await page.getByTestId('layer-alerts').uncheck();
    await page.getByTestId('layer-matters').check();
    await drawn(page, 'matters-cells');

    // A filter goes to the address and into the request.
    const overdueAsked = page.waitForRequest(
      (r) =>
        r.url().includes('/api/map/aggregate') &&
        new URL(r.url()).searchParams.get('layer') === 'matters' &&
        new URL(r.url()).searchParams.get('deadline') === 'overdue',
      { timeout: STEP },
    );
    await page.getByTestId('filter-deadline-overdue').click();
    await page.waitForURL(/deadline=overdue/);
    await overdueAsked;
    const openAsked = page.waitForRequest(
      (r) => r.url().includes('/api/map/aggregate') && new URL(r.url()).searchParams.get('open') === 'true',
      { timeout: STEP },
    );
    await page.getByTestId('filter-open').getByText('未结').click();
    await page.waitForURL(/open=true/);
    await openAsked;
    // The time slider, by keyboard: a few steps of its start handle become one request once it rests.
    await page.getByTestId('filter-time').locator('.ant-slider-handle').first().focus();
    const fromAsked = page.waitForRequest(
      (r) => r.url().includes('/api/map/aggregate') && new URL(r.url()).searchParams.has('from'),
      { timeout: STEP },
    );
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
    await page.waitForURL(/from=\d{4}-\d{2}-\d{2}/);
    await fromAsked;
    await page.getByTestId('filters-reset').click();
    await expect.poll(() => new URL(page.url()).searchParams.has('deadline'), { timeout: STEP }).toBe(false);
    await drawn(page, 'matters-cells');

    // A click on the busiest hexagon in sight zooms the map into it.
    const cells = (latest.matters?.mode === 'cells' ? latest.matters.cells : []).sort(
      (a, b) => b.total - a.total,
    );
    const before = await probe(page);
    let clicked = false;
    for (const c of cells) {
      const p = await screenOf(page, c.lng, c.lat);
      if (!(await onCanvas(page, p))) continue;
      await page.mouse.click(p.x, p.y);
      clicked = true;
      break;
    }
    expect(clicked, 'a hexagon in view, not under a panel').toBe(true);
    await expect
      .poll(async () => (await probe(page)).zoom, { timeout: DRAW, message: 'the map zooms in' })
      .toBeGreaterThan(before.zoom + 0.5);
    await expect.poll(() => new URL(page.url()).searchParams.get('at'), { timeout: STEP }).not.toBeNull();
  });

  it('zoomed in, a matter is a point: a click opens its card, and one reported meanwhile appears live', async () => {
    const { page } = await open('commander.lucheng');
    const asked = page.waitForResponse(isAggregate('matters'), { timeout: DRAW });
    await page.goto(`${e2e.base}/map?layers=matters&at=${spot.lng},${spot.lat},16.5`);
    let answer = (await (await asked).json()) as Aggregate;
    // The first answer may be for the box before the map settled: wait for points.
    while (answer.mode !== 'points')
      answer = (await (
        await page.waitForResponse(isAggregate('matters'), { timeout: DRAW })
      ).json()) as Aggregate;
    await drawn(page, 'matters-points');
    await page.locator('[data-testid=legend-matters][data-mode=points]').waitFor();
    await page.getByTestId('visible-matters').waitFor();
    await page.locator('[data-testid=map-canvas][data-live=live]').waitFor({ timeout: STEP });

    // A point alone on the screen (no neighbour within 16 px), on the canvas.
    const onScreen = await Promise.all(
      answer.points.map(async (p) => ({ p, s: await screenOf(page, p.lng, p.lat) })),
    );
    let target: (typeof onScreen)[number] | undefined;
    for (const o of onScreen) {
      const alone = onScreen.every((x) => x === o || Math.hypot(x.s.x - o.s.x, x.s.y - o.s.y) > 16);
      if (alone && (await onCanvas(page, o.s))) {
        target = o;
        break;
      }
    }
    expect(target, 'a matter point alone on the map').toBeDefined();
    await page.mouse.click(target!.s.x, target!.s.y);
    const card = page.getByTestId('map-card');
    await card.waitFor({ timeout: STEP });
    expect(await card.getAttribute('data-kind')).toBe('matter');
    await expect
      .poll(() => card.getByTestId('card-number').textContent(), { timeout: STEP })
      .toContain(target!.p.number);
    expect(await card.getByTestId('card-title').textContent()).toBe(target!.p.title);
    const href = await card.getByTestId('card-open').getAttribute('href');
    const path =
      target!.p.type === 'dispute' ? 'disputes' : target!.p.type === 'alert' ? 'alerts' : 'matters';
    expect(href).toBe(`/${path}/${target!.p.id}`);
    await shot(page, 'map-point-card');
    await card.getByTestId('card-close').click();
    await card.waitFor({ state: 'detached' });

    // Live: a matter reported at this spot by someone else shows up without a reload.
    const count = async () =>
      Number(await page.getByTestId('layer-count-matters').getAttribute('data-count'));
    const before = await count();
    const cookie = await login(e2e.t.app, 'commander.lucheng', DEMO_PASSWORD);
    const res = await e2e.t.app.inject({
      method: 'POST',
      url: '/api/matters',
      headers: { cookie },
      payload: { type: 'event', title: `一张图实时测试 ${Date.now().toString(36)}`, point: spot },
    });
    expect(res.statusCode, res.body).toBe(201);
    await expect
      .poll(count, { timeout: DRAW, message: 'the new matter reaches the map live' })
      .toBe(before + 1);
  });

  it('a pinned 指令 task is on the 指令 layer: a click opens its card, and 签收 changes its state live', async () => {
    const db = e2e.t.kernel.db;
    const town = await db
      .selectFrom('users')
      .select(['area_code'])
      .where('username', '=', 'town.wuma')
      .executeTakeFirstOrThrow();
    const source = await db
      .selectFrom('matters')
      .select(['id', 'lng', 'lat'])
      .where('type', '=', 'event')
      .where('closed', '=', false)
      .where('area_code', 'like', `${town.area_code.replace(/0+$/, '')}%`)
      .where('lng', 'is not', null)
      .orderBy('id')
      .limit(1)
      .executeTakeFirstOrThrow();
    const at = { lng: source.lng!, lat: source.lat! };
    const commander = await login(e2e.t.app, 'commander.lucheng', DEMO_PASSWORD);
    const dispatched = await e2e.t.app.inject({
      method: 'POST',
      url: `/api/matters/${source.id}/tasks`,
      headers: { cookie: commander },
      payload: {
        assignee: { department: 'zongzhi', areaCode: town.area_code },
        instructions: '一张图置顶指令测试：请立即到场核实并反馈处置情况。',
        deadline: new Date(Date.now() + 2 * 3_600_000).toISOString(),
        pinned: true,
      },
    });
    expect(dispatched.statusCode, dispatched.body).toBe(201);
    const task = dispatched.json() as { id: string; number: string; point: { lng: number; lat: number } };
    expect(task.point).toEqual(at);

    const { page } = await open('commander.lucheng');
    await page.goto(`${e2e.base}/map?layers=tasks&at=${at.lng},${at.lat},16`);
    await drawn(page, 'tasks-points');
    await page.locator('[data-testid=map-canvas][data-live=live]').waitFor({ timeout: STEP });
    expect(Number(await page.getByTestId('layer-count-tasks').getAttribute('data-count'))).toBeGreaterThan(0);

    const p = await screenOf(page, at.lng, at.lat);
    expect(await onCanvas(page, p), 'the task is on the canvas').toBe(true);
    await page.mouse.click(p.x, p.y);
    const card = page.getByTestId('map-card');
    await card.waitFor({ timeout: STEP });
    expect(await card.getAttribute('data-kind')).toBe('task');
    expect(await card.getByTestId('card-open').textContent()).toBe(task.number);
    expect(await card.getByTestId('card-open').getAttribute('href')).toBe(`/matters/${task.id}`);
    expect(await card.getByTestId('card-instructions').textContent()).toContain('一张图置顶指令测试');
    const status = () => card.getByTestId('card-status').getAttribute('data-status');
    expect(await status()).toBe('issued');
    await shot(page, 'map-task-card');

    // The unit signs for it elsewhere: the card (and the point's colour) follows without a reload.
    const unit = await login(e2e.t.app, 'town.wuma', DEMO_PASSWORD);
    const detail = (
      await e2e.t.app.inject({ method: 'GET', url: `/api/matters/${task.id}`, headers: { cookie: unit } })
    ).json() as { version: number };
    const signed = await e2e.t.app.inject({
      method: 'POST',
      url: `/api/matters/${task.id}/transitions`,
      headers: { cookie: unit },
      payload: { action: 'sign', version: detail.version },
    });
    expect(signed.statusCode, signed.body).toBe(200);
    await expect
      .poll(status, { timeout: DRAW, message: 'the task’s 签收 reaches the map live' })
      .toBe('signed');

    // The unit goes on to the end and the commander closes it: the marker stays, greyed as 已办结, live.
    const step = async (cookie: string, action: string, extra: Record<string, unknown> = {}) => {
      const d = (
        await e2e.t.app.inject({ method: 'GET', url: `/api/matters/${task.id}`, headers: { cookie } })
      ).json() as { version: number };
      const path =
        action === 'arrive' ? `/api/command/tasks/${task.id}/arrive` : `/api/matters/${task.id}/transitions`;
      const r = await e2e.t.app.inject({
        method: 'POST',
        url: path,
        headers: { cookie },
        payload: { ...(action === 'arrive' ? {} : { action }), version: d.version, ...extra },
      });
      expect(r.statusCode, `${action}: ${r.body}`).toBe(200);
    };
    await step(unit, 'arrive', { location: { ...at, accuracyM: 10 } });
    await step(unit, 'handle', { note: '已到场处置' });
    await step(unit, 'feedback', { result: '现场已处置完毕。' });
    await step(commander, 'verify', { note: '核实无误' });
    await step(commander, 'close');
    await expect
      .poll(status, { timeout: DRAW, message: 'the task’s 办结 reaches the map live' })
      .toBe('closed');
    await drawn(page, 'tasks-points'); // still drawn: greyed, not gone
    await shot(page, 'map-task-closed');
  });

  it('shared courts and psychological stations are layers: a court opens its card and its page', async () => {
    const commander = await login(e2e.t.app, 'commander', DEMO_PASSWORD);
    const layer = (
      await e2e.t.app.inject({
        method: 'GET',
        url: '/api/courts/layer?layer=courts&limit=1',
        headers: { cookie: commander },
      })
    ).json() as { points: { id: string; name: string; lng: number; lat: number }[]; total: number };
    expect(layer.total).toBeGreaterThan(0);
    const court = layer.points[0]!;
    const { page } = await open('commander');
    await page.goto(`${e2e.base}/map?layers=courts,stations&at=${court.lng},${court.lat},17`);
    await drawn(page, 'courts-points');
    expect(Number(await page.getByTestId('layer-count-courts').getAttribute('data-count'))).toBeGreaterThan(
      0,
    );
    await page.getByTestId('legend-courts').waitFor({ timeout: STEP });
    const p = await screenOf(page, court.lng, court.lat);
    expect(await onCanvas(page, p), 'the court is on the canvas').toBe(true);
    await page.mouse.click(p.x, p.y);
    const card = page.getByTestId('map-card');
    await card.waitFor({ timeout: STEP });
    expect(await card.getAttribute('data-kind')).toBe('place');
    expect(await card.getByTestId('card-title').textContent()).toBe(court.name);
    await shot(page, 'map-court-card');
    await card.getByTestId('card-open').click();
    await page.waitForURL(new RegExp(`/courts/${court.id}$`));

    // 网格员签到位置: the members' last check-ins of the week (the demo's month of 入格) over the city.
    await page.goto(`${e2e.base}/map?layers=workers`);
    await page.getByTestId('legend-workers').waitFor({ timeout: DRAW });
    await expect
      .poll(async () => Number(await page.getByTestId('layer-count-workers').getAttribute('data-count')), {
        timeout: DRAW,
      })
      .toBeGreaterThan(0);
  });

  it('a house opens its residents (counted, masked) and matters', async () => {
    const { page } = await open('commander.lucheng');
    const house = (
      await sql<{ id: string; lng: number; lat: number; residents: number }>`
        select h.id::text as id, h.lng, h.lat, count(p.id)::int as residents from houses h
        join persons p on p.house_id = h.id
        where h.area_code like '330302%' and h.lng is not null
        group by h.id order by count(p.id) desc, h.id limit 1`.execute(e2e.t.kernel.db)
    ).rows[0]!;
    await page.goto(`${e2e.base}/map?layers=houses&at=${house.lng},${house.lat},18`);
    await drawn(page, 'houses-points');
    const p = await screenOf(page, house.lng, house.lat);
    expect(await onCanvas(page, p)).toBe(true);
    await page.mouse.click(p.x, p.y);
    const card = page.getByTestId('map-card');
    await card.waitFor({ timeout: STEP });
    expect(await card.getAttribute('data-kind')).toBe('house');
    const residents = card.getByTestId('card-residents');
    await residents.waitFor({ timeout: STEP });
    // People are counted at the house and listed with masked names, never plotted.
    expect(await residents.textContent()).toMatch(/住户 · \d+/);
    expect(await residents.textContent()).toContain('*');
    await card.getByTestId('card-matters').waitFor();
    await shot(page, 'map-house');
  }, 180_000);

  // A page of its own: on the house's page a second map load beside another browser file under CI load once
  // did not settle within the draw bound.
  it('an enterprise opens its disputes', async () => {
    const { page } = await open('commander.lucheng');
    const card = page.getByTestId('map-card');
    const firm = (
      await sql<{ lng: number; lat: number }>`
        select lng, lat from enterprises where area_code like '330302%' and lng is not null order by id limit 1`.execute(
        e2e.t.kernel.db,
      )
    ).rows[0]!;
    await page.goto(`${e2e.base}/map?layers=enterprises&at=${firm.lng},${firm.lat},18`);
    await drawn(page, 'enterprises-points');
    const q = await screenOf(page, firm.lng, firm.lat);
    await page.mouse.click(q.x, q.y);
    await card.waitFor({ timeout: STEP });
    expect(await card.getAttribute('data-kind')).toBe('enterprise');
    await card.getByTestId('card-disputes').waitFor({ timeout: STEP });
  }, 180_000);

  it('an area opens its KPIs; an API error is shown with the server’s words, not a blank map', async () => {
    const { page } = await open('commander.lucheng');
    await page.goto(`${e2e.base}/map?layers=`);
    await drawn(page, 'area-fill-3');
    const box = (await canvas(page).boundingBox())!;
    const centre = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    expect(await onCanvas(page, centre)).toBe(true);
    await page.mouse.click(centre.x, centre.y);
    const card = page.getByTestId('map-card');
    await card.waitFor({ timeout: STEP });
    expect(await card.getAttribute('data-kind')).toBe('area');
    await card.getByTestId('kpi-open').waitFor({ timeout: STEP });
    await card.getByTestId('card-queues').waitFor({ timeout: STEP });

    await page.route('**/api/map/aggregate**', (route) =>
      route.fulfill({
        status: 400,
        contentType: 'application/json',
        body: JSON.stringify({
          code: 'MAP_TEST',
          message: '测试用的错误 / A test error',
          requestId: 'req-map-e2e',
        }),
      }),
    );
    await page.getByTestId('layer-matters').check();
    const error = page.getByTestId('map-error');
    await error.waitFor({ timeout: STEP });
    expect(await error.textContent()).toContain('测试用的错误');
    expect(await error.textContent()).toContain('req-map-e2e');
    await page.unroute('**/api/map/aggregate**');
  });

  it('a configured GCJ-02 raster base map is drawn under our layers, and the layers are asked in GCJ-02', async () => {
    const { page } = await open('commander.lucheng');
    // The deployment's configuration as the server would send it with ZHILI_MAP_BASE_SOURCES set; the tiles
    // are served by the test (no internet here).
    await withBaseSources(page, [
      {
        id: 'local',
        name: '本地瓦片',
        type: 'raster',
        url: '/e2e-tiles/{z}/{x}/{y}.png',
        tileSize: 256,
        crs: 'gcj02',
      },
    ]);
    const tiles: string[] = [];
    await page.route('**/e2e-tiles/**', (route) => {
      tiles.push(route.request().url());
      return route.fulfill({ status: 200, contentType: 'image/png', body: TILE });
    });
    await page.goto(`${e2e.base}/map`);
    await drawn(page, 'matters-cells');
    expect(await canvas(page).getAttribute('data-crs')).toBe('wgs84');
    const gcj = page.waitForRequest(
      (r) => r.url().includes('/api/map/aggregate') && new URL(r.url()).searchParams.get('crs') === 'gcj02',
      { timeout: STEP },
    );
    await page.getByTestId('base-local').click();
    await page.waitForURL(/base=local/);
    await gcj;
    await expect
      .poll(() => tiles.length, { timeout: DRAW, message: 'tiles are asked for' })
      .toBeGreaterThan(0);
    expect(await canvas(page).getAttribute('data-crs')).toBe('gcj02');
    await drawn(page, 'matters-cells');
    expect(await page.getByTestId('map-error').count()).toBe(0);
    await shot(page, 'map-base-raster');
  });

  it('a configured local PMTiles file is the base: read by range requests, its tiles fetched without an error; a broken file is marked', async () => {
    const { page } = await open('commander.lucheng');
    const archive = pmtilesOf(TILE, 14);
    await withBaseSources(page, [
      {
        id: 'pm',
        name: '离线底图',
        type: 'pmtiles',
        url: '/e2e-base.pmtiles',
        tileSize: 256,
        crs: 'wgs84',
      },
      { id: 'bad', name: '损坏的文件', type: 'pmtiles', url: '/e2e-bad.pmtiles', crs: 'wgs84' },
    ]);
    // A file server as a deployment's would answer: byte ranges (206), which PMTiles needs.
    const ranges: [number, number][] = [];
    await page.route('**/e2e-base.pmtiles', (route) => {
      const m = /bytes=(\d+)-(\d+)/.exec(route.request().headers().range ?? '');
      if (!m)
        return route.fulfill({ status: 200, contentType: 'application/octet-stream', body: archive.bytes });
      const from = Number(m[1]);
      const to = Math.min(Number(m[2]), archive.bytes.length - 1);
      ranges.push([from, to]);
      return route.fulfill({
        status: 206,
        headers: {
          'content-type': 'application/octet-stream',
          'content-range': `bytes ${from}-${to}/${archive.bytes.length}`,
          'content-length': String(to - from + 1),
        },
        body: archive.bytes.subarray(from, to + 1),
      });
    });
    // Not an archive at all (a page answered where the file should be).
    await page.route('**/e2e-bad.pmtiles', (route) =>
      route.fulfill({ status: 200, contentType: 'text/html', body: '<html>not found</html>' }),
    );
    await page.goto(`${e2e.base}/map`);
    await drawn(page, 'matters-cells');
    await page.getByTestId('base-pm').click();
    await page.waitForURL(/base=pm/);
    // The header and root directory first, then the tiles' bytes (every tile of this file is the one PNG).
    await expect
      .poll(() => ranges.some(([from]) => from === archive.tileDataOffset), {
        timeout: DRAW,
        message: 'a tile is read from the archive',
      })
      .toBe(true);
    expect(ranges[0]?.[0]).toBe(0);
    await drawn(page, 'matters-cells');
    expect(await page.getByTestId('map-error').count()).toBe(0);
    // A base that fails (header, directory or a tile MapLibre cannot decode) is marked 不可用 in the panel.
    // (The choice as drawn: antd marks the chosen radio's label; the input's own checked property lags here.)
    const label = page
      .locator('label.ant-radio-wrapper-checked')
      .filter({ has: page.getByTestId('base-pm') });
    await label.waitFor({ timeout: STEP });
    expect(await label.textContent()).toContain('离线底图');
    expect(await label.textContent()).not.toContain('不可用');
    await shot(page, 'map-base-pmtiles');
    // The broken file is marked, with the reason on hover; our own layers stay drawn.
    await page.getByTestId('base-bad').click();
    await page.waitForURL(/base=bad/);
    await page
      .locator('label')
      .filter({ has: page.getByTestId('base-bad') })
      .filter({ hasText: '不可用' })
      .waitFor({ timeout: STEP });
    await drawn(page, 'matters-cells');
    await shot(page, 'map-base-broken');
  });

  it('on a phone the layer panel is a drawer and nothing overflows sideways', async () => {
    const { page } = await open('commander.lucheng', PHONE);
    await page.goto(`${e2e.base}/map`);
    await drawn(page, 'matters-cells');
    await fitsWidth(page);
    await page.getByTestId('open-layers').click();
    const drawer = page.getByTestId('layer-drawer');
    await drawer.getByTestId('layer-panel').waitFor({ timeout: STEP });
    await drawer.getByTestId('layer-houses').check();
    await page.waitForURL(/layers=[^&]*houses/);
    await fitsWidth(page);
    await shot(page, 'map-phone-layers');
    await page.keyboard.press('Escape');
    await drawer.getByTestId('layer-panel').waitFor({ state: 'hidden', timeout: STEP });
    await drawn(page, 'houses-cells');
    await fitsWidth(page);
    await shot(page, 'map-phone');
  });
});
