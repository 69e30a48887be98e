import { z } from 'zod';

/**
 * The limits of a user account as a person types it, shared by the API (src/server/routes/admin.routes.ts)
 * and the console's user form, so that the form refuses exactly what the server refuses.
 */
export const Username = z
  .string()
  .trim()
  .regex(/^[a-z0-9_.-]{3,40}$/, '3–40 位小写字母、数字或 _ . - / 3–40 of a–z 0–9 _ . -');

export const DisplayName = z
  .string()
  .trim()
  .min(1, '请输入姓名 / Enter a name')
  .max(50, '姓名最多 50 字 / At most 50 characters');

const PASSWORD_RULE = '至少 10 位，须同时包含字母和数字 / At least 10 characters, with letters and digits';

export const Password = z
  .string()
  .min(10, PASSWORD_RULE)
  .max(200, '密码最多 200 位 / At most 200 characters')
  .refine((p) => /[A-Za-z]/.test(p) && /\d/.test(p), PASSWORD_RULE);
