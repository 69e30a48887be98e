import { ReloadOutlined, VideoCameraOutlined } from '@ant-design/icons';
import { Button, Flex, Spin, Typography } from 'antd';
import type { ErrorData } from 'hls.js';
import { useEffect, useRef, useState } from 'react';
import { useI18n } from '../../i18n';

/** A stream that has not started playing after this long is reported as down. */
export const STREAM_TIMEOUT_MS = 8000;

/** Why a stream does not play: each has its own message, so that the duty officer knows what to do. */
export type StreamFault =
  | 'no_stream'
  | 'not_found'
  | 'http'
  | 'network'
  | 'manifest'
  | 'timeout'
  | 'media'
  | 'unsupported';

const FAULTS: Record<StreamFault, { zh: string; en: string }> = {
  no_stream: { zh: '该监控点未配置视频流地址', en: 'This camera has no stream configured' },
  not_found: { zh: '视频流不存在（404），请联系视频平台核实点位', en: 'The stream does not exist (404)' },
  http: { zh: '视频平台拒绝了请求', en: 'The video platform refused the request' },
  network: {
    zh: '无法连接视频流（网络错误或地址不可达）',
    en: 'Cannot reach the stream (network error or unreachable address)',
  },
  manifest: { zh: '视频流播放列表格式错误，无法解析', en: 'The stream’s playlist cannot be parsed' },
  timeout: {
    zh: `视频流连接超时（${STREAM_TIMEOUT_MS / 1000} 秒内未开始播放）`,
    en: `The stream timed out (nothing played within ${STREAM_TIMEOUT_MS / 1000} s)`,
  },
  media: { zh: '视频解码失败（编码格式不受支持）', en: 'The video could not be decoded' },
  unsupported: {
    zh: '此浏览器不支持 HLS 视频播放',
    en: 'This browser cannot play HLS video',
  },
};

/** An hls.js error as one of our faults, with the detail worth showing (the HTTP status, hls.js's code). */
export function classify(data: Pick<ErrorData, 'type' | 'details' | 'response'>): {
  fault: StreamFault;
  detail: string;
} {
  const code = data.response?.code;
  switch (data.details) {
    case 'manifestLoadError':
    case 'levelLoadError':
      if (code === 404 || code === 410) return { fault: 'not_found', detail: `HTTP ${code}` };
      if (code && code >= 400) return { fault: 'http', detail: `HTTP ${code}` };
      return { fault: 'network', detail: data.details };
    case 'manifestLoadTimeOut':
    case 'levelLoadTimeOut':
    case 'fragLoadTimeOut':
      return { fault: 'timeout', detail: data.details };
    case 'manifestParsingError':
    case 'levelEmptyError':
    case 'levelParsingError':
      return { fault: 'manifest', detail: data.details };
    case 'fragLoadError':
      if (code === 404 || code === 410) return { fault: 'not_found', detail: `HTTP ${code}` };
      return { fault: 'network', detail: data.details };
    default:
      return data.type === 'mediaError'
        ? { fault: 'media', detail: data.details }
        : { fault: 'network', detail: data.details };
  }
}

type State =
  | { kind: 'loading' }
  | { kind: 'playing' }
  | { kind: 'down'; fault: StreamFault; detail: string | null };

/**
 * A camera's live stream (HLS through hls.js, loaded with this component only; Safari's own player where it
 * has one). Muted so that browsers let it start by itself; a recording is looped. A stream that does not play
 * — unreachable, 404, a playlist that does not parse, nothing within 8 seconds — shows why, in words, with a
 * retry button: never a black box.
 */
export function HlsPlayer({ src, title }: { src: string | null; title: string }) {
  const { t, name } = useI18n();
  const video = useRef<HTMLVideoElement>(null);
  const [attempt, setAttempt] = useState(0);
  const [state, setState] = useState<State>({ kind: 'loading' });
  const box = useRef<HTMLDivElement>(null);

  // The camera was just chosen: bring its picture into sight.
  useEffect(() => {
    box.current?.scrollIntoView?.({ block: 'nearest', behavior: 'smooth' });
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `attempt` is the retry button's way to start again
  useEffect(() => {
    const el = video.current;
    if (!el) return;
    if (!src) {
      setState({ kind: 'down', fault: 'no_stream', detail: null });
      return;
    }
    setState({ kind: 'loading' });
    let finished = false;
    let destroy: () => void = () => {};
    const fail = (fault: StreamFault, detail: string | null) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      destroy();
      setState({ kind: 'down', fault, detail });
    };
    const timer = setTimeout(() => fail('timeout', null), STREAM_TIMEOUT_MS);
    const onPlaying = () => {
      if (finished) return;
      clearTimeout(timer);
      setState({ kind: 'playing' });
    };
    el.addEventListener('playing', onPlaying);

    void import('hls.js/light')
      .then(({ default: Hls }) => {
        if (finished) return;
        if (Hls.isSupported()) {
          // One try for the playlist, bounded by our own 8 s: a duty officer wants to know now, not after
          // hls.js's default retries with back-off.
          const once = {
            maxTimeToFirstByteMs: STREAM_TIMEOUT_MS,
            maxLoadTimeMs: STREAM_TIMEOUT_MS,
            timeoutRetry: null,
            errorRetry: null,
          };
          const hls = new Hls({
            manifestLoadPolicy: { default: once },
            playlistLoadPolicy: { default: once },
            enableWorker: true,
          });
          let recovered = false;
          hls.on(Hls.Events.ERROR, (_e, data) => {
            if (!data.fatal) return;
            // A decoding hiccup gets one recovery attempt before it counts as a fault.
            if (data.type === Hls.ErrorTypes.MEDIA_ERROR && !recovered) {
              recovered = true;
              hls.recoverMediaError();
              return;
            }
            const c = classify(data);
            fail(c.fault, c.detail);
          });
          // Chosen by a click: start at once. (Chromium pauses a muted `autoplay` video that is off screen,
          // and the player may be below the fold.)
          hls.on(Hls.Events.MANIFEST_PARSED, () => {
            el.play().catch(() => {});
          });
          destroy = () => hls.destroy();
          hls.loadSource(src);
          hls.attachMedia(el);
        } else if (el.canPlayType('application/vnd.apple.mpegurl')) {
          el.src = src;
          el.play().catch(() => {});
          el.addEventListener('error', () => fail('network', el.error?.message ?? null), { once: true });
          destroy = () => {
            el.removeAttribute('src');
            el.load();
          };
        } else {
          fail('unsupported', null);
        }
      })
      .catch((e: unknown) => fail('network', e instanceof Error ? e.message : String(e)));

    return () => {
      finished = true;
      clearTimeout(timer);
      el.removeEventListener('playing', onPlaying);
      destroy();
    };
  }, [src, attempt]);

  return (
    <div
      ref={box}
      style={{
        position: 'relative',
        background: '#0f172a',
        borderRadius: 6,
        overflow: 'hidden',
        aspectRatio: '16 / 9',
      }}
      data-testid="player"
      data-state={state.kind}
    >
      <video
        ref={video}
        muted
        autoPlay
        playsInline
        loop
        controls={state.kind === 'playing'}
        aria-label={t(`监控画面：${title}`, `Camera: ${title}`)}
        style={{ width: '100%', height: '100%', display: 'block', objectFit: 'contain' }}
        data-testid="player-video"
      />
      {state.kind === 'loading' && (
        <Flex
          vertical
          align="center"
          justify="center"
          gap={8}
          style={{ position: 'absolute', inset: 0, color: '#e2e8f0' }}
        >
          <Spin />
          <span>{t('正在连接视频流…', 'Connecting to the stream…')}</span>
        </Flex>
      )}
      {state.kind === 'down' && (
        <Flex
          vertical
          align="center"
          justify="center"
          gap={10}
          style={{ position: 'absolute', inset: 0, padding: 16, textAlign: 'center', background: '#1e293b' }}
          role="alert"
          data-testid="player-error"
          data-fault={state.fault}
        >
          <VideoCameraOutlined style={{ fontSize: 28, color: '#fca5a5' }} />
          <Typography.Text strong style={{ color: '#fecaca' }}>
            {t('视频暂不可用', 'Video unavailable')}：{name(FAULTS[state.fault])}
          </Typography.Text>
          {state.detail && (
            <Typography.Text style={{ color: '#94a3b8', fontSize: 12 }} data-testid="player-error-detail">
              {state.detail}
            </Typography.Text>
          )}
          {state.fault !== 'no_stream' && state.fault !== 'unsupported' && (
            <Button
              icon={<ReloadOutlined />}
              onClick={() => setAttempt((n) => n + 1)}
              data-testid="player-retry"
            >
              {t('重试', 'Retry')}
            </Button>
          )}
        </Flex>
      )}
    </div>
  );
}
