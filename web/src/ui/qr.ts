// A QR code encoder (ISO/IEC 18004), written here so the e-ticket needs no library. Pure: text in, a square
// of modules out. Alphanumeric mode (the tickets' base45 text: `0-9A-Z $%*+-./:`), or byte mode (UTF-8) for any
// other text; versions 1 to 40, the smallest that holds the text; levels L, M, Q, H; the mask with the lowest
// penalty of the eight.

export type EccLevel = 'L' | 'M' | 'Q' | 'H';

/** The format information's two bits for each level (L 01, M 00, Q 11, H 10). */
const ECC_BITS: Record<EccLevel, number> = { L: 1, M: 0, Q: 3, H: 2 };

// Per version (index 1 to 40): error correction codewords per block, and the number of blocks (table 9).
const ECC_PER_BLOCK: Record<EccLevel, readonly number[]> = {
  L: [-1, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
  M: [-1, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28],
  Q: [-1, 13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30, 28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
  H: [-1, 17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28, 30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
};
const BLOCKS: Record<EccLevel, readonly number[]> = {
  L: [-1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25],
  M: [-1, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49],
  Q: [-1, 1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20, 23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68],
  H: [-1, 1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25, 25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81],
};

export const ALPHANUMERIC_CHARSET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';

/** Modules on a side: 21 for version 1, 4 more per version. */
export function moduleCount(version: number): number {
  return 17 + 4 * version;
}

/** Centres of the alignment patterns on each axis (table E.1). */
export function alignmentPositions(version: number): number[] {
  if (version === 1) return [];
  const count = Math.floor(version / 7) + 2;
  const step = version === 32 ? 26 : Math.ceil((version * 4 + 4) / (count * 2 - 2)) * 2;
  const result = [6];
  for (let pos = moduleCount(version) - 7; result.length < count; pos -= step) result.splice(1, 0, pos);
  return result;
}

/** Modules left for data and error correction once the function patterns are drawn, in whole codewords. */
export function codewordCount(version: number): number {
  let bits = (16 * version + 128) * version + 64;
  if (version >= 2) {
    const align = Math.floor(version / 7) + 2;
    bits -= (25 * align - 10) * align - 55;
    if (version >= 7) bits -= 36;
  }
  return Math.floor(bits / 8);
}

export function dataCodewordCount(version: number, level: EccLevel): number {
  return codewordCount(version) - ECC_PER_BLOCK[level][version] * BLOCKS[level][version];
}

// ---- GF(256), primitive polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11D)

const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
(() => {
  let x = 1;
  for (let i = 0; i < 255; i += 1) {
    EXP[i] = x;
    LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
  for (let i = 255; i < 512; i += 1) EXP[i] = EXP[i - 255];
})();

export function gfMultiply(a: number, b: number): number {
  return a === 0 || b === 0 ? 0 : EXP[LOG[a] + LOG[b]];
}

/** The generator polynomial (x - α^0)(x - α^1)…(x - α^(degree-1)), coefficients from x^(degree-1) down, the
 * leading 1 left out. */
export function rsGenerator(degree: number): number[] {
  const result = new Array<number>(degree).fill(0);
  result[degree - 1] = 1;
  let root = 1;
  for (let i = 0; i < degree; i += 1) {
    for (let j = 0; j < degree; j += 1) {
      result[j] = gfMultiply(result[j], root);
      if (j + 1 < degree) result[j] ^= result[j + 1];
    }
    root = gfMultiply(root, 2);
  }
  return result;
}

/** The error correction codewords of one block: the remainder of data·x^degree divided by the generator. */
export function rsRemainder(data: readonly number[], degree: number): number[] {
  const generator = rsGenerator(degree);
  const result = new Array<number>(degree).fill(0);
  for (const byte of data) {
    const factor = byte ^ (result.shift() as number);
    result.push(0);
    for (let i = 0; i < degree; i += 1) result[i] ^= gfMultiply(generator[i], factor);
  }
  return result;
}

// ---- BCH codes of the format and version information

/** 15 bits: level and mask, their BCH(15,5) code, XORed with 101010000010010. */
export function formatBits(level: EccLevel, mask: number): number {
  const data = (ECC_BITS[level] << 3) | mask;
  let rem = data;
  for (let i = 0; i < 10; i += 1) rem = (rem << 1) ^ ((rem >>> 9) * 0x537);
  return ((data << 10) | rem) ^ 0x5412;
}

/** 18 bits (versions 7 and up): the version and its BCH(18,6) code. */
export function versionBits(version: number): number {
  let rem = version;
  for (let i = 0; i < 12; i += 1) rem = (rem << 1) ^ ((rem >>> 11) * 0x1f25);
  return (version << 12) | rem;
}

// ---- Data encoding

class BitBuffer {
  readonly bits: number[] = [];
  put(value: number, length: number): void {
    for (let i = length - 1; i >= 0; i -= 1) this.bits.push((value >>> i) & 1);
  }
}

export function isAlphanumeric(text: string): boolean {
  for (const char of text) if (!ALPHANUMERIC_CHARSET.includes(char)) return false;
  return true;
}

function utf8(text: string): number[] {
  return Array.from(new TextEncoder().encode(text));
}

interface Segment {
  mode: number;
  count: number;
  /** Character count indicator's length for versions 1–9, 10–26, 27–40. */
  countBits: readonly [number, number, number];
  data: BitBuffer;
}

function segment(text: string): Segment {
  const data = new BitBuffer();
  if (isAlphanumeric(text)) {
    for (let i = 0; i + 1 < text.length; i += 2) {
      data.put(ALPHANUMERIC_CHARSET.indexOf(text[i]) * 45 + ALPHANUMERIC_CHARSET.indexOf(text[i + 1]), 11);
    }
    if (text.length % 2 === 1) data.put(ALPHANUMERIC_CHARSET.indexOf(text[text.length - 1]), 6);
    return { mode: 0b0010, count: text.length, countBits: [9, 11, 13], data };
  }
  const bytes = utf8(text);
  for (const byte of bytes) data.put(byte, 8);
  return { mode: 0b0100, count: bytes.length, countBits: [8, 16, 16], data };
}

function countBitsFor(seg: Segment, version: number): number {
  return seg.countBits[version <= 9 ? 0 : version <= 26 ? 1 : 2];
}

/** The data codewords (mode, count, data, terminator, padding 0xEC 0x11) for a version and level. */
export function dataCodewords(text: string, version: number, level: EccLevel): number[] {
  const seg = segment(text);
  const capacity = dataCodewordCount(version, level) * 8;
  const buffer = new BitBuffer();
  buffer.put(seg.mode, 4);
  buffer.put(seg.count, countBitsFor(seg, version));
  buffer.bits.push(...seg.data.bits);
  if (buffer.bits.length > capacity) throw new RangeError('QR: the text does not fit this version');
  buffer.put(0, Math.min(4, capacity - buffer.bits.length));
  buffer.put(0, (8 - (buffer.bits.length % 8)) % 8);
  for (let pad = 0xec; buffer.bits.length < capacity; pad ^= 0xec ^ 0x11) buffer.put(pad, 8);
  const bytes: number[] = [];
  for (let i = 0; i < buffer.bits.length; i += 8) {
    let byte = 0;
    for (let j = 0; j < 8; j += 1) byte = (byte << 1) | buffer.bits[i + j];
    bytes.push(byte);
  }
  return bytes;
}

/** The smallest version (1–40) holding the text at that level. */
export function chooseVersion(text: string, level: EccLevel): number {
  const seg = segment(text);
  for (let version = 1; version <= 40; version += 1) {
    const needed = 4 + countBitsFor(seg, version) + seg.data.bits.length;
    if (seg.count < 1 << countBitsFor(seg, version) && needed <= dataCodewordCount(version, level) * 8) {
      return version;
    }
  }
  throw new RangeError('QR: the text is too long for a QR code');
}

/** Data split into blocks, each with its error correction, interleaved (data first, then error correction). */
export function interleave(data: readonly number[], version: number, level: EccLevel): number[] {
  const blocks = BLOCKS[level][version];
  const eccLength = ECC_PER_BLOCK[level][version];
  const raw = codewordCount(version);
  const shortBlocks = blocks - (raw % blocks);
  const shortDataLength = Math.floor(raw / blocks) - eccLength;
  const dataBlocks: number[][] = [];
  const eccBlocks: number[][] = [];
  let offset = 0;
  for (let i = 0; i < blocks; i += 1) {
    const length = shortDataLength + (i < shortBlocks ? 0 : 1);
    const block = data.slice(offset, offset + length);
    offset += length;
    dataBlocks.push(block);
    eccBlocks.push(rsRemainder(block, eccLength));
  }
  const result: number[] = [];
  for (let i = 0; i <= shortDataLength; i += 1) {
    for (const block of dataBlocks) if (i < block.length) result.push(block[i]);
  }
  for (let i = 0; i < eccLength; i += 1) for (const block of eccBlocks) result.push(block[i]);
  return result;
}

// ---- The matrix

export interface QrMatrix {
  version: number;
  level: EccLevel;
  mask: number;
  size: number;
  /** modules[row][column]: true is dark. */
  modules: boolean[][];
}

const MASKS: ReadonlyArray<(x: number, y: number) => boolean> = [
  (x, y) => (x + y) % 2 === 0,
  (_x, y) => y % 2 === 0,
  (x) => x % 3 === 0,
  (x, y) => (x + y) % 3 === 0,
  (x, y) => (Math.floor(x / 3) + Math.floor(y / 2)) % 2 === 0,
  (x, y) => ((x * y) % 2) + ((x * y) % 3) === 0,
  (x, y) => (((x * y) % 2) + ((x * y) % 3)) % 2 === 0,
  (x, y) => (((x + y) % 2) + ((x * y) % 3)) % 2 === 0,
];

class Grid {
  readonly modules: boolean[][];
  readonly isFunction: boolean[][];
  constructor(readonly size: number) {
    this.modules = Array.from({ length: size }, () => new Array<boolean>(size).fill(false));
    this.isFunction = Array.from({ length: size }, () => new Array<boolean>(size).fill(false));
  }
  setFunction(x: number, y: number, dark: boolean): void {
    this.modules[y][x] = dark;
    this.isFunction[y][x] = true;
  }
}

function drawFunctionPatterns(grid: Grid, version: number): void {
  const size = grid.size;
  for (let i = 0; i < size; i += 1) {
    grid.setFunction(6, i, i % 2 === 0);
    grid.setFunction(i, 6, i % 2 === 0);
  }
  for (const [cx, cy] of [
    [3, 3],
    [size - 4, 3],
    [3, size - 4],
  ]) {
    // The finder (7×7) with its light separator.
    for (let dy = -4; dy <= 4; dy += 1) {
      for (let dx = -4; dx <= 4; dx += 1) {
        const x = cx + dx;
        const y = cy + dy;
        const dist = Math.max(Math.abs(dx), Math.abs(dy));
        if (x >= 0 && x < size && y >= 0 && y < size) grid.setFunction(x, y, dist !== 2 && dist !== 4);
      }
    }
  }
  const positions = alignmentPositions(version);
  const last = positions.length - 1;
  positions.forEach((cx, i) =>
    positions.forEach((cy, j) => {
      if ((i === 0 && j === 0) || (i === 0 && j === last) || (i === last && j === 0)) return;
      for (let dy = -2; dy <= 2; dy += 1) {
        for (let dx = -2; dx <= 2; dx += 1) grid.setFunction(cx + dx, cy + dy, Math.max(Math.abs(dx), Math.abs(dy)) !== 1);
      }
    }),
  );
  drawFormat(grid, 0); // reserves the area; redrawn with the real mask
  if (version >= 7) {
    const bits = versionBits(version);
    for (let i = 0; i < 18; i += 1) {
      const dark = ((bits >>> i) & 1) === 1;
      const a = size - 11 + (i % 3);
      const b = Math.floor(i / 3);
      grid.setFunction(a, b, dark);
      grid.setFunction(b, a, dark);
    }
  }
}

function drawFormat(grid: Grid, bits: number): void {
  const size = grid.size;
  const bit = (i: number) => ((bits >>> i) & 1) === 1;
  for (let i = 0; i <= 5; i += 1) grid.setFunction(8, i, bit(i));
  grid.setFunction(8, 7, bit(6));
  grid.setFunction(8, 8, bit(7));
  grid.setFunction(7, 8, bit(8));
  for (let i = 9; i < 15; i += 1) grid.setFunction(14 - i, 8, bit(i));
  for (let i = 0; i < 8; i += 1) grid.setFunction(size - 1 - i, 8, bit(i));
  for (let i = 8; i < 15; i += 1) grid.setFunction(8, size - 15 + i, bit(i));
  grid.setFunction(8, size - 8, true); // the dark module
}

/** Codewords placed in two-module columns, right to left, zigzagging up and down, around the patterns. */
function drawCodewords(grid: Grid, codewords: readonly number[]): void {
  const size = grid.size;
  let i = 0;
  for (let right = size - 1; right >= 1; right -= 2) {
    if (right === 6) right = 5; // the vertical timing pattern
    const upward = ((right + 1) & 2) === 0;
    for (let vert = 0; vert < size; vert += 1) {
      for (let j = 0; j < 2; j += 1) {
        const x = right - j;
        const y = upward ? size - 1 - vert : vert;
        if (!grid.isFunction[y][x] && i < codewords.length * 8) {
          grid.modules[y][x] = ((codewords[i >>> 3] >>> (7 - (i & 7))) & 1) === 1;
          i += 1;
        }
      }
    }
  }
}

function applyMask(grid: Grid, mask: number): void {
  const rule = MASKS[mask];
  for (let y = 0; y < grid.size; y += 1) {
    for (let x = 0; x < grid.size; x += 1) {
      if (!grid.isFunction[y][x] && rule(x, y)) grid.modules[y][x] = !grid.modules[y][x];
    }
  }
}

const FINDER_LIKE = [
  [true, false, true, true, true, false, true, false, false, false, false],
  [false, false, false, false, true, false, true, true, true, false, true],
];

/** The penalty of a masked symbol (rules N1 to N4: runs, 2×2 blocks, finder-like patterns, dark balance). */
export function penalty(modules: readonly (readonly boolean[])[]): number {
  const size = modules.length;
  let score = 0;
  const line = (get: (i: number) => boolean) => {
    let run = 1;
    for (let i = 1; i <= size; i += 1) {
      if (i < size && get(i) === get(i - 1)) run += 1;
      else {
        if (run >= 5) score += 3 + (run - 5);
        run = 1;
      }
    }
    for (let i = 0; i + 11 <= size; i += 1) {
      for (const pattern of FINDER_LIKE) {
        if (pattern.every((dark, k) => get(i + k) === dark)) score += 40;
      }
    }
  };
  for (let y = 0; y < size; y += 1) line((x) => modules[y][x]);
  for (let x = 0; x < size; x += 1) line((y) => modules[y][x]);
  let dark = 0;
  for (let y = 0; y < size; y += 1) {
    for (let x = 0; x < size; x += 1) {
      if (modules[y][x]) dark += 1;
      if (
        y + 1 < size &&
        x + 1 < size &&
        modules[y][x] === modules[y][x + 1] &&
        modules[y][x] === modules[y + 1][x] &&
        modules[y][x] === modules[y + 1][x + 1]
      ) {
        score += 3;
      }
    }
  }
  const total = size * size;
  score += 10 * Math.floor(Math.abs(dark * 20 - total * 10) / total);
  return score;
}

/** Encodes the text in the smallest version at that level, with the best of the 8 masks (or the one given). */
export function encodeQr(text: string, level: EccLevel = 'M', forceMask?: number): QrMatrix {
  const version = chooseVersion(text, level);
  const codewords = interleave(dataCodewords(text, version, level), version, level);
  const size = moduleCount(version);
  let best: QrMatrix | null = null;
  let bestScore = Infinity;
  for (let mask = 0; mask < 8; mask += 1) {
    if (forceMask !== undefined && mask !== forceMask) continue;
    const grid = new Grid(size);
    drawFunctionPatterns(grid, version);
    drawCodewords(grid, codewords);
    applyMask(grid, mask);
    drawFormat(grid, formatBits(level, mask));
    const score = penalty(grid.modules);
    if (score < bestScore) {
      bestScore = score;
      best = { version, level, mask, size, modules: grid.modules };
    }
  }
  return best as QrMatrix;
}

/** The dark modules as one SVG path, offset by the quiet zone (in modules). */
export function qrPath(matrix: QrMatrix, quiet = 4): string {
  const parts: string[] = [];
  matrix.modules.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (dark) parts.push(`M${x + quiet} ${y + quiet}h1v1h-1z`);
    }),
  );
  return parts.join('');
}
