/**
 * Typed application errors. Every error that reaches a caller carries a stable `code`; the HTTP layer maps
 * codes to statuses in one table (src/server/errors.ts) and never shows SQL or stack traces.
 */
export type ErrorCode =
  | 'BAD_REQUEST'
  | 'VALIDATION_FAILED'
  | 'UNAUTHENTICATED'
  | 'SESSION_EXPIRED'
  | 'INVALID_CREDENTIALS'
  | 'ACCOUNT_DISABLED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'UNKNOWN_AREA'
  | 'AREA_OUT_OF_SCOPE'
  | 'INVALID_ID_CARD'
  | 'INVALID_USCC'
  | 'INVALID_ORG_CODE'
  | 'INVALID_MOBILE'
  | 'REASON_REQUIRED'
  | 'CONFIG_INVALID'
  | 'DATABASE_LOCKED'
  | 'IMPORT_INVALID'
  | 'UNKNOWN_ACTION'
  | 'INVALID_TRANSITION'
  | 'PAYLOAD_INVALID'
  | 'FILE_TOO_LARGE'
  | 'FILE_TYPE_FORBIDDEN'
  | 'INVALID_BBOX'
  | 'BBOX_TOO_LARGE'
  | 'BBOX_OUTSIDE_CHINA'
  | 'UNKNOWN_LAYER'
  | 'INVALID_TIME_RANGE'
  | 'MATTER_NO_LOCATION'
  | 'RADIUS_OUT_OF_RANGE'
  | 'MATTER_CLOSED'
  | 'SLOT_TAKEN'
  | 'SLOT_INVALID'
  | 'REFERRAL_SOURCE_NOT_FOUND'
  | 'REFERRAL_SOURCE_INVALID'
  // 网格 grid: roster and check-ins (src/modules/grid)
  | 'NOT_A_GRID'
  | 'GRID_LEADER_EXISTS'
  | 'GRID_NOT_MEMBER'
  | 'GRID_NO_GEOMETRY'
  | 'LOCATION_REQUIRED'
  | 'LOCATION_INVALID'
  | 'LOCATION_STALE'
  | 'CHECKIN_OUTSIDE_GRID'
  | 'CHECKIN_DUPLICATE'
  | 'VISIT_ALREADY_REPORTED'
  // 一站式调解 mediation (src/modules/mediation)
  | 'AGREEMENT_INCOMPLETE'
  | 'CONFIRMATION_TOO_LATE'
  | 'ESCALATION_NOT_POSSIBLE'
  | 'NOT_A_MEDIATOR'
  // 平安乐巡 patrol (src/modules/patrol)
  | 'PATROL_MEMBER_DUPLICATE'
  | 'PATROL_SESSION_ACTIVE'
  | 'PATROL_SESSION_ENDED'
  | 'PATROL_TASK_NOT_OPEN'
  | 'CHECKPOINT_TOO_FAR'
  | 'CHECKPOINT_DUPLICATE'
  | 'GEOMETRY_INVALID'
  | 'INTERNAL';

export interface ErrorDetail {
  path?: string;
  row?: number;
  code?: string;
  message: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetail[] | undefined;
  /** Chinese first: the platform's users read Chinese; the English text follows for operators. */
  constructor(code: ErrorCode, message: string, details?: ErrorDetail[]) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }
}

export const notFound = (what: string) => new AppError('NOT_FOUND', `未找到${what} / ${what} not found`);
export const forbidden = (message = '无权执行此操作 / You are not allowed to do this') =>
  new AppError('FORBIDDEN', message);

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
