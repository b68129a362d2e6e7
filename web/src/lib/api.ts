// The one HTTP client of the app. It returns typed results and never redirects, toasts or retries by
// itself: each caller decides what an error means for its screen.
import { readCookie } from './cookies';

/** One invalid field of a request (RFC 9457 extension member `errors`). */
export interface FieldProblem {
  field: string;
  code: string;
  message?: string;
}

/** An RFC 9457 problem document, as every SETRAG error is answered. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: FieldProblem[];
}

export type ApiError =
  /** The server answered with a problem document. */
  | { kind: 'problem'; status: number; problem: Problem }
  /** The request never got an answer (offline, DNS, connection reset). */
  | { kind: 'network' }
  /** An answer that is not what the contract promises (an HTML error page, bad JSON). */
  | { kind: 'unexpected'; status: number };

export type ApiResult<T> = { ok: true; status: number; data: T } | { ok: false; error: ApiError };

export const CSRF_COOKIE = 'setrag_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';

/** Problem types are URIs ending in a stable code: `https://setrag.ga/problems/already-exists`. */
export function problemCode(problem: Problem): string {
  const slash = problem.type.lastIndexOf('/');
  return slash >= 0 ? problem.type.slice(slash + 1) : problem.type;
}

/** Whether the error is a problem document of the given code (`already-exists`, `validation`, …). */
export function isProblem(error: ApiError, code: string): boolean {
  return error.kind === 'problem' && problemCode(error.problem) === code;
}

function asProblem(value: unknown, status: number): Problem | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (typeof v.type !== 'string') return null;
  const errors = Array.isArray(v.errors)
    ? v.errors.filter(
        (e): e is FieldProblem =>
          typeof e === 'object' && e !== null && typeof e.field === 'string' && typeof e.code === 'string',
      )
    : undefined;
  return {
    type: v.type,
    title: typeof v.title === 'string' ? v.title : '',
    status: typeof v.status === 'number' ? v.status : status,
    detail: typeof v.detail === 'string' ? v.detail : undefined,
    errors,
  };
}

export interface ClientDeps {
  fetch: (input: string, init: RequestInit) => Promise<Response>;
  /** The current `document.cookie` string, read at each request. */
  cookies: () => string;
}

export interface RequestOptions {
  body?: unknown;
  signal?: AbortSignal;
  /** More headers, e.g. `Idempotency-Key` (the client's own headers win over these). */
  headers?: Record<string, string>;
}

export type Requester = <T>(method: string, path: string, options?: RequestOptions) => Promise<ApiResult<T>>;

export function createClient(deps: ClientDeps): Requester {
  return async function request<T>(method: string, path: string, options: RequestOptions = {}) {
    const headers: Record<string, string> = {
      ...options.headers,
      Accept: 'application/json, application/problem+json',
    };
    if (method !== 'GET' && method !== 'HEAD') {
      const csrf = readCookie(deps.cookies(), CSRF_COOKIE);
      if (csrf) headers[CSRF_HEADER] = csrf;
    }
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(options.body);
    }

    let response: Response;
    try {
      response = await deps.fetch(path, {
        method,
        headers,
        body,
        credentials: 'same-origin',
        redirect: 'manual',
        signal: options.signal,
      });
    } catch {
      return { ok: false, error: { kind: 'network' } };
    }

    const status = response.status;
    const type = response.headers.get('Content-Type') ?? '';
    const isJson = /^application\/(?:[\w.+-]+\+)?json\b/i.test(type);

    if (status >= 200 && status < 300) {
      if (status === 204 || response.headers.get('Content-Length') === '0') {
        return { ok: true, status, data: undefined as T };
      }
      if (!isJson) return { ok: false, error: { kind: 'unexpected', status } };
      try {
        return { ok: true, status, data: (await response.json()) as T };
      } catch {
        return { ok: false, error: { kind: 'unexpected', status } };
      }
    }

    if (isJson) {
      try {
        const problem = asProblem(await response.json(), status);
        if (problem) return { ok: false, error: { kind: 'problem', status, problem } };
      } catch {
        // fall through: not a problem document
      }
    }
    // status 0 is an opaque redirect (redirect: 'manual'): the API never redirects, so it is unexpected.
    return { ok: false, error: { kind: 'unexpected', status } };
  };
}

/** The browser's client: same-origin requests with the session cookie and the CSRF header. */
export const request: Requester = createClient({
  fetch: (input, init) => fetch(input, init),
  cookies: () => (typeof document === 'undefined' ? '' : document.cookie),
});

/**
 * A successful answer read by `parse` (which returns null when the body is not what the contract promises: the
 * answer is then `unexpected`, as a malformed body would be); errors unchanged.
 */
export function parseResult<T>(result: ApiResult<unknown>, parse: (body: unknown) => T | null): ApiResult<T> {
  if (!result.ok) return result;
  const data = parse(result.data);
  return data === null ? { ok: false, error: { kind: 'unexpected', status: result.status } } : { ...result, data };
}
