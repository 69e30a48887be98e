import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Flex, Spin } from 'antd';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import { ApiError, errorText } from '../../api/client';
import { useIsMobile } from '../../components/useIsMobile';
import { useI18n } from '../../i18n';
import { getConfig } from './api';
import { applyPatch, readState, type StatePatch } from './filters';
import { MapView } from './MapView';

/**
 * 社会治理一张图: the whole area on one map — matters and alerts as h3 cells or points, houses, enterprises and
 * things, grid boundaries — with a layer panel, filters in the address and a card for what is clicked. Drawn
 * without the internet: the base is our own boundary data; a configured tile source is optional.
 */
export default function MapPage() {
  const { t, lang } = useI18n();
  const mobile = useIsMobile();
  const [params, setParams] = useSearchParams();
  const paramsKey = params.toString();
  // What the controls last asked for, shown at once: the router applies a change to the address in a
  // transition, after the click's own render, and a controlled checkbox would flick back in between.
  const [pending, setPending] = useState<string | null>(null);
  const sent = useRef(new Set<string>());
  const key = pending ?? paramsKey;
  const keyRef = useRef(key);
  keyRef.current = key;
  useEffect(() => {
    // The address moved: it caught up with the last change, or moved on its own (back, a link) — it rules
    // again. An intermediate change of several quick ones keeps the latest shown.
    if (paramsKey === keyRef.current || !sent.current.has(paramsKey)) {
      sent.current.clear();
      setPending(null);
    }
  }, [paramsKey]);
  const state = useMemo(() => readState(new URLSearchParams(key)), [key]);
  const config = useQuery({
    queryKey: ['map', 'config'],
    queryFn: ({ signal }) => getConfig(signal),
    staleTime: 5 * 60_000,
  });

  // The view (`at`) follows the map with replace: panning does not fill the browser's history.
  const go = useCallback(
    (next: URLSearchParams, replace: boolean) => {
      const text = next.toString();
      keyRef.current = text;
      sent.current.add(text);
      setPending(text);
      setParams(next, { replace });
    },
    [setParams],
  );
  const onPatch = useCallback(
    (patch: StatePatch, replace = false) =>
      go(applyPatch(new URLSearchParams(keyRef.current), patch), replace),
    [go],
  );
  const onReset = useCallback(() => {
    const prev = new URLSearchParams(keyRef.current);
    const next = new URLSearchParams();
    for (const k of ['layers', 'base', 'at']) {
      const v = prev.get(k);
      if (v !== null) next.set(k, v);
    }
    go(next, false);
  }, [go]);

  // The page fills the frame's content (at least the window's height less the 56-px header): less the
  // content's padding (20 each way; on a phone 12 above, the scope line ≈ 27 and the bottom bar's 88 below).
  const height = mobile ? 'calc(100dvh - 186px)' : 'calc(100dvh - 97px)';
  return (
    <div
      data-testid="map-page"
      style={{
        height,
        minHeight: 320,
        width: '100%',
        overflow: 'hidden',
        background: '#fff',
        borderRadius: 8,
        border: '1px solid #f0f0f0',
      }}
    >
      {config.isLoading && (
        <Flex align="center" justify="center" style={{ height: '100%' }} data-testid="map-loading">
          <Spin description={t('地图加载中…', 'Loading the map…')}>
            <div style={{ width: 120, height: 60 }} />
          </Spin>
        </Flex>
      )}
      {config.error && (
        <Alert
          type="error"
          showIcon
          data-testid="map-error"
          style={{ margin: 16 }}
          title={t('地图配置加载失败', 'The map configuration could not be loaded')}
          description={`${errorText(config.error, lang)}${
            config.error instanceof ApiError && config.error.requestId ? ` (${config.error.requestId})` : ''
          }`}
          action={
            <Button size="small" onClick={() => void config.refetch()}>
              {t('重试', 'Retry')}
            </Button>
          }
        />
      )}
      {config.data && <MapView config={config.data} state={state} onPatch={onPatch} onReset={onReset} />}
    </div>
  );
}
