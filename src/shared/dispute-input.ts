import { z } from 'zod';
import { normalizeIdCard, normalizeMobile, normalizeUscc } from '../core/subjects/codes.ts';

/**
 * What a person types into the dispute form (纠纷登记, POST /api/disputes), with the limits the API and the
 * intake pipeline enforce (DisputeForm / PartyInput in src/modules/dispute/dispute.routes.schemas.ts, LIMITS
 * and the identifier checks in src/modules/dispute/intake/validate.ts). Pure (zod and the identifier checks,
 * no server import), so that the console's form refuses exactly what the server would refuse, field by
 * field, before anything is sent. Messages are "中文 / English" like the API's own.
 */

export const MAX_DISPUTE_TITLE = 200;
export const MAX_DISPUTE_DESCRIPTION = 5000;
export const MAX_DISPUTE_ADDRESS = 200;
export const MAX_PARTY_NAME = 100;
export const MAX_PARTIES = 20;
export const MAX_AMOUNT = 1e12;
export const MAX_PEOPLE = 1_000_000;

export const DisputeTitle = z
  .string({ error: '请填写标题 / Enter a title' })
  .trim()
  .min(1, { error: '请填写标题 / Enter a title' })
  .max(MAX_DISPUTE_TITLE, {
    error: `标题不超过 ${MAX_DISPUTE_TITLE} 字 / At most ${MAX_DISPUTE_TITLE} characters`,
  });

export const DisputeDescription = z
  .string({ error: '请描述纠纷经过 / Describe the dispute' })
  .trim()
  .min(1, { error: '请描述纠纷经过 / Describe the dispute' })
  .max(MAX_DISPUTE_DESCRIPTION, {
    error: `描述不超过 ${MAX_DISPUTE_DESCRIPTION} 字 / At most ${MAX_DISPUTE_DESCRIPTION} characters`,
  });

export const DisputeAddress = z
  .string()
  .trim()
  .max(MAX_DISPUTE_ADDRESS, {
    error: `地址不超过 ${MAX_DISPUTE_ADDRESS} 字 / At most ${MAX_DISPUTE_ADDRESS} characters`,
  });

export const DisputeAmount = z
  .number({ error: '金额应为数字 / The amount must be a number' })
  .min(0, { error: '金额不能为负 / The amount cannot be negative' })
  .max(MAX_AMOUNT, { error: '金额过大 / The amount is too large' });

export const PeopleInvolved = z
  .number({ error: '人数应为数字 / Enter a number' })
  .int({ error: '人数应为整数 / A whole number' })
  .min(1, { error: '至少 1 人 / At least 1' })
  .max(MAX_PEOPLE, { error: '人数过多 / Too many' });

export const PartyName = z
  .string({ error: '请填写当事人姓名或名称 / Enter the party’s name' })
  .trim()
  .min(1, { error: '请填写当事人姓名或名称 / Enter the party’s name' })
  .max(MAX_PARTY_NAME, { error: `不超过 ${MAX_PARTY_NAME} 字 / At most ${MAX_PARTY_NAME} characters` });

/** A resident ID number: checksum and birth date, as the intake pipeline checks it (full-width digits pass). */
export const PartyIdNumber = z
  .string()
  .trim()
  .max(30, { error: '身份证号码过长 / Too long' })
  .refine((s) => s === '' || normalizeIdCard(s) !== null, {
    error: '身份证号码无效（校验位或出生日期不符）/ Invalid resident ID number',
  });

const FIXED_LINE = /^0\d{2,3}-?\d{7,8}$/;
/** A mobile number, or a fixed line with its area code (0577-88888888). */
export const PartyPhone = z
  .string()
  .trim()
  .max(30, { error: '电话号码过长 / Too long' })
  .refine(
    (s) =>
      s === '' ||
      normalizeMobile(s) !== null ||
      FIXED_LINE.test(s.normalize('NFKC').replace(/[\s()（）]/g, '')),
    { error: '电话号码无效 / Invalid phone number' },
  );

export const PartyUscc = z
  .string()
  .trim()
  .max(30, { error: '代码过长 / Too long' })
  .refine((s) => s === '' || normalizeUscc(s) !== null, {
    error: '统一社会信用代码无效 / Invalid unified social credit code',
  });
