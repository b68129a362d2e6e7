import { request, type ApiResult } from '../../../lib/api';
import type { NewUser, User } from './types';

/**
 * `POST /api/v1/users`: 201 with the new user; 409 `already-exists` when the email or phone is taken;
 * 400/422 `validation` with `errors[{field, code}]`.
 */
export function createUser(input: NewUser): Promise<ApiResult<User>> {
  return request<User>('POST', '/api/v1/users', { body: input });
}
