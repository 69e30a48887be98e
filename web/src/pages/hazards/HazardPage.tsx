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
  Form,
  Image,
  Input,
  Modal,
  Progress,
  Row,
  Select,
  Space,
  Tag,
  Typography,
  type UploadFile,
} from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { ApiError, api, errorText, unwrap } from '../../api/client';
import { Forbidden, PageState } from '../../components/PageState';
import { useIsMobile } from '../../components/useIsMobile';
import { useI18n } from '../../i18n';
import { FilePicker, filesOf } from '../matters/components/FilePicker';
import { type Area, useArea, useDepartments } from '../matters/components/lookups';
import { uploadAttachments } from '../matters/components/upload';
import { ACTION_NAMES, type HazardDetail, SEVERITY_COLORS, type TransitionBody } from './api';
import { HazardClock } from './Clock';

type Action = HazardDetail['matter']['actions'][number];
const BACKWARD = new Set(['fail']);

/**
 * One hazard: its fields, the running "3030" clock, photos before and after the rectification, the
 * timeline, and the steps the user may take now (taken through /api/hazards/{id}/transitions, which adds
 * the hazard's rules to the kernel's: 验收 needs an after-photo; the clocks follow the severity).
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
  const actions = <HazardActions d={d} large={mobile} path={path} />;
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

function HazardActions({ d, large, path }: { d: HazardDetail; large: boolean; path: Area[] }) {
  const { t, name } = useI18n();
  const [open, setOpen] = useState<{ action: Action; version: number } | null>(null);
  const actions = [...d.matter.actions].sort(
    (a, b) => Number(BACKWARD.has(a.action)) - Number(BACKWARD.has(b.action)),
  );
  const primary = actions.find((a) => a.to && !BACKWARD.has(a.action))?.action;
  return (
    <Card title={t('办理操作', 'Actions')} size="small" data-testid="actions">
      {actions.length === 0 ? (
        <Typography.Text type="secondary" data-testid="no-actions">
          {d.hazard.closed
            ? t('隐患已销号。', 'This hazard is written off.')
            : t('当前没有您可执行的操作。', 'Nothing for you to do now.')}
        </Typography.Text>
      ) : (
        <Flex wrap gap={8} vertical={large}>
          {actions.map((a) => (
            <Button
              key={a.action}
              type={a.action === primary ? 'primary' : 'default'}
              danger={BACKWARD.has(a.action)}
              size={large ? 'large' : 'middle'}
              block={large}
              onClick={() => setOpen({ action: a, version: d.hazard.version })}
              data-testid={`action-${a.action}`}
            >
              {name(a.name)}
            </Button>
          ))}
        </Flex>
      )}
      {open && (
        <ActionModal
          d={d}
          action={open.action}
          version={open.version}
          path={path}
          onClose={() => setOpen(null)}
        />
      )}
    </Card>
  );
}

interface Values {
  department?: string;
  areaCode?: string;
  reason?: string;
  result?: string;
  note?: string;
}

const FIELD_LABELS: Record<string, { zh: string; en: string }> = {
  reason: { zh: '不通过的理由', en: 'Why it fails' },
  result: { zh: '整改措施', en: 'Rectification measures' },
  note: { zh: '意见', en: 'Note' },
};

function ActionModal({
  d,
  action,
  version,
  path,
  onClose,
}: {
  d: HazardDetail;
  action: Action;
  version: number;
  /** The hazard's area and those above it: where the unit in charge usually sits (a county bureau). */
  path: Area[];
  onClose: () => void;
}) {
  const { t, lang, name } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const departments = useDepartments();
  const [form] = Form.useForm<Values>();
  const needs = new Set(action.requires);
  const submit = useMutation({
    mutationFn: (body: TransitionBody) =>
      unwrap(api.POST('/api/hazards/{id}/transitions', { params: { path: { id: d.hazard.id } }, body })),
    onSuccess: (detail) => {
      qc.setQueryData(['hazard', d.hazard.id], detail);
      void qc.invalidateQueries({ queryKey: ['matters'] });
      message.success(t(`已${action.name.zh}`, `${action.name.en}: done`));
      onClose();
    },
    onError: (e) => {
      if (e instanceof ApiError && e.status === 409) {
        message.warning(t('该隐患已被他人处理，已为您刷新。', 'Someone else acted on it; reloaded.'), 6);
        void qc.invalidateQueries({ queryKey: ['hazard', d.hazard.id] });
        onClose();
      }
    },
  });
  const onFinish = (v: Values) => {
    const body: TransitionBody = { action: action.action, version };
    if (needs.has('reason') && v.reason) body.reason = v.reason.trim();
    if (needs.has('result') && v.result) body.result = v.result.trim();
    if (needs.has('note') && v.note) body.note = v.note.trim();
    if (needs.has('assignee') && v.department && v.areaCode)
      body.assignee = { department: v.department, areaCode: v.areaCode };
    submit.mutate(body);
  };
  const text = (field: 'reason' | 'result' | 'note') => (
    <Form.Item
      name={field}
      label={name(FIELD_LABELS[field]!)}
      rules={[{ required: true, whitespace: true, message: t('请填写', 'Required') }, { max: 2000 }]}
    >
      <Input.TextArea
        autoSize={{ minRows: 3, maxRows: 8 }}
        maxLength={2000}
        showCount
        data-testid={`action-field-${field}`}
      />
    </Form.Item>
  );
  return (
    <Modal open title={name(action.name)} onCancel={onClose} footer={null} destroyOnHidden width={520}>
      <Form<Values>
        form={form}
        layout="vertical"
        onFinish={onFinish}
        disabled={submit.isPending}
        data-testid="action-form"
      >
        {needs.has('assignee') && (
          <>
            <Form.Item
              name="department"
              label={t('整改责任部门', 'Department')}
              rules={[{ required: true, message: t('请选择部门', 'Choose the department') }]}
            >
              <Select
                showSearch={{ optionFilterProp: 'label' }}
                options={departments.items.map((x) => ({
                  value: x.code,
                  label: lang === 'zh' ? x.name : x.nameEn,
                }))}
                data-testid="action-department"
              />
            </Form.Item>
            <Form.Item
              name="areaCode"
              label={t('部门所在区域', 'Area of the unit')}
              rules={[{ required: true, message: t('请选择区域', 'Choose the area') }]}
            >
              <Select
                options={path.map((a) => ({ value: a.code, label: a.name }))}
                placeholder={t('如：区县职能部门选区县', 'e.g. the county for a county bureau')}
                data-testid="action-area"
              />
            </Form.Item>
          </>
        )}
        {needs.has('reason') && text('reason')}
        {needs.has('result') && text('result')}
        {needs.has('note') && text('note')}
        {action.requires.length === 0 && (
          <Typography.Paragraph>
            {t(`确认“${action.name.zh}”？`, `Confirm “${action.name.en}”?`)}
          </Typography.Paragraph>
        )}
        {submit.error && !(submit.error instanceof ApiError && submit.error.status === 409) && (
          <Alert
            type="error"
            showIcon
            style={{ marginBottom: 12 }}
            title={errorText(submit.error, lang)}
            data-testid="action-error"
          />
        )}
        <Flex justify="flex-end" gap={8}>
          <Button onClick={onClose}>{t('取消', 'Cancel')}</Button>
          <Button type="primary" htmlType="submit" loading={submit.isPending} data-testid="action-ok">
            {t('确定', 'OK')}
          </Button>
        </Flex>
      </Form>
    </Modal>
  );
}
