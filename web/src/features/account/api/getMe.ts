import { request, type ApiResult } from '../../../lib/api';
import type { User } from './types';

/** `GET /api/v1/me`: the signed-in user; a 401 problem when nobody is signed in. */
export function getMe(signal?: AbortSignal): Promise<ApiResult<User>> {
  return request<User>('GET', '/api/v1/me', { signal });
}
