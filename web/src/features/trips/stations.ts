// Finding a station from what a traveller types: by code or by name, whatever the case, the accents and
// the punctuation (`ndjole` finds Ndjolé, `mbel` finds M'Bel, `lope` finds La Lopé). Pure: no DOM, no i18n.
import type { Station } from './api/types';

/** Lower case, no accents, letters and digits only: the same key as the server's `StationDirectory`. */
export function foldKey(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

/** The words of a name, folded: `Mboungou-Mbadouma` -> `mboungou`, `mbadouma`; `M'Bel` -> `m`, `bel`. */
function words(name: string): string[] {
  return name
    .split(/[\s'’\-]+/)
    .map(foldKey)
    .filter(Boolean);
}

/** The station named exactly by the text (its code or its full name), as the server would find it. */
export function resolveStation(text: string, stations: readonly Station[]): Station | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const code = trimmed.toUpperCase();
  const byCode = stations.find((station) => station.code === code);
  if (byCode) return byCode;
  const key = foldKey(trimmed);
  if (key === '') return null;
  return stations.find((station) => foldKey(station.name) === key) ?? null;
}

/**
 * The stations matching the text, best first (then in line order): the exact code or name, then names
 * starting with it, then names with a word starting with it, then codes starting with it, then names
 * containing it. An empty text lists every station in line order.
 */
export function matchStations(text: string, stations: readonly Station[], limit = Infinity): Station[] {
  const key = foldKey(text);
  if (key === '') return stations.slice(0, limit);
  const code = text.trim().toUpperCase();
  const ranked: Array<{ station: Station; rank: number; index: number }> = [];
  stations.forEach((station, index) => {
    const name = foldKey(station.name);
    let rank: number;
    if (station.code === code || name === key) rank = 0;
    else if (name.startsWith(key)) rank = 1;
    else if (words(station.name).some((word) => word.startsWith(key))) rank = 2;
    else if (station.code.toLowerCase().startsWith(key)) rank = 3;
    else if (name.includes(key)) rank = 4;
    else return;
    ranked.push({ station, rank, index });
  });
  ranked.sort((a, b) => a.rank - b.rank || a.index - b.index);
  return ranked.slice(0, limit).map((entry) => entry.station);
}

/** What the field shows for a station given by code or name: its name when known, else the text as it is. */
export function stationLabel(text: string, stations: readonly Station[] | null): string {
  return (stations && resolveStation(text, stations)?.name) ?? text;
}
