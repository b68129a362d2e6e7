import { LANGS, setLang, useLang, useT, type Lang, type TKey } from '../i18n';

const NAMES: Record<Lang, TKey> = { fr: 'app.lang.fr', en: 'app.lang.en' };

/** Two buttons named in their own language; the current one is pressed. */
export function LanguageSwitch() {
  const t = useT();
  const current = useLang();
  return (
    <div className="lang-switch" role="group" aria-label={t('app.header.languageLabel')}>
      {LANGS.map((lang) => (
        <button
          key={lang}
          type="button"
          lang={lang}
          className="lang-switch__button"
          aria-pressed={lang === current}
          onClick={() => setLang(lang)}
        >
          {t(NAMES[lang])}
        </button>
      ))}
    </div>
  );
}
