import { PDFDocument, PDFName } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { idCardCheckChar } from '../../core/subjects/codes.ts';
import { createTestContext, type TestContext } from '../../testing/harness.ts';
import { kdb } from '../court/court.tables.ts';
import { sweepPendingCases } from './mediation.routes.ts';
import { openCasesForDispute } from './mediation.service.ts';
import { mdb } from './mediation.tables.ts';

/**
 * 一站式调解 through HTTP on a real database: a dispute sent to mediation opens a case; the whole loop to 结案
 * with the dispute's timeline; escalation village → town → county with the owner level changing; the agreement's
 * required fields (AGREEMENT_INCOMPLETE, nothing half-saved); the PDF; the 30-day rule; KPIs equal to direct
 * counts; scope and permissions.
 */
const CITY = '330300000000';
const LUCHENG = '330302000000';
const WUMA = '330302006000'; // 五马街道
const GULOU = '330302006044'; // 鼓楼社区
const QIDU = '330302023000'; // 七都街道

let t: TestContext;
const c: Record<string, string> = {};
const ids: Record<string, string> = {};

const id18 = (first17: string) => first17 + idCardCheckChar(first17);
const ID_A = id18('33030219800101123');
const ID_B = id18('33030219851212456');

function call(who: string, method: 'GET' | 'POST', url: string, payload?: unknown) {
  return t.app.inject({
    method,
    url,
    headers: { cookie: c[who]! },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
}

/** A dispute filed at 鼓楼社区, assessed by the town and sent to mediation; resolves with its case once opened. */
async function disputeToMediation(
  title: string,
  unitArea = GULOU,
): Promise<{ dispute: string; case: string }> {
  const created = await call('town', 'POST', '/api/matters', {
    type: 'dispute',
    category: 'neighbour',
    title,
    areaCode: GULOU,
    payload: { parties: [{ role: 'applicant', kind: 'person', name: '张三' }] },
  });
  expect(created.statusCode, created.body).toBe(201);
  const d = created.json() as { id: string; version: number };
  const assessed = await call('town', 'POST', `/api/matters/${d.id}/transitions`, {
    action: 'assess',
    version: d.version,
  });
  expect(assessed.statusCode, assessed.body).toBe(200);
  const sent = await call('town', 'POST', `/api/matters/${d.id}/transitions`, {
    action: 'to_mediation',
    version: assessed.json().version,
    assignee: { department: 'justice', areaCode: unitArea },
  });
  expect(sent.statusCode, sent.body).toBe(200);
  // The case opens on the event, after the step's commit.
  const row = await vi.waitFor(
    async () => {
      const r = await mdb(t.kernel.db)
        .selectFrom('mediation_cases')
        .select('matter_id')
        .where('dispute_id', '=', d.id)
        .executeTakeFirst();
      if (!r) throw new Error('not yet');
      return r;
    },
    { timeout: 5000, interval: 20 },
  );
  return { dispute: d.id, case: row.matter_id };
}

async function detail(who: string, id: string) {
  const r = await call(who, 'GET', `/api/mediation/cases/${id}`);
  expect(r.statusCode, r.body).toBe(200);
  return r.json();
}

async function step(who: string, id: string, path: string, body: Record<string, unknown> = {}, status = 200) {
  const { version } = await detail('county', id);
  const r = await call(who, 'POST', `/api/mediation/cases/${id}/${path}`, { version, ...body });
  expect(r.statusCode, r.body).toBe(status);
  return r.json();
}

const assignBody = (mediator: string) => ({
  mediatorId: ids[mediator],
  gridWorker: { userId: ids.m_grid },
  cadre: { name: '王村主任' },
});

const fullAgreement = () => ({
  parties: [
    {
      role: '申请人',
      name: '张三',
      gender: '男',
      age: 46,
      idNumber: ID_A,
      address: '鹿城区五马街道鼓楼社区1号',
    },
    {
      role: '被申请人',
      name: '李四',
      gender: '女',
      age: 41,
      idNumber: ID_B,
      address: '鹿城区五马街道鼓楼社区2号',
    },
  ],
  facts: '双方因相邻围墙排水问题发生争执。',
  issues: '围墙排水管改道及损失赔偿。',
  responsibility: '被申请人排水管设置不当，负主要责任。',
  terms: '被申请人于十日内将排水管改道，并赔偿申请人损失人民币贰仟元。',
  performanceMethod: '现金一次性支付，改道工程由被申请人自行完成。',
  performanceDeadline: '2026-12-31',
  signedByParties: true,
  mediatorSigned: true,
  committeeSealed: true,
  committeeName: '鼓楼社区人民调解委员会',
});

beforeAll(async () => {
  t = await createTestContext();
  const users: [string, Parameters<TestContext['userSession']>[0]][] = [
    ['admin', { username: 'm_admin', role: 'city_admin', areaCode: CITY }],
    ['county', { username: 'm_county', role: 'county_center', areaCode: LUCHENG, departmentCode: 'zongzhi' }],
    ['town', { username: 'm_town', role: 'town_center', areaCode: WUMA, departmentCode: 'zongzhi' }],
    ['otherTown', { username: 'm_other', role: 'town_center', areaCode: QIDU, departmentCode: 'zongzhi' }],
    ['mediator', { username: 'm_med_village', role: 'mediator', areaCode: GULOU, departmentCode: 'justice' }],
    ['townMediator', { username: 'm_med_town', role: 'mediator', areaCode: WUMA, departmentCode: 'justice' }],
    [
      'countyMediator',
      { username: 'm_med_county', role: 'mediator', areaCode: LUCHENG, departmentCode: 'justice' },
    ],
    [
      'otherMediator',
      { username: 'm_med_other', role: 'mediator', areaCode: QIDU, departmentCode: 'justice' },
    ],
    ['grid', { username: 'm_grid', role: 'grid_worker', areaCode: GULOU }],
    ['auditor', { username: 'm_auditor', role: 'auditor', areaCode: CITY }],
  ];
  for (const [k, u] of users) c[k] = await t.userSession(u);
  for (const r of await t.kernel.db.selectFrom('users').select(['id', 'username']).execute()) {
    ids[r.username] = r.id;
  }
  ids.mediator = ids.m_med_village!;
  ids.townMediator = ids.m_med_town!;
  ids.countyMediator = ids.m_med_county!;
  ids.otherMediator = ids.m_med_other!;
  const court = await call('town', 'POST', '/api/courts', {
    name: '鼓楼社区共享法庭',
    kind: 'village',
    areaCode: GULOU,
    liaison: { name: '王庭务' },
    judge: { name: '李法官', court: '鹿城区人民法院' },
    services: ['司法确认'],
    openDays: [1, 2, 3, 4, 5, 6, 7],
  });
  expect(court.statusCode, court.body).toBe(201);
  courtId = court.json().id;
}, 60_000);

let courtId = '';
/** The next free slot (tomorrow or later) of the village's shared court. */
async function freeSlot(): Promise<string> {
  for (let d = 1; d < 30; d++) {
    const day = new Date(Date.now() + 8 * 3_600_000 + d * 86_400_000).toISOString().slice(0, 10);
    const r = await call('mediator', 'GET', `/api/courts/${courtId}/slots?date=${day}`);
    expect(r.statusCode, r.body).toBe(200);
    const s = r.json().slots.find((x: { past: boolean; booking: unknown }) => !x.past && !x.booking);
    if (s) return s.startsAt;
  }
  throw new Error('no free slot in 30 days');
}

afterAll(async () => {
  await t?.close();
});

describe('a dispute sent to mediation', () => {
  it('opens one case at the level of the unit it was sent to, told in the dispute’s timeline', async () => {
    const { dispute, case: id } = await disputeToMediation('邻里排水纠纷（开案）');
    const cs = await detail('town', id);
    expect(cs).toMatchObject({ status: 'accepted', level: 'village', levelAreaCode: GULOU, areaCode: GULOU });
    expect(cs.number).toMatch(/^TJ-330302-\d{8}-\d{4}$/);
    expect(cs.dispute.id).toBe(dispute);
    // Opening again (a second instance, the sweep) changes nothing.
    await t.kernel.db.transaction().execute((tx) => openCasesForDispute(tx, dispute));
    expect(await sweepPendingCases(t.kernel)).toBe(0);
    const n = await mdb(t.kernel.db)
      .selectFrom('mediation_cases')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('dispute_id', '=', dispute)
      .executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(1);
    const d = await call('town', 'GET', `/api/matters/${dispute}`);
    const opened = d.json().timeline.filter((e: { action: string }) => e.action === 'mediation_opened');
    expect(opened).toHaveLength(1);
    expect(opened[0].note).toContain(cs.number);
    // The kernel's generic endpoint offers none of the case's steps (they need their data).
    const m = await call('town', 'GET', `/api/matters/${id}`);
    expect(m.json().actions).toEqual([]);
  });

  it('sent to a town unit, the case starts at town level', async () => {
    const { case: id } = await disputeToMediation('镇级调解（开案）', WUMA);
    expect(await detail('town', id)).toMatchObject({ level: 'town', levelAreaCode: WUMA });
  });
});

describe('the whole loop', () => {
  let caseId: string;
  let disputeId: string;

  it('受理 → 指派 → 调解 → 协议 → 司法确认 → 回访 → 结案', async () => {
    ({ case: caseId, dispute: disputeId } = await disputeToMediation('邻里排水纠纷（全流程）'));
    // Only the owning centre assigns; the mediator must be a mediator of the level area.
    await step('mediator', caseId, 'assign', assignBody('mediator'), 403);
    const wrong = await step('town', caseId, 'assign', assignBody('otherMediator'), 400);
    expect(wrong.code).toBe('NOT_A_MEDIATOR');
    const assigned = await step('town', caseId, 'assign', assignBody('mediator'));
    expect(assigned).toMatchObject({
      status: 'mediating',
      mediator: { userId: ids.mediator, name: 'm_med_village' },
      gridWorker: { userId: ids.m_grid, name: 'm_grid' },
      cadre: { userId: null, name: '王村主任' },
    });
    // One month by default.
    const due = Date.parse(assigned.dueAt) - Date.now();
    expect(due).toBeGreaterThan(29 * 86_400_000);
    expect(due).toBeLessThan(31 * 86_400_000);

    // The mediator sees the case (assigned to them) and records a session.
    const mine = await call('mediator', 'GET', '/api/mediation/cases?mine=true');
    expect(mine.json().items.map((x: { id: string }) => x.id)).toContain(caseId);
    const s = await call('mediator', 'POST', `/api/mediation/cases/${caseId}/sessions`, {
      heldAt: new Date().toISOString(),
      place: '鼓楼社区调解室',
      attendees: ['张三', '李四', '王村主任'],
      record: '双方陈述意见，初步同意排水管改道。',
    });
    expect(s.statusCode, s.body).toBe(201);
    expect(s.json().sessions).toHaveLength(1);
    const tooLong = await call('mediator', 'POST', `/api/mediation/cases/${caseId}/sessions`, {
      heldAt: new Date().toISOString(),
      place: '调解室',
      attendees: ['张三'],
      record: 'x'.repeat(5001),
    });
    expect(tooLong.statusCode).toBe(400);

    const agreed = await step('mediator', caseId, 'agreement', fullAgreement());
    expect(agreed.status).toBe('agreed');
    expect(agreed.outcome).toBe('settled');
    expect(agreed.outcomeLevel).toBe('village');
    // ID numbers appear masked on the page.
    expect(agreed.agreement.parties[0].idNumber).toBe(`${ID_A.slice(0, 6)}********${ID_A.slice(-4)}`);
    expect(JSON.stringify(agreed)).not.toContain(ID_A);

    // 司法确认 books a slot at the village's shared court in the same step.
    const slot = await freeSlot();
    const applied = await step('mediator', caseId, 'confirmation', {
      booking: { courtId, startsAt: slot },
    });
    expect(applied).toMatchObject({
      status: 'confirming',
      confirmation: { courtId, courtName: '鼓楼社区共享法庭', booking: { startsAt: slot } },
    });
    const booked = await call('mediator', 'GET', `/api/courts/${courtId}/bookings?from=${slot.slice(0, 10)}`);
    expect(booked.statusCode, booked.body).toBe(200);
    const ours = booked.json().items.find((b: { id: string }) => b.id === applied.confirmation.booking.id);
    expect(ours).toMatchObject({
      kind: 'judicial_confirmation',
      startsAt: slot,
      status: 'booked',
      matter: { id: caseId },
    });
    const followed = await step('mediator', caseId, 'follow-up', {
      performance: 'performed',
      note: '电话回访，已按期履行。',
    });
    expect(followed.status).toBe('followed_up');
    await step('mediator', caseId, 'close', {}, 403);
    const closed = await step('town', caseId, 'close', { note: '履行完毕，结案。' });
    expect(closed).toMatchObject({ status: 'closed', closed: true });
    expect(closed.timeline.map((e: { action: string }) => e.action)).toEqual([
      'create',
      'assign',
      'session',
      'agree',
      'apply_confirmation',
      'court_booking',
      'follow_up',
      'close',
    ]);

    const d = await call('town', 'GET', `/api/matters/${disputeId}`);
    const actions = d.json().timeline.map((e: { action: string }) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['mediation_opened', 'mediation_agreed', 'mediation_closed']),
    );
    // Every step is in the audit trail.
    const audited = await t.kernel.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity_id', '=', caseId)
      .execute();
    expect(audited.map((a) => a.action)).toEqual(
      expect.arrayContaining([
        'mediation.assign',
        'mediation.session',
        'mediation.agree',
        'mediation.apply_confirmation',
        'mediation.follow_up',
        'mediation.close',
      ]),
    );
  });

  it('the agreement as a PDF: parses, embeds Noto Sans SC, needs a reason, is audited', async () => {
    const noReason = await call('mediator', 'GET', `/api/mediation/cases/${caseId}/agreement.pdf`);
    expect(noReason.statusCode).toBe(400);
    const auditor = await call('auditor', 'GET', `/api/mediation/cases/${caseId}/agreement.pdf?reason=核对`);
    expect(auditor.statusCode).toBe(403);
    const r = await call(
      'mediator',
      'GET',
      `/api/mediation/cases/${caseId}/agreement.pdf?reason=${encodeURIComponent('送达当事人')}`,
    );
    expect(r.statusCode, r.body.slice(0, 200)).toBe(200);
    expect(r.headers['content-type']).toBe('application/pdf');
    const bytes = r.rawPayload;
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    // Subset: far smaller than the 10 MB font, but holding real glyphs.
    expect(bytes.length).toBeGreaterThan(10_000);
    expect(bytes.length).toBeLessThan(1_000_000);
    const doc = await PDFDocument.load(bytes);
    expect(doc.getPageCount()).toBeGreaterThanOrEqual(1);
    expect(doc.getTitle()).toContain('人民调解协议书');
    const fonts: string[] = [];
    let embedded = false;
    for (const [, obj] of doc.context.enumerateIndirectObjects()) {
      const dict = obj as { get?: (k: PDFName) => unknown };
      if (typeof dict.get !== 'function') continue;
      const type = dict.get(PDFName.of('Type'));
      if (String(type) === '/Font') fonts.push(String(dict.get(PDFName.of('BaseFont'))));
      if (String(type) === '/FontDescriptor') embedded ||= dict.get(PDFName.of('FontFile2')) !== undefined;
    }
    expect(embedded).toBe(true);
    // A subset font is named XXXXXX+Name.
    expect(fonts.some((f) => /^\/[A-Z]{6}\+NotoSansSC/.test(f))).toBe(true);
    const audited = await t.kernel.db
      .selectFrom('audit_log')
      .select(['action', 'reason'])
      .where('entity_id', '=', caseId)
      .where('action', '=', 'mediation.agreement_pdf')
      .execute();
    expect(audited).toEqual([{ action: 'mediation.agreement_pdf', reason: '送达当事人' }]);
  });

  it('the PDF carries the parties’ names and the full ID numbers in its text (glyphs of the embedded subset)', async () => {
    // The page content is drawn with glyph ids of the subset; map them back through the font's ToUnicode CMap.
    const r = await call('mediator', 'GET', `/api/mediation/cases/${caseId}/agreement.pdf?reason=core`);
    const text = await extractText(r.rawPayload);
    expect(text).toContain('张三');
    expect(text).toContain('李四');
    expect(text).toContain(ID_A);
    expect(text).toContain('排水管改道');
    expect(text).toContain('鼓楼社区人民调解委员会');
  });
});

describe('the agreement’s required fields', () => {
  it('a missing field: 400 AGREEMENT_INCOMPLETE with every missing path, and nothing saved', async () => {
    const { case: id } = await disputeToMediation('协议缺项');
    await step('town', id, 'assign', assignBody('mediator'));
    const before = await detail('mediator', id);
    const auditBefore = await t.kernel.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    const body = fullAgreement();
    const { responsibility: _r, ...noResponsibility } = body;
    const bad = await call('mediator', 'POST', `/api/mediation/cases/${id}/agreement`, {
      version: before.version,
      ...noResponsibility,
      parties: [
        { ...body.parties[0], idNumber: `${ID_A.slice(0, 17)}${ID_A.endsWith('1') ? '2' : '1'}` },
        { ...body.parties[1], address: ' ' },
      ],
      committeeSealed: false,
    });
    expect(bad.statusCode).toBe(400);
    const err = bad.json();
    expect(err.code).toBe('AGREEMENT_INCOMPLETE');
    expect(err.details.map((d: { path: string }) => d.path).sort()).toEqual(
      ['committeeSealed', 'parties.0.idNumber', 'parties.1.address', 'responsibility'].sort(),
    );
    const one = await call('mediator', 'POST', `/api/mediation/cases/${id}/agreement`, {
      version: before.version,
      ...body,
      parties: [body.parties[0]],
    });
    expect(one.json().details).toEqual([{ path: 'parties', message: 'at least two parties' }]);
    const after = await detail('mediator', id);
    expect(after).toMatchObject({
      status: 'mediating',
      version: before.version,
      agreement: null,
      outcome: null,
    });
    expect(after.timeline).toHaveLength(before.timeline.length);
    const rows = await mdb(t.kernel.db)
      .selectFrom('mediation_agreements')
      .select('matter_id')
      .where('matter_id', '=', id)
      .execute();
    expect(rows).toEqual([]);
    const auditAfter = await t.kernel.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(auditAfter.n).toBe(auditBefore.n);
    // A stale version changes nothing either.
    const stale = await call('mediator', 'POST', `/api/mediation/cases/${id}/agreement`, {
      ...body,
      version: before.version - 1,
    });
    expect(stale.statusCode).toBe(409);
    expect((await detail('mediator', id)).agreement).toBeNull();
  });
});

describe('司法确认 within 30 days', () => {
  it('a taken slot: 409 SLOT_TAKEN, and neither the step nor a booking is saved', async () => {
    const { case: a } = await disputeToMediation('司法确认同一时段甲');
    const { case: b } = await disputeToMediation('司法确认同一时段乙');
    for (const id of [a, b]) {
      await step('town', id, 'assign', assignBody('mediator'));
      await step('mediator', id, 'agreement', fullAgreement());
    }
    const slot = await freeSlot();
    await step('mediator', a, 'confirmation', { booking: { courtId, startsAt: slot } });
    const taken = await step('mediator', b, 'confirmation', { booking: { courtId, startsAt: slot } }, 409);
    expect(taken.code).toBe('SLOT_TAKEN');
    const after = await detail('mediator', b);
    expect(after).toMatchObject({ status: 'agreed', confirmation: null });
    const rows = await kdb(t.kernel.db)
      .selectFrom('court_bookings')
      .select('id')
      .where('matter_id', '=', b)
      .execute();
    expect(rows).toHaveLength(0);
    // Neither a booking nor a court name: 400 with the path to fix.
    const none = await step('mediator', b, 'confirmation', {}, 400);
    expect(JSON.stringify(none.details)).toContain('booking');
  });

  it('refused after 30 days with CONFIRMATION_TOO_LATE; follow-up still possible', async () => {
    const { case: id } = await disputeToMediation('司法确认超期');
    await step('town', id, 'assign', assignBody('mediator'));
    await step('mediator', id, 'agreement', fullAgreement());
    await mdb(t.kernel.db)
      .updateTable('mediation_agreements')
      .set({ agreed_at: new Date(Date.now() - 31 * 86_400_000) })
      .where('matter_id', '=', id)
      .execute();
    const late = await step(
      'mediator',
      id,
      'confirmation',
      { courtName: '五马街道共享法庭', appliedOn: new Date().toISOString().slice(0, 10) },
      409,
    );
    expect(late.code).toBe('CONFIRMATION_TOO_LATE');
    expect((await detail('mediator', id)).status).toBe('agreed');
    const f = await step('mediator', id, 'follow-up', { performance: 'partly', note: '部分履行。' });
    expect(f.status).toBe('followed_up');
  });
});

describe('escalation village → town → county', () => {
  it('passes the case up, changes its owner level, records each step', async () => {
    const { case: id, dispute } = await disputeToMediation('调解不成逐级上交');
    await step('town', id, 'assign', assignBody('mediator'));
    // Only from 调解不成.
    await step('town', id, 'escalate', {}, 409);
    await step('mediator', id, 'fail', { reason: '双方分歧较大。' });
    await step('mediator', id, 'escalate', {}, 403);
    const atTown = await step('town', id, 'escalate', {});
    expect(atTown).toMatchObject({
      status: 'accepted',
      level: 'town',
      levelAreaCode: WUMA,
      mediator: null,
      outcome: null,
    });
    // The village mediator still sees it (their village) but may no longer act; the town assigns its own
    // mediator (a village one is refused).
    expect((await detail('mediator', id)).actions).toEqual([]);
    expect((await step('town', id, 'assign', assignBody('mediator'), 400)).code).toBe('NOT_A_MEDIATOR');
    await step('town', id, 'assign', assignBody('townMediator'));
    await step('townMediator', id, 'fail', { reason: '镇级调解仍未达成一致。' });
    const atCounty = await step('town', id, 'escalate', { note: '提交区矛调中心' });
    expect(atCounty).toMatchObject({ level: 'county', levelAreaCode: LUCHENG });
    // The town no longer owns it.
    await step('town', id, 'assign', assignBody('countyMediator'), 403);
    await step('county', id, 'assign', assignBody('countyMediator'));
    await step('countyMediator', id, 'fail', { reason: '县级调解不成。' });
    expect((await step('county', id, 'escalate', {}, 409)).code).toBe('ESCALATION_NOT_POSSIBLE');
    const closed = await step('county', id, 'close', {});
    expect(closed).toMatchObject({ status: 'closed_failed', outcome: 'failed', outcomeLevel: 'county' });
    const escalations = closed.timeline
      .filter((e: { action: string }) => e.action === 'escalate')
      .map((e: { data: { fromLevel: string; toLevel: string } }) => [e.data.fromLevel, e.data.toLevel]);
    expect(escalations).toEqual([
      ['village', 'town'],
      ['town', 'county'],
    ]);
    const d = await call('county', 'GET', `/api/matters/${dispute}`);
    const notes = d
      .json()
      .timeline.filter((e: { action: string }) => e.action === 'mediation_escalated')
      .map((e: { note: string }) => e.note);
    expect(notes).toHaveLength(2);
  });

  it('a case settled at town level after escalation', async () => {
    const { case: id } = await disputeToMediation('上交镇级后达成协议');
    await step('town', id, 'assign', assignBody('mediator'));
    await step('mediator', id, 'fail', { reason: '村级调解不成。' });
    await step('town', id, 'escalate', {});
    await step('town', id, 'assign', assignBody('townMediator'));
    const agreed = await step('townMediator', id, 'agreement', fullAgreement());
    expect(agreed).toMatchObject({ outcome: 'settled', outcomeLevel: 'town' });
  });
});

describe('scope and permissions', () => {
  it('a town user cannot see another town’s cases; an auditor sees none; a grid worker cannot act', async () => {
    const { case: id } = await disputeToMediation('范围检查');
    expect((await call('otherTown', 'GET', `/api/mediation/cases/${id}`)).statusCode).toBe(404);
    const list = await call('otherTown', 'GET', '/api/mediation/cases?status=all');
    expect(list.json().items).toEqual([]);
    expect((await call('otherMediator', 'GET', `/api/mediation/cases/${id}`)).statusCode).toBe(404);
    expect((await call('auditor', 'GET', '/api/mediation/cases')).statusCode).toBe(403);
    expect((await call('auditor', 'GET', '/api/mediation/kpis')).statusCode).toBe(403);
    // A grid worker in the village sees the case (scope) but may not assign or record.
    expect((await call('grid', 'GET', `/api/mediation/cases/${id}`)).statusCode).toBe(200);
    await step('grid', id, 'assign', assignBody('mediator'), 403);
    const kpiOther = await call('otherTown', 'GET', `/api/mediation/kpis?areaCode=${WUMA}`);
    expect(kpiOther.json().code).toBe('AREA_OUT_OF_SCOPE');
  });

  it('the queue: pagination, filters and an audited Excel export', async () => {
    const p1 = await call('county', 'GET', '/api/mediation/cases?status=all&limit=2');
    const body = p1.json();
    expect(body.items).toHaveLength(2);
    const p2 = await call(
      'county',
      'GET',
      `/api/mediation/cases?status=all&limit=2&cursor=${body.nextCursor}`,
    );
    const both = [...body.items, ...p2.json().items].map((x: { id: string }) => x.id);
    expect(new Set(both).size).toBe(both.length);
    const town = await call('county', 'GET', '/api/mediation/cases?status=all&level=county');
    expect(town.json().items.every((x: { level: string }) => x.level === 'county')).toBe(true);
    const x = await call('county', 'GET', '/api/mediation/cases/export?status=all');
    expect(x.statusCode).toBe(200);
    expect(x.rawPayload.subarray(0, 2).toString()).toBe('PK');
  });
});

describe('KPIs', () => {
  it('化解率 and the shares settled at village and town level equal direct counts', async () => {
    const rows = await mdb(t.kernel.db)
      .selectFrom('mediation_cases')
      .select(['outcome', 'outcome_level'])
      .where('outcome', 'is not', null)
      .execute();
    const settled = rows.filter((r) => r.outcome === 'settled');
    const failed = rows.filter((r) => r.outcome === 'failed').length;
    expect(settled.length).toBeGreaterThan(0);
    expect(failed).toBeGreaterThan(0);
    const k = (await call('county', 'GET', `/api/mediation/kpis?areaCode=${LUCHENG}`)).json();
    expect(k.settled).toBe(settled.length);
    expect(k.failed).toBe(failed);
    expect(k.resolutionRate).toBeCloseTo(settled.length / (settled.length + failed), 10);
    const village = settled.filter((r) => r.outcome_level === 'village').length;
    const town = settled.filter((r) => r.outcome_level === 'town').length;
    expect(k.settledByLevel).toEqual({ village, town, county: settled.length - village - town });
    expect(k.villageShare).toBeCloseTo(village / settled.length, 10);
    expect(k.townShare).toBeCloseTo(town / settled.length, 10);
    // By area: everything here is in 五马街道.
    expect(k.byArea.map((a: { areaCode: string }) => a.areaCode)).toEqual([WUMA]);
    // A period with no outcomes.
    const empty = (await call('county', 'GET', '/api/mediation/kpis?from=2020-01-01&to=2020-02-01')).json();
    expect(empty).toMatchObject({ settled: 0, failed: 0, resolutionRate: null });
    // The town sees the same for its own area.
    const t2 = (await call('town', 'GET', '/api/mediation/kpis')).json();
    expect(t2.settled).toBe(k.settled);
  });
});

/** The text of a pdf-lib PDF drawn with one Type0 font: glyph ids in the content mapped back by its ToUnicode CMap. */
async function extractText(bytes: Uint8Array): Promise<string> {
  const { inflateSync } = await import('node:zlib');
  const doc = await PDFDocument.load(bytes);
  const map = new Map<string, string>();
  const streamText = (s: unknown) => {
    const st = s as { getContents(): Uint8Array; dict: { get(k: PDFName): unknown } };
    const raw = Buffer.from(st.getContents());
    const filter = String(st.dict.get(PDFName.of('Filter')) ?? '');
    return (filter.includes('FlateDecode') ? inflateSync(raw) : raw).toString('latin1');
  };
  for (const [, obj] of doc.context.enumerateIndirectObjects()) {
    const o = obj as { dict?: { get(k: PDFName): unknown }; getContents?: () => Uint8Array };
    if (!o.dict || !o.getContents) continue;
    const s = streamText(o);
    if (!s.includes('beginbfchar') && !s.includes('beginbfrange')) continue;
    for (const m of s.matchAll(/<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]+)>/g)) {
      const hex = m[2]!;
      const units: number[] = [];
      for (let i = 0; i < hex.length; i += 4) units.push(Number.parseInt(hex.slice(i, i + 4), 16));
      map.set(m[1]!.toUpperCase(), String.fromCharCode(...units));
    }
  }
  let text = '';
  for (const page of doc.getPages()) {
    const contents = page.node.Contents();
    const streams: unknown[] = [];
    if (contents && 'asArray' in contents) {
      for (const ref of (contents as { asArray(): unknown[] }).asArray())
        streams.push(doc.context.lookup(ref as never));
    } else if (contents) streams.push(contents);
    for (const s of streams) {
      for (const m of streamText(s).matchAll(/<([0-9A-Fa-f]+)>\s*Tj/g)) {
        const hex = m[1]!;
        for (let i = 0; i < hex.length; i += 4) text += map.get(hex.slice(i, i + 4).toUpperCase()) ?? '?';
      }
      text += '\n';
    }
  }
  return text;
}
