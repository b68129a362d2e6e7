// The map's background tiles: none unless a tile URL template was configured at build time (`SETRAG_MAP_TILES_URL`,
// written by build.sh into index.html). The line and the stations are drawn from SETRAG's own data either way,
// so the map works without any tile server. Pure.

export interface TileConfig {
  /** `https://tiles.example.ga/{z}/{x}/{y}.png` or a path on this site: `/tiles/{z}/{x}/{y}.png`. */
  url: string;
  /** HTML shown in the map's corner (the tiles' licence), as configured. */
  attribution: string;
}

/** The tile settings if the template is usable (https or same-site, with {z}, {x} and {y}), else null. */
export function tileConfig(url: string | null | undefined, attribution: string | null | undefined): TileConfig | null {
  const template = (url ?? '').trim();
  if (!/^(?:https:\/\/[^/\s]+\/|\/(?!\/))\S*$/.test(template)) return null;
  if (!['{z}', '{x}', '{y}'].every((part) => template.includes(part))) return null;
  return { url: template, attribution: (attribution ?? '').trim() };
}
