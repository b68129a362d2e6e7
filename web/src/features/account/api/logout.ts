import { request, type ApiResult } from '../../../lib/api';
import { SIGN_OUT_PATH } from '../../../lib/auth';

/** `POST /auth/logout`: ends the gateway's web session (204). */
export function logout(): Promise<ApiResult<void>> {
  return request<void>('POST', SIGN_OUT_PATH);
}
