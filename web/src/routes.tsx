import { lazy } from 'react';
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

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
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
