import { CloudUploadOutlined, InboxOutlined, RedoOutlined, UnorderedListOutlined } from '@ant-design/icons';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  Button,
  Card,
  Col,
  Flex,
  Progress,
  Row,
  Select,
  Space,
  Table,
  type TableColumnsType,
  Typography,
  Upload,
  type UploadFile,
} from 'antd';
import dayjs from 'dayjs';
import { useCallback, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { ApiError, api, errorText, unwrap } from '../../api/client';
import { useAuth } from '../../auth';
import { Forbidden, PageState } from '../../components/PageState';
import { useIsMobile } from '../../components/useIsMobile';
import { useI18n } from '../../i18n';
import { formatSize } from '../matters/components/upload';
import { ImportJobCard, JobStatusTag, useResumeJob } from './components/ImportJobCard';
import { useDisputeSources } from './components/lookups';
import { FormatTags, ProfileView } from './components/ProfileView';
import { bilingual } from './components/text';
import { IMPORT_ACCEPT, type ImportJob, isActive, uploadImport } from './components/upload';

const JOBS_PAGE = 10;

/**
 * 纠纷导入: a centre or a department clerk picks the department's source (its profile says what file to
 * expect), drops the file, watches the upload and then the import itself — bytes read, rows added, merged
 * with other sources' reports, skipped and refused — and downloads the refused rows with their reasons.
 * The same file imported again adds nothing, and says so. Below, the recent jobs (open one, resume a
 * failed one). The job being watched is in the address (?job=ID), so a reload keeps watching it.
 */
export default function ImportPage() {
  const { t, lang, name } = useI18n();
  const { me, can, hasRole } = useAuth();
  const mobile = useIsMobile();
  const qc = useQueryClient();
  const [params, setParams] = useSearchParams();
  const sources = useDisputeSources();
  const [source, setSource] = useState<string | undefined>(() => params.get('source') ?? undefined);
  const [files, setFiles] = useState<UploadFile[]>([]);
  const [uploading, setUploading] = useState(false);
  const [progress, setProgress] = useState(0);
  const [uploadError, setUploadError] = useState<unknown>(null);
  // The job the server returned for a file it had seen before: finished (nothing added) or picked up again.
  const [existing, setExisting] = useState<{ id: string; finished: boolean } | null>(null);
  const [page, setPage] = useState(1);
  const resume = useResumeJob();

  const jobId = /^\d{1,18}$/.test(params.get('job') ?? '') ? params.get('job')! : null;
  const allowed = can('dispute:import');

  const jobs = useQuery({
    queryKey: ['disputes', 'imports', 'list', page],
    queryFn: () =>
      unwrap(
        api.GET('/api/disputes/imports', {
          params: { query: { limit: JOBS_PAGE, offset: (page - 1) * JOBS_PAGE } },
        }),
      ),
    placeholderData: keepPreviousData,
    enabled: allowed,
    // Jobs started elsewhere (the CLI, a colleague) move too: the list follows them while any runs.
    refetchInterval: (q) => (q.state.data?.items.some(isActive) ? 2000 : false),
  });
  const onFinished = useCallback(() => {
    void qc.invalidateQueries({ queryKey: ['disputes', 'imports', 'list'] });
    void qc.invalidateQueries({ queryKey: ['matters'] });
  }, [qc]);

  if (!me || !allowed) return <Forbidden />;

  // A department clerk imports only their own department's files (the server checks it too).
  const onlyOwn = hasRole('dept_clerk') && !hasRole('city_admin', 'county_center', 'town_center');
  const choosable = sources.items.filter(
    (s) => s.department !== null && (!onlyOwn || s.department === me.user.departmentCode),
  );
  const chosen = source ? sources.byCode.get(source) : undefined;
  const file = files[0]?.originFileObj;

  const watch = (id: string | null) => {
    const next = new URLSearchParams(params);
    if (id) next.set('job', id);
    else next.delete('job');
    setParams(next);
  };

  const start = async () => {
    if (!source || !file) return;
    setUploadError(null);
    setExisting(null);
    setUploading(true);
    setProgress(0);
    try {
      const r = await uploadImport(source, file, setProgress);
      qc.setQueryData(['disputes', 'imports', r.job.id], r.job);
      if (r.existing) setExisting({ id: r.job.id, finished: r.job.status === 'done' });
      setFiles([]);
      watch(r.job.id);
      setPage(1);
      void qc.invalidateQueries({ queryKey: ['disputes', 'imports', 'list'] });
    } catch (e) {
      setUploadError(e);
    } finally {
      setUploading(false);
    }
  };

  const jobColumns: TableColumnsType<ImportJob> = [
    {
      title: t('文件', 'File'),
      dataIndex: 'filename',
      ellipsis: true,
      render: (v: string, j) => (
        <Button
          type="link"
          style={{ padding: 0, height: 'auto', maxWidth: '100%' }}
          onClick={() => watch(j.id)}
          data-testid="job-open"
        >
          <Typography.Text ellipsis style={{ color: 'inherit', maxWidth: 260 }}>
            {v}
          </Typography.Text>
        </Button>
      ),
    },
    {
      title: t('来源', 'Source'),
      dataIndex: 'source',
      width: 170,
      ellipsis: true,
      render: (v: string) => name(sources.sourceName(v)),
    },
    {
      title: t('状态', 'Status'),
      dataIndex: 'status',
      width: 100,
      render: (_: string, j) => <JobStatusTag status={j.status} />,
    },
    {
      title: t('读取 / 新增 / 合并 / 已存在 / 未导入', 'Read / new / merged / already in / rejected'),
      key: 'counts',
      width: 250,
      render: (_: unknown, j) => (
        <Typography.Text style={{ fontVariantNumeric: 'tabular-nums' }}>
          {j.rowsRead} / {j.inserted} / {j.merged} / {j.skipped} /{' '}
          <Typography.Text type={j.rejected > 0 ? 'danger' : undefined}>{j.rejected}</Typography.Text>
        </Typography.Text>
      ),
    },
    {
      title: t('大小', 'Size'),
      dataIndex: 'size',
      width: 90,
      render: (v: number) => formatSize(v),
    },
    {
      title: t('创建时间', 'Created'),
      dataIndex: 'createdAt',
      width: 150,
      render: (v: string) => dayjs(v).format('YYYY-MM-DD HH:mm'),
    },
    {
      title: t('操作', 'Actions'),
      key: 'actions',
      width: 110,
      render: (_: unknown, j) =>
        j.status === 'failed' ? (
          <Button
            size="small"
            icon={<RedoOutlined />}
            loading={resume.isPending && resume.variables === j.id}
            onClick={() => {
              resume.mutate(j.id);
              watch(j.id);
            }}
          >
            {t('继续', 'Resume')}
          </Button>
        ) : null,
    },
  ];

  const chooser = (
    <Card
      size="small"
      title={
        <Space>
          <CloudUploadOutlined />
          {t('上传部门文件', 'Upload a department’s file')}
        </Space>
      }
    >
      <Flex vertical gap={12}>
        <div>
          <label htmlFor="import-source" style={{ display: 'block', marginBottom: 4 }}>
            {t('数据来源（部门）', 'Source (department)')}
          </label>
          <Select
            id="import-source"
            style={{ width: '100%' }}
            size={mobile ? 'large' : 'middle'}
            showSearch={{
              filterOption: (input, o) =>
                `${o?.search ?? ''}`.toLowerCase().includes(input.trim().toLowerCase()),
            }}
            loading={sources.isLoading}
            value={source}
            onChange={(v: string) => {
              setSource(v);
              setUploadError(null);
            }}
            placeholder={t('选择报送文件的部门', 'Choose the department that sent the file')}
            options={choosable.map((s) => ({
              value: s.code,
              disabled: !s.enabled,
              search: `${s.name.zh} ${s.name.en} ${s.code}`,
              label: (
                <Flex justify="space-between" gap={8} align="center">
                  <span style={{ overflow: 'hidden', textOverflow: 'ellipsis' }}>
                    {name(s.name)}
                    {!s.enabled ? t('（已停用）', ' (disabled)') : ''}
                  </span>
                  <Typography.Text type="secondary" style={{ fontSize: 12, flexShrink: 0 }}>
                    {s.profile.format.toUpperCase()}
                    {s.profile.format !== 'xlsx' ? ` · ${s.profile.encoding.toUpperCase()}` : ''}
                  </Typography.Text>
                </Flex>
              ),
            }))}
            data-testid="import-source"
            aria-label={t('数据来源（部门）', 'Source (department)')}
          />
        </div>
        {chosen && (
          <Alert
            type="info"
            showIcon={false}
            data-testid="import-profile"
            title={
              <Flex gap={8} align="center" wrap>
                <Typography.Text strong>
                  {t('该部门文件应为：', 'Expected from this source:')}
                </Typography.Text>
                <FormatTags profile={chosen.profile} />
              </Flex>
            }
            description={<ProfileView profile={chosen.profile} compact />}
          />
        )}
        <div data-testid="import-file">
          <Upload.Dragger
            accept={IMPORT_ACCEPT}
            maxCount={1}
            multiple={false}
            fileList={files}
            disabled={uploading}
            // Keep the file, send nothing yet: the page uploads it with progress when asked.
            beforeUpload={() => false}
            onChange={({ fileList }) => {
              setFiles(fileList.slice(-1));
              setUploadError(null);
              setExisting(null);
            }}
          >
            <p className="ant-upload-drag-icon">
              <InboxOutlined />
            </p>
            <p className="ant-upload-text">{t('点击或拖放文件到此处', 'Click or drop the file here')}</p>
            <p className="ant-upload-hint">
              {t(
                'CSV（UTF-8 或 GBK）、Excel（XLSX）或 JSON Lines；编码与表头位置会自动识别。',
                'CSV (UTF-8 or GBK), Excel (XLSX) or JSON Lines; the encoding and the header row are detected.',
              )}
            </p>
          </Upload.Dragger>
        </div>
        {uploading && (
          <div>
            <Typography.Text type="secondary">{t('正在上传…', 'Uploading…')}</Typography.Text>
            <Progress percent={Math.round(progress * 100)} status="active" data-testid="upload-progress" />
          </div>
        )}
        {uploadError != null && (
          <Alert
            type="error"
            showIcon
            title={t('上传失败', 'The upload failed')}
            description={
              uploadError instanceof ApiError
                ? bilingual(uploadError.message, lang) +
                  (uploadError.requestId ? ` (${uploadError.requestId})` : '')
                : errorText(uploadError, lang)
            }
            data-testid="upload-error"
          />
        )}
        <Button
          type="primary"
          icon={<CloudUploadOutlined />}
          size="large"
          block={mobile}
          disabled={!source || !file}
          loading={uploading}
          onClick={() => void start()}
          data-testid="import-start"
        >
          {t('开始导入', 'Start the import')}
        </Button>
      </Flex>
    </Card>
  );

  return (
    <div style={{ minWidth: 0 }}>
      <Flex justify="space-between" align="center" wrap gap={8} style={{ marginBottom: 12 }}>
        <Space orientation="vertical" size={0}>
          <Typography.Title level={4} style={{ margin: 0 }}>
            {t('纠纷导入', 'Import disputes')}
          </Typography.Title>
          <Typography.Text type="secondary" style={{ fontSize: 13 }}>
            {t(
              '各部门导出的文件逐行校验、定位、关联当事人，与其他部门上报的同一纠纷合并后入库。',
              'Each row of a department’s export is checked, located, linked to its parties and merged with the same dispute reported elsewhere.',
            )}
          </Typography.Text>
        </Space>
        <Link to="/disputes">
          <Button icon={<UnorderedListOutlined />}>{t('纠纷库', 'Library')}</Button>
        </Link>
      </Flex>

      <Row gutter={[16, 16]}>
        <Col xs={24} lg={11}>
          {chooser}
        </Col>
        <Col xs={24} lg={13}>
          <Flex vertical gap={12}>
            {existing && existing.id === jobId && (
              <Alert
                type="info"
                showIcon
                closable={{ onClose: () => setExisting(null) }}
                data-testid="import-existing"
                title={
                  existing.finished
                    ? t('该文件已导入过，未重复导入', 'This file was already imported; nothing added')
                    : t(
                        '该文件此前的导入未完成，现从中断处继续，已导入的行不会重复',
                        'This file’s earlier import had not finished; it continues where it stopped, adding nothing twice',
                      )
                }
                description={t('下面是该文件的导入任务。', 'Below is the file’s import job.')}
              />
            )}
            {jobId ? (
              <ImportJobCard key={jobId} id={jobId} onFinished={onFinished} />
            ) : (
              <Card size="small">
                <Typography.Text type="secondary">
                  {t(
                    '选择来源并上传文件后，这里显示导入进度和结果。',
                    'Once a file is uploaded, the progress and the result show here.',
                  )}
                </Typography.Text>
              </Card>
            )}
          </Flex>
        </Col>
      </Row>

      <Card size="small" title={t('最近的导入任务', 'Recent imports')} style={{ marginTop: 16 }}>
        <PageState
          loading={jobs.isLoading}
          error={jobs.data ? undefined : jobs.error}
          onRetry={() => void jobs.refetch()}
          empty={jobs.data?.total === 0}
          emptyText={t('还没有导入任务。', 'No import yet.')}
        >
          <Table<ImportJob>
            rowKey="id"
            size="small"
            columns={jobColumns}
            dataSource={jobs.data?.items ?? []}
            scroll={{ x: 1000 }}
            rowClassName={(j) => (j.id === jobId ? 'ant-table-row-selected' : '')}
            pagination={{
              current: page,
              pageSize: JOBS_PAGE,
              total: jobs.data?.total ?? 0,
              onChange: setPage,
              showSizeChanger: false,
              size: 'small',
            }}
            data-testid="import-jobs"
          />
        </PageState>
      </Card>
    </div>
  );
}
