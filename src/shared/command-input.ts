import { z } from 'zod';

/**
 * What a commander types when dispatching a command task (一键直达 → 下达指令) and the bounds of the camera
 * search, with the limits the API enforces. Pure (zod only): src/modules/command/command.schema.ts builds its
 * request schemas from these and the console validates its forms with the same ones.
 */

/** The camera search: 10 m to 5 km around the matter, at most 50 cameras. */
export const MIN_RADIUS_M = 10;
export const MAX_RADIUS_M = 5000;
export const DEFAULT_RADIUS_M = 1000;
export const MAX_CAMERAS = 50;
export const DEFAULT_CAMERAS = 10;

export const MAX_INSTRUCTIONS = 2000;
/** A task is due at least a minute and at most thirty days after it is dispatched. */
export const MIN_DEADLINE_MS = 60_000;
export const MAX_DEADLINE_MS = 30 * 24 * 3600_000;
export const MAX_REVEAL_REASON = 200;

export const Instructions = z
  .string({ error: '请填写指令内容 / Enter the instructions' })
  .trim()
  .min(1, { error: '请填写指令内容 / Enter the instructions' })
  .max(MAX_INSTRUCTIONS, {
    error: `指令内容不超过 ${MAX_INSTRUCTIONS} 字 / At most ${MAX_INSTRUCTIONS} characters`,
  });

export const RevealReason = z
  .string({ error: '请填写查看事由 / Give a reason' })
  .trim()
  .min(2, { error: '请填写查看事由（至少 2 个字）/ Give a reason (2 characters or more)' })
  .max(MAX_REVEAL_REASON, {
    error: `事由不超过 ${MAX_REVEAL_REASON} 字 / At most ${MAX_REVEAL_REASON} characters`,
  });

/** Is `deadline` (ms since the epoch) acceptable for a task dispatched at `now`? */
export function deadlineInRange(deadline: number, now: number): boolean {
  return deadline >= now + MIN_DEADLINE_MS && deadline <= now + MAX_DEADLINE_MS;
}
