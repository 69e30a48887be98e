import { EditOutlined, EyeOutlined } from '@ant-design/icons';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Calendar,
  Card,
  Col,
  DatePicker,
  Descriptions,
  Empty,
  Flex,
  Form,
  Input,
  InputNumber,
  Modal,
  Radio,
  Row,
  Select,
  Table,
  Tag,
  Tooltip,
  Typography,
} from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { ApiError, api, errorText, unwrap } from '../../api/client';
import { useAuth } from '../../auth';
import { PageState } from '../../components/PageState';
import { useI18n } from '../../i18n';
import {
  BOOKING_KINDS,
  type Booking,
  type BookingBody,
  type CourtUse,
  labelOf,
  OUTCOMES,
  USE_KINDS,
  type UseBody,
  useBookings,
  useCourt,
  useSlots,
} from './api';
import { CourtForm } from './CourtForm';

const WEEKDAY = ['', '一', '二', '三', '四', '五', '六', '日'];

/**
 * 一个共享法庭: its card (liaison masked, revealed for a reason), the booking calendar — a month to pick a day,
 * the day's slots, a free slot booked for an online hearing or a judicial confirmation, optionally for a
 * dispute — the coming bookings (cancel with a reason) and the use log.
 */
export default function CourtPage() {
  const { id = '' } = useParams();
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const court = useCourt(id);
  const [editing, setEditing] = useState(false);
  const [revealing, setRevealing] = useState(false);
  const c = court.data;
  return (
    <PageState loading={court.isLoading} error={court.error} onRetry={() => court.refetch()}>
      {c && (
        <div>
          <Flex justify="space-between" align="center" wrap gap={8} style={{ marginBottom: 12 }}>
            <Typography.Title level={4} style={{ margin: 0 }} data-testid="court-title">
              {c.name} <Tag>{lang === 'zh' ? c.kindName.zh : c.kindName.en}</Tag>
            </Typography.Title>
            <Flex gap={8}>
              <Link to="/courts">{t('返回名录', 'Back to the registry')}</Link>
              {can('court:manage') && (
                <Button icon={<EditOutlined />} onClick={() => setEditing(true)}>
                  {t('修改', 'Edit')}
                </Button>
              )}
            </Flex>
          </Flex>
          <Card size="small" style={{ marginBottom: 12 }}>
            <Descriptions size="small" column={{ xs: 1, sm: 2, lg: 3 }}>
              <Descriptions.Item label={t('区域', 'Area')}>{c.areaName ?? c.areaCode}</Descriptions.Item>
              <Descriptions.Item label={t('地址', 'Address')}>{c.address}</Descriptions.Item>
              <Descriptions.Item label={t('庭务主任', 'Liaison')}>
                {c.liaison.name} {c.liaison.phone}
                {c.liaison.phone && can('subject:reveal') && (
                  <Tooltip title={t('查看完整电话（记审计）', 'Reveal (audited)')}>
                    <Button
                      size="small"
                      type="link"
                      icon={<EyeOutlined />}
                      onClick={() => setRevealing(true)}
                    />
                  </Tooltip>
                )}
              </Descriptions.Item>
              <Descriptions.Item label={t('联系法官', 'Judge')}>
                {[c.judge.name, c.judge.court].filter(Boolean).join(' · ')}
              </Descriptions.Item>
              <Descriptions.Item label={t('开放时间', 'Open')}>
                {lang === 'zh'
                  ? `周${c.openDays.map((d) => WEEKDAY[d]).join('、')} ${c.openFrom}–${c.openTo}`
                  : `days ${c.openDays.join(',')} ${c.openFrom}–${c.openTo}`}
                {t(`，每时段 ${c.slotMinutes} 分钟`, `, ${c.slotMinutes}-minute slots`)}
              </Descriptions.Item>
              <Descriptions.Item label={t('服务', 'Services')}>
                {c.services.map((s) => (
                  <Tag key={s}>{s}</Tag>
                ))}
              </Descriptions.Item>
            </Descriptions>
          </Card>
          <BookingCalendar courtId={c.id} openDays={c.openDays} />
          <UpcomingBookings courtId={c.id} />
          <UseLog courtId={c.id} />
          <CourtForm court={c} open={editing} onClose={() => setEditing(false)} />
          <RevealModal courtId={c.id} open={revealing} onClose={() => setRevealing(false)} />
        </div>
      )}
    </PageState>
  );
}

function BookingCalendar({ courtId, openDays }: { courtId: string; openDays: number[] }) {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const [params] = useSearchParams();
  const [day, setDay] = useState<Dayjs>(() => {
    const d = params.get('date');
    return d && dayjs(d, 'YYYY-MM-DD', true).isValid() ? dayjs(d) : dayjs();
  });
  const date = day.format('YYYY-MM-DD');
  const slots = useSlots(courtId, date);
  const [chosen, setChosen] = useState<string | null>(null);
  const isoDay = (d: Dayjs) => ((d.day() + 6) % 7) + 1;
  return (
    <Card size="small" title={t('预约日历', 'Booking calendar')} style={{ marginBottom: 12 }}>
      <Row gutter={[16, 16]}>
        <Col xs={24} md={10}>
          <Calendar
            fullscreen={false}
            value={day}
            onSelect={(d) => setDay(d)}
            disabledDate={(d) => d.isBefore(dayjs(), 'day') || !openDays.includes(isoDay(d))}
          />
        </Col>
        <Col xs={24} md={14}>
          <Typography.Text strong data-testid="slots-date">
            {date}
          </Typography.Text>
          <PageState loading={slots.isLoading} error={slots.error} onRetry={() => slots.refetch()}>
            {slots.data && slots.data.slots.length === 0 ? (
              <Empty description={t('当日不开放', 'Closed that day')} />
            ) : (
              <Flex wrap gap={8} style={{ marginTop: 8 }} data-testid="slots">
                {slots.data?.slots.map((s) => {
                  const label = dayjs(s.startsAt).format('HH:mm');
                  const b = s.booking;
                  return (
                    <Tooltip
                      key={s.startsAt}
                      title={b ? `${b.title}（${labelOf(BOOKING_KINDS, b.kind, lang)}）` : undefined}
                    >
                      <Button
                        data-testid={`slot-${label}`}
                        data-state={b ? 'booked' : s.past ? 'past' : 'free'}
                        type={b ? 'default' : 'dashed'}
                        danger={!!b}
                        disabled={!!b || s.past || !can('court:book')}
                        onClick={() => setChosen(s.startsAt)}
                        style={{ width: 96 }}
                      >
                        {label}
                        {b ? ` ${t('已约', 'taken')}` : ''}
                      </Button>
                    </Tooltip>
                  );
                })}
              </Flex>
            )}
          </PageState>
        </Col>
      </Row>
      {chosen && (
        <BookingModal courtId={courtId} startsAt={chosen} date={date} onClose={() => setChosen(null)} />
      )}
    </Card>
  );
}

function BookingModal({
  courtId,
  startsAt,
  date,
  onClose,
}: {
  courtId: string;
  startsAt: string;
  date: string;
  onClose(): void;
}) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const [params] = useSearchParams();
  const qc = useQueryClient();
  const [form] = Form.useForm<BookingBody>();
  const book = useMutation({
    mutationFn: (v: BookingBody) =>
      unwrap(
        api.POST('/api/courts/{id}/bookings', {
          params: { path: { id: courtId } },
          body: { ...v, startsAt, ...(v.matterId ? { matterId: v.matterId } : { matterId: undefined }) },
        }),
      ),
    onSuccess: () => {
      message.success(t('预约成功', 'Booked'));
      qc.invalidateQueries({ queryKey: ['courts'] });
      onClose();
    },
    onError: (e) => {
      // Someone else took the slot meanwhile: read the day again so the calendar shows it.
      if (e instanceof ApiError && e.code === 'SLOT_TAKEN') {
        qc.invalidateQueries({ queryKey: ['courts', 'slots', courtId, date] });
        qc.invalidateQueries({ queryKey: ['courts', 'bookings', courtId] });
      }
    },
  });
  return (
    <Modal
      open
      title={`${t('预约', 'Book')} ${date} ${dayjs(startsAt).format('HH:mm')}`}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={t('确认预约', 'Book')}
      okButtonProps={{ loading: book.isPending, ...{ 'data-testid': 'booking-submit' } }}
      destroyOnHidden
    >
      {book.error && (
        <Alert
          type="error"
          showIcon
          data-testid="booking-error"
          data-code={book.error instanceof ApiError ? book.error.code : undefined}
          title={errorText(book.error, lang)}
          style={{ marginBottom: 12 }}
        />
      )}
      <Form<BookingBody>
        form={form}
        layout="vertical"
        onFinish={(v) => book.mutate(v)}
        initialValues={{
          kind: 'judicial_confirmation',
          partiesCount: 2,
          ...(params.get('matter') ? { matterId: params.get('matter')! } : {}),
        }}
      >
        <Form.Item name="kind" label={t('类型', 'Kind')} rules={[{ required: true }]}>
          <Radio.Group options={BOOKING_KINDS.map((k) => ({ value: k.value, label: k[lang] }))} />
        </Form.Item>
        <Form.Item name="title" label={t('事由', 'Title')} rules={[{ required: true, max: 200 }]}>
          <Input data-testid="booking-title" />
        </Form.Item>
        <Form.Item name="partiesCount" label={t('当事人数', 'Parties')} rules={[{ required: true }]}>
          <InputNumber min={1} max={99} />
        </Form.Item>
        <Form.Item
          name="matterId"
          label={t('关联事项 ID（可选）', 'Linked matter id (optional)')}
          rules={[{ pattern: /^\d{1,18}$/, message: t('应为数字 ID', 'A numeric id') }]}
        >
          <Input />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function UpcomingBookings({ courtId }: { courtId: string }) {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const from = dayjs().format('YYYY-MM-DD');
  const to = dayjs().add(60, 'day').format('YYYY-MM-DD');
  const list = useBookings(courtId, from, to);
  const [cancelling, setCancelling] = useState<Booking | null>(null);
  return (
    <Card
      size="small"
      title={t('近期预约（60 天）', 'Coming bookings (60 days)')}
      style={{ marginBottom: 12 }}
    >
      <Table<Booking>
        rowKey="id"
        size="small"
        loading={list.isLoading}
        dataSource={list.data?.items ?? []}
        pagination={{ pageSize: 10 }}
        scroll={{ x: 700 }}
        columns={[
          {
            key: 'at',
            title: t('时间', 'When'),
            width: 160,
            render: (_, b) => `${dayjs(b.startsAt).format('MM-DD HH:mm')}–${dayjs(b.endsAt).format('HH:mm')}`,
          },
          {
            key: 'kind',
            title: t('类型', 'Kind'),
            width: 100,
            render: (_, b) => labelOf(BOOKING_KINDS, b.kind, lang),
          },
          { key: 'title', title: t('事由', 'Title'), dataIndex: 'title' },
          {
            key: 'matter',
            title: t('事项', 'Matter'),
            width: 200,
            render: (_, b) =>
              b.matter ? <Link to={`/matters/${b.matter.id}`}>{b.matter.number}</Link> : null,
          },
          {
            key: 'status',
            title: t('状态', 'Status'),
            width: 80,
            render: (_, b) => (
              <Tag color={b.status === 'booked' ? 'blue' : 'green'}>
                {b.status === 'booked' ? t('已预约', 'Booked') : t('已使用', 'Used')}
              </Tag>
            ),
          },
          { key: 'by', title: t('预约人', 'By'), width: 120, dataIndex: 'bookedBy' },
          {
            key: 'act',
            width: 80,
            render: (_, b) =>
              b.status === 'booked' && can('court:book') ? (
                <Button size="small" danger onClick={() => setCancelling(b)}>
                  {t('取消', 'Cancel')}
                </Button>
              ) : null,
          },
        ]}
      />
      {cancelling && <CancelModal booking={cancelling} onClose={() => setCancelling(null)} />}
    </Card>
  );
}

function CancelModal({ booking, onClose }: { booking: Booking; onClose(): void }) {
  const { t, lang } = useI18n();
  const qc = useQueryClient();
  const [reason, setReason] = useState('');
  const cancel = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/court-bookings/{id}/cancel', {
          params: { path: { id: booking.id } },
          body: { reason },
        }),
      ),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ['courts'] });
      onClose();
    },
  });
  return (
    <Modal
      open
      title={t('取消预约', 'Cancel the booking')}
      onCancel={onClose}
      onOk={() => cancel.mutate()}
      okButtonProps={{ danger: true, disabled: reason.trim().length < 2, loading: cancel.isPending }}
    >
      {cancel.error && (
        <Alert type="error" showIcon title={errorText(cancel.error, lang)} style={{ marginBottom: 12 }} />
      )}
      <Typography.Paragraph>
        {dayjs(booking.startsAt).format('YYYY-MM-DD HH:mm')} {booking.title}
      </Typography.Paragraph>
      <Input.TextArea
        maxLength={500}
        placeholder={t('取消原因（必填）', 'Reason (required)')}
        value={reason}
        onChange={(e) => setReason(e.target.value)}
      />
    </Modal>
  );
}

function UseLog({ courtId }: { courtId: string }) {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const [page, setPage] = useState(1);
  const [adding, setAdding] = useState(false);
  const uses = useQuery({
    queryKey: ['courts', 'uses', courtId, page],
    queryFn: () =>
      unwrap(
        api.GET('/api/courts/{id}/uses', {
          params: { path: { id: courtId }, query: { page, pageSize: 10 } },
        }),
      ),
    placeholderData: keepPreviousData,
  });
  return (
    <Card
      size="small"
      title={t('使用记录', 'Use log')}
      extra={
        can('court:book') && (
          <Button size="small" onClick={() => setAdding(true)}>
            {t('登记使用', 'Record a use')}
          </Button>
        )
      }
    >
      <Table<CourtUse>
        rowKey="id"
        size="small"
        loading={uses.isLoading}
        dataSource={uses.data?.items ?? []}
        pagination={{ current: page, pageSize: 10, total: uses.data?.total ?? 0, onChange: setPage }}
        columns={[
          { key: 'on', title: t('日期', 'Day'), width: 110, dataIndex: 'usedOn' },
          {
            key: 'kind',
            title: t('类型', 'Kind'),
            width: 110,
            render: (_, u) => labelOf(USE_KINDS, u.kind, lang),
          },
          { key: 'n', title: t('当事人数', 'Parties'), width: 90, dataIndex: 'partiesCount' },
          {
            key: 'outcome',
            title: t('结果', 'Outcome'),
            width: 100,
            render: (_, u) => labelOf(OUTCOMES, u.outcome, lang),
          },
          { key: 'note', title: t('备注', 'Note'), dataIndex: 'note' },
          { key: 'by', title: t('登记人', 'By'), width: 110, dataIndex: 'recordedBy' },
        ]}
      />
      {adding && <UseModal courtId={courtId} onClose={() => setAdding(false)} />}
    </Card>
  );
}

function UseModal({ courtId, onClose }: { courtId: string; onClose(): void }) {
  const { t, lang } = useI18n();
  const qc = useQueryClient();
  const [form] = Form.useForm<Omit<UseBody, 'usedOn'> & { usedOn: Dayjs }>();
  const save = useMutation({
    mutationFn: (v: Omit<UseBody, 'usedOn'> & { usedOn: Dayjs }) =>
      unwrap(
        api.POST('/api/courts/{id}/uses', {
          params: { path: { id: courtId } },
          body: { ...v, usedOn: v.usedOn.format('YYYY-MM-DD') },
        }),
      ),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ['courts'] });
      onClose();
    },
  });
  return (
    <Modal
      open
      title={t('登记使用', 'Record a use')}
      onCancel={onClose}
      onOk={() => form.submit()}
      destroyOnHidden
    >
      {save.error && (
        <Alert type="error" showIcon title={errorText(save.error, lang)} style={{ marginBottom: 12 }} />
      )}
      <Form
        form={form}
        layout="vertical"
        onFinish={(v) => save.mutate(v)}
        initialValues={{ usedOn: dayjs(), kind: 'mediation', partiesCount: 2, outcome: 'settled' }}
      >
        <Form.Item name="usedOn" label={t('日期', 'Day')} rules={[{ required: true }]}>
          <DatePicker disabledDate={(d) => d.isAfter(dayjs(), 'day')} />
        </Form.Item>
        <Form.Item name="kind" label={t('类型', 'Kind')} rules={[{ required: true }]}>
          <Select options={USE_KINDS.map((k) => ({ value: k.value, label: k[lang] }))} />
        </Form.Item>
        <Form.Item name="partiesCount" label={t('当事人数', 'Parties')} rules={[{ required: true }]}>
          <InputNumber min={0} max={999} />
        </Form.Item>
        <Form.Item name="outcome" label={t('结果', 'Outcome')} rules={[{ required: true }]}>
          <Select options={OUTCOMES.map((k) => ({ value: k.value, label: k[lang] }))} />
        </Form.Item>
        <Form.Item name="note" label={t('备注', 'Note')} rules={[{ max: 500 }]}>
          <Input.TextArea />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function RevealModal({ courtId, open, onClose }: { courtId: string; open: boolean; onClose(): void }) {
  const { t, lang } = useI18n();
  const [reason, setReason] = useState('');
  const reveal = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/courts/{id}/liaison/reveal', { params: { path: { id: courtId } }, body: { reason } }),
      ),
  });
  return (
    <Modal
      open={open}
      title={t('查看庭务主任电话', 'Reveal the liaison’s phone')}
      onCancel={() => {
        reveal.reset();
        onClose();
      }}
      onOk={() => reveal.mutate()}
      okButtonProps={{ disabled: reason.trim().length < 2 }}
    >
      {reveal.error && <Alert type="error" showIcon title={errorText(reveal.error, lang)} />}
      {reveal.data ? (
        <Typography.Title level={4}>{reveal.data.phone}</Typography.Title>
      ) : (
        <Input
          placeholder={t('事由（将记入审计日志）', 'Reason (kept in the audit log)')}
          maxLength={200}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
      )}
    </Modal>
  );
}
