import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeUsername, signUpErrors, toNewUser, validateSignUp } from '../src/features/account/validation';

const good = { displayName: 'Awa', username: 'awa@setrag.ga', password: 'le train de nuit' };

const problem = (status: number, code: string, errors?: Array<{ field: string; code: string }>) => ({
  kind: 'problem' as const,
  status,
  problem: { type: `https://setrag.ga/problems/${code}`, title: code, status, errors },
});

describe('validateSignUp', () => {
  it('accepts a good email or a good phone', () => {
    assert.deepEqual(validateSignUp(good), {});
    assert.deepEqual(validateSignUp({ ...good, username: '077 12 34 56' }), {});
    assert.deepEqual(validateSignUp({ ...good, username: '+241 66 12 34 56' }), {});
  });

  it('requires every field', () => {
    assert.deepEqual(validateSignUp({ displayName: '  ', username: '', password: '' }), {
      displayName: 'required',
      username: 'required',
      password: 'required',
    });
  });

  it('rejects a bad phone and a short password, as the server would', () => {
    assert.deepEqual(validateSignUp({ ...good, username: '12345', password: 'court' }), {
      username: 'invalid-email-or-phone',
      password: 'too-short',
    });
  });

  it('counts characters, not UTF-16 units, against the limits', () => {
    assert.deepEqual(validateSignUp({ ...good, password: '🚂🚂🚂🚂🚂🚂🚂' }), { password: 'too-short' });
    assert.deepEqual(validateSignUp({ ...good, password: '🚂'.repeat(8) }), {});
    assert.deepEqual(validateSignUp({ ...good, password: 'x'.repeat(256) }), {});
    assert.deepEqual(validateSignUp({ ...good, password: 'x'.repeat(257) }), { password: 'too-long' });
    assert.deepEqual(validateSignUp({ ...good, displayName: 'é'.repeat(80) }), {});
    assert.deepEqual(validateSignUp({ ...good, displayName: 'é'.repeat(81) }), { displayName: 'too-long' });
  });
});

describe('what is sent', () => {
  it('normalises a phone to E.164 and trims the name and the email, never the password', () => {
    assert.deepEqual(toNewUser({ displayName: ' Awa ', username: '077 12 34 56', password: ' pass word ' }), {
      displayName: 'Awa',
      username: '+24177123456',
      password: ' pass word ',
    });
    assert.equal(normalizeUsername(' a@b.ga '), 'a@b.ga');
    assert.equal(normalizeUsername('nope'), null);
  });
});

describe('signUpErrors', () => {
  it('puts "already exists" next to the username', () => {
    assert.deepEqual(signUpErrors(problem(409, 'already-exists')), { fields: { username: 'already-exists' } });
  });

  it('puts each validation error next to its field', () => {
    const result = signUpErrors(
      problem(422, 'validation', [
        { field: 'password', code: 'common-password' },
        { field: 'username', code: 'invalid-email-or-phone' },
      ]),
    );
    assert.deepEqual(result, { fields: { password: 'common-password', username: 'invalid-email-or-phone' } });
  });

  it('keeps the first error of a field and maps unknown codes to "invalid"', () => {
    const result = signUpErrors(
      problem(400, 'validation', [
        { field: 'displayName', code: 'something-new' },
        { field: 'displayName', code: 'required' },
      ]),
    );
    assert.deepEqual(result, { fields: { displayName: 'invalid' } });
  });

  it('reports errors on unknown fields, or none, about the whole form', () => {
    assert.deepEqual(signUpErrors(problem(422, 'validation', [{ field: 'age', code: 'required' }])), {
      fields: {},
      form: 'invalid',
    });
    assert.deepEqual(signUpErrors(problem(400, 'malformed-body')), { fields: {}, form: 'invalid' });
  });

  it('tells network failures, throttling, CSRF refusals and server faults apart', () => {
    assert.deepEqual(signUpErrors({ kind: 'network' }), { fields: {}, form: 'network' });
    assert.deepEqual(signUpErrors(problem(429, 'too-many-requests')), { fields: {}, form: 'too-many-requests' });
    assert.deepEqual(signUpErrors(problem(403, 'csrf')), { fields: {}, form: 'session-expired' });
    assert.deepEqual(signUpErrors(problem(500, 'internal')), { fields: {}, form: 'unexpected' });
    assert.deepEqual(signUpErrors({ kind: 'unexpected', status: 502 }), { fields: {}, form: 'unexpected' });
  });
});
