import type { PartyRole } from '../dispute.schema.ts';

/**
 * The records travelling through the intake pipeline (parse → map → validate → normalise → link → dedupe
 * → classify → write). Each step is one function that takes the previous step's output; a record goes
 * forward only, or leaves as a RowError.
 */

/** A cell as a parser gives it: text, a number, a Date (XLSX date cells and Excel serial dates), or empty. */
export type Cell = string | number | boolean | Date | null;

/** One data row with its 1-based row number in the file (for a CSV: the line's record number including the header). */
export interface RawRow {
  rowNo: number;
  cells: Record<string, Cell>;
  /** Set when the parser could not read this row (a broken JSON line, an unclosed quote): it is rejected. */
  error?: { code: string; reason: string };
}

/** Why a row was rejected: the stable code is for machines, the reason (中文 / English) for people. */
export interface RowError {
  rowNo: number;
  field: string;
  code: string;
  reason: string;
}

export interface MappedParty {
  role: PartyRole;
  kind: 'person' | 'enterprise';
  name: string | null;
  idNumber: string | null;
  phone: string | null;
  uscc: string | null;
}

/** After `map`: our field names, values still as the department wrote them. */
export interface MappedRecord {
  rowNo: number;
  recordKey: Cell;
  reportedAt: Cell;
  title: Cell;
  description: Cell;
  sourceCategory: Cell;
  areaCode: Cell;
  address: Cell;
  lng: Cell;
  lat: Cell;
  amount: Cell;
  peopleInvolved: Cell;
  parties: MappedParty[];
}

export interface CleanParty {
  role: PartyRole;
  kind: 'person' | 'enterprise';
  name: string;
  /** GB 11643, upper-case X, 18 characters, checksum verified. */
  idNumber: string | null;
  /** 11-digit mainland mobile or a fixed line with area code, digits only. */
  phone: string | null;
  /** GB 32100, 18 characters, checksum verified. */
  uscc: string | null;
}

/** After `validate` and `normalise`: typed, checked, in our units (UTC dates, yuan, 12-digit area). */
export interface CleanRecord {
  rowNo: number;
  recordKey: string;
  reportedAt: Date;
  title: string;
  description: string;
  sourceCategory: string | null;
  areaCode: string;
  areaFrom: 'code' | 'address' | 'point';
  address: string | null;
  point: { lng: number; lat: number } | null;
  amount: number | null;
  peopleInvolved: number;
  parties: CleanParty[];
}
