import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, Form, Input, InputNumber, Modal, Select, TimePicker } from 'antd';
import dayjs from 'dayjs';
import { ApiError, api, errorText, unwrap } from '../../api/client';
import { useI18n } from '../../i18n';
import { COURT_KINDS, type Court, type CourtBody } from './api';

const WEEKDAYS = [
  { value: 1, zh: '周一', en: 'Mon' },
  { value: 2, zh: '周二', en: 'Tue' },
  { value: 3, zh: '周三', en: 'Wed' },
  { value: 4, zh: '周四', en: 'Thu' },
  { value: 5, zh: '周五', en: 'Fri' },
  { value: 6, zh: '周六', en: 'Sat' },
  { value: 7, zh: '周日', en: 'Sun' },
];
const SERVICES = [
  '在线诉讼',
  '司法确认',
  '调解指导',
  '法律咨询',
  '普法宣传',
  '诉前调解',
  '执行协助',
  '判后答疑',
];

interface Values {
  name: string;
  kind: CourtBody['kind'];
  areaCode?: string;
  address?: string;
  liaisonName: string;
  liaisonPhone?: string;
  judgeName?: string;
  judgeCourt?: string;
  services: string[];
  openDays: number[];
  hours: [dayjs.Dayjs, dayjs.Dayjs];
  slotMinutes: number;
}

/**
 * 登记 / 修改 a shared court. The server validates (the same limits); its field errors are put back on the
 * fields. The liaison's phone is never shown in full here: when editing, leave it empty to keep it.
 */
export function CourtForm({ court, open, onClose }: { court?: Court; open: boolean; onClose(): void }) {
  const { t, lang } = useI18n();
  const [form] = Form.useForm<Values>();
  const qc = useQueryClient();
  const save = useMutation({
    mutationFn: async (v: Values) => {
      const body: CourtBody = {
        name: v.name,
        kind: v.kind,
        ...(v.areaCode ? { areaCode: v.areaCode } : {}),
        point: court?.point ?? null,
        address: v.address || null,
        liaison: {
          name: v.liaisonName,
          ...(v.liaisonPhone ? { phone: v.liaisonPhone } : court ? {} : { phone: null }),
        },
        judge: { name: v.judgeName || null, court: v.judgeCourt || null },
        services: v.services ?? [],
        openDays: v.openDays,
        openFrom: v.hours[0].format('HH:mm'),
        openTo: v.hours[1].format('HH:mm'),
        slotMinutes: v.slotMinutes,
      };
      if (court) {
        return unwrap(
          api.PUT('/api/courts/{id}', {
            params: { path: { id: court.id } },
            body: { ...body, version: court.version },
          }),
        );
      }
      return unwrap(api.POST('/api/courts', { body }));
    },
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ['courts'] });
      onClose();
    },
    onError: (e) => {
      if (e instanceof ApiError) {
        form.setFields(
          e.details
            .filter((d) => d.path)
            .map((d) => ({ name: fieldOf(d.path!), errors: [d.message] }))
            .filter((f) => f.name) as { name: keyof Values; errors: string[] }[],
        );
      }
    },
  });
  return (
    <Modal
      open={open}
      title={court ? t('修改共享法庭', 'Edit the court') : t('登记共享法庭', 'Register a court')}
      onCancel={onClose}
      onOk={() => form.submit()}
      okButtonProps={{ loading: save.isPending, ...{ 'data-testid': 'court-form-submit' } }}
      destroyOnHidden
      width={640}
    >
      {save.error && (
        <Alert type="error" showIcon title={errorText(save.error, lang)} style={{ marginBottom: 12 }} />
      )}
      <Form<Values>
        form={form}
        layout="vertical"
        onFinish={(v) => save.mutate(v)}
        initialValues={{
          name: court?.name,
          kind: court?.kind ?? 'village',
          areaCode: court?.areaCode,
          address: court?.address ?? undefined,
          liaisonName: court?.liaison.name,
          judgeName: court?.judge.name ?? undefined,
          judgeCourt: court?.judge.court ?? undefined,
          services: court?.services ?? ['在线诉讼', '司法确认'],
          openDays: court?.openDays ?? [1, 2, 3, 4, 5],
          hours: [dayjs(court?.openFrom ?? '09:00', 'HH:mm'), dayjs(court?.openTo ?? '17:00', 'HH:mm')],
          slotMinutes: court?.slotMinutes ?? 30,
        }}
      >
        <Form.Item name="name" label={t('名称', 'Name')} rules={[{ required: true, max: 100 }]}>
          <Input />
        </Form.Item>
        <Form.Item name="kind" label={t('类型', 'Kind')} rules={[{ required: true }]}>
          <Select options={COURT_KINDS.map((k) => ({ value: k.value, label: k[lang] }))} />
        </Form.Item>
        <Form.Item
          name="areaCode"
          label={t('所在村社或镇街（区划代码）', 'Village or town (area code)')}
          rules={[{ required: !court?.point, pattern: /^\d{12}(\d{3})?$/ }]}
        >
          <Input placeholder="330302006044" />
        </Form.Item>
        <Form.Item name="address" label={t('地址', 'Address')} rules={[{ max: 200 }]}>
          <Input />
        </Form.Item>
        <Form.Item
          name="liaisonName"
          label={t('庭务主任', 'Court liaison')}
          rules={[{ required: true, max: 50 }]}
        >
          <Input />
        </Form.Item>
        <Form.Item
          name="liaisonPhone"
          label={t('庭务主任电话', 'Liaison phone')}
          extra={court ? t('留空则不修改', 'Leave empty to keep it') : undefined}
          rules={[{ pattern: /^1\d{10}$/, message: t('手机号码无效', 'Invalid mobile number') }]}
        >
          <Input inputMode="tel" />
        </Form.Item>
        <Form.Item name="judgeName" label={t('联系法官', 'Paired judge')} rules={[{ max: 50 }]}>
          <Input />
        </Form.Item>
        <Form.Item name="judgeCourt" label={t('所属法院', 'Judge’s court')} rules={[{ max: 100 }]}>
          <Input />
        </Form.Item>
        <Form.Item name="services" label={t('服务事项', 'Services')}>
          <Select mode="tags" maxCount={10} options={SERVICES.map((s) => ({ value: s, label: s }))} />
        </Form.Item>
        <Form.Item name="openDays" label={t('开放日', 'Open days')} rules={[{ required: true }]}>
          <Select mode="multiple" options={WEEKDAYS.map((d) => ({ value: d.value, label: d[lang] }))} />
        </Form.Item>
        <Form.Item name="hours" label={t('开放时间', 'Open hours')} rules={[{ required: true }]}>
          <TimePicker.RangePicker format="HH:mm" minuteStep={15} />
        </Form.Item>
        <Form.Item
          name="slotMinutes"
          label={t('时段长度（分钟）', 'Slot length (minutes)')}
          rules={[{ required: true }]}
        >
          <InputNumber min={15} max={240} step={15} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** The form field a server error path names (`liaison.phone` → liaisonPhone). */
function fieldOf(path: string): keyof Values | null {
  const p = path.replace(/^body\./, '');
  const map: Record<string, keyof Values> = {
    name: 'name',
    kind: 'kind',
    areaCode: 'areaCode',
    address: 'address',
    'liaison.name': 'liaisonName',
    'liaison.phone': 'liaisonPhone',
    openTo: 'hours',
    openFrom: 'hours',
    slotMinutes: 'slotMinutes',
    openDays: 'openDays',
  };
  return map[p] ?? null;
}
