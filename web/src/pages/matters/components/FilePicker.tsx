import { CameraOutlined } from '@ant-design/icons';
import { Button, Upload, type UploadFile } from 'antd';
import { useI18n } from '../../../i18n';
import { ACCEPT } from './upload';

/** The chosen files' File objects, in order. */
export const filesOf = (list: UploadFile[]): File[] =>
  list.map((f) => f.originFileObj).filter((f): f is NonNullable<typeof f> => !!f);

/**
 * Picks photos and documents without uploading them yet (the caller uploads, with progress, once it has a
 * matter to attach them to). Thumbnails are made in the browser from the local files. On a phone the
 * picker offers the camera.
 */
export function FilePicker({
  value,
  onChange,
  disabled,
  large,
  testId = 'file-picker',
}: {
  value: UploadFile[];
  onChange: (files: UploadFile[]) => void;
  disabled?: boolean;
  large?: boolean;
  testId?: string;
}) {
  const { t } = useI18n();
  return (
    <div data-testid={testId}>
      <Upload
        multiple
        accept={ACCEPT}
        listType="picture"
        fileList={value}
        disabled={disabled}
        // Keep the files, send nothing now: returning false stops antd's own upload.
        beforeUpload={() => false}
        onChange={({ fileList }) => onChange(fileList)}
      >
        <Button icon={<CameraOutlined />} size={large ? 'large' : 'middle'} block={large} disabled={disabled}>
          {t('拍照或选择文件', 'Take a photo or choose files')}
        </Button>
      </Upload>
    </div>
  );
}
