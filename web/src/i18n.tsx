import { ConfigProvider } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from 'react';

export type Lang = 'zh' | 'en';

interface I18n {
  lang: Lang;
  setLang(l: Lang): void;
  /** Chinese first: `t('登录', 'Sign in')`. */
  t(zh: string, en: string): string;
  /** For `{zh, en}` names that come from the server. */
  name(n: { zh: string; en: string } | undefined | null): string;
}

const Ctx = createContext<I18n | null>(null);
const KEY = 'zhili.lang';

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(() => (localStorage.getItem(KEY) === 'en' ? 'en' : 'zh'));
  const setLang = useCallback((l: Lang) => {
    localStorage.setItem(KEY, l);
    document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en';
    setLangState(l);
  }, []);
  dayjs.locale(lang === 'zh' ? 'zh-cn' : 'en');
  const value = useMemo<I18n>(
    () => ({
      lang,
      setLang,
      t: (zh, en) => (lang === 'zh' ? zh : en),
      name: (n) => (n ? (lang === 'zh' ? n.zh : n.en) : ''),
    }),
    [lang, setLang],
  );
  return (
    <Ctx.Provider value={value}>
      <ConfigProvider
        locale={lang === 'zh' ? zhCN : enUS}
        theme={{ token: { colorPrimary: '#1d4ed8', borderRadius: 6 } }}
      >
        {children}
      </ConfigProvider>
    </Ctx.Provider>
  );
}

export function useI18n(): I18n {
  const v = useContext(Ctx);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}
