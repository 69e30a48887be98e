import { useQuery } from '@tanstack/react-query';
import { api, type Schemas, unwrap } from '../../api/client';
import type { paths } from '../../api/schema';

/**
 * 一键直达's queries. Their keys sit under ['matter', id] (a matter's cameras, team and tasks) and
 * ['matters', …] (the board), which the shared live-events hub (web/src/api/useLiveEvents.ts) invalidates
 * on every matter event: a task dispatched or moved elsewhere shows here without a reload.
 */
export type Camera = Schemas['CommandCamera'];
export type Task = Schemas['CommandTask'];
export type TeamMember = Schemas['CommandTeamMember'];
export type CamerasResponse =
  paths['/api/matters/{id}/cameras']['get']['responses'][200]['content']['application/json'];
export type DispatchBody =
  paths['/api/matters/{id}/tasks']['post']['requestBody']['content']['application/json'];
export type TaskQuery = NonNullable<paths['/api/command/tasks']['get']['parameters']['query']>;

export function useCameras(matterId: string, radius: number, enabled = true) {
  return useQuery({
    queryKey: ['matter', matterId, 'command', 'cameras', radius],
    queryFn: () =>
      unwrap(
        api.GET('/api/matters/{id}/cameras', {
          params: { path: { id: matterId }, query: { radius, limit: 20 } },
        }),
      ),
    enabled,
    retry: false,
    // A live event about the matter need not re-measure its cameras: they do not move with it.
    staleTime: 5 * 60_000,
  });
}

export function useTeam(matterId: string, enabled = true) {
  return useQuery({
    queryKey: ['matter', matterId, 'command', 'team'],
    queryFn: () => unwrap(api.GET('/api/matters/{id}/team', { params: { path: { id: matterId } } })),
    enabled,
    retry: false,
    staleTime: 60_000,
  });
}

export function useTasksOf(matterId: string, enabled = true) {
  return useQuery({
    // Under 'matters', not ['matter', id]: a task's own steps (签收, 到场 …) come as events about the task,
    // and every matter event refreshes the lists.
    queryKey: ['matters', 'command', 'of', matterId],
    queryFn: () => unwrap(api.GET('/api/matters/{id}/tasks', { params: { path: { id: matterId } } })),
    enabled,
  });
}

export function useTask(taskId: string, enabled = true) {
  return useQuery({
    queryKey: ['matter', taskId, 'command', 'task'],
    queryFn: () => unwrap(api.GET('/api/command/tasks/{id}', { params: { path: { id: taskId } } })),
    enabled,
  });
}

/** The board's query string (also the export link's), without empty values. */
export function taskQueryString(q: Record<string, string | number | boolean | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') p.set(k, String(v));
  return p.toString();
}
