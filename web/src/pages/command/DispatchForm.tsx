import { SendOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Checkbox, DatePicker, Flex, Form, Input, Radio, Select, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useState } from 'react';
import {
  deadlineInRange,
  Instructions,
  MAX_DEADLINE_MS,
  MAX_INSTRUCTIONS,
} from '../../../../src/shared/command-input.ts';
import { api, errorText, type Schemas, unwrap } from '../../api/client';
import { useAuth } from '../../auth';
import { zodRule } from '../../components/zodRule';
import { useI18n } from '../../i18n';
import { AreaTreeSelect } from '../matters/components/AreaTreeSelect';
import { useArea, useDepartments } from '../matters/components/lookups';
import { AREA_LEVEL_NAMES, URGENCY_NAMES } from '../matters/components/names';
import { type DispatchBody, useTeam } from './api';

type Detail = Schemas['MatterDetail'];

interface Values {
  to: 'unit' | 'person';
  department?: string;
  areaCode?: string;
  userId?: string;
  instructions?: string;
  within?: string;
  at?: Dayjs;
  urgency: 'extra_urgent' | 'urgent' | 'normal';
  pinned: boolean;
}

/** Deadline presets, minutes from now; `custom` opens a date-time picker. */
const WITHIN = [30, 60, 120, 240, 480, 1440] as const;

const CENTRES = ['city_admin', 'commander', 'county_center', 'town_center'];

/**
 * 下达指令: to a unit (department at an area — one of the matter's own areas by default, as for 分派) or to a
 * person of the area's grid team, with the instructions, a deadline (a preset or a chosen time, 1 minute to
 * 30 days ahead), the urgency, and whether to pin it on the map. Every field is bounded as the API bounds
 * it; a refusal shows the server's message in the form.
 */
export function DispatchForm({ matter, cameraIds }: { matter: Detail; cameraIds: string[] }) {
  const { t, lang, name } = useI18n();
  const { me, hasRole } = useAuth();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const departments = useDepartments();
  const area = useArea(matter.areaCode);
  const [form] = Form.useForm<Values>();
  const to = Form.useWatch('to', form) ?? 'unit';
  const within = Form.useWatch('within', form);
  const [otherArea, setOtherArea] = useState(false);
  const team = useTeam(matter.id, to === 'person');

  const submit = useMutation({
    mutationFn: (body: DispatchBody) =>
      unwrap(api.POST('/api/matters/{id}/tasks', { params: { path: { id: matter.id } }, body })),
    onSuccess: (task) => {
      message.success(t(`已下达指令 ${task.number}`, `Task ${task.number} dispatched`));
      form.resetFields(['instructions', 'within', 'at', 'pinned']);
      void qc.invalidateQueries({ queryKey: ['matter', matter.id] });
      void qc.invalidateQueries({ queryKey: ['matters'] });
    },
  });

  if (!hasRole(...CENTRES)) {
    return (
      <Typography.Text type="secondary" data-testid="dispatch-not-allowed">
        {t('只有指挥中心、综治中心可以下达指令。', 'Only a command or governance centre can dispatch tasks.')}
      </Typography.Text>
    );
  }
  if (matter.closed) {
    return (
      <Typography.Text type="secondary">
        {t('事项已结束，不能再下达指令。', 'The matter is finished: no task can be dispatched.')}
      </Typography.Text>
    );
  }

  const ownArea = me?.scope.path.at(-1);
  const path = area.data?.path ?? [];
  const areaOptions = [
    ...path.filter((a) => a.level > 1),
    ...(ownArea && !path.some((a) => a.code === ownArea.code) ? [ownArea] : []),
  ].map((a) => ({
    value: a.code,
    label: `${a.name}（${name(AREA_LEVEL_NAMES[a.level] ?? { zh: '', en: '' })}）`,
  }));

  const deadlineOf = (v: Values): Date | null => {
    if (v.within === 'custom') return v.at ? v.at.toDate() : null;
    return v.within ? new Date(Date.now() + Number(v.within) * 60_000) : null;
  };

  const onFinish = (v: Values) => {
    const deadline = deadlineOf(v);
    if (!deadline) return;
    const body: DispatchBody = {
      assignee:
        v.to === 'unit' ? { department: v.department!, areaCode: v.areaCode! } : { userId: v.userId! },
      instructions: Instructions.parse(v.instructions ?? ''),
      deadline: deadline.toISOString(),
      urgency: v.urgency,
      pinned: v.pinned,
      ...(cameraIds.length ? { cameraIds } : {}),
    };
    submit.mutate(body);
  };

  const withinLabel = (m: number) =>
    m < 60 ? t(`${m} 分钟内`, `Within ${m} min`) : t(`${m / 60} 小时内`, `Within ${m / 60} h`);

  return (
    <Form<Values>
      form={form}
      layout="vertical"
      onFinish={onFinish}
      disabled={submit.isPending}
      initialValues={{ to: 'unit', urgency: 'urgent', pinned: false, within: '120' }}
      data-testid="dispatch-form"
    >
      <Form.Item name="to" label={t('承办对象', 'Send to')}>
        <Radio.Group
          optionType="button"
          options={[
            { value: 'unit', label: t('单位', 'A unit') },
            { value: 'person', label: t('人员（网格力量）', 'A person (grid team)') },
          ]}
          data-testid="dispatch-to"
        />
      </Form.Item>
      {to === 'unit' ? (
        <>
          <Form.Item
            name="department"
            label={t('承办部门', 'Department')}
            rules={[{ required: true, message: t('请选择承办部门', 'Choose the department') }]}
          >
            <Select
              showSearch={{ optionFilterProp: 'label' }}
              loading={departments.isLoading}
              options={departments.items.map((d) => ({
                value: d.code,
                label: lang === 'zh' ? d.name : d.nameEn,
              }))}
              placeholder={t('如：综治中心、派出所', 'e.g. governance centre, police')}
              data-testid="dispatch-department"
            />
          </Form.Item>
          <Form.Item
            name="areaCode"
            label={t('承办单位所在区域', 'Area of the unit')}
            rules={[{ required: true, message: t('请选择区域', 'Choose the area') }]}
            extra={
              <Button type="link" size="small" style={{ padding: 0 }} onClick={() => setOtherArea((x) => !x)}>
                {otherArea
                  ? t('从事项的上级区域中选择', 'Choose among the matter’s areas')
                  : t('选择管辖范围内的其他区域', 'Choose another area in my scope')}
              </Button>
            }
          >
            {otherArea ? (
              <AreaTreeSelect allowClear={false} />
            ) : (
              <Select
                showSearch={{ optionFilterProp: 'label' }}
                options={areaOptions}
                placeholder={t('选择区域', 'Choose the area')}
                data-testid="dispatch-area"
              />
            )}
          </Form.Item>
        </>
      ) : (
        <Form.Item
          name="userId"
          label={t('承办人', 'Person')}
          rules={[{ required: true, message: t('请选择承办人', 'Choose the person') }]}
          extra={t(
            '本网格、本村社的网格员和本镇街综治中心；“1+3+N”花名册将在后续版本提供。',
            'The grid’s and village’s grid workers and the town centre; the 1+3+N roster comes later.',
          )}
        >
          <Select
            loading={team.isLoading}
            options={(team.data?.items ?? []).map((m) => ({
              value: m.userId,
              label: `${m.displayName} · ${m.roleNames.map(name).join('、')} · ${m.areaName ?? m.areaCode}`,
            }))}
            notFoundContent={
              team.error
                ? errorText(team.error, lang)
                : t('该区域暂无网格力量', 'No one listed for this area')
            }
            placeholder={t('选择网格员或中心人员', 'Choose a grid worker or centre staff')}
            data-testid="dispatch-person"
          />
        </Form.Item>
      )}
      <Form.Item
        name="instructions"
        label={t('指令内容', 'Instructions')}
        rules={[zodRule(Instructions, lang)]}
      >
        <Input.TextArea
          autoSize={{ minRows: 3, maxRows: 8 }}
          count={{ show: true, max: MAX_INSTRUCTIONS }}
          placeholder={t(
            '如：立即赶赴现场核实情况，疏导人员，30 分钟内反馈。',
            'e.g. Go to the spot now, check, report back.',
          )}
          data-testid="dispatch-instructions"
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) form.submit();
          }}
        />
      </Form.Item>
      <Flex gap={12} wrap>
        <Form.Item
          name="within"
          label={t('完成时限', 'Deadline')}
          rules={[{ required: true, message: t('请选择完成时限', 'Choose the deadline') }]}
          style={{ minWidth: 160 }}
        >
          <Select
            options={[
              ...WITHIN.map((m) => ({ value: String(m), label: withinLabel(m) })),
              { value: 'custom', label: t('指定时间…', 'At a time…') },
            ]}
            data-testid="dispatch-within"
          />
        </Form.Item>
        {within === 'custom' && (
          <Form.Item
            name="at"
            label={t('截止时间', 'Due at')}
            rules={[
              { required: true, message: t('请选择截止时间', 'Choose the time') },
              {
                validator: async (_r, v: Dayjs | undefined) => {
                  if (v && !deadlineInRange(v.valueOf(), Date.now()))
                    throw new Error(
                      t('时限应在 1 分钟后至 30 天内', 'Between 1 minute and 30 days from now'),
                    );
                },
              },
            ]}
          >
            <DatePicker
              showTime={{ format: 'HH:mm' }}
              format="YYYY-MM-DD HH:mm"
              disabledDate={(d) =>
                d.isBefore(dayjs(), 'day') || d.isAfter(dayjs().add(MAX_DEADLINE_MS, 'ms'))
              }
              data-testid="dispatch-at"
            />
          </Form.Item>
        )}
        <Form.Item name="urgency" label={t('紧急程度', 'Urgency')} style={{ minWidth: 120 }}>
          <Select
            options={(['extra_urgent', 'urgent', 'normal'] as const).map((u) => ({
              value: u,
              label: name(URGENCY_NAMES[u]),
            }))}
            data-testid="dispatch-urgency"
          />
        </Form.Item>
      </Flex>
      <Form.Item name="pinned" valuePropName="checked">
        <Checkbox data-testid="dispatch-pinned">
          {t('在一张图上置顶此指令（承办单位可见）', 'Pin this instruction on the map for the unit')}
        </Checkbox>
      </Form.Item>
      {cameraIds.length > 0 && (
        <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
          {t('将记录您查看过的监控点。', 'The camera you watched is recorded with the task.')}
        </Typography.Paragraph>
      )}
      {submit.error && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 12 }}
          title={errorText(submit.error, lang)}
          data-testid="dispatch-error"
        />
      )}
      <Button
        type="primary"
        htmlType="submit"
        icon={<SendOutlined />}
        loading={submit.isPending}
        data-testid="dispatch-submit"
      >
        {t('下达指令', 'Dispatch')}
      </Button>
    </Form>
  );
}
