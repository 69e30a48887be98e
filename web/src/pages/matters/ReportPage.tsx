import { AimOutlined, SendOutlined } from '@ant-design/icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Card,
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
import {
  MatterDescription,
  MatterTitle,
  ReportAreaCode,
  ReportForm,
  type ReportFormValues,
  URGENCIES,
} from '../../../../src/shared/matter-input.ts';
import { ApiError, api, errorText, unwrap } from '../../api/client';
import { useAuth } from '../../auth';
import { Forbidden, PageState } from '../../components/PageState';
import { useIsMobile } from '../../components/useIsMobile';
import { zodRule } from '../../components/zodRule';
import { useI18n } from '../../i18n';
import { AreaTreeSelect } from './components/AreaTreeSelect';
import { FilePicker, filesOf } from './components/FilePicker';
import { type Area, inScopeOf, useMatterTypes } from './components/lookups';
import { URGENCY_NAMES } from './components/names';
import { ReportKind } from './components/ReportKind';
import { uploadAttachments } from './components/upload';

type Point = { lng: number; lat: number };

/**
 * 上报: a grid worker on a phone reports what they found — title, category, what happened, how urgent, where
 * (their village or one of its grids; or found from the phone's position) and photos. The matter is created
 * first, then the photos are uploaded to it with a progress bar; then the matter's page opens.
 */
export default function ReportPage() {
  const { me, can } = useAuth();
  const { t, lang, name } = useI18n();
  const mobile = useIsMobile();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const types = useMatterTypes();
  const [form] = Form.useForm<ReportFormValues>();
  const typeCode = Form.useWatch('type', form) ?? 'event';
  const [files, setFiles] = useState<UploadFile[]>([]);
  const [located, setLocated] = useState<{ point: Point; area: Area } | null>(null);
  const [locating, setLocating] = useState(false);
  const [locateError, setLocateError] = useState<string | null>(null);
  const [phase, setPhase] = useState<'idle' | 'saving' | 'uploading'>('idle');
  const [progress, setProgress] = useState(0);
  const [error, setError] = useState<unknown>(null);

  const own = me?.scope.path.at(-1);
  // A village or grid user picks among their own grids; a town or county user opens the tree.
  const villageUser = !!own && own.level >= 4;
  const grids = useQuery({
    queryKey: ['areas', 'tree', 1],
    queryFn: () => unwrap(api.GET('/api/areas/tree', { params: { query: { depth: 1 } } })),
    staleTime: Number.POSITIVE_INFINITY,
    enabled: villageUser,
  });

  if (!me || !can('matter:report')) return <Forbidden />;
  const type = types.type(typeCode);
  const busy = phase !== 'idle';
  const size = mobile ? 'large' : 'middle';

  const areaOptions = grids.data
    ? [
        {
          value: grids.data.code,
          label:
            grids.data.level === 4
              ? t(`${grids.data.name}（整个村社）`, `${grids.data.name} (whole village)`)
              : grids.data.name,
        },
        ...(grids.data.children ?? []).map((g) => ({ value: g.code, label: g.name })),
      ]
    : [];

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
          const point = { lng: pos.coords.longitude, lat: pos.coords.latitude };
          const r = await unwrap(api.GET('/api/areas/locate', { params: { query: point } }));
          // The most specific village or grid found that lies in the user's own area.
          const area = [...r.chain]
            .reverse()
            .find((a) => a.level >= 4 && inScopeOf(me.scope.areaCode, a.code));
          if (!area) {
            setLocateError(
              t(
                '您当前的位置不在管辖范围内的村社或网格中，请手动选择。',
                'Your position is not in a village or grid of your area; choose one by hand.',
              ),
            );
            return;
          }
          setLocated({ point, area });
          form.setFieldValue('areaCode', area.code);
          void form.validateFields(['areaCode']);
        } catch (e) {
          setLocateError(errorText(e, lang));
        } finally {
          setLocating(false);
        }
      },
      (err) => {
        setLocating(false);
        setLocateError(
          err.code === err.PERMISSION_DENIED
            ? t(
                '未获得定位权限，请在浏览器中允许定位或手动选择。',
                'Location permission was refused; allow it or choose by hand.',
              )
            : t('暂时无法获取位置，请手动选择。', 'Could not get your position; choose by hand.'),
        );
      },
      { enableHighAccuracy: true, timeout: 15_000, maximumAge: 60_000 },
    );
  };

  const onFinish = async (values: ReportFormValues) => {
    setError(null);
    const parsed = ReportForm.safeParse({ ...values, type: typeCode });
    if (!parsed.success) return; // the fields' own rules already say what is wrong
    setPhase('saving');
    try {
      const point = located && located.area.code === parsed.data.areaCode ? located.point : undefined;
      const m = await unwrap(
        api.POST('/api/matters', { body: { ...parsed.data, ...(point ? { point } : {}) } }),
      );
      void qc.invalidateQueries({ queryKey: ['matters'] });
      const picked = filesOf(files);
      if (picked.length > 0) {
        setPhase('uploading');
        try {
          await uploadAttachments(m.id, picked, { onProgress: setProgress });
        } catch (e) {
          // The matter exists: say so, and let the user add the photos on its page.
          message.warning(
            t(
              `事项 ${m.number} 已上报，但照片未能上传：${errorText(e, 'zh')}。请在事项页面重新上传。`,
              `Matter ${m.number} was reported, but the photos were not uploaded: ${errorText(e, 'en')}. Add them on its page.`,
            ),
            8,
          );
          navigate(`/matters/${m.id}`);
          return;
        }
      }
      message.success(t(`已上报，编号 ${m.number}`, `Reported as ${m.number}`));
      navigate(`/matters/${m.id}`);
    } catch (e) {
      setError(e);
      setPhase('idle');
      // Point the user at the fields the server refused, in the form itself.
      if (e instanceof ApiError && e.details.length) {
        const fields = ['title', 'description', 'category', 'urgency', 'areaCode'] as const;
        form.setFields(
          e.details
            .filter((d): d is typeof d & { path: (typeof fields)[number] } =>
              fields.some((f) => f === d.path?.replace(/^body\./, '')),
            )
            .map((d) => ({
              name: d.path.replace(/^body\./, '') as (typeof fields)[number],
              errors: [d.message],
            })),
        );
      }
    }
  };

  return (
    <div style={{ maxWidth: 760, margin: '0 auto' }}>
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        {t('上报事项', 'Report a matter')}
      </Typography.Title>
      <ReportKind current="/matters/new" />
      <PageState loading={types.isLoading} error={types.error} onRetry={() => void types.refetch()}>
        <Card styles={{ body: { padding: mobile ? 14 : 24 } }}>
          <Form<ReportFormValues>
            form={form}
            layout="vertical"
            size={size}
            disabled={busy}
            onFinish={onFinish}
            data-testid="report-form"
            initialValues={{
              type: 'event',
              urgency: 'normal',
              areaCode: villageUser ? me.user.areaCode : undefined,
            }}
            onValuesChange={(changed: Partial<ReportFormValues>) => {
              if ('areaCode' in changed && located && changed.areaCode !== located.area.code)
                setLocated(null);
            }}
          >
            <Form.Item name="type" label={t('事项类型', 'Type')} hidden={types.types.length <= 1}>
              <Select options={types.types.map((x) => ({ value: x.code, label: name(x.name) }))} />
            </Form.Item>
            <Form.Item
              name="title"
              label={t('标题', 'Title')}
              rules={[zodRule(MatterTitle, lang)]}
              extra={t(
                '一句话说明发生了什么，如“楼上漏水影响楼下”。',
                'One line: what happened, e.g. “Leak from the flat above”.',
              )}
            >
              <Input count={{ show: true, max: 200 }} autoFocus={!mobile} data-testid="report-title" />
            </Form.Item>
            <Form.Item name="category" label={t('类别', 'Category')}>
              <Select
                allowClear
                placeholder={t('请选择类别', 'Choose a category')}
                options={(type?.categories ?? []).map((c) => ({ value: c.code, label: name(c.name) }))}
                data-testid="report-category"
              />
            </Form.Item>
            <Form.Item
              name="description"
              label={t('详细描述', 'Description')}
              rules={[zodRule(MatterDescription, lang)]}
            >
              <Input.TextArea
                autoSize={{ minRows: 3, maxRows: 10 }}
                count={{ show: true, max: 5000 }}
                placeholder={t('时间、地点、涉及人员、现场情况……', 'When, where, who, what you saw…')}
              />
            </Form.Item>
            <Form.Item name="urgency" label={t('紧急程度', 'Urgency')}>
              <Radio.Group
                optionType="button"
                buttonStyle="solid"
                options={[...URGENCIES].reverse().map((u) => ({ value: u, label: name(URGENCY_NAMES[u]) }))}
              />
            </Form.Item>
            <Form.Item
              name="areaCode"
              label={t('所在区域（村社或网格）', 'Area (village or grid)')}
              rules={[zodRule(ReportAreaCode, lang)]}
              extra={
                located
                  ? t(
                      `已按您的位置定位到：${located.area.name}`,
                      `Found from your position: ${located.area.name}`,
                    )
                  : undefined
              }
            >
              {villageUser ? (
                <Select
                  options={areaOptions}
                  loading={grids.isLoading}
                  showSearch={{ optionFilterProp: 'label' }}
                  placeholder={t('选择村社或网格', 'Choose a village or grid')}
                  data-testid="report-area"
                />
              ) : (
                <AreaTreeSelect
                  size={size}
                  allowClear={false}
                  selectable={(a) => a.level >= 4}
                  placeholder={t('选择村社或网格', 'Choose a village or grid')}
                  testId="report-area"
                />
              )}
            </Form.Item>
            <div style={{ marginTop: -8, marginBottom: 16 }}>
              <Button
                icon={<AimOutlined />}
                onClick={locate}
                loading={locating}
                block={mobile}
                data-testid="report-locate"
              >
                {t('使用我的位置', 'Use my location')}
              </Button>
              {locateError && <Alert type="warning" showIcon title={locateError} style={{ marginTop: 8 }} />}
            </div>
            <Form.Item label={t('照片或附件（可选）', 'Photos or files (optional)')}>
              <FilePicker value={files} onChange={setFiles} disabled={busy} large={mobile} />
            </Form.Item>
            {phase === 'uploading' && (
              <Progress percent={Math.round(progress * 100)} status="active" data-testid="upload-progress" />
            )}
            {error != null && (
              <Alert
                type="error"
                showIcon
                style={{ marginBottom: 16 }}
                title={t('上报失败', 'Could not report')}
                description={errorText(error, lang)}
                data-testid="report-error"
              />
            )}
            <Button
              type="primary"
              htmlType="submit"
              icon={<SendOutlined />}
              block
              size="large"
              loading={busy}
              style={{ height: 52, fontSize: 17 }}
              data-testid="report-submit"
            >
              {phase === 'uploading' ? t('正在上传照片…', 'Uploading photos…') : t('上报', 'Report')}
            </Button>
          </Form>
        </Card>
      </PageState>
    </div>
  );
}
