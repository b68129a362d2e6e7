// The conductor's device: the ticket keys and station names kept for offline checks (refreshed whenever online),
// and the scans made offline, sent to booking when the connection comes back.
import { useCallback, useEffect, useRef, useState } from 'react';
import { problemCode } from '../../../lib/api';
import { sendWithTimeLimit } from '../../../lib/useRequest';
import { getStations } from '../api/getStations';
import { getTicketKeys } from '../api/getTicketKeys';
import { verifyTicket } from '../api/verifyTicket';
import {
  loadKeys,
  loadQueue,
  loadStationNames,
  saveKeys,
  saveQueue,
  saveStationNames,
} from '../deviceStore';
import { queuedCheck, withoutScan } from '../scanQueue';
import { refusalCode, type RefusalCode } from '../ticketCheck';
import { keysFromServer, type StoredKeys } from '../ticketKeys';
import { useOnline } from './useOnline';

/** A scan accepted offline that booking refused once told (a cancelled booking, a trip cancelled…). */
export interface LateRefusal {
  ticketId: string;
  reason: RefusalCode;
  checkedAt: number;
  passengerName?: string;
  seat?: { coach: number; seat: number } | null;
}

export type SyncProblem = 'signed-out' | 'not-allowed' | 'unreachable' | null;

const SYNC_EVERY_MS = 20_000;

export function useCheckDevice() {
  const online = useOnline();
  const [keys, setKeys] = useState<StoredKeys | null>(() => loadKeys());
  const [stations, setStations] = useState<Record<string, string>>(() => loadStationNames());
  const [waiting, setWaiting] = useState(() => loadQueue().length);
  const [syncing, setSyncing] = useState(false);
  const [syncProblem, setSyncProblem] = useState<SyncProblem>(null);
  const [lateRefusals, setLateRefusals] = useState<LateRefusal[]>([]);
  const [lastSent, setLastSent] = useState(0);
  const busy = useRef(false);

  const refreshKeys = useCallback(async () => {
    const result = await sendWithTimeLimit((signal) => getTicketKeys(signal), 15_000);
    if (result.ok) {
      const stored = keysFromServer(result.data, Date.now());
      if (stored.keys.length > 0) {
        saveKeys(stored);
        setKeys(stored);
      }
    }
    const network = await sendWithTimeLimit((signal) => getStations(signal), 15_000);
    if (network.ok) {
      const names: Record<string, string> = {};
      for (const station of network.data.stations) names[station.code] = station.name;
      saveStationNames(names);
      setStations(names);
    }
  }, []);

  const sync = useCallback(async () => {
    if (busy.current || !navigator.onLine) return;
    busy.current = true;
    setSyncing(true);
    let sent = 0;
    try {
      for (const scan of loadQueue()) {
        const result = await sendWithTimeLimit(
          // The instant of the check on the train: booking judges the ticket and journals the scan at that time.
          (signal) => verifyTicket(queuedCheck(scan), signal),
          15_000,
        );
        if (result.ok) {
          saveQueue(withoutScan(loadQueue(), scan));
          sent += 1;
          const answer = result.data;
          if (!answer.valid && scan.validOffline) {
            const refusal: LateRefusal = {
              ticketId: scan.ticketId,
              reason: refusalCode(answer.reason),
              checkedAt: scan.checkedAt,
              passengerName: answer.ticket?.passengerName,
              seat: answer.ticket?.seat ?? null,
            };
            setLateRefusals((list) => [...list, refusal]);
          }
          continue;
        }
        const error = result.error;
        if (error.kind === 'problem' && error.status === 422 && problemCode(error.problem) === 'validation') {
          saveQueue(withoutScan(loadQueue(), scan)); // no ticket at all: nothing to tell
          continue;
        }
        if (error.kind === 'problem' && error.status === 401) setSyncProblem('signed-out');
        else if (error.kind === 'problem' && error.status === 403) setSyncProblem('not-allowed');
        else setSyncProblem('unreachable');
        return;
      }
      setSyncProblem(null);
    } finally {
      busy.current = false;
      setSyncing(false);
      setWaiting(loadQueue().length);
      if (sent > 0) setLastSent(Date.now());
    }
  }, []);

  /** After a check that was queued. */
  const queued = useCallback(() => setWaiting(loadQueue().length), []);

  // Online: fresh keys and stations, then the waiting scans; again whenever the connection comes back.
  useEffect(() => {
    if (!online) return;
    void refreshKeys();
    void sync();
  }, [online, refreshKeys, sync]);

  // While scans wait and the browser says it is online, try again now and then (a train's network comes and goes).
  useEffect(() => {
    if (!online || waiting === 0) return;
    const timer = setInterval(() => void sync(), SYNC_EVERY_MS);
    return () => clearInterval(timer);
  }, [online, waiting, sync]);

  // Another tab of this device may have queued or sent scans.
  useEffect(() => {
    const onStorage = () => {
      setWaiting(loadQueue().length);
      setKeys(loadKeys());
    };
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, []);

  const stationName = useCallback((code: string) => stations[code], [stations]);

  return { online, keys, stationName, waiting, syncing, syncProblem, lateRefusals, lastSent, sync, queued };
}
