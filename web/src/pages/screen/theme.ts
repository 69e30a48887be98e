import { type ThemeConfig, theme } from 'antd';

/** The big screen's dark palette: antd's dark algorithm, and the colours the panels and charts share. */
export const COLORS = {
  page: '#050b18',
  panel: 'rgba(13, 27, 52, 0.86)',
  border: 'rgba(56, 189, 248, 0.35)',
  text: '#dbeafe',
  muted: '#7c93b8',
  grid: 'rgba(148, 163, 184, 0.18)',
  accent: '#38bdf8',
  good: '#34d399',
  warn: '#fbbf24',
  bad: '#f87171',
  red: '#ef4444',
  orange: '#f97316',
  yellow: '#eab308',
} as const;

export const DARK_THEME: ThemeConfig = {
  algorithm: theme.darkAlgorithm,
  token: { colorPrimary: '#38bdf8', colorBgBase: COLORS.page, borderRadius: 6, fontSize: 16 },
};

/** The canvas the screen is designed for; other sizes scale it as a whole (letterboxed). */
export const DESIGN_WIDTH = 1920;
export const DESIGN_HEIGHT = 1080;
