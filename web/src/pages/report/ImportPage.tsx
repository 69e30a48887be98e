import { DownloadOutlined, InboxOutlined } from '@ant-design/icons';
import { useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  Breadcrumb,
  Button,
  Card,
  Flex,
  Statistic,
  Table,
  type TableColumnsType,
  Typography,
  Upload,
} from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { Link } from 'react-router';
import { errorText } from '../../api/client';
import { PageState } from '../../components/PageState';
import { useI18n } from '../../i18n';
import { type ImportBatch, uploadStatistics, useBatches } from './api';

type RowError = ImportBatch['errors'][number];

/**
 * 统计数据导入: a department's CSV (UTF-8 or GBK) or XLSX with 指标, 区域代码, 月份, 数值, 来源部门. The answer
 * lists every rejected row with its row number, field and reason; the valid rows have landed, and the same
 * indicator, area and month imported again updates rather than duplicates. Below, the batches imported so far.
 */
export default function ImportPage() {
  const { t, lang } = useI18n();
  const qc = useQueryClient();
  const [uploading, setUploading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<ImportBatch | null>(null);
  const [page, setPage] = useState(1);
  const batches = useBatches(page, 10);

  const upload = async (file: File) => {
    setError(null);
    setResult(null);
    setUploading(true);
    try {
      const b = await uploadStatistics(file);
      setResult(b);
      setPage(1);
      void qc.invalidateQueries({ queryKey: ['report'] });
    } catch (e) {
      setError(e);
    } finally {
      setUploading(false);
    }
  };

  const errorColumns: TableColumnsType<RowError> = [
    { title: t('行号', 'Row'), dataIndex: 'row', width: 80 },
    { title: t('字段', 'Field'), dataIndex: 'field', width: 110 },
    {
      title: t('原因', 'Reason'),
      dataIndex: 'message',
      render: (m: string) => (lang === 'en' ? (m.split(' / ')[1] ?? m) : m.split(' / ')[0]),
    },
    { title: t('代码', 'Code'), dataIndex: 'code', responsive: ['md'] },
  ];
  const batchColumns: TableColumnsType<ImportBatch> = [
    { title: t('文件', 'File'), dataIndex: 'filename' },
    { title: t('行数', 'Rows'), dataIndex: 'rowsTotal', align: 'right' },
    { title: t('新增', 'New'), dataIndex: 'inserted', align: 'right' },
    { title: t('更新', 'Updated'), dataIndex: 'updated', align: 'right' },
    { title: t('错误行', 'Rejected'), dataIndex: 'rejected', align: 'right' },
    { title: t('导入人', 'By'), dataIndex: 'importedBy', responsive: ['md'] },
    {
      title: t('时间', 'When'),
      dataIndex: 'createdAt',
      render: (v: string) => dayjs(v).format('YYYY-MM-DD HH:mm'),
      responsive: ['md'],
    },
  ];

  return (
    <div style={{ minWidth: 0 }}>
      <Breadcrumb
        items={[
          { title: <Link to="/report">{t('平安报表', 'Safety report')}</Link> },
          { title: t('导入统计数据', 'Import') },
        ]}
        style={{ marginBottom: 8 }}
      />
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        {t('导入统计数据', 'Import statistics')}
      </Typography.Title>
      <Typography.Paragraph type="secondary">
        {t(
          '平台不掌握的公安、应急、交通、海洋渔业等部门统计数据，按“指标、区域代码、月份、数值、来源部门”逐月导入。CSV（UTF-8 或 GBK）或 XLSX；错误行逐行给出原因，其余行全部入库；同一指标、区域、月份再次导入时更新数值。',
          'Figures the platform does not own (police, safety, traffic, fishery) are imported monthly as indicator, area code, month, value, department. CSV (UTF-8 or GBK) or XLSX; each bad row is reported, every valid row lands; the same indicator, area and month imported again updates the value.',
        )}
      </Typography.Paragraph>
      <Flex gap={8} style={{ marginBottom: 12 }}>
        <Button icon={<DownloadOutlined />} href="/api/report/imports/template">
          {t('下载模板', 'Download the template')}
        </Button>
      </Flex>
      <Upload.Dragger
        accept=".csv,.xlsx"
        multiple={false}
        showUploadList={false}
        disabled={uploading}
        beforeUpload={(file) => {
          void upload(file);
          return false;
        }}
        data-testid="report-upload"
      >
        <p className="ant-upload-drag-icon">
          <InboxOutlined />
        </p>
        <p className="ant-upload-text">
          {uploading
            ? t('正在导入…', 'Importing…')
            : t('点击或拖入文件（CSV / XLSX，≤ 10 MB）', 'Click or drop a file (CSV / XLSX, ≤ 10 MB)')}
        </p>
      </Upload.Dragger>
      {error !== null && (
        <Alert
          type="error"
          showIcon
          style={{ marginTop: 12 }}
          message={errorText(error, lang)}
          data-testid="import-error"
        />
      )}
      {result && (
        <Card style={{ marginTop: 12 }} title={result.filename} data-testid="import-result">
          <Flex gap={32} wrap>
            <Statistic title={t('数据行', 'Rows')} value={result.rowsTotal} />
            <Statistic title={t('新增', 'New')} value={result.inserted} valueStyle={{ color: '#16a34a' }} />
            <Statistic
              title={t('更新', 'Updated')}
              value={result.updated}
              valueStyle={{ color: '#1d4ed8' }}
            />
            <Statistic
              title={t('错误行', 'Rejected')}
              value={result.rejected}
              valueStyle={{ color: result.rejected ? '#dc2626' : undefined }}
            />
          </Flex>
          {result.errors.length > 0 && (
            <Table
              style={{ marginTop: 12 }}
              rowKey={(e) => `${e.row}-${e.field}-${e.code}`}
              size="small"
              columns={errorColumns}
              dataSource={result.errors}
              pagination={{ pageSize: 20, showSizeChanger: false }}
              data-testid="import-errors"
            />
          )}
        </Card>
      )}
      <Typography.Title level={5} style={{ marginTop: 24 }}>
        {t('导入记录', 'Batches')}
      </Typography.Title>
      <PageState
        loading={batches.isLoading}
        error={batches.error}
        onRetry={() => void batches.refetch()}
        empty={batches.data?.total === 0}
        emptyText={t('尚未导入', 'Nothing imported yet')}
      >
        <Table
          rowKey="id"
          size="small"
          columns={batchColumns}
          dataSource={batches.data?.items ?? []}
          pagination={{ current: page, pageSize: 10, total: batches.data?.total ?? 0, onChange: setPage }}
          scroll={{ x: 'max-content' }}
        />
      </PageState>
    </div>
  );
}
