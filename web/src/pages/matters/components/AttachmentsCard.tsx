import {
  DownloadOutlined,
  EyeOutlined,
  FileImageOutlined,
  FileOutlined,
  FilePdfOutlined,
  UploadOutlined,
} from '@ant-design/icons';
import { useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Flex, Input, Modal, Progress, Typography, type UploadFile } from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { errorText, type Schemas } from '../../../api/client';
import { useI18n } from '../../../i18n';
import { FilePicker, filesOf } from './FilePicker';
import { RowList } from './RowList';
import { formatSize, uploadAttachments } from './upload';

type Detail = Schemas['MatterDetail'];
type Attachment = Detail['attachments'][number];

const urlOf = (matterId: string, a: Attachment) =>
  `/api/matters/${encodeURIComponent(matterId)}/attachments/${encodeURIComponent(a.id)}`;

/**
 * The matter's evidence. Every download is audited by the server, so nothing is fetched until the user asks:
 * no thumbnails; 预览 opens an image in a dialog and a PDF in a new tab, other files download.
 */
export function AttachmentsCard({ matter, mayUpload }: { matter: Detail; mayUpload: boolean }) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [preview, setPreview] = useState<Attachment | null>(null);
  const [files, setFiles] = useState<UploadFile[]>([]);
  const [note, setNote] = useState('');
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);

  const upload = async () => {
    setError(null);
    setProgress(0);
    try {
      const done = await uploadAttachments(matter.id, filesOf(files), {
        note: note.trim() || undefined,
        onProgress: setProgress,
      });
      message.success(t(`已上传 ${done.length} 个文件`, `${done.length} file(s) uploaded`));
      setFiles([]);
      setNote('');
      await qc.invalidateQueries({ queryKey: ['matter', matter.id] });
    } catch (e) {
      setError(e);
    } finally {
      setProgress(null);
    }
  };

  const icon = (a: Attachment) =>
    a.mime.startsWith('image/') ? (
      <FileImageOutlined />
    ) : a.mime === 'application/pdf' ? (
      <FilePdfOutlined />
    ) : (
      <FileOutlined />
    );

  return (
    <Card
      title={`${t('附件', 'Attachments')} (${matter.attachments.length})`}
      size="small"
      data-testid="attachments"
    >
      {matter.attachments.length === 0 ? (
        <Typography.Text type="secondary">{t('暂无附件', 'No attachments')}</Typography.Text>
      ) : (
        <RowList
          items={matter.attachments}
          rowKey={(a) => a.id}
          testId="attachment"
          render={(a) => (
            <Flex gap={10} align="center">
              <span style={{ fontSize: 20, color: '#64748b' }}>{icon(a)}</span>
              <div style={{ minWidth: 0 }}>
                <Typography.Text ellipsis style={{ display: 'block' }}>
                  {a.filename}
                </Typography.Text>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {formatSize(a.size)} · {dayjs(a.createdAt).format('YYYY-MM-DD HH:mm')}
                </Typography.Text>
              </div>
            </Flex>
          )}
          actions={(a) => (
            <>
              {a.mime.startsWith('image/') && (
                <Button
                  size="small"
                  icon={<EyeOutlined />}
                  onClick={() => setPreview(a)}
                  data-testid="attachment-preview"
                >
                  {t('预览', 'Preview')}
                </Button>
              )}
              {a.mime === 'application/pdf' && (
                <Button
                  size="small"
                  icon={<EyeOutlined />}
                  href={urlOf(matter.id, a)}
                  target="_blank"
                  rel="noopener"
                >
                  {t('预览', 'Preview')}
                </Button>
              )}
              <Button
                size="small"
                icon={<DownloadOutlined />}
                href={urlOf(matter.id, a)}
                download={a.filename}
                aria-label={t(`下载 ${a.filename}`, `Download ${a.filename}`)}
              />
            </>
          )}
        />
      )}
      {mayUpload && (
        <div style={{ marginTop: 12, borderTop: '1px solid #f0f0f0', paddingTop: 12 }}>
          <FilePicker
            value={files}
            onChange={setFiles}
            disabled={progress !== null}
            testId="attachment-picker"
          />
          {files.length > 0 && (
            <Flex vertical gap={8} style={{ marginTop: 8 }}>
              <Input
                value={note}
                onChange={(e) => setNote(e.target.value)}
                maxLength={5000}
                placeholder={t('说明（可选）：这些文件显示了什么', 'Note (optional): what the files show')}
                aria-label={t('附件说明', 'Note on the files')}
                onPressEnter={() => void upload()}
              />
              <Button
                type="primary"
                icon={<UploadOutlined />}
                onClick={() => void upload()}
                loading={progress !== null}
                data-testid="attachment-upload"
              >
                {t(`上传 ${files.length} 个文件`, `Upload ${files.length} file(s)`)}
              </Button>
            </Flex>
          )}
          {progress !== null && (
            <Progress percent={Math.round(progress * 100)} status="active" data-testid="upload-progress" />
          )}
          {error != null && (
            <Alert type="error" showIcon title={errorText(error, lang)} style={{ marginTop: 8 }} />
          )}
        </div>
      )}
      <Modal
        open={!!preview}
        title={preview?.filename}
        footer={null}
        onCancel={() => setPreview(null)}
        width="min(900px, 96vw)"
        destroyOnHidden
      >
        {preview && (
          <img
            src={urlOf(matter.id, preview)}
            alt={preview.filename}
            style={{ maxWidth: '100%', display: 'block', margin: '0 auto' }}
            data-testid="attachment-image"
          />
        )}
      </Modal>
    </Card>
  );
}
