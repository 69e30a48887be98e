import { sql } from 'kysely';
import { type Actor, can, inScope } from '../access/actor.ts';
import { audit } from '../audit/audit.ts';
import type { DbOrTx } from '../db/database.ts';
import type { MatterRow } from '../db/types.ts';
import { AppError, forbidden, notFound } from '../errors.ts';
import type { ZhiliEvent } from '../events/bus.ts';
import { findMatterRow, isAssignee, matterEvent } from './matters.service.ts';

/** A file already in the blob store, its type decided from its bytes, ready to be attached. */
export interface StoredFile {
  filename: string;
  sha256: string;
  size: number;
  mime: string;
}

export interface Attachment {
  id: string;
  filename: string;
  mime: string;
  size: number;
  timelineId: string | null;
  createdAt: string;
}

export interface AttachmentRow extends Attachment {
  matterId: string;
  sha256: string;
}

export const MAX_NOTE = 5000;
const MAX_FILENAME = 255;

/**
 * A file name as the uploader's system gave it, made safe to store and to show: the last path part only
 * (some browsers send `C:\fakepath\…`), no control or bidirectional-override characters (U+202E can make
 * `gpj.exe` read as `exe.jpg`), NFC, at most 255 characters with the extension kept.
 */
export function cleanFilename(raw: string): string {
  const base = raw.split(/[/\\]/).at(-1) ?? '';
  const name = base
    .normalize('NFC')
    .replace(/[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu, '')
    .trim();
  if (name === '' || name === '.' || name === '..') return 'file';
  const chars = Array.from(name);
  if (chars.length <= MAX_FILENAME) return name;
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? Array.from(name.slice(dot)) : [];
  const keep = ext.length > 0 && ext.length <= 16 ? ext : [];
  return chars.slice(0, MAX_FILENAME - keep.length).join('') + keep.join('');
}

/**
 * Who may add evidence to a matter they can see: its reporter, a member of the unit it is assigned to,
 * or someone who may act on matters in the matter's area. Not on a closed matter: its record is final.
 * Called once before an upload is read (so that a stranger cannot fill the disk) and again, with the row
 * locked, in the transaction that writes.
 */
export async function assertMayAttach(
  db: DbOrTx,
  actor: Actor,
  matterId: string,
  lock = false,
): Promise<MatterRow> {
  const m = await findMatterRow(db, actor, matterId, lock);
  const allowed =
    (actor.id !== null && m.reporter_id === actor.id) ||
    isAssignee(actor, m) ||
    (can(actor, 'matter:act') && inScope(actor, m.area_code));
  if (!allowed) {
    throw forbidden(
      '只有上报人、承办单位或辖区内的办理人员可以添加附件 / Only the reporter, the assigned unit or ' +
        'handlers in the area may add attachments',
    );
  }
  if (m.closed) {
    throw new AppError(
      'INVALID_TRANSITION',
      `事项 ${m.number} 已办结，不能再添加附件 / Matter ${m.number} is closed: no attachments can be added`,
    );
  }
  return m;
}

const present = (a: {
  id: string;
  filename: string;
  mime: string;
  size: string;
  timeline_id: string | null;
  created_at: Date;
}): Attachment => ({
  id: a.id,
  filename: a.filename,
  mime: a.mime,
  size: Number(a.size),
  timelineId: a.timeline_id,
  createdAt: a.created_at.toISOString(),
});

/**
 * Attaches stored files to a matter as one timeline entry (`attach`), in the caller's transaction. The
 * blobs are written before this runs (they are streamed, not held in memory); if this throws, the matter
 * and its timeline are unchanged and the blobs are merely unreferenced.
 */
export async function addAttachments(
  tx: DbOrTx,
  actor: Actor,
  matterId: string,
  files: StoredFile[],
  note?: string | null,
): Promise<{ attachments: Attachment[]; events: ZhiliEvent[] }> {
  if (files.length === 0) {
    throw new AppError('VALIDATION_FAILED', '请至少选择一个文件 / Send at least one file', [
      { path: 'file', message: 'required' },
    ]);
  }
  const text = note?.trim() || null;
  if (text && text.length > MAX_NOTE) {
    throw new AppError('VALIDATION_FAILED', `说明不能超过 ${MAX_NOTE} 字 / The note is too long`, [
      { path: 'note', message: `at most ${MAX_NOTE} characters` },
    ]);
  }
  const m = await assertMayAttach(tx, actor, matterId, true);
  const clean = files.map((f) => ({ ...f, filename: cleanFilename(f.filename) }));

  // The content row is shared by every attachment of the same bytes; the first upload's type stands.
  await tx
    .insertInto('files')
    .values(
      [...new Map(clean.map((f) => [f.sha256, f])).values()].map((f) => ({
        sha256: f.sha256,
        size: f.size,
        mime: f.mime,
      })),
    )
    .onConflict((oc) => oc.column('sha256').doNothing())
    .execute();
  // The timeline entry lists the attachments by id, and each attachment points at its entry: the entry is
  // written once, complete, and the attachments (written first) are then tied to it.
  const rows = await tx
    .insertInto('matter_attachments')
    .values(
      clean.map((f) => ({
        matter_id: m.id,
        sha256: f.sha256,
        filename: f.filename,
        mime: f.mime,
        size: f.size,
        uploaded_by: actor.id,
      })),
    )
    .returning(['id', 'filename', 'mime', 'size', 'sha256'])
    .execute();
  const entry = await tx
    .insertInto('matter_timeline')
    .values({
      matter_id: m.id,
      at: new Date(),
      actor_id: actor.id,
      actor_name: actor.displayName,
      action: 'attach',
      from_status: m.status,
      to_status: m.status,
      note: text,
      data: JSON.stringify({ attachments: rows.map((r) => ({ id: r.id, filename: r.filename })) }),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const attached = await tx
    .updateTable('matter_attachments')
    .set({ timeline_id: entry.id })
    .where(
      'id',
      'in',
      rows.map((r) => r.id),
    )
    .returning(['id', 'filename', 'mime', 'size', 'timeline_id', 'created_at'])
    .execute();
  const row = await tx
    .updateTable('matters')
    .set({ version: sql`version + 1`, updated_at: sql`now()` })
    .where('id', '=', m.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await audit(tx, actor, {
    action: 'matter.attach',
    entityType: 'matter',
    entityId: m.id,
    areaCode: m.area_code,
    oldValues: { version: m.version },
    // Names, sizes and hashes: enough to prove later which bytes were attached; never the content.
    newValues: {
      version: row.version,
      note: text,
      attachments: rows.map((r) => ({
        id: r.id,
        filename: r.filename,
        size: Number(r.size),
        mime: r.mime,
        sha256: r.sha256,
      })),
    },
  });
  const attachments = attached.map(present).sort((a, b) => Number(a.id) - Number(b.id));
  return {
    attachments,
    // File names can name people: the event (which travels to browsers) carries ids only.
    events: [matterEvent('matter.attached', row, actor, { attachmentIds: attachments.map((a) => a.id) })],
  };
}

/**
 * One attachment of a matter the actor can see, for download; anything else is NOT_FOUND. Evidence may
 * show people, so every download is audited: call it in a transaction (the audit entry is written in it).
 */
export async function openAttachment(
  tx: DbOrTx,
  actor: Actor,
  matterId: string,
  attachmentId: string,
): Promise<AttachmentRow> {
  const m = await findMatterRow(tx, actor, matterId);
  const a = await tx
    .selectFrom('matter_attachments')
    .selectAll()
    .where('id', '=', attachmentId)
    .where('matter_id', '=', m.id)
    .executeTakeFirst();
  if (!a) throw notFound(`附件 / attachment ${attachmentId}`);
  await audit(tx, actor, {
    action: 'matter.attachment.download',
    entityType: 'matter',
    entityId: m.id,
    areaCode: m.area_code,
    newValues: { attachmentId: a.id, filename: a.filename, size: Number(a.size), sha256: a.sha256 },
  });
  return { ...present(a), matterId: m.id, sha256: a.sha256 };
}
