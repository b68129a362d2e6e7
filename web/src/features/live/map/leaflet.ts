// Leaflet, from Debian's libjs-leaflet: build.sh copies its files into dist/vendor/leaflet/, and the live map
// loads them when it is first shown (the other pages never download them). The types below are the few parts
// of Leaflet the map uses: Debian ships no @types/leaflet (and its libjs-leaflet 1.7.1 package holds Leaflet 1.6.0).

export type LatLngTuple = [number, number];

export interface LayerLike {
  addTo(map: LeafletMap): this;
  remove(): this;
}

export interface Bounds {
  isValid(): boolean;
  extend(point: LatLngTuple): this;
}

export interface LeafletMap {
  fitBounds(
    bounds: Bounds,
    options?: {
      padding?: LatLngTuple;
      paddingTopLeft?: LatLngTuple;
      paddingBottomRight?: LatLngTuple;
      maxZoom?: number;
      animate?: boolean;
    },
  ): this;
  invalidateSize(): this;
  remove(): this;
  getZoom(): number;
  on(event: 'zoomend', handler: () => void): this;
  off(event: 'zoomend', handler: () => void): this;
  attributionControl?: { setPrefix(prefix: string | false): unknown; addAttribution(text: string): unknown };
}

export interface Marker extends LayerLike {
  setLatLng(point: LatLngTuple): this;
  setIcon(icon: Icon): this;
  setZIndexOffset(offset: number): this;
  on(event: 'click', handler: () => void): this;
}

export interface Path extends LayerLike {
  getBounds(): Bounds;
  bindTooltip(content: HTMLElement, options?: { permanent?: boolean; direction?: 'right' | 'left' | 'top' | 'bottom' | 'auto'; className?: string; offset?: LatLngTuple }): this;
}

export interface Icon {
  options: unknown;
}

export interface Leaflet {
  version: string;
  map(
    element: HTMLElement,
    options?: {
      zoomControl?: boolean;
      attributionControl?: boolean;
      /** Drawing with a canvas: cheaper than SVG on a phone. */
      preferCanvas?: boolean;
      minZoom?: number;
      maxZoom?: number;
      zoomSnap?: number;
      zoomDelta?: number;
      zoomAnimation?: boolean;
      /** Panning with the arrow keys (which also makes the map a tab stop). */
      keyboard?: boolean;
    },
  ): LeafletMap;
  tileLayer(url: string, options?: { attribution?: string; maxZoom?: number; minZoom?: number }): LayerLike;
  polyline(points: LatLngTuple[], options?: PathOptions): Path;
  circleMarker(point: LatLngTuple, options?: PathOptions & { radius?: number }): Path;
  marker(point: LatLngTuple, options?: { icon?: Icon; keyboard?: boolean; title?: string; alt?: string; zIndexOffset?: number; riseOnHover?: boolean }): Marker;
  divIcon(options: { className?: string; html?: HTMLElement | string; iconSize?: LatLngTuple | null; iconAnchor?: LatLngTuple }): Icon;
  latLngBounds(points: LatLngTuple[]): Bounds;
  control: {
    zoom(options?: { position?: string; zoomInTitle?: string; zoomOutTitle?: string }): Control;
  };
}

export interface Control {
  addTo(map: LeafletMap): this;
  remove(): this;
}

export interface PathOptions {
  color?: string;
  weight?: number;
  opacity?: number;
  fillColor?: string;
  fillOpacity?: number;
  interactive?: boolean;
  className?: string;
}

/** The build id index.html carries, so that Leaflet's files are cached as long as the build's. */
function buildId(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="setrag-build"]')?.content ?? '';
}

function vendorUrl(file: string): string {
  const id = buildId();
  return `/vendor/leaflet/${file}${id && !id.startsWith('__') ? `?v=${encodeURIComponent(id)}` : ''}`;
}

let loading: Promise<Leaflet> | null = null;

/** Leaflet, loaded once (its stylesheet, then its script); rejected when it cannot be (offline, file missing). */
export function loadLeaflet(): Promise<Leaflet> {
  const ready = (window as unknown as { L?: Leaflet }).L;
  if (ready) return Promise.resolve(ready);
  if (loading) return loading;
  // Both the stylesheet and the script must be there before a map is made (its panes are placed by the CSS).
  const file = <E extends HTMLLinkElement | HTMLScriptElement>(element: E) =>
    new Promise<void>((resolve, reject) => {
      element.onload = () => resolve();
      element.onerror = () => reject(new Error('Leaflet could not be loaded'));
      document.head.appendChild(element);
    });
  const css = document.createElement('link');
  css.rel = 'stylesheet';
  css.href = vendorUrl('leaflet.css');
  const script = document.createElement('script');
  script.src = vendorUrl('leaflet.js');
  script.async = true;
  loading = Promise.all([file(css), file(script)]).then(() => {
    const L = (window as unknown as { L?: Leaflet }).L;
    if (!L) throw new Error('leaflet.js did not define L');
    return L;
  }).catch((error: unknown) => {
    // Another visit to the map tries again, from scratch.
    css.remove();
    script.remove();
    loading = null;
    throw error;
  });
  return loading;
}

/** The tile settings build.sh wrote into index.html (empty when none). */
export function tileSettings(): { url: string; attribution: string } {
  const meta = (name: string) => document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? '';
  return { url: meta('setrag-map-tiles'), attribution: meta('setrag-map-attribution') };
}
