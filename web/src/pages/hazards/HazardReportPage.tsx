import { AimOutlined } from '@ant-design/icons';
import { useMutation, useQuery } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Card,
  Checkbox,
  Form,
  Input,
  Progress,
  Radio,
  Select,
  Typography,
  type UploadFile,
} from 'antd';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { api, errorText, unwrap } from '../../api/client';
import { useAuth } from '../../auth';
import { useIsMobile } from '../../components/useIsMobile';
import { useI18n } from '../../i18n';
import { AreaTreeSelect } from '../matters/components/AreaTreeSelect';
import { FilePicker, filesOf } from '../matters/components/FilePicker';
import { inScopeOf } from '../matters/components/lookups';
import { ReportKind } from '../matters/components/ReportKind';
import { uploadAttachments } from '../matters/components/upload';
import { type HazardCreate, SEVERITY_COLORS, useHazardMeta } from './api';

interface Values {
  title: string;
  category: HazardCreate['category'];
  severity: HazardCreate['severity'];
  description?: string;
  areaCode?: string;
  address?: string;
  enterpriseId?: string;
  responsibleName?: string;
  report: boolean;
}

/**
 * 隐患上报: what, how serious, where (the phone's position or a chosen area), who is responsible (a registered
 * enterprise or a name), and photos of the scene. Made for a phone: one column, large controls, the camera
 * offered by the picker. The hazard is filed first, then the photos are sent to it (整改前照片).
 */
export default function HazardReportPage() {
  const { t, name, lang } = useI18n();
  const { me } = useAuth();
  const mobile = useIsMobile();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const meta = useHazardMeta();
  const [form] = Form.useForm<Values>();
  const [files, setFiles] = useState<UploadFile[]>([]);
  const [progress, setProgress] = useState<number | null>(null);
  const [point, setPoint] = useState<{ lng: number; lat: number } | null>(null);
  const [locating, setLocating] = useState(false);
  const [locateError, setLocateError] = useState<string | null>(null);
  const [entQ, setEntQ] = useState('');
  const enterprises = useQuery({
    queryKey: ['enterprises', 'pick', entQ],
    queryFn: () =>
      unwrap(
        api.GET('/api/enterprises', { params: { query: { ...(entQ ? { q: entQ } : {}), pageSize: 20 } } }),
      ),
  });

  const submit = useMutation({
    mutationFn: async (v: Values) => {
      const body: HazardCreate = {
        title: v.title,
        category: v.category,
        severity: v.severity,
        report: v.report,
        ...(v.description ? { description: v.description } : {}),
        ...(v.areaCode ? { areaCode: v.areaCode } : {}),
        ...(point ? { point } : {}),
        ...(v.address ? { address: v.address } : {}),
        ...(v.enterpriseId ? { enterpriseId: v.enterpriseId } : {}),
        ...(v.responsibleName ? { responsibleName: v.responsibleName } : {}),
      };
      const created = await unwrap(api.POST('/api/hazards', { body }));
      const chosen = filesOf(files);
      if (chosen.length) {
        setProgress(0);
        try {
          await uploadAttachments(created.hazard.id, chosen, { note: '整改前照片', onProgress: setProgress });
        } catch (e) {
          // The hazard is filed; the photos can be added again on its page.
          message.warning(
            t(`照片上传失败：${errorText(e, lang)}`, `Photos not uploaded: ${errorText(e, lang)}`),
            8,
          );
        }
      }
      return created;
    },
    onSuccess: (created) => {
      message.success(t(`已上报隐患 ${created.hazard.number}`, `Hazard ${created.hazard.number} reported`));
      navigate(`/hazards/${created.hazard.id}`);
    },
  });

  const locate = () => {
    setLocateError(null);
    if (!('geolocation' in navigator)) {
      setLocateError(t('此设备无法定位。', 'This device cannot tell its location.'));
      return;
    }
    setLocating(true);
    navigator.geolocation.getCurrentPosition(
      async (pos) => {
        try {
          const p = { lng: pos.coords.longitude, lat: pos.coords.latitude };
          const r = await unwrap(api.GET('/api/areas/locate', { params: { query: p } }));
          const area = [...r.chain].reverse().find((a) => me && inScopeOf(me.scope.areaCode, a.code));
          if (!area) {
            setLocateError(
              t(
                '您的位置不在管辖范围内，请手动选择区域。',
                'Your position is outside your area; choose one.',
              ),
            );
            return;
          }
          setPoint(p);
          form.setFieldValue('areaCode', area.code);
        } catch (e) {
          setLocateError(errorText(e, lang));
        } finally {
          setLocating(false);
        }
      },
      () => {
        setLocating(false);
        setLocateError(t('无法获取位置，请手动选择区域。', 'Could not get the position; choose the area.'));
      },
      { enableHighAccuracy: true, timeout: 15_000 },
    );
  };

  const size = mobile ? 'large' : 'middle';
  return (
    <div style={{ maxWidth: 720 }}>
      <Typography.Title level={4}>{t('上报隐患', 'Report a hazard')}</Typography.Title>
      <ReportKind current="/hazards/new" />
      <Card size="small">
        <Form<Values>
          form={form}
          layout="vertical"
          size={size}
          initialValues={{ severity: 'general', report: true, ...(me ? { areaCode: me.user.areaCode } : {}) }}
          onFinish={(v) => submit.mutate(v)}
          disabled={submit.isPending}
          data-testid="hazard-form"
        >
          <Form.Item
            name="title"
            label={t('隐患描述', 'What is the hazard')}
            rules={[
              { required: true, message: t('请填写隐患描述', 'Describe the hazard') },
              { min: 2, max: 100, message: t('2–100 字', '2–100 characters') },
            ]}
          >
            <Input
              maxLength={100}
              showCount
              placeholder={t('如：楼道电动车充电', 'e.g. e-bikes charged in the stairwell')}
              data-testid="hazard-title"
            />
          </Form.Item>
          <Form.Item
            name="category"
            label={t('类别', 'Category')}
            rules={[{ required: true, message: t('请选择类别', 'Choose a category') }]}
          >
            <Select
              options={(meta.data?.categories ?? []).map((c) => ({ value: c.code, label: name(c.name) }))}
              loading={meta.isLoading}
              data-testid="hazard-category"
            />
          </Form.Item>
          <Form.Item name="severity" label={t('等级', 'Severity')} rules={[{ required: true }]}>
            <Radio.Group optionType="button" buttonStyle="solid" data-testid="hazard-severity">
              {(meta.data?.severities ?? []).map((s) => (
                <Radio.Button key={s.code} value={s.code}>
                  {name(s.name)}
                </Radio.Button>
              ))}
            </Radio.Group>
          </Form.Item>
          <Typography.Paragraph type="secondary" style={{ marginTop: -12 }}>
            {(meta.data?.deadlines ?? []).map((d) => (
              <span key={d.severity} style={{ marginRight: 12, color: SEVERITY_COLORS[d.severity] }}>
                {t(
                  `${d.severityName.zh}：${d.respondMinutes}分钟响应、${d.rectifyDays}天整改`,
                  `${d.severityName.en}: respond in ${d.respondMinutes} min, rectify in ${d.rectifyDays} days`,
                )}
              </span>
            ))}
          </Typography.Paragraph>
          <Form.Item name="description" label={t('详细情况', 'Details')} rules={[{ max: 2000 }]}>
            <Input.TextArea autoSize={{ minRows: 2, maxRows: 6 }} maxLength={2000} showCount />
          </Form.Item>
          <Form.Item
            name="areaCode"
            label={t('所在区域', 'Area')}
            rules={[{ required: true, message: t('请选择区域', 'Choose the area') }]}
            extra={
              <Button
                type="link"
                icon={<AimOutlined />}
                loading={locating}
                onClick={locate}
                style={{ padding: 0 }}
              >
                {point
                  ? t(`已定位 ${point.lng.toFixed(5)}, ${point.lat.toFixed(5)}`, 'Located')
                  : t('用我的位置', 'Use my position')}
              </Button>
            }
          >
            <AreaTreeSelect allowClear={false} testId="hazard-area" />
          </Form.Item>
          {locateError && <Alert type="warning" showIcon title={locateError} style={{ marginBottom: 12 }} />}
          <Form.Item name="address" label={t('地址', 'Address')} rules={[{ max: 200 }]}>
            <Input maxLength={200} />
          </Form.Item>
          <Form.Item name="enterpriseId" label={t('责任企业', 'Responsible enterprise')}>
            <Select
              showSearch={{ filterOption: false, onSearch: (v) => setEntQ(v.trim().slice(0, 50)) }}
              allowClear
              loading={enterprises.isFetching}
              options={(enterprises.data?.items ?? []).map((e) => ({ value: e.id, label: e.name }))}
              placeholder={t('输入企业名称搜索', 'Search by name')}
              data-testid="hazard-enterprise"
            />
          </Form.Item>
          <Form.Item
            name="responsibleName"
            label={t('责任人（非登记企业时）', 'Responsible person')}
            rules={[{ max: 50 }]}
          >
            <Input maxLength={50} />
          </Form.Item>
          <Form.Item label={t('现场照片（整改前）', 'Photos of the scene (before)')}>
            <FilePicker value={files} onChange={setFiles} large={mobile} testId="hazard-photos" />
            {progress !== null && <Progress percent={Math.round(progress * 100)} />}
          </Form.Item>
          <Form.Item name="report" valuePropName="checked">
            <Checkbox>
              {t('立即上报（开始 30 分钟响应计时）', 'Report now (starts the 30-minute response clock)')}
            </Checkbox>
          </Form.Item>
          {submit.error && (
            <Alert
              type="error"
              showIcon
              title={errorText(submit.error, lang)}
              style={{ marginBottom: 12 }}
              data-testid="hazard-form-error"
            />
          )}
          <Button
            type="primary"
            htmlType="submit"
            block={mobile}
            loading={submit.isPending}
            data-testid="hazard-submit"
          >
            {t('提交', 'Submit')}
          </Button>
        </Form>
      </Card>
    </div>
  );
}
