import { useQuery } from '@tanstack/react-query';
import { Tag, Tooltip } from 'antd';
import { api, unwrap } from '../../api/client';
import type { paths } from '../../api/schema';
import { useI18n } from '../../i18n';

/** The shapes of the 智能预警 API (src/modules/alert/alert.routes.ts), as the generated client types them. */
type Json<P extends keyof paths, M extends 'get' | 'put' | 'post'> = paths[P][M] extends {
  responses: { 200: { content: { 'application/json': infer T } } };
}
  ? T
  : never;

export type AlertList = Json<'/api/alerts', 'get'>;
export type AlertItem = AlertList['items'][number];
export type AlertSummary = Json<'/api/alerts/summary', 'get'>;
export type AlertDetail = Json<'/api/alerts/{id}', 'get'>;
export type AlertFactor = AlertDetail['factors'][number];
export type ModelSummary = Json<'/api/alert-models', 'get'>['items'][number];
export type ModelDetail = Json<'/api/alert-models/{code}', 'get'>;
export type ModelUpdate = Json<'/api/alert-models/{code}', 'put'>;
export type RunResult = Json<'/api/alert-models/{code}/run', 'post'>;
export type AlertLevel = AlertItem['level'];

type Name = { zh: string; en: string };

export const LEVELS: AlertLevel[] = ['red', 'orange', 'yellow'];

export const LEVEL_NAMES: Record<AlertLevel, Name> = {
  red: { zh: '红色', en: 'Red' },
  orange: { zh: '橙色', en: 'Orange' },
  yellow: { zh: '黄色', en: 'Yellow' },
};

/** The three levels' colours: strong enough on white for text, the tag colours of antd's palette. */
export const LEVEL_COLORS: Record<AlertLevel, { tag: string; text: string; bg: string; border: string }> = {
  red: { tag: 'red', text: '#cf1322', bg: '#fff1f0', border: '#ffa39e' },
  orange: { tag: 'orange', text: '#d46b08', bg: '#fff7e6', border: '#ffd591' },
  yellow: { tag: 'gold', text: '#ad8b00', bg: '#feffe6', border: '#fffb8f' },
};

export const KIND_NAMES: Record<ModelSummary['kind'], Name> = {
  streaming: { zh: '实时', en: 'Streaming' },
  periodic: { zh: '定时', en: 'Periodic' },
};

/** 红色预警 / 橙色预警 / 黄色预警 as a coloured tag. */
export function LevelTag({ level, score }: { level: AlertLevel; score?: number }) {
  const { t, name } = useI18n();
  return (
    <Tag color={LEVEL_COLORS[level].tag} data-testid="alert-level" data-level={level}>
      {t(`${name(LEVEL_NAMES[level])}预警`, `${name(LEVEL_NAMES[level])}`)}
      {score !== undefined ? ` · ${score}` : ''}
    </Tag>
  );
}

/** Whether a model's last run went well: a red 异常 with the error on hover. */
export function HealthTag({ model }: { model: Pick<ModelSummary, 'healthy' | 'lastError' | 'failures'> }) {
  const { t } = useI18n();
  if (model.healthy)
    return (
      <Tag color="success" data-testid="model-health" data-healthy="true">
        {t('正常', 'Healthy')}
      </Tag>
    );
  return (
    <Tooltip title={model.lastError ?? t('最近一次运行失败', 'The last run failed')}>
      <Tag color="error" data-testid="model-health" data-healthy="false">
        {t('异常', 'Failing')}
      </Tag>
    </Tooltip>
  );
}

/** 研判确认率: confirmed / (confirmed + dismissed), with the counts on hover; — before any 研判. */
export function ConfirmRatio({
  model,
}: {
  model: Pick<ModelSummary, 'confirmRatio' | 'confirmed' | 'dismissed'>;
}) {
  const { t } = useI18n();
  if (model.confirmRatio === null) return <span style={{ color: 'rgba(0,0,0,0.45)' }}>—</span>;
  return (
    <Tooltip
      title={t(
        `确认 ${model.confirmed} 件，排除 ${model.dismissed} 件`,
        `${model.confirmed} confirmed, ${model.dismissed} dismissed`,
      )}
    >
      <span data-testid="confirm-ratio">{percent(model.confirmRatio)}</span>
    </Tooltip>
  );
}

export const percent = (v: number) => `${(v * 100).toFixed(v === 0 || v === 1 ? 0 : 1)}%`;

/** A share, or — where there is none (no alert, no outcome). */
export const percentOrDash = (v: number | null) => (v === null ? '—' : percent(v));

export function formatMs(ms: number | null | undefined, t: (zh: string, en: string) => string): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.round(ms / 60_000);
  return t(`${m} 分钟`, `${m} min`);
}

/** The models (names, health, 研判 counts): the board names its alerts' models from here. */
export function useAlertModels() {
  const q = useQuery({
    queryKey: ['alert-models'],
    queryFn: async () => (await unwrap(api.GET('/api/alert-models'))).items,
    staleTime: 60_000,
  });
  const items = q.data ?? [];
  const byCode = new Map(items.map((m) => [m.code, m]));
  return { ...q, items, byCode, modelName: (code: string) => byCode.get(code)?.name };
}

/** Where a record behind a factor opens: a dispute on its own page, any other matter on the matter page. */
export const recordPath = (r: { id: string; type: string }) =>
  r.type === 'dispute' ? `/disputes/${r.id}` : r.type === 'alert' ? `/alerts/${r.id}` : `/matters/${r.id}`;
