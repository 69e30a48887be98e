import { lazy, Suspense } from 'react';
import { Route, Routes } from 'react-router';
import { Forbidden } from './components/PageState';
import { AppLayout } from './layout/AppLayout';

// Every page is its own chunk: the login page loads none of the queue, map, charts or diagrams.
const LoginPage = lazy(() => import('./pages/LoginPage'));
const HomePage = lazy(() => import('./pages/HomePage'));
const QueuePage = lazy(() => import('./pages/matters/QueuePage'));
const ReportPage = lazy(() => import('./pages/matters/ReportPage'));
const MatterPage = lazy(() => import('./pages/matters/MatterPage'));
const WorkflowPage = lazy(() => import('./pages/matters/WorkflowPage'));
const StatsPage = lazy(() => import('./pages/matters/StatsPage'));
const AreasPage = lazy(() => import('./pages/areas/AreasPage'));
const SubjectsPage = lazy(() => import('./pages/subjects/SubjectsPage'));
const UsersPage = lazy(() => import('./pages/admin/UsersPage'));
const AuditPage = lazy(() => import('./pages/admin/AuditPage'));
const ConfigPage = lazy(() => import('./pages/admin/ConfigPage'));
const DisputeAnalysisPage = lazy(() => import('./pages/disputes/AnalysisPage'));
const LibraryPage = lazy(() => import('./pages/disputes/LibraryPage'));
const DisputePage = lazy(() => import('./pages/disputes/DisputePage'));
const ImportPage = lazy(() => import('./pages/disputes/ImportPage'));
const RegisterPage = lazy(() => import('./pages/disputes/RegisterPage'));
const SourcesPage = lazy(() => import('./pages/disputes/SourcesPage'));
const AlertBoardPage = lazy(() => import('./pages/alerts/AlertBoardPage'));
const AlertPage = lazy(() => import('./pages/alerts/AlertPage'));
const AlertModelsPage = lazy(() => import('./pages/alerts/ModelsPage'));
const AlertModelPage = lazy(() => import('./pages/alerts/ModelPage'));
// 一张图: MapLibre, h3-js and the map's styles come with this chunk only.
const MapPage = lazy(() => import('./pages/map/MapPage'));
// 一键直达: the command board of tasks.
const CommandBoardPage = lazy(() => import('./pages/command/CommandBoardPage'));
// 共享法庭 and 心理服务站.
const CourtsPage = lazy(() => import('./pages/court/CourtsPage'));
const CourtPage = lazy(() => import('./pages/court/CourtPage'));
const PsychPage = lazy(() => import('./pages/court/PsychPage'));
// 海上斑马线: vessels, live tracks, sea alerts, corridors and closure orders.
const SeaPage = lazy(() => import('./pages/sea/SeaPage'));
// 网格: the 1+3+N rosters, 入格 on the phone and the two-100% report.
const GridRosterPage = lazy(() => import('./pages/grid/RosterPage'));
const GridCheckinPage = lazy(() => import('./pages/grid/CheckinPage'));
const GridReportPage = lazy(() => import('./pages/grid/ReportPage'));
// 平安乐巡: volunteer teams, patrol tasks, the phone's patrol session and the leaderboard.
const PatrolTeamsPage = lazy(() => import('./pages/patrol/TeamsPage'));
const PatrolTasksPage = lazy(() => import('./pages/patrol/TasksPage'));
const PatrolSessionPage = lazy(() => import('./pages/patrol/SessionPage'));
const PatrolLeaderboardPage = lazy(() => import('./pages/patrol/LeaderboardPage'));
// 指挥大屏: full screen, outside the frame (no menu); MapLibre and ECharts come with its chunk.
const ScreenPage = lazy(() => import('./pages/screen/ScreenPage'));
// 一站式调解: the cases, a case with its agreement, the KPIs.
const MediationQueuePage = lazy(() => import('./pages/mediation/QueuePage'));
const MediationCasePage = lazy(() => import('./pages/mediation/CasePage'));
const MediationKpiPage = lazy(() => import('./pages/mediation/KpiPage'));

// 问题隐患: the 3030 hazard loop — list, report form (phone), detail with photos, KPI.
const HazardsPage = lazy(() => import('./pages/hazards/HazardsPage'));
const HazardReportPage = lazy(() => import('./pages/hazards/HazardReportPage'));
const HazardPage = lazy(() => import('./pages/hazards/HazardPage'));
const HazardKpiPage = lazy(() => import('./pages/hazards/HazardKpiPage'));
// 平安报表: the report, its statistics import and 数说五年 (ECharts comes with the last one's chart chunk only).
const SafetyReportPage = lazy(() => import('./pages/report/ReportPage'));
const SafetyImportPage = lazy(() => import('./pages/report/ImportPage'));
const FiveYearsPage = lazy(() => import('./pages/report/FiveYearsPage'));

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route
        path="/screen"
        element={
          <Suspense fallback={null}>
            <ScreenPage />
          </Suspense>
        }
      />
      <Route element={<AppLayout />}>
        <Route index element={<HomePage />} />
        <Route path="matters" element={<QueuePage />} />
        <Route path="matters/new" element={<ReportPage />} />
        <Route path="matters/:id" element={<MatterPage />} />
        <Route path="workflows/:code" element={<WorkflowPage />} />
        <Route path="stats" element={<StatsPage />} />
        <Route path="disputes/analysis" element={<DisputeAnalysisPage />} />
        <Route path="disputes" element={<LibraryPage />} />
        <Route path="disputes/imports" element={<ImportPage />} />
        <Route path="disputes/new" element={<RegisterPage />} />
        <Route path="disputes/sources" element={<SourcesPage />} />
        <Route path="disputes/:id" element={<DisputePage />} />
        <Route path="alerts" element={<AlertBoardPage />} />
        <Route path="alerts/models" element={<AlertModelsPage />} />
        <Route path="alerts/models/:code" element={<AlertModelPage />} />
        <Route path="alerts/:id" element={<AlertPage />} />
        <Route path="map" element={<MapPage />} />
        <Route path="command" element={<CommandBoardPage />} />
        <Route path="courts" element={<CourtsPage />} />
        <Route path="courts/:id" element={<CourtPage />} />
        <Route path="psych" element={<PsychPage />} />
        <Route path="sea" element={<SeaPage />} />
        <Route path="grid/roster" element={<GridRosterPage />} />
        <Route path="grid/checkin" element={<GridCheckinPage />} />
        <Route path="grid/report" element={<GridReportPage />} />
        <Route path="mediation" element={<MediationQueuePage />} />
        <Route path="mediation/kpis" element={<MediationKpiPage />} />
        <Route path="mediation/:id" element={<MediationCasePage />} />
        <Route path="patrol/teams" element={<PatrolTeamsPage />} />
        <Route path="patrol/tasks" element={<PatrolTasksPage />} />
        <Route path="patrol/session" element={<PatrolSessionPage />} />
        <Route path="patrol/leaderboard" element={<PatrolLeaderboardPage />} />
        <Route path="hazards" element={<HazardsPage />} />
        <Route path="hazards/new" element={<HazardReportPage />} />
        <Route path="hazards/kpi" element={<HazardKpiPage />} />
        <Route path="hazards/:id" element={<HazardPage />} />
        <Route path="report" element={<SafetyReportPage />} />
        <Route path="report/imports" element={<SafetyImportPage />} />
        <Route path="report/five-years" element={<FiveYearsPage />} />
        <Route path="areas" element={<AreasPage />} />
        <Route path="areas/mine" element={<AreasPage mine />} />
        <Route path="areas/:code" element={<AreasPage />} />
        <Route path="subjects" element={<SubjectsPage />} />
        <Route path="admin/users" element={<UsersPage />} />
        <Route path="admin/audit" element={<AuditPage />} />
        <Route path="admin/config" element={<ConfigPage />} />
        <Route path="*" element={<Forbidden notFound />} />
      </Route>
    </Routes>
  );
}
