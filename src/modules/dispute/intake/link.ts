import { sql } from 'kysely';
import type { DbOrTx } from '../../../core/db/database.ts';
import { parseIdCard } from '../../../core/subjects/codes.ts';
import { AAD } from '../../../core/subjects/persons.service.ts';
import type { Vault } from '../../../core/subjects/vault.ts';
import type { CleanParty, CleanRecord } from './types.ts';

/** A party tied to a subject: `person:12`, `enterprise:7`; null when the record gave nothing to link by. */
export type SubjectKey = `${'person' | 'enterprise'}:${string}`;

export interface LinkResult {
  /** Per record, per party (same order as record.parties). */
  links: (SubjectKey | null)[][];
  createdPersons: number;
  createdEnterprises: number;
}

const ENTERPRISE_PHONE_AAD = 'enterprise.phone';

/**
 * Step "link subjects", for a batch: ID number → person, unified social credit code → enterprise, a mobile
 * alone → the person already known by it (or a new one). Lookups go through the HMAC blind index, so the
 * identifiers are never compared or stored in plain text; new subjects are created as the kernel stores
 * them (AES-GCM with the column as associated data). Three queries per kind, whatever the batch size.
 */
export async function linkSubjects(tx: DbOrTx, vault: Vault, records: CleanRecord[]): Promise<LinkResult> {
  const byIdHmac = new Map<string, { party: CleanParty; areaCode: string }>();
  const byPhoneHmac = new Map<string, { party: CleanParty; areaCode: string }>();
  const byUscc = new Map<string, { party: CleanParty; areaCode: string }>();
  const partyKey: (string | null)[][] = records.map((r) =>
    r.parties.map((p) => {
      if (p.kind === 'enterprise') {
        if (!p.uscc) return null;
        if (!byUscc.has(p.uscc)) byUscc.set(p.uscc, { party: p, areaCode: r.areaCode });
        return `u:${p.uscc}`;
      }
      if (p.idNumber) {
        const h = vault.blindIndex('id_number', p.idNumber);
        if (!byIdHmac.has(h)) byIdHmac.set(h, { party: p, areaCode: r.areaCode });
        return `i:${h}`;
      }
      if (p.phone && p.phone.length === 11) {
        const h = vault.blindIndex('mobile', p.phone);
        if (!byPhoneHmac.has(h)) byPhoneHmac.set(h, { party: p, areaCode: r.areaCode });
        return `p:${h}`;
      }
      return null;
    }),
  );

  const ids = new Map<string, SubjectKey>();
  let createdPersons = 0;
  let createdEnterprises = 0;

  if (byIdHmac.size) {
    const hmacs = [...byIdHmac.keys()];
    const found = await tx
      .selectFrom('persons')
      .select(['id', 'id_number_hmac'])
      .where('id_number_hmac', '=', sql<string>`any(${sql.val(hmacs)}::text[])`)
      .execute();
    for (const f of found) ids.set(`i:${f.id_number_hmac}`, `person:${f.id}`);
    let missing = hmacs.filter((h) => !ids.has(`i:${h}`));
    // A person first known only by a mobile (a hotline call) gains the ID number the next record gives, so
    // the 12345 report and the court case land on one person instead of two.
    const phoneOf = new Map(
      missing.flatMap((h) => {
        const phone = byIdHmac.get(h)!.party.phone;
        return phone?.length === 11 ? [[vault.blindIndex('mobile', phone), h] as const] : [];
      }),
    );
    if (phoneOf.size) {
      const phoneOnly = await tx
        .selectFrom('persons')
        .select([sql<string>`min(id)`.as('id'), 'phone_hmac'])
        .where('id_number_hmac', 'is', null)
        .where('phone_hmac', '=', sql<string>`any(${sql.val([...phoneOf.keys()])}::text[])`)
        .groupBy('phone_hmac')
        .execute();
      // One statement for the batch's upgrades (one person per mobile, so no two rows aim at one person).
      const ups = phoneOnly.map((p) => {
        const h = phoneOf.get(p.phone_hmac!)!;
        const { party } = byIdHmac.get(h)!;
        const info = parseIdCard(party.idNumber!);
        return {
          id: p.id,
          h,
          enc: vault.encrypt(party.idNumber!, AAD.idNumber),
          gender: info?.gender ?? null,
          birth: info?.birthDate ?? null,
        };
      });
      if (ups.length) {
        const upgraded = await sql<{ id: string; h: string }>`
          update persons p
          set id_number_enc = u.enc, id_number_hmac = u.h, gender = u.gender, birth_date = u.birth::date,
              updated_at = now(), version = p.version + 1
          from unnest(${ups.map((u) => u.id)}::bigint[], ${ups.map((u) => u.h)}::text[],
                      ${ups.map((u) => u.enc)}::text[], ${ups.map((u) => u.gender)}::text[],
                      ${ups.map((u) => u.birth)}::text[]) as u(id, h, enc, gender, birth)
          where p.id = u.id and p.id_number_hmac is null
          returning p.id::text as id, p.id_number_hmac as h`.execute(tx);
        for (const u of upgraded.rows) ids.set(`i:${u.h}`, `person:${u.id}`);
      }
      missing = missing.filter((h) => !ids.has(`i:${h}`));
    }
    if (missing.length) {
      const inserted = await tx
        .insertInto('persons')
        .values(
          missing.map((h) => {
            const { party, areaCode } = byIdHmac.get(h)!;
            const info = parseIdCard(party.idNumber!);
            return {
              area_code: areaCode,
              name: party.name.slice(0, 50),
              gender: info?.gender ?? null,
              birth_date: info?.birthDate ?? null,
              id_number_enc: vault.encrypt(party.idNumber!, AAD.idNumber),
              id_number_hmac: h,
              phone_enc: party.phone?.length === 11 ? vault.encrypt(party.phone, AAD.phone) : null,
              phone_hmac: party.phone?.length === 11 ? vault.blindIndex('mobile', party.phone) : null,
            };
          }),
        )
        .onConflict((oc) => oc.column('id_number_hmac').doNothing())
        .returning(['id', 'id_number_hmac'])
        .execute();
      createdPersons += inserted.length;
      for (const f of inserted) ids.set(`i:${f.id_number_hmac}`, `person:${f.id}`);
      // Another import may have created some of them between our select and insert.
      const raced = missing.filter((h) => !ids.has(`i:${h}`));
      if (raced.length) {
        const again = await tx
          .selectFrom('persons')
          .select(['id', 'id_number_hmac'])
          .where('id_number_hmac', '=', sql<string>`any(${sql.val(raced)}::text[])`)
          .execute();
        for (const f of again) ids.set(`i:${f.id_number_hmac}`, `person:${f.id}`);
      }
    }
  }

  if (byPhoneHmac.size) {
    const hmacs = [...byPhoneHmac.keys()];
    const found = await tx
      .selectFrom('persons')
      .select([sql<string>`min(id)`.as('id'), 'phone_hmac'])
      .where('phone_hmac', '=', sql<string>`any(${sql.val(hmacs)}::text[])`)
      .groupBy('phone_hmac')
      .execute();
    for (const f of found) ids.set(`p:${f.phone_hmac}`, `person:${f.id}`);
    const missing = hmacs.filter((h) => !ids.has(`p:${h}`));
    if (missing.length) {
      const inserted = await tx
        .insertInto('persons')
        .values(
          missing.map((h) => {
            const { party, areaCode } = byPhoneHmac.get(h)!;
            return {
              area_code: areaCode,
              name: party.name.slice(0, 50),
              phone_enc: vault.encrypt(party.phone!, AAD.phone),
              phone_hmac: h,
            };
          }),
        )
        .returning(['id', 'phone_hmac'])
        .execute();
      createdPersons += inserted.length;
      for (const f of inserted) ids.set(`p:${f.phone_hmac}`, `person:${f.id}`);
    }
  }

  if (byUscc.size) {
    const codes = [...byUscc.keys()];
    const found = await tx
      .selectFrom('enterprises')
      .select(['id', 'uscc'])
      .where('uscc', '=', sql<string>`any(${sql.val(codes)}::text[])`)
      .execute();
    for (const f of found) ids.set(`u:${f.uscc}`, `enterprise:${f.id}`);
    const missing = codes.filter((c) => !ids.has(`u:${c}`));
    if (missing.length) {
      const inserted = await tx
        .insertInto('enterprises')
        .values(
          missing.map((c) => {
            const { party, areaCode } = byUscc.get(c)!;
            return {
              area_code: areaCode,
              name: party.name.slice(0, 200),
              uscc: c,
              phone_enc: party.phone ? vault.encrypt(party.phone, ENTERPRISE_PHONE_AAD) : null,
              phone_hmac: party.phone ? vault.blindIndex('mobile', party.phone) : null,
            };
          }),
        )
        .onConflict((oc) => oc.column('uscc').doNothing())
        .returning(['id', 'uscc'])
        .execute();
      createdEnterprises += inserted.length;
      for (const f of inserted) ids.set(`u:${f.uscc}`, `enterprise:${f.id}`);
      const raced = missing.filter((c) => !ids.has(`u:${c}`));
      if (raced.length) {
        const again = await tx
          .selectFrom('enterprises')
          .select(['id', 'uscc'])
          .where('uscc', '=', sql<string>`any(${sql.val(raced)}::text[])`)
          .execute();
        for (const f of again) ids.set(`u:${f.uscc}`, `enterprise:${f.id}`);
      }
    }
  }

  return {
    links: partyKey.map((keys) => keys.map((k) => (k ? (ids.get(k) ?? null) : null))),
    createdPersons,
    createdEnterprises,
  };
}
