import { LeftOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  Descriptions,
  Empty,
  Flex,
  Image,
  Progress,
  Row,
  Space,
  Tag,
  Typography,
  type UploadFile,
} from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { api, errorText, unwrap } from '../../api/client';
import { Forbidden, PageState } from '../../components/PageState';
import { useIsMobile } from '../../components/useIsMobile';
import { useI18n } from '../../i18n';
import { ActionPanel, type FieldLabels } from '../matters/components/ActionPanel';
import { FilePicker, filesOf } from '../matters/components/FilePicker';
import { useArea, useDepartments } from '../matters/components/lookups';
import { uploadAttachments } from '../matters/components/upload';
import { ACTION_NAMES, type HazardDetail, SEVERITY_COLORS } from './api';
import { HazardClock } from './Clock';

/** The hazard loop's own names for the fields of its steps. */
const LABELS: FieldLabels = {
  fail: { reason: { zh: '不通过的理由', en: 'Why it fails' } },
  submit: { result: { zh: '整改措施', en: 'Rectification measures' } },
};

/**
 * One hazard: its fields, the running "3030" clock, photos before and after the rectification, the
 * timeline, and the steps the user may take now (the matters' own action panel and transition route; the
 * hazard's rules run there as its type's hooks: 验收 needs an after-photo; the clocks follow the severity).
 */
export default function HazardPage() {
  const { id = '' } = useParams();
  const validId = /^\d{1,18}$/.test(id);
  const { t } = useI18n();
  const navigate = useNavigate();
  const q = useQuery({
    queryKey: ['hazard', id],
    queryFn: () => unwrap(api.GET('/api/hazards/{id}', { params: { path: { id } } })),
    enabled: validId,
  });
  if (!validId) return <Forbidden notFound />;
  return (
    <div>
      <Button type="link" icon={<LeftOutlined />} onClick={() => navigate(-1)} style={{ paddingLeft: 0 }}>
        {t('返回', 'Back')}
      </Button>
      <PageState loading={q.isLoading} error={q.data ? undefined : q.error} onRetry={() => void q.refetch()}>
        {q.data && <HazardView d={q.data} />}
      </PageState>
    </div>
  );
}

function HazardView({ d }: { d: HazardDetail }) {
  const { t, name } = useI18n();
  const mobile = useIsMobile();
  const h = d.hazard;
  const m = d.matter;
  const area = useArea(h.areaCode);
  const departments = useDepartments();
  const time = (v: string | null | undefined) => (v ? dayjs(v).format('YYYY-MM-DD HH:mm') : '—');
  const dept = m.assignee?.department ? departments.byCode.get(m.assignee.department) : undefined;
  const path = area.data?.path ?? [];
  const qc = useQueryClient();
  const actions = (
    <ActionPanel
      matter={d.matter}
      path={path}
      large={mobile}
      labels={LABELS}
      closedText={{ zh: '隐患已销号。', en: 'This hazard is written off.' }}
      onDone={() => void qc.invalidateQueries({ queryKey: ['hazard', h.id] })}
    />
  );
  return (
    <>
      <Flex vertical gap={4} style={{ marginBottom: 12 }}>
        <Typography.Text type="secondary" style={{ fontFamily: 'ui-monospace, monospace', fontSize: 12 }}>
          {h.number}
        </Typography.Text>
        <Typography.Title level={4} style={{ margin: 0 }} data-testid="hazard-title">
          {h.title}
        </Typography.Title>
        <Space size={[4, 6]} wrap>
          <Tag data-testid="hazard-status" data-status={h.status}>
            {h.statusName}
          </Tag>
          {h.categoryName && <Tag>{name(h.categoryName)}</Tag>}
          <Tag color={SEVERITY_COLORS[h.severity]}>{name(h.severityName)}</Tag>
          <HazardClock hazard={h} withSeconds />
        </Space>
      </Flex>
      {mobile && <div style={{ marginBottom: 12 }}>{actions}</div>}
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={mobile ? 24 : 16}>
          <Flex vertical gap={16}>
            <Card size="small" title={t('基本信息', 'Details')}>
              <Typography.Paragraph
                style={{ whiteSpace: 'pre-wrap' }}
                type={h.description ? undefined : 'secondary'}
              >
                {h.description || t('（无详细情况）', '(no details)')}
              </Typography.Paragraph>
              <Descriptions
                size="small"
                column={{ xs: 1, sm: 1, md: 2 }}
                items={[
                  {
                    key: 'area',
                    label: t('区域', 'Area'),
                    children: path.length
                      ? path
                          .slice(1)
                          .map((a) => a.name)
                          .join(' / ')
                      : (h.areaName ?? h.areaCode),
                  },
                  { key: 'address', label: t('地址', 'Address'), children: h.address ?? '—' },
                  {
                    key: 'resp',
                    label: t('责任企业 / 责任人', 'Responsible'),
                    children: h.enterprise?.name ?? h.responsibleName ?? '—',
                  },
                  {
                    key: 'unit',
                    label: t('整改单位', 'Rectifying unit'),
                    children: dept ? `${dept.name}` : (m.assignee?.department ?? t('未交办', 'Not assigned')),
                  },
                  { key: 'reporter', label: t('发现人', 'Found by'), children: m.reporterName ?? '—' },
                  { key: 'found', label: t('发现时间', 'Found at'), children: time(h.createdAt) },
                  {
                    key: 'reported',
                    label: t('上报时间', 'Reported at'),
                    children: time(h.clock.reportedAt),
                  },
                  {
                    key: 'respond',
                    label: t('响应时限（交办）', 'Respond by'),
                    children: (
                      <span>
                        {time(h.clock.respondDueAt)}
                        {h.clock.respondedInTime === false && (
                          <Tag color="red" style={{ marginLeft: 6 }}>
                            {t('超时响应', 'Late')}
                          </Tag>
                        )}
                      </span>
                    ),
                  },
                  {
                    key: 'responded',
                    label: t('交办时间', 'Assigned at'),
                    children: time(h.clock.respondedAt),
                  },
                  {
                    key: 'rectify',
                    label: t('整改时限（验收）', 'Rectify by'),
                    children: time(h.clock.rectifyDueAt),
                  },
                  { key: 'passed', label: t('验收通过', 'Passed at'), children: time(h.clock.passedAt) },
                  {
                    key: 'fails',
                    label: t('验收不通过次数', 'Failed inspections'),
                    children: h.clock.failedCount,
                  },
                  { key: 'measures', label: t('整改措施', 'Measures'), children: h.measures ?? '—' },
                ]}
              />
            </Card>
            <PhotosCard d={d} />
            <Card size="small" title={t('办理记录', 'Timeline')}>
              <Flex vertical gap={8} data-testid="hazard-timeline">
                {[...m.timeline].reverse().map((e) => (
                  <div key={e.id}>
                    <Typography.Text strong>
                      {ACTION_NAMES[e.action] ? name(ACTION_NAMES[e.action]) : e.action}
                    </Typography.Text>
                    <Typography.Text type="secondary">
                      {' '}
                      · {e.actorName} · {time(e.at)}
                    </Typography.Text>
                    {e.note && <div style={{ whiteSpace: 'pre-wrap' }}>{e.note}</div>}
                  </div>
                ))}
              </Flex>
            </Card>
          </Flex>
        </Col>
        {!mobile && (
          <Col xs={24} lg={8}>
            <div style={{ position: 'sticky', top: 16 }}>{actions}</div>
          </Col>
        )}
      </Row>
    </>
  );
}

function PhotosCard({ d }: { d: HazardDetail }) {
  const { t, lang } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const [files, setFiles] = useState<UploadFile[]>([]);
  const [progress, setProgress] = useState<number | null>(null);
  // Every download of evidence is audited: the photos are fetched when the user asks to see them.
  const [show, setShow] = useState(false);
  const h = d.hazard;
  const rectifying = ['rectifying', 'checking'].includes(h.status);
  const upload = useMutation({
    mutationFn: () =>
      uploadAttachments(h.id, filesOf(files), {
        note: rectifying ? '整改后照片' : '整改前照片',
        onProgress: setProgress,
      }),
    onSuccess: () => {
      setFiles([]);
      setProgress(null);
      message.success(t('照片已上传', 'Photos uploaded'));
      void qc.invalidateQueries({ queryKey: ['hazard', h.id] });
    },
    onError: () => setProgress(null),
  });
  const list = (items: HazardDetail['photos']['before'], testId: string) =>
    items.length === 0 ? (
      <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('暂无照片', 'No photos')} />
    ) : (
      <Flex wrap gap={8} data-testid={testId} data-count={items.length}>
        {items.map((p) =>
          show ? (
            <Image
              key={p.id}
              width={120}
              height={90}
              style={{ objectFit: 'cover' }}
              src={`/api/matters/${h.id}/attachments/${p.id}`}
              alt={p.filename}
            />
          ) : (
            <Tag key={p.id}>{p.filename}</Tag>
          ),
        )}
      </Flex>
    );
  return (
    <Card
      size="small"
      title={t('整改前后照片', 'Photos before and after')}
      extra={
        <Button size="small" onClick={() => setShow((x) => !x)} data-testid="photos-show">
          {show ? t('收起照片', 'Hide') : t('查看照片', 'Show photos')}
        </Button>
      }
    >
      <Row gutter={16}>
        <Col xs={24} md={12}>
          <Typography.Text strong>{t('整改前', 'Before')}</Typography.Text>
          {list(d.photos.before, 'photos-before')}
        </Col>
        <Col xs={24} md={12}>
          <Typography.Text strong>{t('整改后', 'After')}</Typography.Text>
          {list(d.photos.after, 'photos-after')}
        </Col>
      </Row>
      {!h.closed && (
        <Flex vertical gap={8} style={{ marginTop: 12 }}>
          <Typography.Text type="secondary">
            {rectifying
              ? t(
                  '整改中上传的照片记为“整改后”；验收须至少一张。',
                  'Photos added during rectification count as “after”; inspection needs one.',
                )
              : t('现在上传的照片记为“整改前”。', 'Photos added now count as “before”.')}
          </Typography.Text>
          <FilePicker value={files} onChange={setFiles} testId="hazard-photo-picker" />
          {progress !== null && <Progress percent={Math.round(progress * 100)} />}
          {upload.error && <Alert type="error" showIcon title={errorText(upload.error, lang)} />}
          <Button
            disabled={files.length === 0}
            loading={upload.isPending}
            onClick={() => upload.mutate()}
            data-testid="hazard-photo-upload"
          >
            {t('上传照片', 'Upload photos')}
          </Button>
        </Flex>
      )}
    </Card>
  );
}
