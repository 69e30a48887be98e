#!/usr/bin/env node
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { pino } from 'pino';
import { systemActor } from '../core/access/actor.ts';
import { isRole, ROLES } from '../core/access/roles.ts';
import { createUser, listUsers } from '../core/access/users.service.ts';
import { readBuiltinAreas } from '../core/areas/builtin.ts';
import { importAreasGeojson } from '../core/areas/import.ts';
import { verifyAuditChain } from '../core/audit/audit.ts';
import { loadConfig } from '../core/config.ts';
import { AppError, isAppError } from '../core/errors.ts';
import { createScheduler } from '../core/jobs/scheduler.ts';
import { type Kernel, openKernel } from '../core/kernel.ts';
import { kernelJobs } from '../core/matters/jobs.ts';
import { moduleJobs, startModuleServices } from '../core/modules.ts';
import { seedDutyPhones } from '../modules/command/demo/duty-phones.ts';
import { registerModules } from '../modules/index.ts';
import { sweepPendingCases } from '../modules/mediation/mediation.routes.ts';
import { buildApp } from '../server/app.ts';
import { ensureWebBuild, webBuilt } from '../server/web.ts';
import { disputeCommands } from './commands/disputes.ts';
import { modelCommands } from './commands/models.ts';
import { seaCommands, startDemoSimulation } from './commands/sea.ts';
import { progressReporter } from './progress.ts';
import { seedAlerts } from './seed/alerts.ts';
import { DEMO_LOGINS, DEMO_PASSWORD, seedDemo } from './seed/demo.ts';
import { seedDisputes } from './seed/disputes.ts';

registerModules();

const program = new Command('zhili')
  .description(
    'Zhili 治理 — 平安建设、法治建设数字化平台 / a platform for a city’s safety and rule-of-law work',
  )
  .showHelpAfterError();

async function withKernel<T>(fn: (k: Kernel) => Promise<T>, opts: { prepare?: boolean } = {}): Promise<T> {
  const config = loadConfig();
  const progress = progressReporter();
  const kernel = await openKernel(config, {
    prepare: opts.prepare ?? true,
    log: pino({ level: config.logLevel === 'info' ? 'warn' : config.logLevel }),
    onProgress: progress,
  });
  progress.stop();
  try {
    return await fn(kernel);
  } finally {
    await kernel.close();
  }
}

async function seedIfEmpty(k: Kernel, force: boolean): Promise<boolean> {
  const anyUser = await k.db.selectFrom('users').select('id').limit(1).executeTakeFirst();
  if (anyUser && !force) return false;
  if (k.config.env === 'production') {
    throw new AppError('BAD_REQUEST', '生产环境不载入演示数据 / Refusing to load demo data in production');
  }
  const progress = progressReporter();
  const counts = await seedDemo(k.db, k.vault, await readBuiltinAreas(), {
    onProgress: progress,
    files: k.files,
  });
  // 一键直达's 网格力量: duty phones for the demo's grid workers and town centres (masked until revealed).
  const dutyPhones = await seedDutyPhones(k.db, k.vault);
  const disputes = await seedDisputes(k, {
    dir: path.join(k.config.dataDir, 'demo-imports'),
    onProgress: progress,
  });
  // Disputes the demo triage sent to mediation get their cases now, rather than from the sweep job's first
  // minutes on a running server (about 120 on the default demo).
  let mediationCases = 0;
  for (let n = await sweepPendingCases(k); n > 0; n = await sweepPendingCases(k)) mediationCases += n;
  const alerts = await seedAlerts(k, { onProgress: progress });
  progress.stop();
  console.log(
    `演示数据已载入 / demo data loaded: ${counts.users} users, ${counts.houses} houses, ${counts.persons} persons, ` +
      `${counts.enterprises} enterprises, ${counts.things} things, ${counts.matters} matters, ${dutyPhones} duty phones`,
  );
  const sum = (f: 'inserted' | 'merged' | 'rejected') => disputes.jobs.reduce((a, j) => a + j[f], 0);
  console.log(
    `纠纷库 / dispute library: ${disputes.files} department files, ${disputes.rows} rows → ` +
      `${sum('inserted')} disputes, ${sum('merged')} merged as reported by another department, ${sum('rejected')} rejected rows; ${disputes.progressed} taken through triage, ${mediationCases} mediation cases opened`,
  );
  console.log(
    `智能预警 / early warning: ${Object.values(alerts.plant.scenarios).reduce((a, x) => a + x.planted, 0)} planted histories, ` +
      `${alerts.plant.outcomesInserted} outcomes, ${alerts.raised} alerts raised, ${alerts.judged.confirmed} confirmed and ${alerts.judged.dismissed} dismissed in 研判; backtest of ${alerts.backtest.models.length} models stored`,
  );
  return true;
}

function printDemoLogins() {
  console.log(`\n演示账号 / demo logins (password 密码: ${DEMO_PASSWORD})`);
  console.table(
    DEMO_LOGINS.map((l) => ({ username: l.username, role: l.role, area: l.areaCode, name: l.displayName })),
  );
}

async function serve(k: Kernel, withDemo: boolean) {
  const app = await buildApp(k);
  const address = await app.listen({ host: k.config.host, port: k.config.port });
  console.log(`\nZhili 治理 已启动 / is running on ${k.database.engine} (${k.database.location})`);
  if (webBuilt()) console.log(`  ${address}/           网页控制台 / web console`);
  else console.log('  (网页控制台未构建 / web console not built: npm run build:web)');
  console.log(`  ${address}/api/docs   接口文档 / API docs (sign in with POST /api/auth/login)`);
  console.log(`  ${address}/healthz    ${address}/metrics`);
  if (withDemo) printDemoLogins();
  // The deadline clock and other sweeps: with several instances on one PostgreSQL, one leads.
  const scheduler = createScheduler(k.database, [...kernelJobs(k), ...moduleJobs(k)], {
    instanceId: `${os.hostname()}:${process.pid}`,
    log: k.log,
  });
  scheduler.start();
  // Module services (the streaming models): each guards itself against running on two instances at once.
  const stopServices = startModuleServices(k);
  // 海上斑马线: a dozen simulated vessels on the feed's broker for the demo (ZHILI_SEA_DEMO=off to skip).
  const stopSeaDemo = withDemo ? await startDemoSimulation(k) : async () => {};
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await stopSeaDemo();
  await stopServices();
  await scheduler.stop();
  await app.close();
}

program
  .command('start')
  .description('迁移、首次载入演示数据并启动 / migrate, load the demo data on first start, and serve')
  .action(() =>
    withKernel(async (k) => {
      ensureWebBuild((m) => console.log(m));
      await seedIfEmpty(k, false);
      await serve(k, k.config.env !== 'production');
    }),
  );

program
  .command('serve')
  .description('启动服务 / serve the API (migrates first)')
  .action(() => withKernel((k) => serve(k, false)));

program
  .command('migrate')
  .description('执行数据库迁移并载入区划 / apply migrations and load the reference areas')
  .action(() =>
    withKernel(async (k) => {
      console.log(`数据库已是最新 / database is up to date (${k.database.engine}: ${k.database.location})`);
    }),
  );

program
  .command('seed')
  .description('载入演示数据 / load demo data')
  .requiredOption('--demo', 'the deterministic Wenzhou demo data set')
  .option('--force', 'load even if users exist (fails on the demo usernames if already loaded)')
  .action((o: { force?: boolean }) =>
    withKernel(async (k) => {
      if (!(await seedIfEmpty(k, !!o.force))) {
        console.log('已有用户，跳过演示数据 / users exist, demo data skipped (use --force)');
      }
      printDemoLogins();
    }),
  );

const users = program.command('users').description('用户管理 / manage users');
users
  .command('create')
  .description('创建用户（密码从环境变量 ZHILI_NEW_PASSWORD 或标准输入读取）/ create a user')
  .requiredOption('--username <name>')
  .requiredOption('--name <display name>')
  .addOption(new Option('--role <role...>', 'one or more roles').choices([...ROLES]).makeOptionMandatory())
  .requiredOption('--area <code>', '12-digit area code of the user’s scope', (v) => {
    if (!/^\d{12}(\d{3})?$/.test(v)) throw new InvalidArgumentError('area code must have 12 (or 15) digits');
    return v;
  })
  .option('--department <code>')
  .action((o: { username: string; name: string; role: string[]; area: string; department?: string }) =>
    withKernel(async (k) => {
      const password = process.env.ZHILI_NEW_PASSWORD ?? fs.readFileSync(0, 'utf8').trim();
      if (password.length < 10)
        throw new AppError('VALIDATION_FAILED', '密码至少10位 / password needs at least 10 characters');
      const user = await k.db.transaction().execute((tx) =>
        createUser(tx, systemActor('cli'), {
          username: o.username,
          displayName: o.name,
          password,
          roles: o.role.filter(isRole),
          areaCode: o.area,
          departmentCode: o.department ?? null,
        }),
      );
      console.log(`已创建 / created user ${user.username} (#${user.id})`);
    }),
  );
users
  .command('list')
  .description('列出用户 / list users')
  .action(() =>
    withKernel(async (k) => {
      const { items, total } = await listUsers(k.db, systemActor('cli'), { page: 1, pageSize: 200 });
      console.table(
        items.map((u) => ({
          id: u.id,
          username: u.username,
          name: u.displayName,
          roles: u.roles.join(','),
          area: u.areaCode,
          disabled: u.disabled,
        })),
      );
      console.log(`${total} users`);
    }),
  );

program
  .command('areas')
  .description('区划 / areas')
  .command('import <file>')
  .description('导入 GeoJSON 边界（网格等）/ import boundaries from a GeoJSON FeatureCollection')
  .addOption(
    new Option('--crs <crs>', 'coordinate system of the file').choices(['wgs84', 'gcj02']).default('wgs84'),
  )
  .action((file: string, o: { crs: 'wgs84' | 'gcj02' }) =>
    withKernel(async (k) => {
      let json: unknown;
      try {
        json = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch (e) {
        throw new AppError(
          'IMPORT_INVALID',
          `无法读取 ${file} / cannot read ${file}: ${(e as Error).message}`,
        );
      }
      const r = await k.db.transaction().execute((tx) => importAreasGeojson(tx, systemActor('cli'), json, o));
      console.log(
        `导入 / imported ${r.imported} of ${r.total} (${r.created} new, ${r.updated} updated), ${r.errors.length} rejected`,
      );
      for (const e of r.errors) console.log(`  feature ${e.row}: ${e.message}`);
      if (r.errors.length > 0) process.exitCode = 1;
    }),
  );

program
  .command('verify')
  .description('校验审计日志哈希链 / verify the audit log hash chain')
  .action(() =>
    withKernel(
      async (k) => {
        const progress = progressReporter();
        const r = await verifyAuditChain(k.db, (d, t) => progress('verify', d, t));
        progress.stop();
        if (r.ok) {
          console.log(`审计日志完整 / audit log intact: ${r.checked} entries verified`);
        } else {
          console.log(
            `审计日志被篡改 / audit log TAMPERED: entry #${r.firstBad!.id} (${r.firstBad!.reason}); ${r.checked} entries before it are intact`,
          );
          process.exitCode = 3;
        }
      },
      { prepare: false },
    ),
  );

disputeCommands(program, withKernel);
modelCommands(program, withKernel);
seaCommands(program, withKernel);

program.parseAsync().catch((e: unknown) => {
  if (isAppError(e)) {
    console.error(`错误 / error [${e.code}]: ${e.message}`);
    process.exitCode = e.code === 'DATABASE_LOCKED' ? 75 : 2;
  } else {
    console.error(e);
    process.exitCode = 1;
  }
});
