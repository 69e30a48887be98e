import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useContext, useEffect, useMemo, useState } from 'react';
import { useNavigate } from 'react-router';
import { ApiError, api, type Schemas, UNAUTHENTICATED_EVENT, unwrap } from './api/client';

export type Me = {
  user: Schemas['User'];
  permissions: string[];
  scope: { areaCode: string; path: Schemas['Area'][] };
};

interface Auth {
  me: Me | null;
  loading: boolean;
  /** Why the user was sent to the login page, if they were (SESSION_EXPIRED, UNAUTHENTICATED). */
  reason: string | null;
  can(permission: string): boolean;
  hasRole(...roles: string[]): boolean;
  signIn(username: string, password: string): Promise<void>;
  signOut(): Promise<void>;
}

const Ctx = createContext<Auth | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [reason, setReason] = useState<string | null>(null);
  const meQuery = useQuery({
    queryKey: ['me'],
    queryFn: async () => {
      try {
        return (await unwrap(api.GET('/api/auth/me'))) as Me;
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) return null;
        throw e;
      }
    },
    staleTime: 60_000,
    retry: false,
  });

  useEffect(() => {
    const onLost = (e: Event) => {
      const code = (e as CustomEvent<string>).detail;
      setReason(code);
      qc.setQueryData(['me'], null);
      if (!window.location.pathname.startsWith('/login')) {
        navigate(`/login?next=${encodeURIComponent(window.location.pathname + window.location.search)}`);
      }
    };
    window.addEventListener(UNAUTHENTICATED_EVENT, onLost);
    return () => window.removeEventListener(UNAUTHENTICATED_EVENT, onLost);
  }, [qc, navigate]);

  const value = useMemo<Auth>(() => {
    const me = meQuery.data ?? null;
    return {
      me,
      loading: meQuery.isLoading,
      reason,
      can: (p) => !!me?.permissions.includes(p),
      hasRole: (...roles) => !!me?.user.roles.some((r) => roles.includes(r)),
      signIn: async (username, password) => {
        await unwrap(api.POST('/api/auth/login', { body: { username, password } }));
        setReason(null);
        qc.clear();
        await qc.fetchQuery({
          queryKey: ['me'],
          queryFn: async () => (await unwrap(api.GET('/api/auth/me'))) as Me,
        });
      },
      signOut: async () => {
        await api.POST('/api/auth/logout');
        qc.clear();
        qc.setQueryData(['me'], null);
        navigate('/login');
      },
    };
  }, [meQuery.data, meQuery.isLoading, reason, qc, navigate]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useAuth(): Auth {
  const v = useContext(Ctx);
  if (!v) throw new Error('useAuth outside AuthProvider');
  return v;
}
