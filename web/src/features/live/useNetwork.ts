// The line and its stations, asked once per visit (the server lets browsers keep them five minutes; a railway's
// stations change far less often).
import { useRequest } from '../../lib/useRequest';
import { getStations } from './api/getStations';
import type { Network } from './api/types';

let known: Network | null = null;

/** The network, or null while unknown (loading or failed: the screens then show station codes). */
export function useNetwork(): { network: Network | null; failed: boolean; retry: () => void } {
  const state = useRequest<Network>('live-network', async (signal) => {
    if (known) return { ok: true, status: 200, data: known };
    const result = await getStations(signal);
    if (result.ok) known = result.data;
    return result;
  });
  return {
    network: state.status === 'done' ? state.data : known,
    failed: state.status === 'failed',
    retry: state.retry,
  };
}
