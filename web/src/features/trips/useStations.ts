// The station list, asked once per visit: the server lets browsers keep it for five minutes, and the
// stations of a railway change far less often than that.
import { useRequest } from '../../lib/useRequest';
import { getStations } from './api/getStations';
import type { Station } from './api/types';

let known: Station[] | null = null;

/** The stations in line order, or null while unknown (loading, or failed: the form then takes free text). */
export function useStations(): { stations: Station[] | null; failed: boolean; retry: () => void } {
  const state = useRequest<Station[]>('stations', async (signal) => {
    if (known) return { ok: true, status: 200, data: known };
    const result = await getStations(signal);
    if (!result.ok) return result;
    known = result.data.stations;
    return { ok: true, status: result.status, data: known };
  });
  return {
    stations: state.status === 'done' ? state.data : known,
    failed: state.status === 'failed',
    retry: state.retry,
  };
}
