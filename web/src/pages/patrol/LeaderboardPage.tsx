import { TrophyOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Button, Card, DatePicker, Flex, Statistic, Table, Tag, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { PageState } from '../../components/PageState';
import { useI18n } from '../../i18n';
import type { Leaderboard } from './api';
import { RulesEditor } from './RulesEditor';
import { PatrolNav } from './shared';

type Row = Leaderboard['items'][number];

/**
 * 积分排行: the teams in scope ranked by points over a period (this month by default), with 人次, check-ins and
 * accepted findings; a team's members ranked when it is chosen. The rules in force are listed above.
 */
export default function LeaderboardPage() {
  const { t, name } = useI18n();
  const [range, setRange] = useState<[Dayjs, Dayjs]>([dayjs().startOf('month'), dayjs()]);
  const [team, setTeam] = useState<Row | null>(null);
  const from = range[0].format('YYYY-MM-DD');
  const to = range[1].format('YYYY-MM-DD');
  const board = useQuery({
    queryKey: ['patrol', 'leaderboard', team?.id ?? 'teams', from, to],
    queryFn: () =>
      unwrap(
        api.GET('/api/patrol/leaderboard', {
          params: {
            query: team ? { by: 'member', teamId: team.id, from, to } : { by: 'team', from, to, limit: 100 },
          },
        }),
      ),
  });
  const data = board.data;
  return (
    <div>
      <PatrolNav current="leaderboard" />
      <Flex wrap gap={12} align="center" style={{ marginBottom: 12 }}>
        <DatePicker.RangePicker
          value={range}
          allowClear={false}
          onChange={(v) => v?.[0] && v[1] && setRange([v[0], v[1]])}
        />
        {team && <Button onClick={() => setTeam(null)}>{t('返回队伍排行', 'Back to the teams')}</Button>}
        <RulesEditor />
        {data && (
          <Typography.Text type="secondary">
            {t('积分规则', 'Rules')}：{data.rules.map((r) => `${name(r.name)} ${r.points}`).join('；')}
          </Typography.Text>
        )}
      </Flex>
      <PageState loading={board.isLoading} error={board.error} onRetry={() => board.refetch()}>
        {data && (
          <>
            <Flex gap={12} wrap style={{ marginBottom: 12 }}>
              <Card size="small">
                <Statistic title={t('巡逻人次', 'Person-times')} value={data.totals.personTimes} />
              </Card>
              <Card size="small">
                <Statistic title={t('巡逻次数', 'Sessions')} value={data.totals.sessions} />
              </Card>
              <Card size="small">
                <Statistic title={t('总积分', 'Points')} value={data.totals.points} />
              </Card>
            </Flex>
            <Typography.Title level={5}>
              {team ? t(`${team.name} 队员排行`, `${team.name}: members`) : t('队伍排行', 'Teams')}
            </Typography.Title>
            <Table<Row>
              rowKey="id"
              size="middle"
              dataSource={data.items}
              data-testid="leaderboard"
              scroll={{ x: 640 }}
              pagination={{ pageSize: 20, showSizeChanger: false }}
              onRow={(r) => (team ? {} : { onClick: () => setTeam(r), style: { cursor: 'pointer' } })}
              columns={[
                {
                  title: t('名次', 'Rank'),
                  dataIndex: 'rank',
                  width: 70,
                  render: (n: number) =>
                    n <= 3 ? (
                      <Tag color={['gold', 'default', 'orange'][n - 1]} icon={<TrophyOutlined />}>
                        {n}
                      </Tag>
                    ) : (
                      n
                    ),
                },
                { title: team ? t('队员', 'Member') : t('队伍', 'Team'), dataIndex: 'name' },
                { title: t('区域', 'Area'), render: (_, r) => r.areaName ?? r.areaCode },
                { title: t('人次', 'Person-times'), dataIndex: 'sessions', align: 'right' },
                { title: t('打卡', 'Check-ins'), dataIndex: 'checkins', align: 'right' },
                {
                  title: t('发现（已受理）', 'Findings (accepted)'),
                  align: 'right',
                  render: (_, r) => `${r.findings} (${r.confirmedFindings})`,
                },
                { title: t('积分', 'Points'), dataIndex: 'points', align: 'right' },
              ]}
            />
          </>
        )}
      </PageState>
    </div>
  );
}
