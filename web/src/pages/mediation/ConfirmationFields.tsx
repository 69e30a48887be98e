import { useQuery } from '@tanstack/react-query';
import { Alert, DatePicker, Form, type FormInstance, Select, Spin, Typography } from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { api, errorText, unwrap } from '../../api/client';
import { useI18n } from '../../i18n';
import { useSlots } from '../court/api';

/**
 * 司法确认's fields: a shared court of the registry within the user's area (searched by name), a day, and one
 * of that day's free slots. The step books the slot and applies in one transaction; a slot taken meanwhile
 * comes back as SLOT_TAKEN on the slot field and the day's slots are read again.
 */
export function ConfirmationFields({ form }: { form: FormInstance }) {
  const { t, lang } = useI18n();
  const [q, setQ] = useState('');
  const courtId = Form.useWatch('courtId', form) as string | undefined;
  const day = Form.useWatch('day', form) as dayjs.Dayjs | undefined;
  const courts = useQuery({
    queryKey: ['courts', 'pick', q],
    queryFn: () =>
      unwrap(api.GET('/api/courts', { params: { query: { ...(q ? { q } : {}), pageSize: 20 } } })),
  });
  return (
    <>
      <Form.Item
        name="courtId"
        label={t('共享法庭', 'Shared court')}
        rules={[{ required: true, message: t('请选择共享法庭', 'Choose a shared court') }]}
        extra={t('列出您辖区内的共享法庭，可输入名称搜索', 'The shared courts of your area; type to search')}
      >
        <Select
          showSearch
          filterOption={false}
          onSearch={setQ}
          loading={courts.isFetching}
          notFoundContent={
            courts.isFetching ? <Spin size="small" /> : t('没有可选的共享法庭', 'No shared court found')
          }
          options={(courts.data?.items ?? []).map((c) => ({
            value: c.id,
            label: `${c.name}${c.areaName ? `（${c.areaName}）` : ''}`,
          }))}
          onChange={() => form.setFieldValue('startsAt', undefined)}
          data-testid="confirm-court"
        />
      </Form.Item>
      <Form.Item
        name="day"
        label={t('日期', 'Day')}
        rules={[{ required: true, message: t('请选择日期', 'Choose a day') }]}
      >
        <DatePicker
          style={{ width: '100%' }}
          disabledDate={(d) => d.isBefore(dayjs(), 'day')}
          onChange={() => form.setFieldValue('startsAt', undefined)}
          data-testid="confirm-day"
        />
      </Form.Item>
      {courtId && day ? (
        <SlotField courtId={courtId} day={day.format('YYYY-MM-DD')} />
      ) : (
        <Form.Item label={t('时段', 'Slot')}>
          <Typography.Text type="secondary">
            {t('先选择法庭和日期', 'Choose a court and a day first')}
          </Typography.Text>
        </Form.Item>
      )}
      {courts.error && <Alert type="error" showIcon message={errorText(courts.error, lang)} />}
    </>
  );
}

function SlotField({ courtId, day }: { courtId: string; day: string }) {
  const { t, lang } = useI18n();
  const slots = useSlots(courtId, day);
  const free = (slots.data?.slots ?? []).filter((s) => !s.past && !s.booking);
  const hhmm = (iso: string) => dayjs(iso).format('HH:mm');
  return (
    <Form.Item
      name="startsAt"
      label={t('时段', 'Slot')}
      rules={[{ required: true, message: t('请选择时段', 'Choose a slot') }]}
      help={
        slots.error
          ? errorText(slots.error, lang)
          : slots.data && !slots.data.open
            ? t('该法庭当天不开放', 'The court is closed that day')
            : slots.data && free.length === 0
              ? t('当天已无空闲时段', 'No free slot that day')
              : undefined
      }
    >
      <Select
        loading={slots.isLoading}
        options={free.map((s) => ({ value: s.startsAt, label: `${hhmm(s.startsAt)}–${hhmm(s.endsAt)}` }))}
        data-testid="confirm-slot"
      />
    </Form.Item>
  );
}
