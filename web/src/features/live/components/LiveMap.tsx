import { useEffect, useRef, useState } from 'react';
import { useLang, useT, type Lang, type Translate } from '../../../i18n';
import { formatTime } from '../../../lib/format';
import { navigate } from '../../../lib/router';
import type { LiveTrain } from '../../../lib/trains';
import type { Network } from '../api/types';
import { loadLeaflet, tileSettings, type LatLngTuple, type Leaflet, type LeafletMap, type Marker } from '../map/leaflet';
import { isMainStation } from '../network';
import { tileConfig } from '../tiles';
import { isStale, nextStationOf } from '../trains';
import { delayText, delayTone } from './labels';

interface Props {
  network: Network | null;
  trains: readonly LiveTrain[];
  name: (code: string) => string;
  now: number;
}

/** Owendo to Franceville with a margin: the first view, before the line itself is known. */
const LINE_AREA: LatLngTuple[] = [
  [0.45, 9.45],
  [-1.7, 13.55],
];

const GREEN = '#0a5c36';

/** From this zoom on, the main stations are named too (further out, only the termini: the labels would pile up). */
const NAME_MAIN_STATIONS_FROM_ZOOM = 8;

interface MarkerLabel {
  number: string;
  delay: string;
  next: string;
  tone: string;
  stale: boolean;
  title: string;
}

function markerLabel(train: LiveTrain, t: Translate, lang: Lang, name: (code: string) => string, now: number): MarkerLabel {
  const next = nextStationOf(train);
  const nextText = next
    ? next.time
      ? t('live.map.markerNext', { station: name(next.station), time: formatTime(next.time, lang) })
      : name(next.station)
    : '';
  const delay = delayText(t, lang, train.delayMinutes, 'short');
  return {
    number: String(train.trainNumber),
    delay,
    next: nextText,
    tone: delayTone(train.delayMinutes),
    stale: isStale(train, now),
    title: [t('live.common.train', { number: train.trainNumber }), delayText(t, lang, train.delayMinutes), nextText]
      .filter(Boolean)
      .join(' · '),
  };
}

/** The marker's text, built as elements (never as HTML from data). */
function markerElement(label: MarkerLabel): HTMLElement {
  const box = document.createElement('span');
  box.className = `train-marker__label train-marker__label--${label.tone}`;
  const first = document.createElement('span');
  first.className = 'train-marker__first';
  const number = document.createElement('strong');
  number.textContent = label.number;
  first.appendChild(number);
  if (label.delay) first.appendChild(document.createTextNode(` ${label.delay}`));
  box.appendChild(first);
  if (label.next) {
    const next = document.createElement('span');
    next.className = 'train-marker__next';
    next.textContent = label.next;
    box.appendChild(next);
  }
  return box;
}

/** Where labels overlap, a late train's shows above an on-time one's, and an old position's below both. */
function zIndexOffset(label: MarkerLabel): number {
  if (label.stale) return -1000;
  return label.tone === 'late' ? 1000 : 0;
}

function trainIcon(L: Leaflet, label: MarkerLabel) {
  return L.divIcon({
    className: label.stale ? 'train-marker train-marker--stale' : 'train-marker',
    html: markerElement(label),
    iconSize: [14, 14],
    iconAnchor: [7, 7],
  });
}

interface Shown {
  marker: Marker;
  key: string;
  lat: number;
  lon: number;
}

/**
 * The line, its stations and the trains on a Leaflet map. Leaflet is loaded when the map is first shown; without
 * it (offline, blocked) the list beside the map still says everything. Each answer only moves the markers that
 * moved and redraws the labels that changed.
 */
export function LiveMap({ network, trains, name, now }: Props) {
  const t = useT();
  const lang = useLang();
  const element = useRef<HTMLDivElement>(null);
  const [map, setMap] = useState<{ L: Leaflet; map: LeafletMap } | null>(null);
  const [failed, setFailed] = useState(false);
  const markers = useRef(new Map<number, Shown>());

  useEffect(() => {
    let cancelled = false;
    let made: LeafletMap | null = null;
    loadLeaflet().then(
      (L) => {
        if (cancelled || !element.current) return;
        const tiles = tileConfig(tileSettings().url, tileSettings().attribution);
        made = L.map(element.current, {
          zoomControl: false,
          attributionControl: tiles !== null,
          preferCanvas: true,
          keyboard: false,
          minZoom: 5,
          maxZoom: tiles ? 18 : 14,
          // Fractional zooms let the whole line fill a phone's width.
          zoomSnap: 0.25,
          zoomDelta: 1,
          // No zoom animation: cheaper on a small phone, and Leaflet 1.6 throws when a map is removed during one.
          zoomAnimation: false,
        });
        made.fitBounds(L.latLngBounds(LINE_AREA));
        if (tiles) {
          made.attributionControl?.setPrefix(false);
          L.tileLayer(tiles.url, { attribution: tiles.attribution, maxZoom: 18 }).addTo(made);
        }
        setMap({ L, map: made });
      },
      () => {
        if (!cancelled) setFailed(true);
      },
    );
    const shown = markers.current;
    return () => {
      cancelled = true;
      made?.remove();
      shown.clear();
    };
  }, []);

  // The zoom buttons, named in the page's language.
  useEffect(() => {
    if (!map) return;
    const zoom = map.L.control
      .zoom({ position: 'topright', zoomInTitle: t('live.map.zoomIn'), zoomOutTitle: t('live.map.zoomOut') })
      .addTo(map.map);
    return () => {
      zoom.remove();
    };
  }, [map, lang, t]);

  // The line and its stations, drawn once they are known.
  useEffect(() => {
    if (!map || !network) return;
    const { L } = map;
    const line = L.polyline(
      network.line.map((p): LatLngTuple => [p.lat, p.lon]),
      { color: GREEN, weight: 4, opacity: 0.85, interactive: false },
    ).addTo(map.map);
    const last = network.stations[network.stations.length - 1];
    const stations = network.stations.map((station) => {
      const main = isMainStation(station);
      const label = document.createElement('span');
      label.textContent = station.name;
      return L.circleMarker([station.lat, station.lon], {
        radius: main ? 5 : 3,
        color: GREEN,
        weight: 2,
        fillColor: '#ffffff',
        fillOpacity: 1,
      })
        .bindTooltip(label, {
          permanent: main,
          // Names on the right, except the eastern end's, which would fall off the map.
          direction: station === last ? 'left' : 'right',
          className: `station-label station-label--${station.type === 'terminus' ? 'terminus' : main ? 'main' : 'other'}`,
        })
        .addTo(map.map);
    });
    const bounds = line.getBounds();
    // No animation: a map removed in the middle of one (the page left at once) makes Leaflet throw.
    if (bounds.isValid()) map.map.fitBounds(bounds, { padding: [16, 16], animate: false });
    const container = element.current;
    const nameStations = () =>
      container?.classList.toggle('live-map--close', map.map.getZoom() >= NAME_MAIN_STATIONS_FROM_ZOOM);
    nameStations();
    map.map.on('zoomend', nameStations);
    return () => {
      map.map.off('zoomend', nameStations);
      line.remove();
      for (const station of stations) station.remove();
    };
  }, [map, network]);

  // The trains: a marker each, moved and relabelled only when needed.
  useEffect(() => {
    if (!map) return;
    const { L } = map;
    const shown = markers.current;
    const present = new Set<number>();
    for (const train of trains) {
      present.add(train.runId);
      const label = markerLabel(train, t, lang, name, now);
      const key = JSON.stringify(label);
      const known = shown.get(train.runId);
      if (!known) {
        const marker = L.marker([train.lat, train.lon], {
          icon: trainIcon(L, label),
          keyboard: false,
          title: label.title,
          riseOnHover: true,
          zIndexOffset: zIndexOffset(label),
        }).addTo(map.map);
        const to = `/trains/${train.runId}`;
        marker.on('click', () => navigate(to));
        shown.set(train.runId, { marker, key, lat: train.lat, lon: train.lon });
        continue;
      }
      if (known.lat !== train.lat || known.lon !== train.lon) {
        known.marker.setLatLng([train.lat, train.lon]);
        known.lat = train.lat;
        known.lon = train.lon;
      }
      if (known.key !== key) {
        known.marker.setIcon(trainIcon(L, label));
        known.marker.setZIndexOffset(zIndexOffset(label));
        known.key = key;
      }
    }
    for (const [runId, known] of shown) {
      if (present.has(runId)) continue;
      known.marker.remove();
      shown.delete(runId);
    }
  }, [map, trains, t, lang, name, now]);

  return (
    <section className="live__map" aria-labelledby="live-map-title">
      <h2 id="live-map-title" className="visually-hidden">
        {t('live.map.label')}
      </h2>
      <p className="visually-hidden">{t('live.map.listNote')}</p>
      {failed ? (
        <p className="live-map live-map--failed">{t('live.map.unavailable')}</p>
      ) : (
        <div className="live-map__frame">
          <div ref={element} className="live-map" />
          {map ? null : <p className="live-map__loading">{t('live.map.loading')}</p>}
        </div>
      )}
    </section>
  );
}
