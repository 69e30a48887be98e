import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { systemActor } from '../../core/access/actor.ts';
import { createMatter } from '../../core/matters/matters.service.ts';
import { createTestContext, type TestContext } from '../../testing/harness.ts';
import { toCrs } from '../map/map.geo.ts';
import { addDays, chinaDay, isoWeekday } from './court.shared.ts';
import { kdb } from './court.tables.ts';

/**
 * 共享法庭 and 心理服务站 through HTTP on a real database: the registries' validation, placement, masking and
 * audit; scope; the slots and SLOT_TAKEN, also for two bookings of one slot sent at once; the use log; the map
 * layer; referrals (refused from a matter the actor cannot see); visit records under psych:read with every
 * read audited; follow-ups and their overdue mark.
 */
const CITY = '330300000000';
const WUMA = '330302006000'; // 五马街道
const GULOU = '330302006044'; // 鼓楼社区
const QIDU = '330302023000'; // 七都街道

let t: TestContext;
const c: Record<string, string> = {};
const ids: Record<string, string> = {};
let GULOU_AT = { lng: 0, lat: 0 };
let qiduVillage = '';

function call(who: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) {
  return t.app.inject({
    method,
    url,
    headers: { cookie: c[who]! },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
}

/** A Monday (China time) at least a week ahead: open by default, never in the past. */
function nextMonday(): string {
  let d = addDays(chinaDay(new Date()), 7);
  while (isoWeekday(d) !== 1) d = addDays(d, 1);
  return d;
}
const at = (day: string, hhmm: string) => new Date(`${day}T${hhmm}:00+08:00`).toISOString();

const court = (over: Record<string, unknown> = {}) => ({
  name: '鼓楼社区共享法庭',
  kind: 'village',
  areaCode: GULOU,
  point: GULOU_AT,
  address: '鼓楼街 1 号',
  liaison: { name: '王庭务', phone: '13812345678' },
  judge: { name: '李法官', court: '鹿城区人民法院' },
  services: ['在线诉讼', '司法确认', '法律咨询'],
  openDays: [1, 2, 3, 4, 5],
  openFrom: '09:00',
  openTo: '17:00',
  slotMinutes: 30,
  ...over,
});

beforeAll(async () => {
  t = await createTestContext();
  const users: [string, Parameters<TestContext['userSession']>[0]][] = [
    ['admin', { username: 'k_admin', role: 'city_admin', areaCode: CITY }],
    ['commander', { username: 'k_commander', role: 'commander', areaCode: CITY }],
    ['town', { username: 'k_town', role: 'town_center', areaCode: WUMA, departmentCode: 'zongzhi' }],
    ['otherTown', { username: 'k_other', role: 'town_center', areaCode: QIDU, departmentCode: 'zongzhi' }],
    ['mediator', { username: 'k_mediator', role: 'mediator', areaCode: WUMA, departmentCode: 'justice' }],
    ['grid', { username: 'k_grid', role: 'grid_worker', areaCode: GULOU }],
    ['auditor', { username: 'k_auditor', role: 'auditor', areaCode: CITY }],
  ];
  for (const [k, u] of users) c[k] = await t.userSession(u);
  const area = await t.kernel.db
    .selectFrom('areas')
    .select(['center_lng', 'center_lat'])
    .where('code', '=', GULOU)
    .executeTakeFirstOrThrow();
  GULOU_AT = { lng: area.center_lng!, lat: area.center_lat! };
  qiduVillage = (
    await t.kernel.db
      .selectFrom('areas')
      .select('code')
      .where('parent_code', '=', QIDU)
      .orderBy('code')
      .executeTakeFirstOrThrow()
  ).code;
  const sys = systemActor('test');
  const now = new Date().toISOString();
  const made = await t.kernel.db.transaction().execute(async (tx) => ({
    dispute: await createMatter(tx, sys, {
      type: 'event',
      category: 'dispute',
      title: '邻里漏水纠纷（测试）',
      areaCode: GULOU,
    }),
    lamp: await createMatter(tx, sys, { type: 'event', title: '路灯损坏', areaCode: GULOU }),
    qiduDispute: await createMatter(tx, sys, {
      type: 'event',
      category: 'dispute',
      title: '七都的纠纷',
      areaCode: qiduVillage,
    }),
    emotion: await createMatter(tx, sys, {
      type: 'alert',
      category: 'extreme_emotion',
      title: '极端情绪预警（测试）',
      areaCode: GULOU,
      payload: {
        model: 'extreme_emotion',
        modelVersion: 1,
        key: 'k1',
        window: 'open',
        level: 'red',
        score: 85,
        factors: [],
        firstAt: now,
        lastAt: now,
      },
    }),
  }));
  ids.dispute = made.dispute.matter.id;
  ids.lamp = made.lamp.matter.id;
  ids.qiduDispute = made.qiduDispute.matter.id;
  ids.emotion = made.emotion.matter.id;
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe('shared courts registry', () => {
  it('refuses bad input with every field named, and nothing is saved', async () => {
    const before = await kdb(t.kernel.db).selectFrom('court_courts').select('id').execute();
    const r = await call('town', 'POST', '/api/courts', {
      ...court(),
      name: '',
      kind: 'palace',
      slotMinutes: 5,
      openFrom: '25:00',
    });
    expect(r.statusCode).toBe(400);
    expect(r.json().code).toBe('VALIDATION_FAILED');
    const paths = r.json().details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(
      expect.arrayContaining(['body.name', 'body.kind', 'body.slotMinutes', 'body.openFrom']),
    );
    const hours = await call('town', 'POST', '/api/courts', court({ openFrom: '16:50', openTo: '17:00' }));
    expect(hours.statusCode).toBe(400);
    expect(hours.json().details[0].path).toBe('openTo');
    const phone = await call(
      'town',
      'POST',
      '/api/courts',
      court({ liaison: { name: '王', phone: '12345' } }),
    );
    expect(phone.statusCode).toBe(400);
    expect(phone.json().code).toBe('INVALID_MOBILE');
    const out = await call('town', 'POST', '/api/courts', court({ areaCode: qiduVillage }));
    expect(out.statusCode).toBe(403);
    expect(out.json().code).toBe('AREA_OUT_OF_SCOPE');
    const city = await call('admin', 'POST', '/api/courts', court({ areaCode: CITY }));
    expect(city.statusCode).toBe(400);
    expect((await kdb(t.kernel.db).selectFrom('court_courts').select('id').execute()).length).toBe(
      before.length,
    );
    // Only those who manage the registry register courts.
    for (const who of ['grid', 'mediator', 'commander']) {
      expect((await call(who, 'POST', '/api/courts', court())).statusCode, who).toBe(403);
    }
  });

  it('registers a court placed by its point, the liaison’s phone encrypted and masked, audited', async () => {
    const r = await call('town', 'POST', '/api/courts', court({ areaCode: undefined, point: GULOU_AT }));
    expect(r.statusCode, r.body).toBe(201);
    const body = r.json();
    ids.court = body.id;
    expect(body).toMatchObject({
      kind: 'village',
      kindName: { zh: '村社' },
      liaison: { name: '王庭务', phone: '138****5678' },
      judge: { name: '李法官' },
      slotMinutes: 30,
      version: 1,
    });
    // The point's village (its grid lies below).
    expect(body.areaCode).toBe(GULOU);
    const row = await kdb(t.kernel.db)
      .selectFrom('court_courts')
      .select('liaison_phone_enc')
      .where('id', '=', body.id)
      .executeTakeFirstOrThrow();
    expect(row.liaison_phone_enc).toMatch(/^v1\./);
    expect(row.liaison_phone_enc).not.toContain('13812345678');
    const a = await t.kernel.db
      .selectFrom('audit_log')
      .select(['new_values'])
      .where('action', '=', 'court.create')
      .where('entity_id', '=', body.id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(a.new_values)).not.toContain('13812345678');
    expect(JSON.stringify(a.new_values)).toContain('"liaisonPhone":"set"');
  });

  it('reveals the phone for a reason to those who may, audited; not to others', async () => {
    const r = await call('town', 'POST', `/api/courts/${ids.court}/liaison/reveal`, {
      reason: '联系开庭事宜',
    });
    expect(r.statusCode).toBe(200);
    expect(r.json().phone).toBe('13812345678');
    const audited = await t.kernel.db
      .selectFrom('audit_log')
      .select(['reason'])
      .where('action', '=', 'court.liaison.reveal')
      .execute();
    expect(audited.map((x) => x.reason)).toContain('联系开庭事宜');
    expect(
      (await call('auditor', 'POST', `/api/courts/${ids.court}/liaison/reveal`, { reason: '看看' }))
        .statusCode,
    ).toBe(403);
  });

  it('updates with the version read (a stale one is 409), and deletes only an unused court', async () => {
    const ok = await call('town', 'PUT', `/api/courts/${ids.court}`, court({ version: 1, slotMinutes: 60 }));
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ version: 2, slotMinutes: 60 });
    const stale = await call('town', 'PUT', `/api/courts/${ids.court}`, court({ version: 1 }));
    expect(stale.statusCode).toBe(409);
    const back = await call('town', 'PUT', `/api/courts/${ids.court}`, court({ version: 2 }));
    expect(back.json().slotMinutes).toBe(30);
    const extra = await call('town', 'POST', '/api/courts', court({ name: '临时法庭' }));
    expect((await call('town', 'DELETE', `/api/courts/${extra.json().id}`)).statusCode).toBe(204);
    expect((await call('town', 'GET', `/api/courts/${extra.json().id}`)).statusCode).toBe(404);
  });

  it('keeps to the area scope: lists, detail, the map layer', async () => {
    const other = await call(
      'otherTown',
      'POST',
      '/api/courts',
      court({ name: '七都共享法庭', areaCode: qiduVillage }),
    );
    expect(other.statusCode).toBe(201);
    ids.qiduCourt = other.json().id;
    const mine = (await call('town', 'GET', '/api/courts?pageSize=200')).json();
    expect(mine.items.map((x: { id: string }) => x.id)).toContain(ids.court);
    expect(mine.items.map((x: { id: string }) => x.id)).not.toContain(ids.qiduCourt);
    expect((await call('town', 'GET', `/api/courts/${ids.qiduCourt}`)).statusCode).toBe(404);
    const all = (await call('commander', 'GET', '/api/courts?q=七都')).json();
    expect(all.total).toBe(1);
    expect((await call('auditor', 'GET', '/api/courts')).statusCode).toBe(403);
    const layer = (await call('town', 'GET', '/api/courts/layer?layer=courts')).json();
    expect(layer.points).toEqual([
      expect.objectContaining({ id: ids.court, kind: 'village', lng: GULOU_AT.lng, lat: GULOU_AT.lat }),
    ]);
    const far = (await call('commander', 'GET', '/api/courts/layer?bbox=121,28,121.1,28.1')).json();
    expect(far.points).toEqual([]);
    // Under a GCJ-02 base map: the box read and the points answered in GCJ-02 (the map's conversion).
    const gcj = (await call('town', 'GET', '/api/courts/layer?layer=courts&crs=gcj02')).json();
    const [lng, lat] = toCrs(GULOU_AT.lng, GULOU_AT.lat, 'gcj02');
    expect(gcj.points).toEqual([expect.objectContaining({ id: ids.court, lng, lat })]);
    // The map's own box checks.
    for (const [bbox, code] of [
      ['121.1,28,121,28.1', 'INVALID_BBOX'],
      ['100,20,130,45', 'BBOX_TOO_LARGE'],
      ['10,10,11,11', 'BBOX_OUTSIDE_CHINA'],
    ] as const) {
      const r = await call('town', 'GET', `/api/courts/layer?bbox=${bbox}`);
      expect(r.statusCode, bbox).toBe(400);
      expect(r.json().code).toBe(code);
    }
  });

  it('exports the registry as a workbook, audited', async () => {
    const r = await call('town', 'GET', '/api/courts/export');
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('spreadsheetml');
    expect(r.rawPayload.subarray(0, 2).toString()).toBe('PK');
    // The audit entry is written once the workbook is complete, just after the last byte is sent.
    const a = await vi.waitFor(() =>
      t.kernel.db
        .selectFrom('audit_log')
        .select('new_values')
        .where('action', '=', 'court.export')
        .executeTakeFirstOrThrow(),
    );
    expect((a.new_values as { rows: number }).rows).toBe(1);
  });
});

describe('bookings', () => {
  const day = nextMonday();

  it('lists the day’s slots from the open hours', async () => {
    const r = await call('mediator', 'GET', `/api/courts/${ids.court}/slots?date=${day}`);
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body).toMatchObject({ open: true, slotMinutes: 30 });
    expect(body.slots).toHaveLength(16);
    expect(body.slots[0].startsAt).toBe(at(day, '09:00'));
    expect(body.slots.at(-1).endsAt).toBe(at(day, '17:00'));
    const sunday = (
      await call('mediator', 'GET', `/api/courts/${ids.court}/slots?date=${addDays(day, 6)}`)
    ).json();
    expect(sunday).toMatchObject({ open: false, slots: [] });
  });

  it('refuses what is not a bookable slot', async () => {
    const bad = async (startsAt: string) => {
      const r = await call('mediator', 'POST', `/api/courts/${ids.court}/bookings`, {
        startsAt,
        kind: 'online_hearing',
        title: '测试',
      });
      expect(r.statusCode, startsAt).toBe(400);
      expect(r.json().code).toBe('SLOT_INVALID');
    };
    await bad(at(day, '09:10')); // off the 30-minute grid
    await bad(at(day, '16:45')); // runs past closing
    await bad(at(day, '08:30')); // before opening
    await bad(at(addDays(day, 6), '10:00')); // Sunday
    await bad(at(addDays(chinaDay(new Date()), -7), '10:00')); // past
    expect(
      (
        await call('grid', 'POST', `/api/courts/${ids.court}/bookings`, {
          startsAt: at(day, '10:00'),
          kind: 'online_hearing',
          title: 'x',
        })
      ).statusCode,
    ).toBe(403);
  });

  it('books a slot linked to a dispute (its timeline says so); the same slot again is SLOT_TAKEN', async () => {
    const r = await call('mediator', 'POST', `/api/courts/${ids.court}/bookings`, {
      startsAt: at(day, '10:00'),
      kind: 'judicial_confirmation',
      title: '漏水纠纷调解协议司法确认',
      partiesCount: 2,
      matterId: ids.dispute,
    });
    expect(r.statusCode, r.body).toBe(201);
    ids.booking = r.json().id;
    expect(r.json()).toMatchObject({
      status: 'booked',
      endsAt: at(day, '10:30'),
      matter: { id: ids.dispute },
    });
    const tl = await t.kernel.db
      .selectFrom('matter_timeline')
      .select(['action', 'note'])
      .where('matter_id', '=', ids.dispute!)
      .where('action', '=', 'court_booking')
      .executeTakeFirstOrThrow();
    expect(tl.note).toContain('鼓楼社区共享法庭');
    const again = await call('town', 'POST', `/api/courts/${ids.court}/bookings`, {
      startsAt: at(day, '10:00'),
      kind: 'online_hearing',
      title: '另一个',
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('SLOT_TAKEN');
    const slots = (await call('town', 'GET', `/api/courts/${ids.court}/slots?date=${day}`)).json();
    expect(slots.slots[2].booking).toMatchObject({ id: ids.booking, kind: 'judicial_confirmation' });
    // A matter the booker cannot see cannot be linked.
    const hidden = await call('mediator', 'POST', `/api/courts/${ids.court}/bookings`, {
      startsAt: at(day, '11:00'),
      kind: 'online_hearing',
      title: '看不到的事项',
      matterId: ids.qiduDispute,
    });
    expect(hidden.statusCode).toBe(404);
  });

  it('lets exactly one of two concurrent bookings of one slot win', async () => {
    const body = (title: string) => ({ startsAt: at(day, '14:00'), kind: 'online_hearing', title });
    const [a, b] = await Promise.all([
      call('mediator', 'POST', `/api/courts/${ids.court}/bookings`, body('甲')),
      call('town', 'POST', `/api/courts/${ids.court}/bookings`, body('乙')),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([201, 409]);
    expect([a, b].find((x) => x.statusCode === 409)!.json().code).toBe('SLOT_TAKEN');
    const live = await kdb(t.kernel.db)
      .selectFrom('court_bookings')
      .select('id')
      .where('court_id', '=', ids.court!)
      .where('starts_at', '=', new Date(at(day, '14:00')))
      .where('status', '<>', 'cancelled')
      .execute();
    expect(live).toHaveLength(1);
    // The database itself holds the rule: a second live row for the slot is refused whatever the service checks.
    await expect(
      kdb(t.kernel.db)
        .insertInto('court_bookings')
        .values({
          court_id: ids.court!,
          area_code: GULOU,
          starts_at: new Date(at(day, '14:00')),
          ends_at: new Date(at(day, '14:30')),
          kind: 'online_hearing',
          title: '绕过服务的插入',
          parties_count: 2,
          booked_by: null,
          booked_by_name: 'test',
        })
        .execute(),
    ).rejects.toMatchObject({ code: '23505' });
  });

  it('cancels (the slot is free again) and logs uses', async () => {
    const x = await call('town', 'POST', `/api/courts/${ids.court}/bookings`, {
      startsAt: at(day, '15:00'),
      kind: 'online_hearing',
      title: '将取消',
    });
    const cancel = await call('town', 'POST', `/api/court-bookings/${x.json().id}/cancel`, {
      reason: '当事人改期',
    });
    expect(cancel.statusCode).toBe(200);
    expect(cancel.json()).toMatchObject({ status: 'cancelled', cancelReason: '当事人改期' });
    expect(
      (await call('town', 'POST', `/api/court-bookings/${x.json().id}/cancel`, { reason: '再取消' }))
        .statusCode,
    ).toBe(409);
    const rebook = await call('town', 'POST', `/api/courts/${ids.court}/bookings`, {
      startsAt: at(day, '15:00'),
      kind: 'online_hearing',
      title: '重新预约',
    });
    expect(rebook.statusCode).toBe(201);

    const today = chinaDay(new Date());
    const use = await call('mediator', 'POST', `/api/courts/${ids.court}/uses`, {
      usedOn: today,
      kind: 'judicial_confirmation',
      partiesCount: 2,
      outcome: 'confirmed',
      bookingId: ids.booking,
    });
    expect(use.statusCode, use.body).toBe(201);
    const twice = await call('mediator', 'POST', `/api/courts/${ids.court}/uses`, {
      usedOn: today,
      kind: 'judicial_confirmation',
      partiesCount: 2,
      outcome: 'confirmed',
      bookingId: ids.booking,
    });
    expect(twice.statusCode).toBe(400);
    const future = await call('mediator', 'POST', `/api/courts/${ids.court}/uses`, {
      usedOn: addDays(today, 2),
      kind: 'mediation',
      partiesCount: 3,
      outcome: 'settled',
    });
    expect(future.statusCode).toBe(400);
    const log = (await call('commander', 'GET', `/api/courts/${ids.court}/uses`)).json();
    expect(log.total).toBe(1);
    expect(log.items[0]).toMatchObject({ outcome: 'confirmed', bookingId: ids.booking });
    const list = (
      await call('town', 'GET', `/api/courts/${ids.court}/bookings?from=${day}&to=${day}`)
    ).json();
    expect(list.items.find((b: { id: string }) => b.id === ids.booking).status).toBe('used');
  });
});

describe('psychological stations', () => {
  it('registers a station with its contact masked; validation and scope as for courts', async () => {
    const bad = await call('town', 'POST', '/api/psych/stations', { name: '', contact: { name: null } });
    expect(bad.statusCode).toBe(400);
    const r = await call('town', 'POST', '/api/psych/stations', {
      name: '鼓楼社区心理服务站',
      areaCode: GULOU,
      point: GULOU_AT,
      staff: [{ name: '陈老师', title: '心理咨询师' }],
      contact: { name: '陈老师', phone: '13900001111' },
      hours: '周一至周五 9:00–17:00',
    });
    expect(r.statusCode, r.body).toBe(201);
    ids.station = r.json().id;
    expect(r.json().contact).toEqual({ name: '陈老师', phone: '139****1111' });
    const q = await call('otherTown', 'POST', '/api/psych/stations', {
      name: '七都心理服务站',
      areaCode: qiduVillage,
      contact: { name: null },
    });
    ids.qiduStation = q.json().id;
    expect((await call('town', 'GET', `/api/psych/stations/${ids.qiduStation}`)).statusCode).toBe(404);
    const layer = (await call('grid', 'GET', '/api/courts/layer?layer=stations')).json();
    expect(layer.points.map((p: { id: string }) => p.id)).toEqual([ids.station]);
  });

  it('takes referrals from a dispute and an extreme-emotion alert; refuses a matter the actor cannot see', async () => {
    const r = await call('grid', 'POST', '/api/psych/referrals', {
      stationId: ids.station,
      sourceMatterId: ids.dispute,
      reason: '纠纷后情绪低落，需心理疏导',
    });
    expect(r.statusCode, r.body).toBe(201);
    ids.referral = r.json().id;
    expect(r.json()).toMatchObject({ status: 'pending', source: { id: ids.dispute } });
    const tl = await t.kernel.db
      .selectFrom('matter_timeline')
      .select('note')
      .where('matter_id', '=', ids.dispute!)
      .where('action', '=', 'psych_referral')
      .executeTakeFirstOrThrow();
    expect(tl.note).toBe('已转介心理服务站：鼓楼社区心理服务站');
    const dup = await call('grid', 'POST', '/api/psych/referrals', {
      stationId: ids.station,
      sourceMatterId: ids.dispute,
      reason: '再次转介',
    });
    expect(dup.statusCode).toBe(409);
    const alert = await call('town', 'POST', '/api/psych/referrals', {
      stationId: ids.station,
      sourceMatterId: ids.emotion,
      reason: '极端情绪预警，需上门疏导',
      urgency: 'urgent',
    });
    expect(alert.statusCode, alert.body).toBe(201);
    const hidden = await call('grid', 'POST', '/api/psych/referrals', {
      stationId: ids.station,
      sourceMatterId: ids.qiduDispute,
      reason: '看不到的事项',
    });
    expect(hidden.statusCode).toBe(404);
    expect(hidden.json().code).toBe('REFERRAL_SOURCE_NOT_FOUND');
    const absent = await call('grid', 'POST', '/api/psych/referrals', {
      stationId: ids.station,
      sourceMatterId: '999999999',
      reason: '不存在的事项',
    });
    expect(absent.json().code).toBe('REFERRAL_SOURCE_NOT_FOUND');
    const lamp = await call('grid', 'POST', '/api/psych/referrals', {
      stationId: ids.station,
      sourceMatterId: ids.lamp,
      reason: '路灯',
    });
    expect(lamp.statusCode).toBe(400);
    expect(lamp.json().code).toBe('REFERRAL_SOURCE_INVALID');
    expect(
      (
        await call('auditor', 'POST', '/api/psych/referrals', {
          stationId: ids.station,
          sourceMatterId: ids.dispute,
          reason: '审计',
        })
      ).statusCode,
    ).toBe(403);
    // The station's staff see the queue of their area, urgent first; the referrer sees their own.
    const queue = (await call('town', 'GET', '/api/psych/referrals?status=open')).json();
    expect(queue.total).toBe(2);
    expect(queue.items[0].urgency).toBe('urgent');
    const own = (await call('grid', 'GET', '/api/psych/referrals')).json();
    expect(own.items.map((x: { id: string }) => x.id)).toEqual([ids.referral]);
    expect((await call('otherTown', 'GET', '/api/psych/referrals')).json().total).toBe(0);
  });

  it('keeps visit records to psych:read / psych:write (403 for others), encrypted, every read audited', async () => {
    const content = '来访者因邻里纠纷失眠两周，情绪低落，已进行认知疏导。';
    const visit = {
      stationId: ids.station,
      referralId: ids.referral,
      visitedAt: new Date(Date.now() - 3600_000).toISOString(),
      personLabel: '张某',
      content,
      riskLevel: 'medium',
      followUp: { dueOn: addDays(chinaDay(new Date()), 7), plan: '一周后电话回访' },
    };
    for (const who of ['grid', 'mediator', 'commander', 'admin', 'auditor']) {
      const r = await call(who, 'POST', '/api/psych/visits', visit);
      expect(r.statusCode, who).toBe(403);
      expect(r.json().code).toBe('FORBIDDEN');
      const l = await call(who, 'GET', '/api/psych/visits');
      expect(l.statusCode, who).toBe(403);
      expect(l.json().details[0].code).toBe('psych:read');
    }
    const r = await call('town', 'POST', '/api/psych/visits', visit);
    expect(r.statusCode, r.body).toBe(201);
    ids.visit = r.json().id;
    expect(r.json()).toMatchObject({ content, personLabel: '张某', referralId: ids.referral });
    // The referral was accepted by the visit.
    const ref = (await call('town', 'GET', `/api/psych/referrals?sourceMatterId=${ids.dispute}`)).json();
    expect(ref.items[0].status).toBe('accepted');
    const row = await kdb(t.kernel.db)
      .selectFrom('court_visits')
      .select('content_enc')
      .where('id', '=', ids.visit!)
      .executeTakeFirstOrThrow();
    expect(row.content_enc).toMatch(/^v1\./);
    const created = await t.kernel.db
      .selectFrom('audit_log')
      .select('new_values')
      .where('action', '=', 'psych.visit.create')
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(created.new_values)).not.toContain('失眠');

    const before = await t.kernel.db
      .selectFrom('audit_log')
      .select('id')
      .where('action', '=', 'psych.visit.read')
      .execute();
    const one = await call('town', 'GET', `/api/psych/visits/${ids.visit}`);
    expect(one.statusCode).toBe(200);
    expect(one.json().content).toBe(content);
    const list = (await call('town', 'GET', '/api/psych/visits')).json();
    expect(list.total).toBe(1);
    const reads = await t.kernel.db
      .selectFrom('audit_log')
      .select(['entity_id', 'new_values', 'actor_name'])
      .where('action', '=', 'psych.visit.read')
      .orderBy('id')
      .execute();
    expect(reads.length - before.length).toBe(2);
    expect(reads.at(-1)).toMatchObject({ actor_name: 'k_town', new_values: { ids: [ids.visit] } });
    expect(JSON.stringify(reads)).not.toContain('失眠');
    expect((await call('otherTown', 'GET', `/api/psych/visits/${ids.visit}`)).statusCode).toBe(404);
  });

  it('lists follow-ups with the overdue marked, and completes them', async () => {
    const open = (await call('town', 'GET', '/api/psych/followups')).json();
    expect(open.total).toBe(1);
    expect(open.items[0]).toMatchObject({ overdue: false, personLabel: '张某', plan: '一周后电话回访' });
    // One that fell due three days ago (written directly: the API refuses a due day in the past).
    await kdb(t.kernel.db)
      .insertInto('court_followups')
      .values({
        visit_id: ids.visit!,
        station_id: ids.station!,
        area_code: GULOU,
        due_on: addDays(chinaDay(new Date()), -3),
        plan: '三天前应回访',
      })
      .execute();
    const late = (await call('town', 'GET', '/api/psych/followups?state=overdue')).json();
    expect(late.total).toBe(1);
    expect(late.overdue).toBe(1);
    expect(late.items[0]).toMatchObject({ overdue: true, plan: '三天前应回访' });
    const past = await call('town', 'POST', '/api/psych/followups', {
      visitId: ids.visit,
      dueOn: addDays(chinaDay(new Date()), -1),
      plan: 'x',
    });
    expect(past.statusCode).toBe(400);
    const done = await call('town', 'POST', `/api/psych/followups/${late.items[0].id}/done`, {
      note: '已电话回访，情绪平稳',
    });
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({ overdue: false });
    expect((await call('town', 'GET', '/api/psych/followups?state=overdue')).json().total).toBe(0);
    expect((await call('mediator', 'GET', '/api/psych/followups')).statusCode).toBe(403);
  });

  it('closes a referral by its station’s staff only', async () => {
    expect(
      (await call('grid', 'POST', `/api/psych/referrals/${ids.referral}/handle`, { action: 'close' }))
        .statusCode,
    ).toBe(403);
    const r = await call('town', 'POST', `/api/psych/referrals/${ids.referral}/handle`, {
      action: 'close',
      note: '疏导完成',
    });
    expect(r.statusCode).toBe(200);
    expect(r.json().status).toBe('closed');
    const again = await call('town', 'POST', `/api/psych/referrals/${ids.referral}/handle`, {
      action: 'accept',
    });
    expect(again.statusCode).toBe(409);
  });
});
