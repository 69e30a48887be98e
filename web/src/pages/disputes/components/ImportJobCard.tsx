import {
  CheckCircleOutlined,
  CloseCircleOutlined,
  DownloadOutlined,
  LoadingOutlined,
  RedoOutlined,
} from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  Collapse,
  Flex,
  Progress,
  Row,
  Statistic,
  Tag,
  Typography,
} from 'antd';
import dayjs from 'dayjs';
import { useEffect, useRef } from 'react';
import { api, errorText, unwrap } from '../../../api/client';
import { PageState } from '../../../components/PageState';
import { useI18n } from '../../../i18n';
import { formatSize } from '../../matters/components/upload';
import { useDisputeSources } from './lookups';
import { ENCODING_NAMES, FORMAT_NAMES, JOB_STATUS_NAMES } from './names';
import { bilingual } from './text';
import { type ImportJob, isActive } from './upload';

const STATUS_COLOR: Record<ImportJob['status'], string> = {
  queued: 'default',
  running: 'processing',
  done: 'success',
  failed: 'error',
};

export function JobStatusTag({ status }: { status: ImportJob['status'] }) {
  const { name } = useI18n();
  const icon =
    status === 'running' ? (
      <LoadingOutlined />
    ) : status === 'done' ? (
      <CheckCircleOutlined />
    ) : status === 'failed' ? (
      <CloseCircleOutlined />
    ) : undefined;
  return (
    <Tag color={STATUS_COLOR[status]} icon={icon} data-testid="job-status" data-status={status}>
      {name(JOB_STATUS_NAMES[status])}
    </Tag>
  );
}

export const jobQueryKey = (id: string) => ['disputes', 'imports', id] as const;

/** Resumes a failed or interrupted job (the server continues after its last committed batch). */
export function useResumeJob() {
  const qc = useQueryClient();
  const { message } = App.useApp();
  const { t, lang } = useI18n();
  return useMutation({
    mutationFn: (id: string) =>
      unwrap(api.POST('/api/disputes/imports/{id}/resume', { params: { path: { id } } })),
    onSuccess: (job) => {
      message.info(t('已继续导入', 'The import continues'));
      qc.setQueryData(jobQueryKey(job.id), { ...job, status: 'running' });
      void qc.invalidateQueries({ queryKey: ['disputes', 'imports'] });
    },
    onError: (e) => message.error(errorText(e, lang)),
  });
}

/**
 * One import job, live: polled every second while it is queued or running — how much of the file has been
 * read, and the rows read, added, merged into disputes other sources reported, skipped (sent before) and
 * refused; then the result, the rejected rows as a workbook with their reasons, the job's log, and for a
 * failed job its error and 继续导入.
 */
export function ImportJobCard({ id, onFinished }: { id: string; onFinished?: (job: ImportJob) => void }) {
  const { t, name, lang } = useI18n();
  const sources = useDisputeSources();
  const resume = useResumeJob();
  const q = useQuery({
    queryKey: jobQueryKey(id),
    queryFn: () => unwrap(api.GET('/api/disputes/imports/{id}', { params: { path: { id } } })),
    refetchInterval: (query) => (query.state.data && !isActive(query.state.data) ? false : 1000),
  });
  const job = q.data;
  // Tell the page once when a job it watched running has ended (the list of jobs refreshes then).
  const seen = useRef<ImportJob['status'] | null>(null);
  useEffect(() => {
    if (!job) return;
    if (seen.current && isActive({ status: seen.current }) && !isActive(job)) onFinished?.(job);
    seen.current = job.status;
  }, [job, onFinished]);
  if (!job) return <PageState loading={q.isLoading} error={q.error} onRetry={() => void q.refetch()} />;

  const percent =
    job.status === 'done'
      ? 100
      : job.size > 0
        ? Math.min(99, Math.floor((job.bytesRead / job.size) * 100))
        : 0;
  const counts: { key: keyof ImportJob; label: string; color?: string; hint: string }[] = [
    { key: 'rowsRead', label: t('已读行数', 'Rows read'), hint: t('文件中已读取的行', 'Rows read so far') },
    {
      key: 'inserted',
      label: t('新增纠纷', 'New disputes'),
      color: '#1d4ed8',
      hint: t('新登记的纠纷', 'Disputes registered'),
    },
    {
      key: 'merged',
      label: t('合并', 'Merged'),
      color: '#7c3aed',
      hint: t('与其他部门上报的同一纠纷合并', 'Joined the same dispute reported by another source'),
    },
    {
      key: 'skipped',
      label: t('已存在', 'Already in'),
      hint: t('该来源此前已报送过（编号相同）', 'Sent by this source before (same number)'),
    },
    {
      key: 'rejected',
      label: t('未导入', 'Rejected'),
      color: job.rejected > 0 ? '#dc2626' : undefined,
      hint: t('未通过校验的行', 'Rows that failed validation'),
    },
  ];

  return (
    <Card
      size="small"
      data-testid="import-job"
      data-job-id={job.id}
      title={
        <Flex gap={8} align="center" wrap style={{ padding: '6px 0' }}>
          <Typography.Text strong ellipsis style={{ maxWidth: 360 }} data-testid="job-filename">
            {job.filename}
          </Typography.Text>
          <JobStatusTag status={job.status} />
        </Flex>
      }
      extra={
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {name(sources.sourceName(job.source))}
        </Typography.Text>
      }
    >
      <Flex vertical gap={12}>
        <div>
          <Progress
            percent={percent}
            status={
              job.status === 'failed'
                ? 'exception'
                : job.status === 'done'
                  ? 'success'
                  : job.status === 'running'
                    ? 'active'
                    : 'normal'
            }
            data-testid="job-progress"
          />
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {formatSize(job.status === 'done' ? job.size : job.bytesRead)} / {formatSize(job.size)}
            {job.format ? ` · ${name(FORMAT_NAMES[job.format]) || job.format}` : ''}
            {job.encoding ? ` · ${name(ENCODING_NAMES[job.encoding]) || job.encoding}` : ''}
            {job.startedAt ? ` · ${t('开始于', 'started')} ${dayjs(job.startedAt).format('HH:mm:ss')}` : ''}
            {job.finishedAt && job.startedAt
              ? ` · ${t('用时', 'took')} ${Math.max(1, dayjs(job.finishedAt).diff(dayjs(job.startedAt), 'second'))} ${t('秒', 's')}`
              : ''}
          </Typography.Text>
        </div>
        <Row gutter={[12, 12]}>
          {counts.map((c) => (
            <Col key={c.key} xs={12} sm={8} md={4} style={{ minWidth: 100 }}>
              <div title={c.hint} data-testid={`job-${c.key}`} data-value={String(job[c.key])}>
                <Statistic
                  title={c.label}
                  value={Number(job[c.key])}
                  styles={{ content: { color: c.color, fontSize: 22 } }}
                />
              </div>
            </Col>
          ))}
        </Row>
        {job.status === 'done' && (
          <Alert
            type={job.rejected > 0 ? 'warning' : 'success'}
            showIcon
            data-testid="job-result"
            title={t(
              `导入完成：共读取 ${job.rowsRead} 行，新增 ${job.inserted} 件，合并 ${job.merged} 件，已存在 ${job.skipped} 件，未导入 ${job.rejected} 行。`,
              `Import finished: ${job.rowsRead} rows read; ${job.inserted} new, ${job.merged} merged, ${job.skipped} already in, ${job.rejected} rejected.`,
            )}
            description={
              job.rejected > 0
                ? t(
                    '未导入的行可下载为 Excel，每行写明原因；改正后可作为新文件再次导入。',
                    'Download the rejected rows as a workbook, each with its reason; fix them and import them as a new file.',
                  )
                : undefined
            }
          />
        )}
        {job.status === 'failed' && (
          <Alert
            type="error"
            showIcon
            data-testid="job-error"
            title={t('导入失败', 'The import failed')}
            description={job.error ? bilingual(job.error, lang) : undefined}
            action={
              <Button
                icon={<RedoOutlined />}
                onClick={() => resume.mutate(job.id)}
                loading={resume.isPending}
                data-testid="job-resume"
              >
                {t('继续导入', 'Resume')}
              </Button>
            }
          />
        )}
        {job.rejected > 0 && (
          <div>
            <Button
              icon={<DownloadOutlined />}
              href={`/api/disputes/imports/${job.id}/rejects.xlsx`}
              data-testid="job-rejects"
            >
              {t(`下载未导入行（${job.rejected}）`, `Download rejected rows (${job.rejected})`)}
            </Button>
          </div>
        )}
        {job.log.length > 0 && (
          <Collapse
            size="small"
            defaultActiveKey={job.status === 'failed' ? ['log'] : []}
            items={[
              {
                key: 'log',
                label: t(`导入日志（${job.log.length}）`, `Log (${job.log.length})`),
                children: (
                  <ol style={{ margin: 0, paddingInlineStart: 18 }} data-testid="job-log">
                    {job.log.map((l, i) => (
                      // biome-ignore lint/suspicious/noArrayIndexKey: the log only grows at its end; two entries may share a time
                      <li key={`${l.at}-${i}`} style={{ marginBottom: 2 }}>
                        <Typography.Text type="secondary" style={{ fontSize: 12, marginInlineEnd: 8 }}>
                          {dayjs(l.at).format('HH:mm:ss')}
                        </Typography.Text>
                        {bilingual(l.message, lang)}
                      </li>
                    ))}
                  </ol>
                ),
              },
            ]}
          />
        )}
      </Flex>
    </Card>
  );
}
