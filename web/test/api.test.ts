import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createClient, isProblem, problemCode, type ApiError } from '../src/lib/api';

interface Call {
  url: string;
  init: RequestInit;
}

function fakeServer(respond: () => Response | Promise<Response>, cookies = '') {
  const calls: Call[] = [];
  const request = createClient({
    fetch: async (url, init) => {
      calls.push({ url, init });
      return respond();
    },
    cookies: () => cookies,
  });
  return { request, calls };
}

const json = (status: number, body: unknown, type = 'application/json') =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': type } });

const headersOf = (call: Call) => call.init.headers as Record<string, string>;

describe('api client', () => {
  it('sends the CSRF cookie back as X-CSRF-Token on a POST, with the session cookie', async () => {
    const { request, calls } = fakeServer(() => json(201, { id: 'usr_1' }), 'other=1; setrag_csrf=tok%2Ben');
    const result = await request('POST', '/api/v1/users', { body: { a: 1 } });
    assert.deepEqual(result, { ok: true, status: 201, data: { id: 'usr_1' } });
    assert.equal(calls[0].url, '/api/v1/users');
    assert.equal(calls[0].init.method, 'POST');
    assert.equal(calls[0].init.credentials, 'same-origin');
    assert.equal(headersOf(calls[0])['X-CSRF-Token'], 'tok+en');
    assert.equal(headersOf(calls[0])['Content-Type'], 'application/json');
    assert.equal(calls[0].init.body, '{"a":1}');
  });

  it('sends extra headers such as Idempotency-Key, without letting them replace its own', async () => {
    const { request, calls } = fakeServer(() => json(201, {}), 'setrag_csrf=tok');
    await request('POST', '/api/v1/bookings', {
      body: {},
      headers: { 'Idempotency-Key': 'k-1', Accept: 'text/html', 'X-CSRF-Token': 'forged' },
    });
    assert.equal(headersOf(calls[0])['Idempotency-Key'], 'k-1');
    assert.equal(headersOf(calls[0]).Accept, 'application/json, application/problem+json');
    assert.equal(headersOf(calls[0])['X-CSRF-Token'], 'tok');
  });

  it('sends no CSRF header on a GET', async () => {
    const { request, calls } = fakeServer(() => json(200, {}), 'setrag_csrf=tok');
    await request('GET', '/api/v1/me');
    assert.equal(headersOf(calls[0])['X-CSRF-Token'], undefined);
    assert.equal(calls[0].init.credentials, 'same-origin');
  });

  it('accepts 204 No Content', async () => {
    const { request } = fakeServer(() => new Response(null, { status: 204 }));
    assert.deepEqual(await request('POST', '/auth/logout'), { ok: true, status: 204, data: undefined });
  });

  it('returns a problem document as a typed error', async () => {
    const problem = {
      type: 'https://setrag.ga/problems/validation',
      title: 'The request is not valid',
      status: 422,
      errors: [{ field: 'password', code: 'too-short' }, { bogus: true }],
    };
    const { request } = fakeServer(() => json(422, problem, 'application/problem+json'));
    const result = await request('POST', '/api/v1/users', { body: {} });
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.error.kind, 'problem');
    if (result.error.kind !== 'problem') return;
    assert.equal(result.error.status, 422);
    assert.equal(problemCode(result.error.problem), 'validation');
    assert.deepEqual(result.error.problem.errors, [{ field: 'password', code: 'too-short' }]);
    assert.ok(isProblem(result.error, 'validation'));
    assert.ok(!isProblem(result.error, 'already-exists'));
  });

  it('reports a failed connection as a network error', async () => {
    const { request } = fakeServer(() => Promise.reject(new TypeError('Failed to fetch')));
    assert.deepEqual(await request('GET', '/api/v1/me'), { ok: false, error: { kind: 'network' } });
  });

  it('reports an HTML error page as unexpected, not as a problem', async () => {
    const { request } = fakeServer(
      () => new Response('<h1>Bad gateway</h1>', { status: 502, headers: { 'Content-Type': 'text/html' } }),
    );
    const expected: ApiError = { kind: 'unexpected', status: 502 };
    assert.deepEqual(await request('GET', '/api/v1/me'), { ok: false, error: expected });
  });

  it('reports a success that is not JSON as unexpected', async () => {
    const { request } = fakeServer(
      () => new Response('<html>', { status: 200, headers: { 'Content-Type': 'text/html' } }),
    );
    assert.deepEqual(await request('GET', '/api/v1/me'), { ok: false, error: { kind: 'unexpected', status: 200 } });
  });
});
