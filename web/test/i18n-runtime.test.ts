// The real i18next instance, with just enough of a browser around it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getLang, initI18n, setLang, t, type TKey } from '../src/i18n';

const storage = new Map<string, string>();
const fakeDocument = { cookie: '', documentElement: { lang: '' } };
Object.assign(globalThis, {
  document: fakeDocument,
  window: {
    location: { protocol: 'http:' },
    localStorage: {
      getItem: (k: string) => storage.get(k) ?? null,
      setItem: (k: string, v: string) => void storage.set(k, v),
    },
  },
});

describe('i18n runtime', () => {
  it('starts in French, sets <html lang> and tells the server', () => {
    assert.equal(initI18n(), 'fr');
    assert.equal(fakeDocument.cookie, 'setrag_lang=fr; Path=/; SameSite=Lax; Max-Age=31536000');
    assert.equal(getLang(), 'fr');
    assert.equal(fakeDocument.documentElement.lang, 'fr');
    assert.equal(t('app.nav.home'), 'Accueil');
  });

  it('interpolates without HTML-escaping (React escapes)', () => {
    assert.equal(t('home.welcome.greeting', { name: 'Awa & Léa' }), 'Bonjour Awa & Léa\u00a0!');
  });

  it('switches to English and remembers it in localStorage and the cookie', () => {
    setLang('en');
    assert.equal(t('app.nav.home'), 'Home');
    assert.equal(fakeDocument.documentElement.lang, 'en');
    assert.equal(storage.get('setrag.lang'), 'en');
    assert.equal(fakeDocument.cookie, 'setrag_lang=en; Path=/; SameSite=Lax; Max-Age=31536000');
    setLang('fr');
    assert.equal(t('app.nav.home'), 'Accueil');
  });

  it('throws on a missing key in development', () => {
    assert.throws(() => t('app.nav.nowhere' as string as TKey), /Missing translation "app\.nav\.nowhere"/);
  });
});
