import type { Writable } from 'node:stream';
import { PassThrough } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** `prefix-YYYY-MM-DD.xlsx`: an export's file name with the day it was made. */
export const datedXlsx = (prefix: string) => `${prefix}-${new Date().toISOString().slice(0, 10)}.xlsx`;

/**
 * Sends a workbook as it is written. Everything that can fail with a typed error (permission, area,
 * period) has run before the first byte; a failure after that ends the stream and is logged.
 */
export function sendXlsx(
  req: FastifyRequest,
  reply: FastifyReply,
  name: string,
  write: (out: Writable) => Promise<unknown>,
) {
  const stream = new PassThrough();
  reply.header('content-type', XLSX).header('content-disposition', `attachment; filename="${name}"`);
  write(stream).catch((e: Error) => {
    req.log.error({ err: e.message }, 'export failed');
    stream.destroy(e);
  });
  return reply.send(stream);
}
