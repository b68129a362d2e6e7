import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initialLang, langCookie } from '../src/i18n/lang';
import { readCookie } from '../src/lib/cookies';

describe('readCookie', () => {
  it('finds a cookie among others and decodes it', () => {
    assert.equal(readCookie('a=1; setrag_csrf=abc%3D%3D; b=2', 'setrag_csrf'), 'abc==');
    assert.equal(readCookie('setrag_lang=en', 'setrag_lang'), 'en');
  });
  it('does not match a cookie whose name only ends the same', () => {
    assert.equal(readCookie('xsetrag_csrf=1', 'setrag_csrf'), null);
    assert.equal(readCookie('', 'setrag_csrf'), null);
  });
  it('keeps a value that is not valid percent-encoding', () => {
    assert.equal(readCookie('t=%E0%A4%A', 't'), '%E0%A4%A');
  });
});

describe('initialLang', () => {
  it('is French by default', () => {
    assert.equal(initialLang(null, ''), 'fr');
    assert.equal(initialLang('de', 'setrag_lang=es'), 'fr');
  });
  it('follows the cookie shared with the sign-in page, then the stored choice', () => {
    assert.equal(initialLang(null, 'setrag_lang=en'), 'en');
    assert.equal(initialLang('fr', 'setrag_lang=en'), 'en');
    assert.equal(initialLang('en', ''), 'en');
  });
});

describe('langCookie', () => {
  it('is readable by the server on every path for a year', () => {
    assert.equal(langCookie('fr', false), 'setrag_lang=fr; Path=/; SameSite=Lax; Max-Age=31536000');
    assert.equal(langCookie('en', true), 'setrag_lang=en; Path=/; SameSite=Lax; Max-Age=31536000; Secure');
  });
});
