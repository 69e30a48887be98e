import { PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  DatePicker,
  Form,
  Input,
  List,
  Modal,
  Row,
  Select,
  Table,
  Tag,
  Typography,
} from 'antd';
import type { Dayjs } from 'dayjs';
import { lazy, Suspense, useState } from 'react';
import { useSearchParams } from 'react-router';
import { ApiError, api, errorText, unwrap } from '../../api/client';
import { useAuth } from '../../auth';
import { PageState } from '../../components/PageState';
import { useI18n } from '../../i18n';
import type { PatrolTask } from './api';
import { cstTime, distanceText, PatrolNav } from './shared';

// MapLibre comes with the map's own chunk, loaded only when a task is shown.
const RouteMap = lazy(() => import('./RouteMap'));
const PAGE = 20;

/**
 * 巡逻任务: the tasks in scope (of one team with ?teamId=), a page at a time; the chosen task's route and check
 * points on a small map; 发布任务 for those who manage subjects, the route and check points typed as lines
 * (the server answers GEOMETRY_INVALID with every problem, shown under the form).
 */
export default function TasksPage() {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const [params] = useSearchParams();
  const teamId = params.get('teamId') ?? undefined;
  const [page, setPage] = useState(1);
  const [chosen, setChosen] = useState<PatrolTask | null>(null);
  const [creating, setCreating] = useState(false);
  const tasks = useQuery({
    queryKey: ['patrol', 'tasks', teamId, page],
    queryFn: () =>
      unwrap(
        api.GET('/api/patrol/tasks', {
          params: { query: { ...(teamId ? { teamId } : {}), limit: PAGE, offset: (page - 1) * PAGE } },
        }),
      ),
  });
  const shown = chosen ?? tasks.data?.items[0] ?? null;
  return (
    <div>
      <PatrolNav current="tasks" />
      {can('subject:write') && (
        <Button
          type="primary"
          icon={<PlusOutlined />}
          style={{ marginBottom: 12 }}
          onClick={() => setCreating(true)}
        >
          {t('发布任务', 'New task')}
        </Button>
      )}
      <PageState error={tasks.error} onRetry={() => tasks.refetch()}>
        <Row gutter={16}>
          <Col xs={24} lg={13}>
            <Table<PatrolTask>
              rowKey="id"
              size="middle"
              loading={tasks.isLoading}
              dataSource={tasks.data?.items ?? []}
              onRow={(r) => ({ onClick: () => setChosen(r), style: { cursor: 'pointer' } })}
              rowClassName={(r) => (r.id === shown?.id ? 'ant-table-row-selected' : '')}
              pagination={{
                current: page,
                pageSize: PAGE,
                total: tasks.data?.total ?? 0,
                showSizeChanger: false,
                onChange: setPage,
              }}
              columns={[
                { title: t('任务', 'Task'), dataIndex: 'name' },
                { title: t('队伍', 'Team'), dataIndex: 'teamName' },
                {
                  title: t('状态', 'State'),
                  render: (_, r) =>
                    r.open ? (
                      <Tag color="green">{t('进行中', 'Open')}</Tag>
                    ) : (
                      <Tag>{t('未开放', 'Closed')}</Tag>
                    ),
                },
                { title: t('已巡', 'Walked'), dataIndex: 'sessions', align: 'right' },
              ]}
            />
          </Col>
          <Col xs={24} lg={11}>
            {shown && (
              <Card size="small" title={shown.name} data-testid="task-card">
                <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>
                  {shown.teamName} · {shown.areaName ?? shown.areaCode} · {t('全长', 'Length')}{' '}
                  {distanceText(shown.lengthM, lang)} · {cstTime(shown.startsAt)} – {cstTime(shown.endsAt)}
                </Typography.Paragraph>
                <Suspense fallback={<div style={{ height: 260 }} />}>
                  <RouteMap
                    coordinates={shown.route.coordinates}
                    checkpoints={shown.checkpoints.map((c) => ({ ...c, id: c.id }))}
                  />
                </Suspense>
                <List
                  size="small"
                  dataSource={shown.checkpoints}
                  renderItem={(c) => (
                    <List.Item>
                      {c.seq}. {c.name}
                      <Typography.Text type="secondary">
                        {t(`半径 ${c.radiusM} 米`, `radius ${c.radiusM} m`)}
                      </Typography.Text>
                    </List.Item>
                  )}
                />
              </Card>
            )}
          </Col>
        </Row>
      </PageState>
      <CreateTask open={creating} onClose={() => setCreating(false)} teamId={teamId} />
    </div>
  );
}

interface TaskForm {
  teamId: string;
  name: string;
  window: [Dayjs, Dayjs];
  route: string;
  checkpoints: string;
}

const nums = (line: string) => line.split(/[,，\s]+/).filter(Boolean);

function CreateTask({ open, onClose, teamId }: { open: boolean; onClose: () => void; teamId?: string }) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<TaskForm>();
  const [problems, setProblems] = useState<string[]>([]);
  const teams = useQuery({
    queryKey: ['patrol', 'teams', 'all'],
    queryFn: () => unwrap(api.GET('/api/patrol/teams', { params: { query: { limit: 200 } } })),
    enabled: open,
  });
  const save = useMutation({
    mutationFn: (v: TaskForm) =>
      unwrap(
        api.POST('/api/patrol/tasks', {
          body: {
            teamId: v.teamId,
            name: v.name,
            startsAt: v.window[0].toISOString(),
            endsAt: v.window[1].toISOString(),
            route: {
              type: 'LineString',
              coordinates: v.route
                .split('\n')
                .filter((l) => l.trim())
                .map((l) => nums(l).map(Number)),
            },
            checkpoints: v.checkpoints
              .split('\n')
              .filter((l) => l.trim())
              .map((l) => {
                const [name, lng, lat, radius] = nums(l);
                return {
                  name: name ?? '',
                  lng: Number(lng),
                  lat: Number(lat),
                  radiusM: Number(radius ?? 50),
                };
              }),
          },
        }),
      ),
    onMutate: () => setProblems([]),
    onSuccess: (task) => {
      message.success(t(`已发布 ${task.name}`, `Created ${task.name}`));
      qc.invalidateQueries({ queryKey: ['patrol', 'tasks'] });
      form.resetFields();
      onClose();
    },
    onError: (e) => {
      message.error(errorText(e, lang));
      if (e instanceof ApiError) setProblems(e.details.map((d) => `${d.path ?? ''}: ${d.message}`));
    },
  });
  return (
    <Modal
      open={open}
      width={640}
      title={t('发布巡逻任务', 'New patrol task')}
      onCancel={onClose}
      onOk={() => form.submit()}
      confirmLoading={save.isPending}
      destroyOnHidden
    >
      <Form form={form} layout="vertical" onFinish={(v) => save.mutate(v)} initialValues={{ teamId }}>
        <Form.Item name="teamId" label={t('队伍', 'Team')} rules={[{ required: true }]}>
          <Select
            showSearch
            optionFilterProp="label"
            options={(teams.data?.items ?? []).map((x) => ({ value: x.id, label: x.name }))}
          />
        </Form.Item>
        <Form.Item name="name" label={t('任务名称', 'Name')} rules={[{ required: true, max: 80 }]}>
          <Input />
        </Form.Item>
        <Form.Item name="window" label={t('时段', 'Window')} rules={[{ required: true }]}>
          <DatePicker.RangePicker showTime style={{ width: '100%' }} />
        </Form.Item>
        <Form.Item
          name="route"
          label={t('路线：每行一个点“经度,纬度”（2–200 个点）', 'Route: one “lng,lat” a line (2–200 points)')}
          rules={[{ required: true }]}
        >
          <Input.TextArea rows={4} placeholder="120.6551,28.0176" />
        </Form.Item>
        <Form.Item
          name="checkpoints"
          label={t(
            '打卡点：每行“名称,经度,纬度,半径(米)”',
            'Check points: one “name,lng,lat,radius (m)” a line',
          )}
          rules={[{ required: true }]}
        >
          <Input.TextArea rows={3} placeholder="东门,120.6551,28.0176,50" />
        </Form.Item>
      </Form>
      {problems.length > 0 && <Alert type="error" showIcon title={problems.join('；')} />}
    </Modal>
  );
}
