import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idCardCheckChar } from '../../core/subjects/codes.ts';
import { createTestContext, type TestContext } from '../../testing/harness.ts';
import { form } from '../../testing/multipart.ts';
import { type GenerateResult, generateDepartmentFiles } from './demo/generate.ts';
import { ddb } from './dispute.tables.ts';
import { describeTimes, runJob } from './imports.service.ts';
import type { StageTimes } from './intake/pipeline.ts';

/**
 * The library's intake end to end, through HTTP on a real database: every department's file format, the
 * push API, the web form, duplicates across departments, the rejected rows, idempotency and resumption.
 */
let ctx: TestContext;
let admin: string;
let dir: string;
let gen: GenerateResult;

const CITY = '330300000000';

async function upload(source: string, name: string, data: Buffer, cookie = admin) {
  const body = form([{ name: 'file', filename: name, data }]);
  return ctx.app.inject({
    method: 'POST',
    url: `/api/disputes/imports?source=${source}`,
    headers: { ...body.headers, cookie },
    payload: body.payload,
  });
}

interface Job {
  id: string;
  status: string;
  rowsRead: number;
  inserted: number;
  merged: number;
  skipped: number;
  rejected: number;
  error: string | null;
  log: { at: string; message: string }[];
}

async function waitFor(id: string, cookie = admin): Promise<Job> {
  for (let i = 0; i < 600; i++) {
    const res = await ctx.app.inject({
      method: 'GET',
      url: `/api/disputes/imports/${id}`,
      headers: { cookie },
    });
    const job = res.json() as Job;
    if (job.status === 'done' || job.status === 'failed') return job;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`job ${id} did not finish`);
}

async function rejectedRowNumbers(jobId: string): Promise<{ rows: number[]; reasons: string[] }> {
  const res = await ctx.app.inject({
    method: 'GET',
    url: `/api/disputes/imports/${jobId}/rejects.xlsx`,
    headers: { cookie: admin },
  });
  expect(res.statusCode).toBe(200);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
  const ws = wb.worksheets[0]!;
  expect(String(ws.getRow(1).getCell(1).value)).toContain('行号');
  expect(String(ws.getRow(1).getCell(2).value)).toContain('原因');
  const rows: number[] = [];
  const reasons: string[] = [];
  ws.eachRow((row, n) => {
    if (n === 1) return;
    rows.push(Number(row.getCell(1).value));
    reasons.push(String(row.getCell(2).value));
  });
  return { rows, reasons };
}

beforeAll(async () => {
  ctx = await createTestContext({ maxImportMb: 2 });
  admin = await ctx.userSession({ username: 'intake-admin', role: 'city_admin', areaCode: CITY });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhili-intake-'));
  gen = await generateDepartmentFiles({
    dir,
    rows: 1500,
    seed: 20261129,
    from: new Date('2026-03-01T00:00:00Z'),
    to: new Date('2026-11-01T00:00:00Z'),
    multiSourceShare: 0.08,
  });
}, 120_000);

afterAll(async () => {
  await ctx?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('file imports from all 21 departments', () => {
  const jobs = new Map<string, Job>();

  it('imports every format through the upload; every valid row lands and every bad row is reported with its row number', async () => {
    expect(gen.files).toHaveLength(21);
    for (const f of gen.files) {
      const res = await upload(f.source, path.basename(f.path), fs.readFileSync(f.path));
      expect(res.statusCode, res.body).toBe(202);
      const job = await waitFor((res.json() as Job).id);
      expect(job.status, `${f.source}: ${job.error}`).toBe('done');
      expect(job.rowsRead, f.source).toBe(f.rows);
      expect(job.inserted + job.merged + job.skipped + job.rejected, f.source).toBe(f.rows);
      const { rows, reasons } = await rejectedRowNumbers(job.id);
      // Every bad row is refused with its row number. Beyond those, only addresses that name a village
      // without its town and fit several villages may be refused (the generator writes a few on purpose).
      for (const bad of f.badRows) expect(rows, `${f.source} row ${bad}`).toContain(bad);
      const extra = reasons.filter((_, i) => !f.badRows.includes(rows[i]!));
      for (const r of extra) expect(r, f.source).toContain('ADDRESS_AMBIGUOUS');
      expect(extra.length, f.source).toBeLessThanOrEqual(Math.ceil(f.rows * 0.05));
      // The log's last line says where the time went (steps of 50 ms or more).
      expect(job.log.at(-1)!.message, f.source).toMatch(/^完成；各步骤用时 \/ Finished; time by step: /);
      jobs.set(f.source, job);
    }
    // 1,500 disputes were written: some file's log names a writing step.
    const lasts = [...jobs.values()].map((j) => j.log.at(-1)!.message);
    expect(
      lasts.some((m) => /(matters|link|records) \d+\.\d s/.test(m)),
      lasts.join('\n'),
    ).toBe(true);
  }, 600_000);

  it('joins the same dispute reported by two or three departments into one dispute with every source', async () => {
    const db = ddb(ctx.kernel.db);
    let checked = 0;
    for (const d of gen.multiSource) {
      const recs = await db
        .selectFrom('dispute_records')
        .select(['matter_id', 'source_code'])
        .where((eb) =>
          eb.or(
            d.sources.map((s, i) =>
              eb.and([eb('source_code', '=', s), eb('record_key', '=', d.recordKeys[i]!)]),
            ),
          ),
        )
        .execute();
      // A record rejected on purpose (a bad row) is not there; every one that landed is on one dispute.
      if (recs.length < 2) continue;
      expect(new Set(recs.map((r) => r.matter_id)).size, JSON.stringify(d)).toBe(1);
      const m = await ctx.kernel.db
        .selectFrom('matters')
        .select('payload')
        .where('id', '=', recs[0]!.matter_id)
        .executeTakeFirstOrThrow();
      expect(new Set((m.payload as { sources: string[] }).sources)).toEqual(
        new Set(recs.map((r) => r.source_code)),
      );
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
    const res = await ctx.app.inject({
      method: 'GET',
      url: '/api/disputes?multiSource=true&withTotal=true&limit=5',
      headers: { cookie: admin },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { items: { id: string; sources: string[] }[]; total: number };
    expect(body.total).toBeGreaterThanOrEqual(checked);
    const one = body.items[0]!;
    const recs = await ctx.app.inject({
      method: 'GET',
      url: `/api/disputes/${one.id}/records`,
      headers: { cookie: admin },
    });
    const items = (recs.json() as { items: { source: string; data: { mergedSimilarity?: number } }[] }).items;
    expect(items.length).toBe(one.sources.length);
    expect(items.filter((i) => i.data.mergedSimilarity !== undefined).length).toBe(items.length - 1);
  });

  it('links parties to persons and enterprises by their identifiers, stored encrypted', async () => {
    const persons = await ctx.kernel.db
      .selectFrom('persons')
      .select(['id_number_enc', 'id_number_hmac'])
      .where('id_number_hmac', 'is not', null)
      .limit(5)
      .execute();
    expect(persons.length).toBe(5);
    for (const p of persons) expect(p.id_number_enc).toMatch(/^v1\./);
    const linked = await sql<{ n: string }>`
      select count(distinct matter_id) as n from matter_parties p join matters m on m.id = p.matter_id
      where m.type = 'dispute'`.execute(ctx.kernel.db);
    expect(Number(linked.rows[0]!.n)).toBeGreaterThan(500);
  });

  it('imports the same file again as the same job and adds nothing', async () => {
    const f = gen.files.find((x) => x.source === 'police_110')!;
    const before = await ctx.kernel.db
      .selectFrom('matters')
      .select(sql<string>`count(*)`.as('n'))
      .executeTakeFirstOrThrow();
    const res = await upload(f.source, 'again.csv', fs.readFileSync(f.path));
    expect(res.statusCode).toBe(200);
    expect((res.json() as Job).id).toBe(jobs.get('police_110')!.id);
    const after = await ctx.kernel.db
      .selectFrom('matters')
      .select(sql<string>`count(*)`.as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  it('writes a formula-like description back as text, never as a live formula', async () => {
    const withFormula = gen.files.find((f) => f.formulaRows.length > 0)!;
    expect(withFormula).toBeDefined();
    const res = await ctx.app.inject({
      method: 'GET',
      url: `/api/disputes/export?source=${withFormula.source}`,
      headers: { cookie: admin },
    });
    expect(res.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    let found = 0;
    wb.worksheets[0]!.eachRow((row) => {
      row.eachCell((cell) => {
        expect(cell.type).not.toBe(ExcelJS.ValueType.Formula);
        if (typeof cell.value === 'string' && cell.value.includes('HYPERLINK')) {
          expect(cell.value.startsWith("'")).toBe(true);
          found++;
        }
      });
    });
    expect(found).toBeGreaterThan(0);
  });
});

describe('bad files', () => {
  it('fails a file whose header lacks required columns, naming them', async () => {
    const res = await upload('police_110', 'wrong.csv', Buffer.from('编号,时间,内容\n1,2026-01-01,x\n'));
    const job = await waitFor((res.json() as Job).id);
    expect(job.status).toBe('failed');
    expect(job.error).toContain('警情编号');
  });

  it('fails a file that is not a table at all', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    const res = await upload('police_110', 'photo.csv', png);
    const job = await waitFor((res.json() as Job).id);
    expect(job.status).toBe('failed');
    expect(job.error).toBeTruthy();
  });

  it('refuses a file over the import limit with 413 and keeps nothing', async () => {
    const res = await upload('hotline_12345', 'big.jsonl', Buffer.alloc(3 * 1_048_576, 0x20));
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('FILE_TOO_LARGE');
  });

  it('refuses an unknown source and a user without the import permission', async () => {
    expect((await upload('nope_source', 'x.csv', Buffer.from('a'))).statusCode).toBe(400);
    const auditor = await ctx.userSession({ username: 'intake-auditor', role: 'auditor', areaCode: CITY });
    expect((await upload('police_110', 'x.csv', Buffer.from('a'), auditor)).statusCode).toBe(403);
  });

  it('lets a department clerk import only their own department’s sources', async () => {
    const clerk = await ctx.userSession({
      username: 'intake-clerk',
      role: 'dept_clerk',
      areaCode: CITY,
      departmentCode: 'court',
    });
    const res = await upload('police_110', 'x.csv', Buffer.from('警情编号\n'), clerk);
    expect(res.statusCode).toBe(403);
  });
});

describe('push API', () => {
  let token: string;
  const record = (key: string, extra: Record<string, unknown> = {}) => ({
    idempotencyKey: key,
    reportedAt: '2026-11-20 10:00:00',
    description: '楼上住户装修导致楼下天花板漏水，双方就赔偿问题发生争执，多次协商未果。',
    address: '温州市鹿城区五马街道鼓楼社区解放街1号',
    parties: [{ role: 'applicant', kind: 'person', name: '张三', phone: '13800138000' }],
    ...extra,
  });

  beforeAll(async () => {
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/api/disputes/tokens',
      headers: { cookie: admin },
      payload: { source: 'hotline_12345', name: '12345 平台对接' },
    });
    expect(res.statusCode).toBe(201);
    token = (res.json() as { token: string }).token;
  });

  const push = (records: unknown[], t = token, source = 'hotline_12345') =>
    ctx.app.inject({
      method: 'POST',
      url: `/api/disputes/intake/${source}`,
      headers: { authorization: `Bearer ${t}` },
      payload: { records },
    });

  it('takes a batch, reports each record, and a retried batch inserts nothing twice', async () => {
    const batch = [
      record('push-1'),
      record('push-2', { description: '' }),
      record('push-3', { reportedAt: '2026-02-30 10:00' }),
    ];
    const first = await push(batch);
    expect(first.statusCode, first.body).toBe(200);
    const a = first.json() as {
      inserted: number;
      rejected: number;
      results: { status: string; errors?: { code: string }[] }[];
    };
    expect(a.inserted).toBe(1);
    expect(a.rejected).toBe(2);
    expect(a.results[1]!.errors![0]!.code).toBe('REQUIRED');
    expect(a.results[2]!.errors![0]!.code).toBe('DATE_INVALID');
    const again = (await push(batch)).json() as { inserted: number; skipped: number; rejected: number };
    expect(again).toMatchObject({ inserted: 0, skipped: 1, rejected: 2 });
  });

  it('a person first known by a mobile alone gains the ID number a later record gives: one person, not two', async () => {
    const phone = '13911112222';
    const idNumber = `33030219850304${'123'}`;
    const full = `${idNumber}${idCardCheckChar(idNumber)}`;
    const first = await push([
      record('upgrade-1', { parties: [{ role: 'applicant', kind: 'person', name: '赵六', phone }] }),
    ]);
    expect(first.statusCode, first.body).toBe(200);
    const second = await push([
      record('upgrade-2', {
        description: '赵六再次反映房屋漏水赔偿问题，物业推诿，要求尽快处理。',
        parties: [{ role: 'applicant', kind: 'person', name: '赵六', phone, idNumber: full }],
      }),
    ]);
    expect(second.statusCode, second.body).toBe(200);
    const ids = await Promise.all(
      [first, second].map(async (r) => {
        const matterId = (r.json() as { results: { matterId: string }[] }).results[0]!.matterId;
        const p = await ctx.kernel.db
          .selectFrom('matter_parties')
          .select('subject_id')
          .where('matter_id', '=', matterId)
          .executeTakeFirstOrThrow();
        return p.subject_id;
      }),
    );
    expect(ids[1]).toBe(ids[0]);
    const person = await ctx.kernel.db
      .selectFrom('persons')
      .select(['id_number_hmac', 'id_number_enc', 'gender', 'birth_date', 'version'])
      .where('id', '=', ids[0]!)
      .executeTakeFirstOrThrow();
    expect(person.id_number_hmac).toBe(ctx.kernel.vault.blindIndex('id_number', full));
    expect(ctx.kernel.vault.decrypt(person.id_number_enc!, 'person.id_number')).toBe(full);
    expect(person.gender).toBe('M');
    expect(person.birth_date).toBe('1985-03-04');
    expect(person.version).toBe(2);
  });

  it('matches each record of a batch spanning a year against its own party’s disputes around its own date', async () => {
    const party = [{ role: 'respondent', kind: 'person', name: '钱七', phone: '13922223333' }];
    const text = {
      a: '钱七家门前排水沟堵塞，污水漫进邻居院子，双方为清理费用争吵不休。',
      b: '钱七在楼道堆放杂物阻塞消防通道，邻居多次劝说无果，双方发生口角。',
    };
    const stored = await push([
      record('window-a', { reportedAt: '2025-01-10 09:00', description: text.a, parties: party }),
      record('window-b', { reportedAt: '2026-01-10 09:00', description: text.b, parties: party }),
    ]);
    expect(stored.statusCode, stored.body).toBe(200);
    const [a, b] = (stored.json() as { results: { status: string; matterId: string }[] }).results;
    expect([a!.status, b!.status]).toEqual(['inserted', 'inserted']);

    const later = await push([
      // The neighbour joins as a second party on the merged report.
      record('window-a2', {
        reportedAt: '2025-01-12 15:00',
        description: text.a,
        parties: [...party, { role: 'applicant', kind: 'person', name: '孙八', phone: '13933334444' }],
      }),
      record('window-b2', { reportedAt: '2026-01-12 15:00', description: text.b, parties: party }),
      // The same words as the first, half a year on: outside its window, a dispute of its own.
      record('window-c', { reportedAt: '2025-07-01 09:00', description: text.a, parties: party }),
    ]);
    expect(later.statusCode, later.body).toBe(200);
    const [a2, b2, c] = (later.json() as { results: { status: string; matterId: string }[] }).results;
    expect([a2!.status, a2!.matterId]).toEqual(['merged', a!.matterId]);
    expect([b2!.status, b2!.matterId]).toEqual(['merged', b!.matterId]);
    expect(c!.status).toBe('inserted');

    // Every party row carries its dispute's date (the merged ones too): the index the search reads is ordered by it.
    const rows = await ctx.kernel.db
      .selectFrom('matter_parties as mp')
      .innerJoin('matters as m', 'm.id', 'mp.matter_id')
      .select(['mp.matter_at', 'm.created_at'])
      .where('mp.matter_id', 'in', [a!.matterId, b!.matterId, c!.matterId])
      .execute();
    expect(rows.length).toBe(4);
    for (const r of rows) expect(r.matter_at.getTime()).toBe(r.created_at.getTime());

    // Writers that do not pass it get it filled in, and a backdated matter carries its parties along.
    await ctx.kernel.db
      .insertInto('matter_parties')
      .values({ matter_id: c!.matterId, role: 'party', subject_type: 'person', subject_id: '1' })
      .execute();
    const moved = new Date('2025-03-01T00:00:00Z');
    await ctx.kernel.db
      .updateTable('matters')
      .set({ created_at: moved })
      .where('id', '=', c!.matterId)
      .execute();
    const after = await ctx.kernel.db
      .selectFrom('matter_parties')
      .select('matter_at')
      .where('matter_id', '=', c!.matterId)
      .execute();
    expect(after.length).toBe(2);
    for (const r of after) expect(r.matter_at.getTime()).toBe(moved.getTime());
  });

  it('refuses a missing, unknown or revoked token, a token of another source, and an oversized batch', async () => {
    expect((await push([record('x')], 'zjf_nonsense_token_value')).statusCode).toBe(401);
    expect((await push([record('x')], token, 'police_110')).statusCode).toBe(403);
    const many = Array.from({ length: 1001 }, (_, i) => record(`m-${i}`));
    expect((await push(many)).statusCode).toBe(400);
    const list = await ctx.app.inject({
      method: 'GET',
      url: '/api/disputes/tokens',
      headers: { cookie: admin },
    });
    const id = (list.json() as { items: { id: string }[] }).items[0]!.id;
    await ctx.app.inject({ method: 'DELETE', url: `/api/disputes/tokens/${id}`, headers: { cookie: admin } });
    expect((await push([record('y')])).statusCode).toBe(401);
  });
});

describe('the web form', () => {
  it('registers a dispute once per idempotency key, classifies it and links the party', async () => {
    const grid = await ctx.userSession({
      username: 'intake-grid',
      role: 'grid_worker',
      areaCode: '330302006044',
    });
    const payload = {
      title: '邻里噪音纠纷',
      description: '楼下邻居晚上打麻将噪音扰民，多次沟通无果，双方发生口角。',
      areaCode: '330302006044',
      parties: [{ role: 'applicant', kind: 'person', name: '李四', idNumber: '11010519491231002X' }],
      idempotencyKey: 'form-0001-abcdef',
    };
    const first = await ctx.app.inject({
      method: 'POST',
      url: '/api/disputes',
      headers: { cookie: grid },
      payload,
    });
    expect(first.statusCode, first.body).toBe(201);
    const again = await ctx.app.inject({
      method: 'POST',
      url: '/api/disputes',
      headers: { cookie: grid },
      payload,
    });
    expect(again.statusCode).toBe(200);
    expect(again.json().status).toBe('skipped');
    expect(again.json().matterId).toBe(first.json().matterId);
    const m = await ctx.app.inject({
      method: 'GET',
      url: `/api/matters/${first.json().matterId}`,
      headers: { cookie: grid },
    });
    expect(m.json().category).toBeTruthy();
    expect(m.json().payload.classification.method).toBe('classifier');
    expect(m.json().parties).toHaveLength(1);
  });

  it('rejects an impossible ID number and an area outside the user’s scope with field errors', async () => {
    const grid = await ctx.userSession({
      username: 'intake-grid2',
      role: 'grid_worker',
      areaCode: '330302006044',
    });
    const bad = await ctx.app.inject({
      method: 'POST',
      url: '/api/disputes',
      headers: { cookie: grid },
      payload: {
        title: 't',
        description: '合同纠纷',
        areaCode: '330304000000',
        parties: [{ role: 'applicant', kind: 'person', name: '王五', idNumber: '110105194912310021' }],
      },
    });
    expect(bad.statusCode).toBe(400);
    const codes = (bad.json().details as { code: string }[]).map((d) => d.code);
    expect(codes).toContain('ID_NUMBER_INVALID');
  });
});

describe('resuming', () => {
  it('a job stopped after its first batch resumes after its checkpoint with exactly the right counts', async () => {
    const f = gen.files.find((x) => x.source === 'petition')!;
    const text = fs.readFileSync(f.path);
    // A copy with a different name and one more byte is a different file: a job of its own.
    const copy = Buffer.concat([text, Buffer.from('\r\n')]);
    const blob = await ctx.kernel.files.put((await import('node:stream')).Readable.from([copy]), {
      maxBytes: 1e9,
    });
    const { createJob } = await import('./imports.service.ts');
    const { systemActor } = await import('../../core/access/actor.ts');
    const actor = systemActor('resume-test');
    const { job } = await ctx.kernel.db.transaction().execute(async (tx) =>
      createJob(tx, actor, {
        source: 'petition',
        filename: 'petition-copy.csv',
        sha256: blob.sha256,
        size: blob.size,
        filePath: await ctx.kernel.files.localPath(blob.sha256),
      }),
    );
    const stop = new AbortController();
    const paused = await runJob(ctx.kernel, job.id, {
      batchSize: 40,
      actor,
      signal: stop.signal,
      onProgress: () => stop.abort(),
    });
    expect(paused!.status).toBe('queued');
    // Stopped at a batch boundary (the batch being prepared when the stop came is committed first).
    expect(paused!.rowsRead % 40).toBe(0);
    expect(paused!.rowsRead).toBeGreaterThan(0);
    expect(paused!.rowsRead).toBeLessThan(f.rows);
    const times: StageTimes = {};
    const done = await runJob(ctx.kernel, job.id, { batchSize: 40, actor, times });
    expect(done!.status).toBe('done');
    expect(done!.rowsRead).toBe(f.rows);
    // Every record of this file was already taken by the first import of the same rows: all skipped or rejected.
    expect(done!.skipped + done!.rejected).toBe(f.rows);
    expect(done!.rejected).toBe(f.badRows.length);
    // The time by step counts the steps this run took: records checked and found taken; the writes of
    // parties, timeline, source records and the audit entry never ran (nothing was left to write).
    expect(times.validate).toBeGreaterThan(0);
    expect(times.taken).toBeGreaterThan(0);
    for (const step of ['parties', 'timeline', 'records', 'audit'] as const)
      expect(times[step], step).toBeUndefined();
    expect(done!.log.at(-1)!.message).toMatch(/^完成；各步骤用时 \/ Finished; time by step: /);
  });
});

describe('time by step', () => {
  it('names the steps that took 50 ms or more, longest first, in seconds', () => {
    expect(describeTimes({ link: 5400, matters: 8100, audit: 12, words: 2300 })).toBe(
      '写入纠纷 matters 8.1 s · 关联人房企 link 5.4 s · 分词 words 2.3 s',
    );
    expect(describeTimes({})).toBe('');
  });
});
