/** The language and `t` for components a screen shows hundreds of (list cells, values).
 *
 * react-i18next's `useTranslation` copies the i18next instance on every mount, which on
 * a list of 100 rows cost more than rendering the rows; these read one context instead.
 * The provider sits at the root and changes with the language, so readers re-render.
 */
import type { TFunction } from "i18next";
import { createContext, useContext, useMemo, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import i18n from "./i18n";

interface Locale {
  t: TFunction;
  language: string;
}

const LocaleContext = createContext<Locale>({ t: i18n.t.bind(i18n), language: i18n.language });

export function LocaleProvider({ children }: { children: ReactNode }) {
  const { t, i18n: instance } = useTranslation();
  const language = instance.language;
  const value = useMemo(() => ({ t, language }), [t, language]);
  return <LocaleContext.Provider value={value}>{children}</LocaleContext.Provider>;
}

export function useLocale(): Locale {
  return useContext(LocaleContext);
}
