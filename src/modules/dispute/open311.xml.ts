import { XMLBuilder } from 'fast-xml-parser';

/**
 * GeoReport v2 documents as XML. The documents are built once, in the spec's field names, as for JSON;
 * here a list becomes a wrapper element holding one element per item, named as the spec names them
 * (<services><service>…, <attributes><attribute>…, <values><value>…), and the XML declaration comes first.
 */

export type Format = 'json' | 'xml';
export const FORMATS: readonly Format[] = ['json', 'xml'];
export const CONTENT_TYPE: Record<Format, string> = {
  json: 'application/json; charset=utf-8',
  xml: 'text/xml; charset=utf-8',
};

/** The element each item of a list is written as, by the list's own element name. */
const ITEM_OF: Record<string, string> = {
  services: 'service',
  attributes: 'attribute',
  values: 'value',
  endpoints: 'endpoint',
  formats: 'format',
  service_requests: 'request',
  errors: 'error',
};

const DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n';

/**
 * Characters XML 1.0 cannot carry even as references (control characters other than tab and line breaks,
 * lone surrogates, U+FFFE/FFFF). Citizens' text may hold them; they are dropped rather than break the document.
 */
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

const builder = new XMLBuilder({
  format: true,
  indentBy: '  ',
  ignoreAttributes: true,
  suppressEmptyNode: false,
  // &, <, >, ' and " become entity references (the builder's default set).
  processEntities: true,
  tagValueProcessor: (_name: string, value: unknown) =>
    typeof value === 'string' ? value.replace(NOT_XML, '') : value,
});

type Node = string | Node[] | { [k: string]: Node };

function node(value: unknown, name: string): Node {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    const item = ITEM_OF[name];
    if (!item) throw new Error(`open311 xml: no item element for the list ${name}`);
    return { [item]: value.map((v) => node(v, item)) };
  }
  if (typeof value === 'object') {
    const out: { [k: string]: Node } = {};
    for (const [k, v] of Object.entries(value)) out[k] = node(v, k);
    return out;
  }
  throw new Error(`open311 xml: cannot write a ${typeof value}`);
}

/** One document: `root` is the outer element (services, service_definition, service_requests, discovery, errors). */
export function toXml(root: string, doc: unknown): string {
  return DECLARATION + builder.build({ [root]: node(doc, root) });
}

export interface Open311Error {
  code: number;
  description: string;
}

/** GeoReport's error document: a JSON array of {code, description}, or <errors><error>… in XML. */
export function errorBody(format: Format, errors: Open311Error[]): string {
  return format === 'xml' ? toXml('errors', errors) : JSON.stringify(errors);
}

/** The format a URL asks for by its extension; JSON when it names none we serve (errors must say something). */
export function formatOfUrl(url: string): Format {
  return /\.xml$/i.test(url.split('?')[0] ?? '') ? 'xml' : 'json';
}
