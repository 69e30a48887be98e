import { Alert, Skeleton } from 'antd';
import { useEffect, useId, useRef, useState } from 'react';
import { errorText } from '../../../api/client';
import { useI18n } from '../../../i18n';

type Mermaid = typeof import('mermaid')['default'];

let loading: Promise<Mermaid> | null = null;
let seq = 0;

/**
 * Mermaid is large (≈ a megabyte of script): it is fetched the first time a diagram is shown, never with
 * the page, and configured once. `securityLevel: 'strict'` makes it sanitise the SVG and ignore click
 * handlers and HTML labels, so the markup it returns is safe to insert.
 */
function loadMermaid(): Promise<Mermaid> {
  loading ??= import('mermaid').then(({ default: mermaid }) => {
    mermaid.initialize({
      startOnLoad: false,
      securityLevel: 'strict',
      theme: 'default',
      fontFamily: 'system-ui, -apple-system, "PingFang SC", "Microsoft YaHei", sans-serif',
    });
    return mermaid;
  });
  return loading;
}

/** A Mermaid diagram (the workflow's, from GET /api/matter-types/{code}/workflow) rendered to SVG. */
export function MermaidDiagram({ text, testId = 'workflow-diagram' }: { text: string; testId?: string }) {
  const { t, lang } = useI18n();
  const ref = useRef<HTMLDivElement>(null);
  const reactId = useId();
  const [state, setState] = useState<{ busy: boolean; error: unknown }>({ busy: true, error: null });

  useEffect(() => {
    let cancelled = false;
    setState({ busy: true, error: null });
    loadMermaid()
      // Mermaid uses the id in CSS selectors: React's ids (":r1:") are not valid there.
      .then((m) => m.render(`mmd${reactId.replace(/\W/g, '')}n${++seq}`, text))
      .then(({ svg }) => {
        if (cancelled || !ref.current) return;
        ref.current.innerHTML = svg;
        setState({ busy: false, error: null });
      })
      .catch((e: unknown) => {
        if (!cancelled) setState({ busy: false, error: e });
      });
    return () => {
      cancelled = true;
    };
  }, [text, reactId]);

  return (
    <div>
      {state.busy && <Skeleton active paragraph={{ rows: 5 }} />}
      {state.error != null && (
        <Alert
          type="error"
          showIcon
          title={t('流程图无法显示', 'The diagram could not be drawn')}
          description={errorText(state.error, lang)}
        />
      )}
      <div
        ref={ref}
        data-testid={testId}
        data-ready={!state.busy && state.error == null ? 'true' : 'false'}
        role="img"
        aria-label={t('流程图', 'Workflow diagram')}
        style={{
          overflowX: 'auto',
          textAlign: 'center',
          display: state.busy || state.error ? 'none' : 'block',
        }}
      />
    </div>
  );
}
