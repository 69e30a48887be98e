import { type Actor, makeActor, systemActor } from '../../core/access/actor.ts';
import { isRole } from '../../core/access/roles.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { createMatter } from '../../core/matters/matters.service.ts';
import { transition } from '../../core/matters/transition.ts';
import { generateIdCard } from '../../core/subjects/codes.ts';
import type { Vault } from '../../core/subjects/vault.ts';
import { kdb } from '../../modules/court/court.tables.ts';
import { courtSlots } from '../../modules/court/courts.service.ts';
import {
  addSession,
  applyConfirmation,
  assignCase,
  closeCase,
  escalateCase,
  failCase,
  followUp,
  openCasesForDispute,
  recordAgreement,
} from '../../modules/mediation/mediation.service.ts';
import { mulberry32 } from '../../shared/random.ts';

const GULOU = '330302006044';
const WUMA = '330302006000';

/** Where each demo case stops: every state of the mediation workflow, at village, town and county level. */
const CASES: { title: string; path: string[] }[] = [
  { title: '楼上漏水致楼下墙面受损', path: [] },
  { title: '相邻通道堆放杂物纠纷', path: ['assign', 'session'] },
  { title: '宅基地围墙界址争议', path: ['assign', 'session', 'agree'] },
  { title: '装修噪声扰民赔偿纠纷', path: ['assign', 'session', 'agree', 'confirm'] },
  { title: '停车位占用纠纷', path: ['assign', 'session', 'agree', 'follow'] },
  { title: '宠物伤人医疗费纠纷', path: ['assign', 'session', 'agree', 'confirm', 'follow', 'close'] },
  { title: '房屋租赁押金退还纠纷', path: ['assign', 'session', 'fail'] },
  { title: '家庭赡养费分担纠纷', path: ['assign', 'fail', 'escalate'] },
  {
    title: '小区公共收益分配争议',
    path: ['assign', 'fail', 'escalate', 'assignTown', 'session', 'agree', 'follow', 'close'],
  },
  { title: '劳务费拖欠纠纷', path: ['assign', 'fail', 'escalate', 'assignTown', 'fail', 'closeFailed'] },
  { title: '土地承包经营权纠纷', path: ['assign', 'fail', 'escalate', 'assignTown', 'fail', 'escalate'] },
];

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙';
const GIVEN = '伟芳敏静丽强磊军洋勇艳杰';

/**
 * Demo mediation cases in every state (src/modules/mediation): disputes of 鼓楼社区 sent to mediation by the
 * town centre and taken through the module's own commands by the demo's town centre, village and town
 * mediators — the same code paths as the console. Small: about a dozen cases, well under a second.
 */
export async function seedMediationDemo(
  tx: DbOrTx,
  vault: Vault,
  opts: { seed?: number } = {},
): Promise<number> {
  const rnd = mulberry32(opts.seed ?? 20261129);
  const users = await tx
    .selectFrom('users')
    .select(['id', 'username', 'display_name', 'roles', 'area_code', 'department_code'])
    .where('username', 'in', ['town.wuma', 'mediator.gulou', 'mediator.wuma', 'grid.gulou'])
    .execute();
  const as = (username: string): Actor => {
    const u = users.find((x) => x.username === username);
    if (!u) return systemActor('demo-mediation', WUMA);
    return makeActor({
      id: u.id,
      username: u.username,
      displayName: u.display_name,
      roles: u.roles.filter(isRole),
      areaCode: u.area_code,
      departmentCode: u.department_code,
    });
  };
  const town = as('town.wuma');
  const villageMediator = as('mediator.gulou');
  const townMediator = as('mediator.wuma');
  const grid = users.find((u) => u.username === 'grid.gulou');
  if (!villageMediator.id || !townMediator.id) return 0;
  const triage = systemActor('demo-triage', WUMA);
  const name = () =>
    SURNAMES[Math.floor(rnd() * SURNAMES.length)]! + GIVEN[Math.floor(rnd() * GIVEN.length)]!;
  let made = 0;
  for (const spec of CASES) {
    const a = name();
    const b = name();
    const { matter: d } = await createMatter(tx, triage, {
      type: 'dispute',
      category: 'neighbour',
      title: spec.title,
      areaCode: GULOU,
      sourceChannel: 'web',
      payload: {
        parties: [
          { role: 'applicant', kind: 'person', name: a },
          { role: 'respondent', kind: 'person', name: b },
        ],
      },
    });
    const assessed = await transition(tx, triage, d.id, { action: 'assess', version: d.version });
    await transition(tx, triage, d.id, {
      action: 'to_mediation',
      version: assessed.matter.version,
      assignee: { department: 'justice', areaCode: GULOU },
    });
    const { opened } = await openCasesForDispute(tx, d.id);
    const id = opened[0]!;
    const version = async () =>
      (await tx.selectFrom('matters').select('version').where('id', '=', id).executeTakeFirstOrThrow())
        .version;
    let mediator = villageMediator;
    for (const stepName of spec.path) {
      const v = await version();
      switch (stepName) {
        case 'assign':
        case 'assignTown':
          mediator = stepName === 'assign' ? villageMediator : townMediator;
          await assignCase(tx, town, id, {
            version: v,
            mediatorId: mediator.id!,
            gridWorker: grid ? { userId: grid.id } : { name: '鼓楼社区网格员' },
            cadre: { name: '鼓楼社区居委会 陈主任' },
          });
          break;
        case 'session':
          await addSession(tx, mediator, id, {
            heldAt: new Date().toISOString(),
            place:
              stepName === 'session' && mediator === townMediator ? '五马街道矛调中心' : '鼓楼社区调解室',
            attendees: [a, b, '鼓楼社区居委会 陈主任'],
            record: `${a}、${b}分别陈述事实与诉求，调解员释法说理，双方同意继续协商。`,
          });
          break;
        case 'agree':
          await recordAgreement(tx, vault, mediator, id, {
            version: v,
            parties: [
              {
                role: '申请人',
                name: a,
                gender: '男',
                age: 45,
                idNumber: generateIdCard(rnd, '330302', '1981-03-15', 'M'),
                address: '鹿城区五马街道鼓楼社区',
              },
              {
                role: '被申请人',
                name: b,
                gender: '女',
                age: 39,
                idNumber: generateIdCard(rnd, '330302', '1987-08-02', 'F'),
                address: '鹿城区五马街道鼓楼社区',
              },
            ],
            facts: `${a}与${b}因${spec.title.replace(/纠纷|争议$/, '')}发生争执，经多次协商未果。`,
            issues: spec.title,
            responsibility: '双方对纠纷的发生均负有一定责任，被申请人负主要责任。',
            terms: `被申请人${b}向申请人${a}支付补偿款人民币叁仟元整，双方今后互谅互让、和睦相处。`,
            performanceMethod: '银行转账一次性支付',
            performanceDeadline: new Date(Date.now() + 15 * 86_400_000).toISOString().slice(0, 10),
            signedByParties: true,
            mediatorSigned: true,
            committeeSealed: true,
            committeeName: mediator === townMediator ? '五马街道人民调解委员会' : '鼓楼社区人民调解委员会',
          });
          break;
        case 'confirm': {
          // A real 司法确认 slot at 鼓楼社区's shared court when the demo has courts; on paper otherwise.
          const slot = await freeConfirmationSlot(tx, mediator);
          await applyConfirmation(
            tx,
            mediator,
            id,
            slot ? { version: v, booking: slot } : { version: v, courtName: '五马街道共享法庭' },
          );
          break;
        }
        case 'follow':
          await followUp(tx, mediator, id, {
            version: v,
            performance: 'performed',
            note: '电话回访，双方均表示已按协议履行。',
          });
          break;
        case 'fail':
          await failCase(tx, mediator, id, { version: v, reason: '双方分歧较大，未能达成一致。' });
          break;
        case 'escalate':
          await escalateCase(tx, town, id, { version: v });
          break;
        case 'close':
        case 'closeFailed':
          await closeCase(tx, town, id, { version: v });
          break;
      }
    }
    made++;
  }
  return made;
}

/** The first free slot from tomorrow on at a shared court of the mediator's village, if the demo has one. */
async function freeConfirmationSlot(
  tx: DbOrTx,
  mediator: Actor,
): Promise<{ courtId: string; startsAt: string } | null> {
  const court = await kdb(tx)
    .selectFrom('court_courts')
    .select('id')
    .where('area_code', '=', mediator.areaCode)
    .orderBy('id')
    .executeTakeFirst();
  if (!court) return null;
  for (let d = 1; d <= 14; d++) {
    const day = new Date(Date.now() + 8 * 3_600_000 + d * 86_400_000).toISOString().slice(0, 10);
    const { slots } = await courtSlots(tx, mediator, court.id, day);
    const free = slots.find((x) => !x.past && !x.booking);
    if (free) return { courtId: court.id, startsAt: free.startsAt };
  }
  return null;
}
