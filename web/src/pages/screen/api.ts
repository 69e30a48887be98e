import { api, type Schemas, unwrap } from '../../api/client';

/**
 * The big screen's API (src/modules/screen/screen.routes.ts) through the generated client. Shapes come from
 * the server's OpenAPI document (`npm run gen:api`); errors are the app's `ApiError`.
 */
export type ScreenSummary = Schemas['ScreenSummary'];
export type ScreenCounts = ScreenSummary['counts']['today'];
export type TickerAlert = ScreenSummary['ticker'][number];
export type ScreenTask = ScreenSummary['tasks'][number];
export type AreaInfo = Schemas['Area'];

export const getSummary = async (area: string | undefined, signal?: AbortSignal) =>
  (await unwrap(
    api.GET('/api/screen/summary', { params: { query: area ? { area } : {} }, signal }),
  )) as ScreenSummary;

export const getArea = async (code: string, signal?: AbortSignal) =>
  (await unwrap(api.GET('/api/areas/{code}', { params: { path: { code } }, signal }))) as AreaInfo;
