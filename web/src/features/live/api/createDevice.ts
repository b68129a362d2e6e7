import { parseResult, request, type ApiResult } from '../../../lib/api';
import { parseRegisteredDevice } from '../devices';
import type { NewDevice, RegisteredDevice } from './types';

/**
 * `POST /api/v1/devices` (tracking.manage): 201 with the device and its key, shown in this answer only; 422 with
 * field errors (`name`, `kind`). The server takes no `Idempotency-Key`: sent twice, it registers two devices.
 */
export async function createDevice(device: NewDevice, signal?: AbortSignal): Promise<ApiResult<RegisteredDevice>> {
  return parseResult(
    await request<unknown>('POST', '/api/v1/devices', { body: device, signal }),
    parseRegisteredDevice,
  );
}
