import { Grid } from 'antd';

/** Phone layout below antd's `md` breakpoint (768 px): bottom navigation, full-width forms. */
export function useIsMobile(): boolean {
  const screens = Grid.useBreakpoint();
  return screens.md === false;
}
