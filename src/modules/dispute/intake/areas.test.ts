import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbOrTx } from '../../../core/db/database.ts';
import type { Kernel } from '../../../core/kernel.ts';
import { openTestKernel } from '../../../testing/harness.ts';
import { type AreaIndex, type IndexedArea, loadAreaIndex, matchAddress, resolveArea } from './areas.ts';

// Codes below are the real ones of data/areas/3303-areas.json, which the test database holds.
const LUCHENG = '330302000000'; // 鹿城区
const WUMA = '330302006000'; // 鹿城区 五马街道
const GULOU = '330302006044'; // 五马街道 鼓楼社区
const GULOU_GRID = '330302006044001'; // 鼓楼社区第1网格
const GUANTOU = '330304005202'; // 瓯海区 娄桥街道 古岸头村委会
const YUEQING = '330382000000'; // 乐清市
const LIUSHI = '330382114000'; // 乐清市 柳市镇
const CHANGHONG = '330382114006'; // 柳市镇 长虹社区
const TAISHUN = '330329000000'; // 泰顺县
// 外垟村委会 is a village name found five times: twice in 泰顺县 (筱村镇, 彭溪镇), once each in 鹿城区
// (藤桥镇), 苍南县 and 文成县.
const WAIYANG_XIAOCUN = '330329103238'; // 泰顺县 筱村镇 外垟村委会
const WAIYANG_TENGQIAO = '330302102259'; // 鹿城区 藤桥镇 外垟村委会

let k: Kernel;
let index: AreaIndex;
beforeAll(async () => {
  k = await openTestKernel();
  index = await loadAreaIndex(k.db);
});
afterAll(() => k?.close());

const resolve = (input: Parameters<typeof resolveArea>[2]) => resolveArea(k.db, index, input);

/** A database handle that fails on any use: the code and address paths must work from the index alone. */
const noDb = new Proxy(
  {},
  {
    get() {
      throw new Error('the database was used');
    },
  },
) as DbOrTx;

describe('area index', () => {
  it('holds every area, grids included, by code', () => {
    expect(index.areas.get(GULOU)).toMatchObject({ level: 4, name: '鼓楼社区' });
    expect(index.areas.get(GULOU)?.parent?.code).toBe(WUMA);
    expect(index.areas.get(GULOU_GRID)?.level).toBe(5);
    expect(index.areas.size).toBeGreaterThan(10_000);
  });
});

describe('resolveArea: code', () => {
  it('accepts 12, 9 and 6 digits, spaces and full-width digits, and grid codes, without the database', async () => {
    const cases: [string, string][] = [
      [GULOU, GULOU],
      ['330302006', WUMA],
      ['330302', LUCHENG],
      [' 3303 0200 6044 ', GULOU],
      ['３３０３０２００６０４４', GULOU],
      [GULOU_GRID, GULOU_GRID],
    ];
    for (const [given, code] of cases) {
      expect(await resolveArea(noDb, index, { areaCode: given }), given).toEqual({
        ok: true,
        code,
        from: 'code',
      });
    }
  });

  it('rejects a code that does not exist or is not a code', async () => {
    for (const given of ['330302999999', '3303020060', 'abc', '330302006044999']) {
      expect(await resolveArea(noDb, index, { areaCode: given }), given).toMatchObject({
        ok: false,
        field: 'areaCode',
        code: 'UNKNOWN_AREA_CODE',
      });
    }
    const r = await resolveArea(noDb, index, { areaCode: '330302999999' });
    expect(!r.ok && r.reason).toBe('区划代码 330302999999 不存在 / Unknown area code 330302999999');
  });

  it('uses the address when the code is unknown, and reports the code when neither resolves', async () => {
    expect(
      await resolveArea(noDb, index, { areaCode: '330302999999', address: '瓯海区娄桥街道古岸头村' }),
    ).toEqual({
      ok: true,
      code: GUANTOU,
      from: 'address',
      matched: ['瓯海区', '娄桥街道', '古岸头村委会'],
    });
    expect(
      await resolveArea(noDb, index, { areaCode: '330302999999', address: '人民东路18号' }),
    ).toMatchObject({
      ok: false,
      field: 'areaCode',
      code: 'UNKNOWN_AREA_CODE',
    });
  });

  it('takes a valid code over the address', async () => {
    expect(await resolveArea(noDb, index, { areaCode: GULOU, address: '瓯海区娄桥街道古岸头村' })).toEqual({
      ok: true,
      code: GULOU,
      from: 'code',
    });
  });
});

describe('resolveArea: address', () => {
  const address = (a: string) => resolveArea(noDb, index, { address: a });

  it('resolves full addresses at each level, deepest first', async () => {
    expect(await address('温州市鹿城区五马街道鼓楼社区解放街128号')).toEqual({
      ok: true,
      code: GULOU,
      from: 'address',
      matched: ['温州市', '鹿城区', '五马街道', '鼓楼社区'],
    });
    expect(await address('温州市鹿城区五马街道信河街')).toMatchObject({
      code: WUMA,
      matched: ['温州市', '鹿城区', '五马街道'],
    });
    expect(await address('浙江省乐清市人民政府')).toMatchObject({ code: YUEQING, matched: ['乐清市'] });
    expect(await address('瓯海区娄桥街道古岸头村')).toMatchObject({ code: GUANTOU });
  });

  it('reads abbreviations and a missing county', async () => {
    const cases: [string, string, string[]][] = [
      ['乐清柳市镇长虹村委会', CHANGHONG, ['乐清市', '柳市镇', '长虹社区']],
      ['乐清柳市长虹村', CHANGHONG, ['乐清市', '柳市镇', '长虹社区']],
      ['柳市镇长虹社区居委会', CHANGHONG, ['柳市镇', '长虹社区']],
      ['柳市长虹', CHANGHONG, ['柳市镇', '长虹社区']],
      ['乐清县柳市镇', LIUSHI, ['乐清市', '柳市镇']],
      ['鹿城五马', WUMA, ['鹿城区', '五马街道']],
      ['瓯海区古岸头村', GUANTOU, ['瓯海区', '古岸头村委会']],
    ];
    for (const [a, code, matched] of cases) {
      expect(await address(a), a).toEqual({ ok: true, code, from: 'address', matched });
    }
  });

  it('handles full-width characters and spaces', async () => {
    expect(await address('温州市　鹿城区　五马街道　鼓楼社区　解放街１２８号')).toMatchObject({
      code: GULOU,
    });
    expect(await address(' 鹿城 五马 鼓楼 ')).toMatchObject({ code: GULOU });
    expect(await address('瓯海区 娄桥 古岸头')).toMatchObject({ code: GUANTOU });
  });

  it('resolves a repeated village name only inside a town; otherwise the county, or ambiguous', async () => {
    expect(await address('泰顺县筱村镇外垟村')).toMatchObject({ code: WAIYANG_XIAOCUN });
    expect(await address('泰顺筱村外垟')).toMatchObject({ code: WAIYANG_XIAOCUN });
    expect(await address('鹿城区藤桥镇外垟')).toMatchObject({ code: WAIYANG_TENGQIAO });
    // Two 外垟 in 泰顺县: the county is what the address says for sure.
    expect(await address('泰顺县外垟村')).toEqual({
      ok: true,
      code: TAISHUN,
      from: 'address',
      matched: ['泰顺县'],
    });
    const bare = await address('外垟村');
    expect(bare).toMatchObject({ ok: false, field: 'address', code: 'ADDRESS_AMBIGUOUS' });
    expect(!bare.ok && bare.reason).toContain('泰顺县筱村镇外垟村委会');
    expect(await address('温州市外垟村')).toMatchObject({ code: 'ADDRESS_AMBIGUOUS' });
    // 瑶溪街道 holds both 瑶溪社区 and 瑶溪村委会: the full name decides, the stem leaves the town.
    expect(await address('龙湾区瑶溪街道瑶溪社区')).toMatchObject({ code: '330303007003' });
    expect(await address('龙湾区瑶溪街道瑶溪村委会')).toMatchObject({ code: '330303007207' });
    expect(await address('龙湾区瑶溪街道瑶溪村')).toMatchObject({ code: '330303007000' });
  });

  it('keeps the town when the village named belongs to another town', async () => {
    // 古岸头 is a village of 瓯海区娄桥街道, not of 鹿城区五马街道.
    expect(await address('鹿城区五马街道古岸头村')).toEqual({
      ok: true,
      code: WUMA,
      from: 'address',
      matched: ['鹿城区', '五马街道'],
    });
    expect(await address('五马街道古岸头村')).toMatchObject({ code: WUMA, matched: ['五马街道'] });
    // The same for a town of another county: the county written first is kept.
    expect(await address('鹿城区娄桥街道古岸头村')).toMatchObject({ code: LUCHENG, matched: ['鹿城区'] });
  });

  it('does not read place names out of street names, nor accept the city or a lone abbreviation', async () => {
    for (const a of ['人民东路18号', '瓯海大道1号', '温州市人民路', '鹿城', '解放街128号']) {
      expect(await address(a), a).toMatchObject({ ok: false, field: 'address', code: 'ADDRESS_NOT_MATCHED' });
    }
    expect(await address('鹿城区车站大道577号')).toMatchObject({ code: LUCHENG });
  });

  it('reads every village of the city from its full address, and quickly', () => {
    const villages = [...index.areas.values()].filter((a) => a.level === 4);
    const fullName = (a: IndexedArea) => {
      const town = a.parent!;
      return `温州市${town.parent!.name}${town.name}${a.name}`;
    };
    const addresses = villages.map((v, i) => `${fullName(v)}${['解放街', '人民路', '工业区'][i % 3]}${i}号`);
    const wrong = villages.filter((v, i) => {
      const r = matchAddress(index, addresses[i]!);
      return !r.ok || r.code !== v.code;
    });
    // Written in full, even the pairs that share a stem in one town (瑶溪社区 / 瑶溪村委会) are told apart.
    expect(wrong.map((v) => v.code)).toEqual([]);

    // Logged, not asserted: timing depends on the machine and its load. Each round is timed in CPU time
    // (the loop runs on one thread) and the best round is reported, which a busy shared machine disturbs
    // least; the wall-clock rate over all rounds is logged beside it.
    const rounds = 5;
    let best = 0;
    const wall = performance.now();
    for (let r = 0; r < rounds; r++) {
      const cpu = process.cpuUsage();
      for (const a of addresses) matchAddress(index, a);
      const used = process.cpuUsage(cpu);
      best = Math.max(best, addresses.length / ((used.user + used.system) / 1e6));
    }
    const wallRate = (rounds * addresses.length) / ((performance.now() - wall) / 1000);
    console.info(
      `address → area: ${Math.round(best)} addresses per CPU second (best of ${rounds} rounds of ` +
        `${addresses.length}), ${Math.round(wallRate)} per second of wall time`,
    );
  });
});

describe('resolveArea: point and nothing', () => {
  it('locates a point inside the city, down to the grid', async () => {
    const gulou = await k.db
      .selectFrom('areas')
      .select(['center_lng', 'center_lat'])
      .where('code', '=', GULOU)
      .executeTakeFirstOrThrow();
    const r = await resolve({ point: { lng: gulou.center_lng!, lat: gulou.center_lat! } });
    expect(r).toMatchObject({ ok: true, from: 'point' });
    expect(r.ok && r.code.startsWith(GULOU)).toBe(true);
  });

  it('falls back to the point when the address does not match', async () => {
    const r = await resolve({ address: '人民东路18号', point: { lng: 120.655, lat: 28.015 } });
    expect(r).toMatchObject({ ok: true, from: 'point' });
    expect(r.ok && r.code.startsWith('330302')).toBe(true);
  });

  it('rejects a point outside the city or not a number', async () => {
    for (const point of [
      { lng: 122.8, lat: 27.2 },
      { lng: Number.NaN, lat: 28 },
      { lng: 999, lat: 0 },
    ]) {
      expect(await resolve({ point })).toMatchObject({ ok: false, field: 'point', code: 'POINT_OUTSIDE' });
    }
  });

  it('says the area is missing when nothing is given', async () => {
    for (const input of [
      {},
      { areaCode: null, address: null, point: null },
      { areaCode: '  ', address: ' 　 ' },
    ]) {
      expect(await resolve(input)).toEqual({
        ok: false,
        field: 'areaCode',
        code: 'AREA_MISSING',
        reason: '未给出区划代码、地址或坐标 / No area code, address or coordinates given',
      });
    }
  });
});
