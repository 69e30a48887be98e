import type { CSSProperties, ReactNode } from 'react';
import { useI18n } from '../../i18n';
import type { ScreenCounts, ScreenSummary, ScreenTask, TickerAlert } from './api';
import { COLORS } from './theme';

/** A length in the screen's unit: 1 = one pixel of the 1920×1080 design, scaled to the window. */
export const u = (n: number) => `calc(var(--u) * ${n})`;

export function Panel({
  title,
  extra,
  children,
  testId,
  style,
}: {
  title: string;
  extra?: ReactNode;
  children: ReactNode;
  testId?: string;
  style?: CSSProperties;
}) {
  return (
    <section
      data-testid={testId}
      style={{
        background: COLORS.panel,
        border: `1px solid ${COLORS.border}`,
        borderRadius: u(8),
        padding: `${u(10)} ${u(14)}`,
        display: 'flex',
        flexDirection: 'column',
        minHeight: 0,
        boxShadow: 'inset 0 0 24px rgba(56, 189, 248, 0.08)',
        ...style,
      }}
    >
      <header
        style={{
          display: 'flex',
          justifyContent: 'space-between',
          alignItems: 'baseline',
          borderLeft: `${u(4)} solid ${COLORS.accent}`,
          paddingLeft: u(8),
          marginBottom: u(8),
        }}
      >
        <h2 style={{ margin: 0, fontSize: u(20), color: COLORS.text, fontWeight: 600 }}>{title}</h2>
        {extra ? <span style={{ color: COLORS.muted, fontSize: u(14) }}>{extra}</span> : null}
      </header>
      <div style={{ flex: 1, minHeight: 0, display: 'flex', flexDirection: 'column' }}>{children}</div>
    </section>
  );
}

const big: CSSProperties = { fontVariantNumeric: 'tabular-nums', fontWeight: 700, lineHeight: 1.1 };

/** 今日 and 本月 side by side, one row per figure. */
export function CountsTable({ today, month }: { today: ScreenCounts; month: ScreenCounts }) {
  const { t } = useI18n();
  const rows: { key: string; label: string; pick: (c: ScreenCounts) => number; color?: string }[] = [
    { key: 'matters', label: t('新增事项', 'New matters'), pick: (c) => c.matters },
    { key: 'disputes', label: t('新增纠纷', 'New disputes'), pick: (c) => c.disputes },
    { key: 'alerts', label: t('新增预警', 'New alerts'), pick: (c) => c.alerts.total, color: COLORS.orange },
    { key: 'red', label: t('　其中红色', '  of which red'), pick: (c) => c.alerts.red, color: COLORS.red },
    { key: 'dispatched', label: t('下达指令', 'Tasks dispatched'), pick: (c) => c.tasksDispatched },
    {
      key: 'tasksClosed',
      label: t('指令办结', 'Tasks closed'),
      pick: (c) => c.tasksClosed,
      color: COLORS.good,
    },
    { key: 'closed', label: t('事项办结', 'Matters closed'), pick: (c) => c.closed, color: COLORS.good },
  ];
  const cell: CSSProperties = { ...big, textAlign: 'right', fontSize: u(28), padding: `${u(2)} ${u(6)}` };
  return (
    <table style={{ width: '100%', borderCollapse: 'collapse', color: COLORS.text }}>
      <thead>
        <tr style={{ color: COLORS.muted, fontSize: u(15) }}>
          <th style={{ textAlign: 'left', fontWeight: 400 }} />
          <th style={{ textAlign: 'right', fontWeight: 400, padding: `0 ${u(6)}` }}>{t('今日', 'Today')}</th>
          <th style={{ textAlign: 'right', fontWeight: 400, padding: `0 ${u(6)}` }}>
            {t('本月', 'This month')}
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.key} style={{ borderTop: `1px solid ${COLORS.grid}` }}>
            <td style={{ fontSize: u(17), color: COLORS.muted, whiteSpace: 'pre' }}>{r.label}</td>
            <td style={{ ...cell, color: r.color ?? COLORS.accent }} data-testid={`count-today-${r.key}`}>
              {r.pick(today)}
            </td>
            <td style={{ ...cell, color: r.color ?? COLORS.text }} data-testid={`count-month-${r.key}`}>
              {r.pick(month)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);
/** Minutes: one decimal under ten (a sign-for in seconds is not "0"), whole up to an hour, then hours. */
const mins = (v: number | null) =>
  v === null ? '—' : v < 10 ? v.toFixed(1) : v < 60 ? `${Math.round(v)}` : `${(v / 60).toFixed(1)}`;
const minUnit = (v: number | null, t: (zh: string, en: string) => string) =>
  v !== null && v >= 60 ? t('小时', 'h') : t('分钟', 'min');

function Tile({
  label,
  value,
  unit,
  note,
  color,
  testId,
}: {
  label: string;
  value: string;
  unit?: string;
  note: string;
  color: string;
  testId: string;
}) {
  return (
    <div
      data-testid={testId}
      style={{
        border: `1px solid ${COLORS.grid}`,
        borderRadius: u(6),
        padding: `${u(8)} ${u(10)}`,
        background: 'rgba(2, 6, 23, 0.35)',
        minWidth: 0,
      }}
    >
      <div style={{ color: COLORS.muted, fontSize: u(15) }}>{label}</div>
      <div style={{ ...big, fontSize: u(36), color }}>
        <span data-testid={`${testId}-value`}>{value}</span>
        {unit ? <span style={{ fontSize: u(15), marginLeft: u(4), fontWeight: 400 }}>{unit}</span> : null}
      </div>
      <div
        style={{ color: COLORS.muted, fontSize: u(13), whiteSpace: 'nowrap', overflow: 'hidden' }}
        title={note}
      >
        {note}
      </div>
    </div>
  );
}

/** 化解率, overdue, 指令 response time and closure: the centre's four numbers. */
export function KpiTiles({ s }: { s: ScreenSummary }) {
  const { t } = useI18n();
  const k = s.kpis;
  const r = k.resolution;
  const d = k.dispatchResponse;
  return (
    <div style={{ display: 'grid', gridTemplateColumns: '1fr 1fr', gap: u(10) }}>
      <Tile
        testId="kpi-resolution"
        label={t('纠纷化解率', 'Dispute resolution rate')}
        value={pct(r.rate)}
        color={COLORS.good}
        note={t(
          `化解 ${r.resolved} / 有结果 ${r.settled}（近12个月）`,
          `${r.resolved} of ${r.settled} settled (12 months)`,
        )}
      />
      <Tile
        testId="kpi-overdue"
        label={t('超期事项', 'Overdue matters')}
        value={String(k.overdue.count)}
        color={k.overdue.count ? COLORS.bad : COLORS.good}
        note={t(
          `占在办 ${pct(k.overdue.share)}（在办 ${k.overdue.open}）`,
          `${pct(k.overdue.share)} of ${k.overdue.open} open`,
        )}
      />
      <Tile
        testId="kpi-response"
        label={t('指令签收用时（中位）', 'Sign-for time (median)')}
        value={mins(d.medianMinutes)}
        unit={minUnit(d.medianMinutes, t)}
        color={COLORS.accent}
        note={t(
          `P90 ${mins(d.p90Minutes)}${minUnit(d.p90Minutes, t)} · 本月已签收 ${d.signed}/${d.dispatched}`,
          `p90 ${mins(d.p90Minutes)} ${minUnit(d.p90Minutes, t)} · signed ${d.signed}/${d.dispatched} this month`,
        )}
      />
      <Tile
        testId="kpi-closure"
        label={t('指令办结率', 'Task closure rate')}
        value={pct(k.taskClosure.rate)}
        color={COLORS.warn}
        note={t(
          `本月下达 ${k.taskClosure.dispatched}，已办结 ${k.taskClosure.closed}`,
          `${k.taskClosure.closed} of ${k.taskClosure.dispatched} this month`,
        )}
      />
    </div>
  );
}

/** What is open now: matters, overdue, alerts, tasks (overdue). */
export function OpenStrip({ open }: { open: ScreenSummary['open'] }) {
  const { t } = useI18n();
  const items = [
    { key: 'matters', label: t('在办事项', 'Open matters'), v: open.matters, c: COLORS.text },
    { key: 'overdue', label: t('超期', 'Overdue'), v: open.overdue, c: COLORS.bad },
    { key: 'alerts', label: t('待处置预警', 'Open alerts'), v: open.alerts, c: COLORS.orange },
    { key: 'tasks', label: t('在办指令', 'Open tasks'), v: open.tasks, c: COLORS.accent },
    { key: 'tasksOverdue', label: t('超期指令', 'Late tasks'), v: open.tasksOverdue, c: COLORS.bad },
  ];
  return (
    <div style={{ display: 'grid', gridTemplateColumns: `repeat(${items.length}, 1fr)`, gap: u(6) }}>
      {items.map((x) => (
        <div key={x.key} style={{ textAlign: 'center', minWidth: 0 }}>
          <div style={{ ...big, fontSize: u(30), color: x.c }} data-testid={`open-${x.key}`}>
            {x.v}
          </div>
          <div style={{ color: COLORS.muted, fontSize: u(14), whiteSpace: 'nowrap' }}>{x.label}</div>
        </div>
      ))}
    </div>
  );
}

const LEVEL_COLOR: Record<string, string> = { red: COLORS.red, orange: COLORS.orange, yellow: COLORS.yellow };

/** This month's new alerts by level, as bars against the largest. */
export function AlertLevels({ alerts }: { alerts: ScreenCounts['alerts'] }) {
  const { t } = useI18n();
  const rows = [
    { key: 'red', label: t('红色', 'Red'), v: alerts.red },
    { key: 'orange', label: t('橙色', 'Orange'), v: alerts.orange },
    { key: 'yellow', label: t('黄色', 'Yellow'), v: alerts.yellow },
  ];
  const max = Math.max(1, ...rows.map((r) => r.v));
  return (
    <div style={{ marginTop: u(14) }} data-testid="alert-levels">
      <div style={{ color: COLORS.muted, fontSize: u(15), marginBottom: u(6) }}>
        {t('本月预警等级', 'This month’s alerts by level')}
      </div>
      {rows.map((r) => (
        <div
          key={r.key}
          style={{
            display: 'grid',
            gridTemplateColumns: `${u(56)} 1fr ${u(56)}`,
            alignItems: 'center',
            gap: u(8),
            marginBottom: u(6),
          }}
        >
          <span style={{ color: COLORS.muted, fontSize: u(15) }}>{r.label}</span>
          <span style={{ background: COLORS.grid, height: u(14), borderRadius: u(7), overflow: 'hidden' }}>
            <span
              style={{
                display: 'block',
                height: '100%',
                width: `${(r.v / max) * 100}%`,
                background: LEVEL_COLOR[r.key],
              }}
            />
          </span>
          <span style={{ ...big, textAlign: 'right', fontSize: u(20), color: LEVEL_COLOR[r.key] }}>
            {r.v}
          </span>
        </div>
      ))}
    </div>
  );
}

/** The newest alerts, newest first; those that arrived since the last answer flash once. */
export function Ticker({ items, fresh }: { items: TickerAlert[]; fresh: Set<string> }) {
  const { t } = useI18n();
  const level = (l: TickerAlert['level']) =>
    l === 'red'
      ? t('红', 'Red')
      : l === 'orange'
        ? t('橙', 'Orange')
        : l === 'yellow'
          ? t('黄', 'Yellow')
          : '—';
  if (!items.length)
    return (
      <div style={{ color: COLORS.muted, padding: u(16), textAlign: 'center' }}>
        {t('暂无预警', 'No alerts')}
      </div>
    );
  return (
    <ol style={{ listStyle: 'none', margin: 0, padding: 0, overflow: 'hidden' }} data-testid="ticker">
      {items.map((a) => (
        <li
          key={a.id}
          data-testid="ticker-item"
          data-level={a.level ?? ''}
          className={fresh.has(a.id) ? 'screen-fresh' : undefined}
          style={{
            display: 'grid',
            gridTemplateColumns: `${u(44)} 1fr auto`,
            gap: u(8),
            alignItems: 'center',
            padding: `${u(5)} 0`,
            borderBottom: `1px solid ${COLORS.grid}`,
            opacity: a.closed ? 0.55 : 1,
          }}
        >
          <span
            style={{
              background: a.level ? LEVEL_COLOR[a.level] : COLORS.muted,
              color: '#0b1220',
              borderRadius: u(4),
              textAlign: 'center',
              fontSize: u(14),
              fontWeight: 700,
            }}
          >
            {level(a.level)}
          </span>
          <a
            href={`/alerts/${a.id}`}
            style={{
              color: COLORS.text,
              fontSize: u(16),
              whiteSpace: 'nowrap',
              overflow: 'hidden',
              textOverflow: 'ellipsis',
            }}
            title={`${a.number} ${a.title}`}
          >
            {a.title}
            <span style={{ color: COLORS.muted, fontSize: u(13), marginLeft: u(6) }}>
              {a.areaName ?? a.areaCode}
            </span>
          </a>
          <time
            style={{ color: COLORS.muted, fontSize: u(13), fontVariantNumeric: 'tabular-nums' }}
            dateTime={a.createdAt}
          >
            {new Date(a.createdAt).toLocaleString(undefined, {
              month: '2-digit',
              day: '2-digit',
              hour: '2-digit',
              minute: '2-digit',
              hour12: false,
            })}
          </time>
        </li>
      ))}
    </ol>
  );
}

/** Open 指令 tasks, soonest deadline first, with their state and unit. */
export function TaskList({ tasks }: { tasks: ScreenTask[] }) {
  const { t, name } = useI18n();
  if (!tasks.length)
    return (
      <div style={{ color: COLORS.muted, padding: u(16), textAlign: 'center' }}>
        {t('暂无在办指令', 'No open tasks')}
      </div>
    );
  return (
    <ol style={{ listStyle: 'none', margin: 0, padding: 0, overflow: 'hidden' }} data-testid="screen-tasks">
      {tasks.map((x) => (
        <li
          key={x.id}
          data-testid="screen-task"
          data-status={x.status}
          style={{ padding: `${u(5)} 0`, borderBottom: `1px solid ${COLORS.grid}`, fontSize: u(15) }}
        >
          <div style={{ display: 'flex', justifyContent: 'space-between', gap: u(8) }}>
            <a
              href={`/matters/${x.id}`}
              style={{
                color: COLORS.text,
                whiteSpace: 'nowrap',
                overflow: 'hidden',
                textOverflow: 'ellipsis',
              }}
              title={x.title}
            >
              {x.number} {x.title}
            </a>
            <span style={{ color: x.overdue ? COLORS.bad : COLORS.accent, whiteSpace: 'nowrap' }}>
              {x.overdue ? t('超期', 'Overdue') : name(x.statusName)}
            </span>
          </div>
          <div style={{ color: COLORS.muted, fontSize: u(13) }}>
            {x.unitName ?? '—'} · {t('时限', 'due')}{' '}
            {new Date(x.deadline).toLocaleString(undefined, {
              month: '2-digit',
              day: '2-digit',
              hour: '2-digit',
              minute: '2-digit',
              hour12: false,
            })}
          </div>
        </li>
      ))}
    </ol>
  );
}
