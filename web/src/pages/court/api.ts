import { useQuery } from '@tanstack/react-query';
import { api, type Schemas, unwrap } from '../../api/client';
import type { paths } from '../../api/schema';

/** 共享法庭 and 心理服务站's queries and types, from the generated client (web/src/api/schema.d.ts). */
export type Court = Schemas['Court'];
export type Booking = Schemas['CourtBooking'];
export type CourtUse = Schemas['CourtUse'];
export type Station = Schemas['PsychStation'];
export type Referral = Schemas['PsychReferral'];
export type Visit = Schemas['PsychVisit'];
export type Followup = Schemas['PsychFollowup'];
export type CourtQuery = NonNullable<paths['/api/courts']['get']['parameters']['query']>;
export type CourtBody = paths['/api/courts']['post']['requestBody']['content']['application/json'];
export type BookingBody =
  paths['/api/courts/{id}/bookings']['post']['requestBody']['content']['application/json'];
export type UseBody = paths['/api/courts/{id}/uses']['post']['requestBody']['content']['application/json'];
export type StationBody = paths['/api/psych/stations']['post']['requestBody']['content']['application/json'];
export type VisitBody = paths['/api/psych/visits']['post']['requestBody']['content']['application/json'];

export const COURT_KINDS = [
  { value: 'town', zh: '镇街', en: 'Town' },
  { value: 'village', zh: '村社', en: 'Village' },
  { value: 'industry', zh: '行业', en: 'Industry' },
] as const;

export const BOOKING_KINDS = [
  { value: 'online_hearing', zh: '在线庭审', en: 'Online hearing' },
  { value: 'judicial_confirmation', zh: '司法确认', en: 'Judicial confirmation' },
] as const;

export const USE_KINDS = [
  ...BOOKING_KINDS,
  { value: 'mediation', zh: '调解', en: 'Mediation' },
  { value: 'legal_advice', zh: '法律咨询', en: 'Legal advice' },
  { value: 'education', zh: '普法宣传', en: 'Legal education' },
] as const;

export const OUTCOMES = [
  { value: 'settled', zh: '调解成功', en: 'Settled' },
  { value: 'confirmed', zh: '确认有效', en: 'Confirmed' },
  { value: 'not_settled', zh: '未达成', en: 'Not settled' },
  { value: 'adjourned', zh: '延期', en: 'Adjourned' },
  { value: 'advised', zh: '已解答', en: 'Advised' },
] as const;

export const REFERRAL_STATUS: Record<string, { zh: string; en: string; color: string }> = {
  pending: { zh: '待接收', en: 'Pending', color: 'orange' },
  accepted: { zh: '已接收', en: 'Accepted', color: 'blue' },
  declined: { zh: '已退回', en: 'Declined', color: 'default' },
  closed: { zh: '已办结', en: 'Closed', color: 'green' },
};

export const RISK = {
  low: { zh: '低', en: 'Low', color: 'green' },
  medium: { zh: '中', en: 'Medium', color: 'orange' },
  high: { zh: '高', en: 'High', color: 'red' },
} as const;

export function labelOf(
  list: readonly { value: string; zh: string; en: string }[],
  value: string,
  lang: 'zh' | 'en',
): string {
  const x = list.find((k) => k.value === value);
  return x ? x[lang] : value;
}

export function useCourt(id: string) {
  return useQuery({
    queryKey: ['courts', 'one', id],
    queryFn: () => unwrap(api.GET('/api/courts/{id}', { params: { path: { id } } })),
  });
}

/**
 * The day's slots. Not refetched behind the user's back (no focus refetch): what they see is what they
 * chose from; a slot taken meanwhile is answered with SLOT_TAKEN and the day is then read again.
 */
export function useSlots(id: string, date: string) {
  return useQuery({
    queryKey: ['courts', 'slots', id, date],
    queryFn: () => unwrap(api.GET('/api/courts/{id}/slots', { params: { path: { id }, query: { date } } })),
    refetchOnWindowFocus: false,
    staleTime: 5 * 60_000,
  });
}

export function useBookings(id: string, from: string, to: string) {
  return useQuery({
    queryKey: ['courts', 'bookings', id, from, to],
    queryFn: () =>
      unwrap(
        api.GET('/api/courts/{id}/bookings', {
          params: { path: { id }, query: { from, to, includeCancelled: 'false' } },
        }),
      ),
    refetchOnWindowFocus: false,
  });
}

/** A query string without the empty values, for the export links. */
export function queryString(q: Record<string, string | number | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') p.set(k, String(v));
  return p.toString();
}
