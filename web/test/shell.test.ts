import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accessTo, hasArea, staffWithoutArea } from '../src/app/roles';
import { safeReturnTo, signInHref } from '../src/lib/auth';
import { normalizePath, toQueryString } from '../src/lib/router';

describe('signInHref', () => {
  it('sends the browser to the gateway sign-in with a way back', () => {
    assert.equal(signInHref('/profile'), '/auth/login?returnTo=%2Fprofile');
    assert.equal(signInHref('/pro?x=1&y=2'), '/auth/login?returnTo=%2Fpro%3Fx%3D1%26y%3D2');
  });
  it('never sends the user back to another site', () => {
    assert.equal(safeReturnTo('https://evil.example/'), '/');
    assert.equal(safeReturnTo('//evil.example/'), '/');
    assert.equal(safeReturnTo('/\\evil.example/'), '/');
    assert.equal(signInHref('//evil.example'), '/auth/login?returnTo=%2F');
  });
});

describe('normalizePath', () => {
  it('ignores trailing slashes', () => {
    assert.equal(normalizePath('/profile/'), '/profile');
    assert.equal(normalizePath('/profile'), '/profile');
    assert.equal(normalizePath('/'), '/');
    assert.equal(normalizePath('//'), '/');
    assert.equal(normalizePath(''), '/');
  });
});

describe('toQueryString', () => {
  it('keeps the given order, leaves out empty values, and keeps list commas readable', () => {
    assert.equal(
      toQueryString({ from: 'OWE', to: 'La Lopé', class: null, seats: '3-14,3-15', note: '', n: 2, x: undefined }),
      'from=OWE&to=La%20Lop%C3%A9&seats=3-14,3-15&n=2',
    );
    assert.equal(toQueryString({ q: 'a&b=c' }), 'q=a%26b%3Dc');
  });
});

describe('areas', () => {
  const signedIn = (roles: string[]) => ({ status: 'signed-in' as const, user: { roles } });

  it('lets a customer into neither the business nor the staff area', () => {
    assert.equal(accessTo('pro', signedIn(['customer'])), 'denied');
    assert.equal(accessTo('agent', signedIn(['customer'])), 'denied');
  });
  it('opens each area to its roles', () => {
    assert.equal(accessTo('pro', signedIn(['customer', 'b2b_member'])), 'allowed');
    assert.equal(accessTo('agent', signedIn(['conductor'])), 'allowed');
    assert.equal(accessTo('agent', signedIn(['operator'])), 'allowed');
    assert.ok(!hasArea(['b2b_admin'], 'agent'));
  });
  it('keeps the ticket check to those booking lets verify tickets: not operators, who read manifests', () => {
    assert.equal(accessTo('check', signedIn(['conductor'])), 'allowed');
    assert.equal(accessTo('check', signedIn(['agent'])), 'allowed');
    assert.equal(accessTo('check', signedIn(['admin'])), 'allowed');
    assert.equal(accessTo('check', signedIn(['operator'])), 'denied');
    assert.equal(accessTo('agent', signedIn(['operator'])), 'allowed'); // the manifest stays theirs
    assert.ok(staffWithoutArea(['operator'], 'check')); // "not for your role", not "staff only"
    assert.ok(!staffWithoutArea(['customer'], 'check'));
    assert.ok(!staffWithoutArea(['operator', 'conductor'], 'check'));
  });
  it('asks to sign in when signed out, and waits while the session is checked', () => {
    assert.equal(accessTo('pro', { status: 'signed-out' }), 'signed-out');
    assert.equal(accessTo('agent', { status: 'checking' }), 'checking');
    assert.equal(accessTo('agent', { status: 'unreachable' }), 'unreachable');
  });
});
