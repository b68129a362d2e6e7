// The line as the live map draws it, from inventory's `GET /api/v1/stations`: read defensively (a station
// without coordinates is not drawn, a point of the polyline that is not one is skipped). Pure.
import type { LatLon, Network, Station } from './api/types';

type Fields = Record<string, unknown>;

function fields(value: unknown): Fields | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : null;
}

function coordinate(value: unknown, limit: number): number | null {
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= limit ? value : null;
}

function point(value: unknown): LatLon | null {
  const v = fields(value);
  const lat = v && coordinate(v.lat, 90);
  const lon = v && coordinate(v.lon, 180);
  return lat !== null && lon !== null && lat !== undefined && lon !== undefined ? { lat, lon } : null;
}

function station(value: unknown): Station | null {
  const v = fields(value);
  const at = point(value);
  if (!v || !at || typeof v.code !== 'string' || v.code === '') return null;
  return {
    code: v.code,
    name: typeof v.name === 'string' && v.name !== '' ? v.name : v.code,
    km: typeof v.km === 'number' && Number.isFinite(v.km) ? v.km : 0,
    lat: at.lat,
    lon: at.lon,
    type: typeof v.type === 'string' ? v.type : 'gare',
  };
}

/** `{"stations": [...], "line": [...]}`, or null when there are no stations at all. */
export function parseNetwork(value: unknown): Network | null {
  const v = fields(value);
  if (!v || !Array.isArray(v.stations)) return null;
  const stations = v.stations.map(station).filter((s): s is Station => s !== null);
  const line = (Array.isArray(v.line) ? v.line : []).map(point).filter((p): p is LatLon => p !== null);
  return { stations, line: line.length >= 2 ? line : stations.map(({ lat, lon }) => ({ lat, lon })) };
}

/** A station's name from its code, or the code itself while the stations are unknown. */
export function stationNamer(network: Network | null): (code: string) => string {
  const names = new Map(network?.stations.map((s) => [s.code, s.name]) ?? []);
  return (code) => names.get(code) ?? code;
}

/** The stations labelled on the map at every zoom: the termini and the main stations. */
export function isMainStation(station: Station): boolean {
  return station.type === 'terminus' || station.type === 'principale';
}
