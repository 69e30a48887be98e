import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type Actor, can, inScope } from '../../core/access/actor.ts';
import { isRole, type Permission } from '../../core/access/roles.ts';
import { userForSession } from '../../core/access/users.service.ts';
import type { ZhiliEvent } from '../../core/events/bus.ts';
import type { Kernel } from '../../core/kernel.ts';
import { requireActor, SESSION_COOKIE } from '../auth.ts';
import { ErrorBody } from '../errors.ts';

/**
 * The permission an actor needs, beyond seeing the record's area, to hear of events of a kind: an enterprise
 * user or an auditor has an area scope but may not read matters, and must not learn of them this way either.
 */
const EVENT_PERMISSIONS: Record<string, Permission> = {
  matter: 'matter:read',
  matters: 'matter:read',
  alert: 'matter:read',
};

/**
 * Who hears of an event: the record is in the actor's area scope, or it is assigned to the actor, or to the
 * actor's department at the actor's own area. An event with none of these set reaches nobody.
 */
export function maySeeEvent(actor: Actor, e: ZhiliEvent): boolean {
  const needed = EVENT_PERMISSIONS[e.type.split('.')[0]!];
  if (needed && !can(actor, needed)) return false;
  if (e.areaCode && inScope(actor, e.areaCode)) return true;
  // Both sides must be set: a system actor (id null) is not "the assignee" of an unassigned record.
  if (actor.id !== null && e.assigneeUserId != null && e.assigneeUserId === actor.id) return true;
  return (
    actor.departmentCode !== null &&
    e.assigneeDepartment != null &&
    e.assigneeDepartment === actor.departmentCode &&
    e.assigneeAreaCode === actor.areaCode
  );
}

// The type becomes an `event:` line: a line break in it would let a payload forge other fields.
const EVENT_TYPE = /^[\w.:-]{1,100}$/;
/** A client that reads slower than events come is cut off (it reconnects) rather than buffered without end. */
const MAX_BUFFERED_BYTES = 1_048_576;

export interface EventsRoutesOptions {
  /** Keep-alive comment interval; each ping also checks that the session still holds. Default 25 s. */
  pingMs?: number;
}

export const eventsRoutes =
  (kernel: Kernel, opts: EventsRoutesOptions = {}): FastifyPluginAsyncZod =>
  async (app) => {
    const pingMs = opts.pingMs ?? 25_000;
    // Open streams never end on their own: closing the server ends them, or it would wait for the clients.
    const open = new Set<() => void>();
    app.addHook('preClose', async () => {
      for (const end of [...open]) end();
    });

    app.get(
      '/events',
      {
        schema: {
          tags: ['events'],
          summary: '实时事件流（SSE）/ Live events (Server-Sent Events)',
          description:
            '以 `text/event-stream` 推送本人可见的事件（管辖区域内的记录，或分派给本人、本部门本区域的记录）：' +
            '先发 `retry: 5000` 与一条 `event: ready`，之后每个事件为 `id`、`event`（类型，如 `matter.created`）、' +
            '`data`（JSON）；每 25 秒一条注释 `: ping`。会话失效或退出后连接被关闭。不补发断线期间的事件。\n\n' +
            'Pushes the events the signed-in user may see (records in their area scope, or assigned to them or to ' +
            'their department at their area) as `text/event-stream`: first `retry: 5000` and an `event: ready` ' +
            'message, then one message per event with `id`, `event` (its type, e.g. `matter.created`) and `data` ' +
            '(the event as JSON); a `: ping` comment every 25 s. The stream ends when the session ends. Events ' +
            'missed while disconnected are not replayed: refresh what is shown after reconnecting.',
          response: {
            200: {
              description: '事件流 / The event stream',
              content: {
                'text/event-stream': {
                  schema: z
                    .string()
                    .describe('id: 1\\nevent: matter.created\\ndata: {"type":"matter.created",…}'),
                },
              },
            },
            401: ErrorBody,
          },
        },
      },
      async (req, reply) => {
        // Before hijacking: without a session the error handler answers 401 in JSON, not a stream.
        const actor = requireActor(req);
        const token = req.cookies[SESSION_COOKIE];
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache',
          // nginx would otherwise buffer the stream and deliver events in lumps.
          'x-accel-buffering': 'no',
          'x-request-id': req.id,
        });

        let ended = false;
        let n = 0;
        const end = (destroy = false) => {
          if (ended) return;
          ended = true;
          unsubscribe();
          clearInterval(ping);
          open.delete(end);
          if (destroy) res.destroy();
          else res.end();
        };
        const send = (text: string) => {
          if (ended) return;
          if (res.writableLength > MAX_BUFFERED_BYTES) {
            req.log.warn('event stream closed: the client does not keep up');
            end(true);
            return;
          }
          res.write(text);
        };

        const unsubscribe = kernel.events.subscribe((e) => {
          if (!EVENT_TYPE.test(e.type) || !maySeeEvent(actor, e)) return;
          n += 1;
          send(`id: ${n}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
        });
        const ping = setInterval(() => {
          stillSignedIn(kernel, actor, token).then(
            (ok) => (ok ? send(': ping\n\n') : end()),
            (e: Error) => {
              // A database blip is no reason to drop every stream; the next ping checks again. The ping itself
              // still goes, or proxies would close the idle connection.
              req.log.warn({ err: e.message }, 'event stream: session check failed');
              send(': ping\n\n');
            },
          );
        }, pingMs);
        ping.unref();
        open.add(end);
        res.on('close', () => end());
        // A client that left while its session was being looked up has already closed: no 'close' will come.
        if (res.destroyed || req.raw.socket.destroyed) {
          end(true);
          return;
        }

        send(`retry: 5000\n\nevent: ready\ndata: ${JSON.stringify({ at: new Date().toISOString() })}\n\n`);
      },
    );
  };

/**
 * A stream outlives the request that opened it: signing out, expiry, a disabled account or a changed scope
 * must end it too. The client then reconnects and is answered with the current rights (or 401).
 */
async function stillSignedIn(kernel: Kernel, actor: Actor, token: string | undefined): Promise<boolean> {
  if (!token) return false;
  const u = await userForSession(kernel.db, token);
  if (!u || u === 'expired') return false;
  return (
    u.id === actor.id &&
    u.area_code === actor.areaCode &&
    u.department_code === actor.departmentCode &&
    u.roles.filter(isRole).sort().join() === [...actor.roles].sort().join()
  );
}
