import { parseResult, request, type ApiResult } from '../../../lib/api';
import { parseDevices } from '../devices';
import type { Device } from './types';

/** `GET /api/v1/devices`: every GPS device, without keys (tracking.manage). */
export async function listDevices(signal?: AbortSignal): Promise<ApiResult<Device[]>> {
  return parseResult(await request<unknown>('GET', '/api/v1/devices', { signal }), parseDevices);
}
