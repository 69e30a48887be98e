import type { Actor } from '../access/actor.ts';
import type { DbOrTx } from '../db/database.ts';
import { maskName } from '../subjects/vault.ts';
import { findMatterRow, type Matter, presentMatter } from './matters.service.ts';
import { type AvailableAction, availableActions } from './transition.ts';

export interface MatterDetail extends Matter {
  parties: { id: string; role: string; subjectType: string; subjectId: string; name: string | null }[];
  attachments: {
    id: string;
    filename: string;
    mime: string;
    size: number;
    timelineId: string | null;
    createdAt: string;
  }[];
  timeline: {
    id: string;
    at: string;
    actorName: string;
    action: string;
    fromStatus: string | null;
    toStatus: string | null;
    note: string | null;
    data: unknown;
  }[];
  actions: AvailableAction[];
}

/**
 * A matter with its parties, attachments, timeline and the actions the actor may take now. Party names are
 * shown as their records show them to this actor: a person outside the actor's scope appears masked.
 */
export async function getMatterDetail(db: DbOrTx, actor: Actor, id: string): Promise<MatterDetail> {
  const row = await findMatterRow(db, actor, id);
  const [parties, attachments, timeline] = await Promise.all([
    db
      .selectFrom('matter_parties as p')
      .leftJoin('persons', (j) =>
        j.onRef('persons.id', '=', 'p.subject_id').on('p.subject_type', '=', 'person'),
      )
      .leftJoin('enterprises', (j) =>
        j.onRef('enterprises.id', '=', 'p.subject_id').on('p.subject_type', '=', 'enterprise'),
      )
      .leftJoin('houses', (j) => j.onRef('houses.id', '=', 'p.subject_id').on('p.subject_type', '=', 'house'))
      .leftJoin('things', (j) => j.onRef('things.id', '=', 'p.subject_id').on('p.subject_type', '=', 'thing'))
      .select([
        'p.id',
        'p.role',
        'p.subject_type',
        'p.subject_id',
        'persons.name as person_name',
        'persons.area_code as person_area',
        'enterprises.name as enterprise_name',
        'houses.address as house_address',
        'things.name as thing_name',
      ])
      .where('p.matter_id', '=', id)
      .orderBy('p.id')
      .execute(),
    db.selectFrom('matter_attachments').selectAll().where('matter_id', '=', id).orderBy('id').execute(),
    db.selectFrom('matter_timeline').selectAll().where('matter_id', '=', id).orderBy('id').execute(),
  ]);
  return {
    ...presentMatter(row),
    parties: parties.map((p) => ({
      id: p.id,
      role: p.role,
      subjectType: p.subject_type,
      subjectId: p.subject_id,
      name:
        p.person_name != null
          ? p.person_area?.startsWith(actor.scopePrefix)
            ? p.person_name
            : maskName(p.person_name)
          : (p.enterprise_name ?? p.house_address ?? p.thing_name ?? null),
    })),
    attachments: attachments.map((a) => ({
      id: a.id,
      filename: a.filename,
      mime: a.mime,
      size: Number(a.size),
      timelineId: a.timeline_id,
      createdAt: a.created_at.toISOString(),
    })),
    timeline: timeline.map((t) => ({
      id: t.id,
      at: t.at.toISOString(),
      actorName: t.actor_name,
      action: t.action,
      fromStatus: t.from_status,
      toStatus: t.to_status,
      note: t.note,
      data: t.data,
    })),
    actions: availableActions(actor, row),
  };
}
