import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Button, ConfigProvider, Spin } from 'antd';
import dayjs from 'dayjs';
import { useEffect, useMemo, useRef, useState } from 'react';
import { Link, Navigate, useLocation, useSearchParams } from 'react-router';
import { ApiError, errorText } from '../../api/client';
import { type LiveState, useLiveEvents } from '../../api/useLiveEvents';
import { useAuth } from '../../auth';
import { useI18n } from '../../i18n';
import { type Bbox, getConfig } from '../map/api';
import { getArea, getSummary } from './api';
import { AlertLevels, CountsTable, KpiTiles, OpenStrip, Panel, TaskList, Ticker, u } from './panels';
import { ScreenMap } from './ScreenMap';
import { TrendChart } from './TrendChart';
import { COLORS, DARK_THEME, DESIGN_HEIGHT, DESIGN_WIDTH } from './theme';

/** Matter and alert events come in bursts: the figures are asked again once a burst is over. */
const LIVE_DEBOUNCE_MS = 1000;
/** Figures that move with the clock alone (a task's deadline passing) are asked again this often. */
const POLL_MS = 60_000;

/** Flashes a ticker line that arrived since the last answer; the screen's own keyframes. */
const CSS = `
@keyframes screen-flash { 0% { background: rgba(248, 113, 113, 0.55); } 100% { background: transparent; } }
.screen-fresh { animation: screen-flash 2.5s ease-out 2; }
.screen-root a:hover { color: #7dd3fc !important; }
`;

function Clock() {
  const [now, setNow] = useState(() => dayjs());
  useEffect(() => {
    const id = setInterval(() => setNow(dayjs()), 1000);
    return () => clearInterval(id);
  }, []);
  return (
    <div style={{ fontVariantNumeric: 'tabular-nums' }} data-testid="screen-clock">
      <div style={{ fontSize: u(30), fontWeight: 700, color: COLORS.text }}>{now.format('HH:mm:ss')}</div>
      <div style={{ fontSize: u(15), color: COLORS.muted }}>{now.format('YYYY-MM-DD dddd')}</div>
    </div>
  );
}

function LiveBadge({ state }: { state: LiveState }) {
  const { t } = useI18n();
  const [label, color] =
    state === 'live'
      ? [t('实时', 'Live'), COLORS.good]
      : state === 'connecting'
        ? [t('连接中', 'Connecting'), COLORS.warn]
        : [t('已断开', 'Disconnected'), COLORS.bad];
  return (
    <span
      data-testid="screen-live"
      data-state={state}
      style={{ display: 'inline-flex', alignItems: 'center', gap: u(6), color, fontSize: u(16) }}
    >
      <span
        style={{
          width: u(10),
          height: u(10),
          borderRadius: '50%',
          background: color,
          display: 'inline-block',
        }}
      />
      {label}
    </span>
  );
}

/** Full-screen frame: a dark page whose unit (--u) is one design pixel of 1920×1080, scaled to the window. */
function Frame({ children }: { children: React.ReactNode }) {
  return (
    <ConfigProvider theme={DARK_THEME}>
      <style>{CSS}</style>
      <div
        className="screen-root"
        data-testid="screen-root"
        style={
          {
            '--u': `min(calc(100vw / ${DESIGN_WIDTH}), calc(100vh / ${DESIGN_HEIGHT}))`,
            position: 'fixed',
            inset: 0,
            background: `radial-gradient(ellipse at 50% 0%, #0b2a52 0%, ${COLORS.page} 60%)`,
            color: COLORS.text,
            overflow: 'hidden',
            fontFamily: '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", system-ui, sans-serif',
          } as React.CSSProperties
        }
      >
        {children}
      </div>
    </ConfigProvider>
  );
}

function Centered({ children }: { children: React.ReactNode }) {
  return (
    <div
      style={{
        height: '100%',
        display: 'flex',
        alignItems: 'center',
        justifyContent: 'center',
        flexDirection: 'column',
        gap: 16,
      }}
    >
      {children}
    </div>
  );
}

/**
 * 指挥大屏: the command centre's big screen at 1920×1080 (scaling to other sizes), outside the console's
 * frame — counts of today and this month, what is open and late, the KPIs, the trend, the newest alerts,
 * the map with the open 指令 tasks and their list — refreshed live over the tab's one event stream.
 * `?area=<code>` narrows it to an area within the user's scope.
 */
export default function ScreenPage() {
  const { me, loading, can } = useAuth();
  const { t, lang, setLang } = useI18n();
  const location = useLocation();
  const [params] = useSearchParams();
  const area = params.get('area') ?? undefined;
  const qc = useQueryClient();
  const allowed = !!me && can('matter:read');

  const summary = useQuery({
    queryKey: ['screen', 'summary', area ?? null],
    queryFn: ({ signal }) => getSummary(area, signal),
    enabled: allowed,
    refetchInterval: POLL_MS,
    placeholderData: (prev) => prev,
  });
  const config = useQuery({
    queryKey: ['screen', 'map-config'],
    queryFn: ({ signal }) => getConfig(signal),
    enabled: allowed,
    staleTime: 5 * 60_000,
  });
  const areaInfo = useQuery({
    queryKey: ['screen', 'area', area],
    queryFn: ({ signal }) => getArea(area!, signal),
    enabled: allowed && !!area,
    staleTime: 10 * 60_000,
  });

  // Live: any matter or alert event refreshes the figures and the map's layers once the burst is over.
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  const live = useLiveEvents((e) => {
    if (!e.type.startsWith('matter.') && !e.type.startsWith('alert.')) return;
    clearTimeout(timer.current);
    timer.current = setTimeout(() => void qc.invalidateQueries({ queryKey: ['screen'] }), LIVE_DEBOUNCE_MS);
  });

  // Back after a break: events missed meanwhile are not replayed, so everything is asked again once.
  const liveBefore = useRef<{ ever: boolean; prev: LiveState }>({ ever: false, prev: 'connecting' });
  useEffect(() => {
    const b = liveBefore.current;
    if (live === 'live' && b.prev !== 'live' && b.ever) void qc.invalidateQueries({ queryKey: ['screen'] });
    if (live === 'live') b.ever = true;
    b.prev = live;
  }, [live, qc]);

  // Ticker lines not in the previous answer flash once (none on the first answer).
  const seen = useRef<Set<string> | null>(null);
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  const ticker = summary.data?.ticker;
  useEffect(() => {
    if (!ticker) return;
    const ids = ticker.map((a) => a.id);
    if (seen.current) setFresh(new Set(ids.filter((id) => !seen.current!.has(id))));
    seen.current = new Set(ids);
  }, [ticker]);

  const focus = useMemo((): Bbox | null => {
    if (area)
      return (
        (areaInfo.data?.bbox as Bbox | null | undefined) ??
        (areaInfo.isError ? (config.data?.bbox ?? null) : null)
      );
    return config.data?.bbox ?? null;
  }, [area, areaInfo.data, areaInfo.isError, config.data]);

  if (loading)
    return (
      <Frame>
        <Centered>
          <Spin size="large" />
        </Centered>
      </Frame>
    );
  if (!me)
    return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;

  const s = summary.data;
  const title = s
    ? t(`${s.area.name}社会治理指挥中心`, `${s.area.name} Governance Command Centre`)
    : t('温州市社会治理指挥中心', 'Wenzhou Governance Command Centre');

  let body: React.ReactNode;
  if (!allowed) {
    body = (
      <Centered>
        <div data-testid="screen-forbidden" style={{ fontSize: 24 }}>
          {t('您没有查看事项的权限。', 'You are not allowed to read matters.')}
        </div>
        <Link to="/">{t('返回控制台', 'Back to the console')}</Link>
      </Centered>
    );
  } else if (summary.isLoading) {
    body = (
      <Centered>
        <Spin size="large" />
        <span style={{ color: COLORS.muted }} data-testid="screen-loading">
          {t('正在加载…', 'Loading…')}
        </span>
      </Centered>
    );
  } else if (!s) {
    const e = summary.error;
    body = (
      <Centered>
        <div data-testid="screen-error" style={{ fontSize: 24, color: COLORS.bad }}>
          {e instanceof ApiError && e.status === 404
            ? t('该区域不存在，或不在您的管辖范围内。', 'This area does not exist or is outside your scope.')
            : `${t('加载失败：', 'Could not load: ')}${errorText(e, lang)}${e instanceof ApiError && e.requestId ? ` (${e.requestId})` : ''}`}
        </div>
        <Button onClick={() => void summary.refetch()}>{t('重试', 'Retry')}</Button>
      </Centered>
    );
  } else {
    body = (
      <div
        style={{
          display: 'grid',
          gridTemplateColumns: `${u(470)} 1fr ${u(470)}`,
          gap: u(14),
          padding: `0 ${u(16)} ${u(16)}`,
          height: `calc(100% - ${u(96)})`,
          boxSizing: 'border-box',
          minHeight: 0,
        }}
      >
        <div style={{ display: 'flex', flexDirection: 'column', gap: u(14), minHeight: 0 }}>
          <Panel title={t('今日 / 本月', 'Today / this month')} extra={s.today.day} testId="panel-counts">
            <CountsTable today={s.counts.today} month={s.counts.month} />
          </Panel>
          <Panel title={t('关键指标', 'Key figures')} testId="panel-kpis">
            <KpiTiles s={s} />
          </Panel>
          <Panel title={t('在办态势', 'Open now')} testId="panel-open" style={{ flex: 1 }}>
            <OpenStrip open={s.open} />
            <AlertLevels alerts={s.counts.month.alerts} />
          </Panel>
        </div>
        <div style={{ display: 'flex', flexDirection: 'column', gap: u(14), minHeight: 0 }}>
          <Panel
            title={t('态势一张图', 'The map')}
            extra={t(
              '在办事项（六边形）· 预警（描边）· 指令（圆点）',
              'open matters (hexagons) · alerts (outlined) · tasks (dots)',
            )}
            testId="panel-map"
            style={{ flex: 1 }}
          >
            {config.error ? (
              <div style={{ color: COLORS.bad }}>{errorText(config.error, lang)}</div>
            ) : config.data && focus ? (
              <ScreenMap config={config.data} focus={focus} tasks={s.tasks} />
            ) : (
              <Centered>
                <Spin />
              </Centered>
            )}
          </Panel>
          <Panel
            title={t(`近${s.trend.length}日趋势`, `Last ${s.trend.length} days`)}
            testId="panel-trend"
            style={{ height: u(290), flex: 'none' }}
          >
            <div style={{ flex: 1, minHeight: 0, position: 'relative' }} data-testid="screen-trend">
              <TrendChart trend={s.trend} />
            </div>
          </Panel>
        </div>
        <div style={{ display: 'flex', flexDirection: 'column', gap: u(14), minHeight: 0 }}>
          <Panel
            title={t('实时预警', 'Live alerts')}
            extra={t(`本月 ${s.counts.month.alerts.total} 条`, `${s.counts.month.alerts.total} this month`)}
            testId="panel-ticker"
            style={{ flex: 1.2 }}
          >
            <Ticker items={s.ticker} fresh={fresh} />
          </Panel>
          <Panel
            title={t('在办指令', 'Open tasks')}
            extra={t(
              `${s.open.tasks} 条，超期 ${s.open.tasksOverdue}`,
              `${s.open.tasks}, ${s.open.tasksOverdue} late`,
            )}
            testId="panel-tasks"
            style={{ flex: 1 }}
          >
            <TaskList tasks={s.tasks} />
          </Panel>
        </div>
      </div>
    );
  }

  return (
    <Frame>
      <header
        style={{
          height: u(96),
          display: 'grid',
          gridTemplateColumns: '1fr auto 1fr',
          alignItems: 'center',
          padding: `0 ${u(24)}`,
        }}
      >
        <Clock />
        <h1
          data-testid="screen-title"
          style={{
            margin: 0,
            fontSize: u(40),
            letterSpacing: u(4),
            fontWeight: 700,
            background: 'linear-gradient(180deg, #e0f2fe 0%, #38bdf8 100%)',
            WebkitBackgroundClip: 'text',
            color: 'transparent',
            textAlign: 'center',
            whiteSpace: 'nowrap',
          }}
        >
          {title}
        </h1>
        <div style={{ display: 'flex', justifyContent: 'flex-end', alignItems: 'center', gap: u(16) }}>
          {summary.isFetching && s ? <Spin size="small" /> : null}
          <LiveBadge state={live} />
          <Button size="small" onClick={() => setLang(lang === 'zh' ? 'en' : 'zh')} data-testid="lang-switch">
            {lang === 'zh' ? 'EN' : '中文'}
          </Button>
          <Link to="/" style={{ fontSize: u(15) }}>
            {t('返回控制台', 'Console')}
          </Link>
        </div>
      </header>
      {body}
    </Frame>
  );
}
