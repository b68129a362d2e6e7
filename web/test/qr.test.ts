// The QR encoder (src/ui/qr.ts) against facts of ISO/IEC 18004: sizes, alignment pattern centres (table E.1),
// capacities (table 7), the format and version information (annexes C and D), Reed-Solomon codewords and the
// worked example "HELLO WORLD" 1-M.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  alignmentPositions,
  chooseVersion,
  codewordCount,
  dataCodewordCount,
  dataCodewords,
  encodeQr,
  formatBits,
  interleave,
  moduleCount,
  penalty,
  rsRemainder,
  versionBits,
} from '../src/ui/qr';

describe('QR code sizes and patterns', () => {
  it('has 17 + 4·version modules on a side', () => {
    assert.equal(moduleCount(1), 21);
    assert.equal(moduleCount(7), 45);
    assert.equal(moduleCount(8), 49);
    assert.equal(moduleCount(9), 53);
    assert.equal(moduleCount(40), 177);
  });

  it('places the alignment patterns as table E.1 says', () => {
    assert.deepEqual(alignmentPositions(1), []);
    assert.deepEqual(alignmentPositions(2), [6, 18]);
    assert.deepEqual(alignmentPositions(6), [6, 34]);
    assert.deepEqual(alignmentPositions(7), [6, 22, 38]);
    assert.deepEqual(alignmentPositions(8), [6, 24, 42]);
    assert.deepEqual(alignmentPositions(9), [6, 26, 46]);
    assert.deepEqual(alignmentPositions(10), [6, 28, 50]);
    assert.deepEqual(alignmentPositions(14), [6, 26, 46, 66]);
    assert.deepEqual(alignmentPositions(32), [6, 34, 60, 86, 112, 138]);
    assert.deepEqual(alignmentPositions(40), [6, 30, 58, 86, 114, 142, 170]);
  });

  it('counts codewords and data codewords as table 9 does', () => {
    assert.equal(codewordCount(1), 26);
    assert.equal(codewordCount(7), 196);
    assert.equal(codewordCount(8), 242);
    assert.equal(codewordCount(9), 292);
    assert.equal(codewordCount(40), 3706);
    assert.equal(dataCodewordCount(1, 'M'), 16);
    assert.equal(dataCodewordCount(7, 'M'), 124);
    assert.equal(dataCodewordCount(8, 'M'), 154);
    assert.equal(dataCodewordCount(9, 'M'), 182);
    assert.equal(dataCodewordCount(9, 'Q'), 132);
    assert.equal(dataCodewordCount(40, 'L'), 2956);
  });

  it('takes the smallest version for the alphanumeric capacity (table 7)', () => {
    assert.equal(chooseVersion('A'.repeat(122), 'M'), 5); // 5-M holds 122
    assert.equal(chooseVersion('A'.repeat(123), 'M'), 6);
    assert.equal(chooseVersion('A'.repeat(178), 'M'), 7); // 7-M holds 178
    assert.equal(chooseVersion('A'.repeat(179), 'M'), 8);
    assert.equal(chooseVersion('A'.repeat(221), 'M'), 8); // 8-M holds 221
    assert.equal(chooseVersion('A'.repeat(222), 'M'), 9);
    assert.equal(chooseVersion('A'.repeat(125), 'Q'), 7); // 7-Q holds 125
    assert.equal(chooseVersion('A'.repeat(126), 'Q'), 8);
    assert.equal(chooseVersion('A'.repeat(108), 'Q'), 6); // 6-Q holds 108
    assert.equal(chooseVersion('A'.repeat(25), 'L'), 1); // 1-L holds 25
    assert.equal(chooseVersion('A'.repeat(26), 'L'), 2);
    assert.throws(() => chooseVersion('A'.repeat(4297), 'L'));
  });
});

describe('QR format and version information', () => {
  it('gives level M the 15 bits of annex C for each mask', () => {
    const expected = [
      '101010000010010',
      '101000100100101',
      '101111001111100',
      '101101101001011',
      '100010111111001',
      '100000011001110',
      '100111110010111',
      '100101010100000',
    ];
    expected.forEach((bits, mask) => assert.equal(formatBits('M', mask).toString(2).padStart(15, '0'), bits));
    assert.equal(formatBits('L', 0).toString(2).padStart(15, '0'), '111011111000100');
    assert.equal(formatBits('Q', 0).toString(2).padStart(15, '0'), '011010101011111');
    assert.equal(formatBits('H', 0).toString(2).padStart(15, '0'), '001011010001001');
  });

  it('gives versions 7 and up the 18 bits of annex D', () => {
    assert.equal(versionBits(7), 0x07c94);
    assert.equal(versionBits(8), 0x085bc);
    assert.equal(versionBits(9), 0x09a99);
    assert.equal(versionBits(40), 0x28c69);
  });
});

describe('QR data and error correction', () => {
  // The worked example: "HELLO WORLD" in version 1-M.
  const hello = [32, 91, 11, 120, 209, 114, 220, 77, 67, 64, 236, 17, 236, 17, 236, 17];

  it('encodes alphanumeric text with its mode, count, terminator and padding', () => {
    assert.equal(chooseVersion('HELLO WORLD', 'M'), 1);
    assert.deepEqual(dataCodewords('HELLO WORLD', 1, 'M'), hello);
  });

  it('computes the Reed-Solomon codewords of a block', () => {
    assert.deepEqual(rsRemainder(hello, 10), [196, 35, 39, 119, 235, 215, 231, 226, 93, 23]);
    assert.deepEqual(interleave(hello, 1, 'M'), [...hello, 196, 35, 39, 119, 235, 215, 231, 226, 93, 23]);
  });

  it('interleaves blocks of unequal length, data first then error correction', () => {
    // 5-Q: 2 blocks of 15 data codewords, 2 of 16, 18 error correction codewords each (134 in all).
    const data = Array.from({ length: 62 }, (_, i) => i);
    const out = interleave(data, 5, 'Q');
    assert.equal(out.length, 134);
    assert.deepEqual(out.slice(0, 4), [0, 15, 30, 46]);
    assert.deepEqual(out.slice(56, 60), [14, 29, 44, 60]);
    assert.deepEqual(out.slice(60, 62), [45, 61]); // the longer blocks' last data codewords
    assert.deepEqual(out.slice(62, 66), [
      rsRemainder(data.slice(0, 15), 18)[0],
      rsRemainder(data.slice(15, 30), 18)[0],
      rsRemainder(data.slice(30, 46), 18)[0],
      rsRemainder(data.slice(46, 62), 18)[0],
    ]);
  });
});

describe('QR symbol', () => {
  const ticket = 'NCFOXN%TSMAHN-H0:R9F5*N6.ESB4OD7%-Q%J1R7RHK2J43V2R4W3$/Q2D.47A7UTR1O0QA6RR47AV-HUQ1VH3MDKF:UE0KK:W0L.6+3W9E6J-5/5SX2-Q05:HMQ65N0*GAJ$6A6';

  it('draws finders, timing and the dark module, and the chosen mask’s format bits', () => {
    const qr = encodeQr(ticket, 'M');
    assert.equal(qr.size, moduleCount(qr.version));
    const m = qr.modules;
    // Finder: dark ring, light ring, dark 3×3 centre; its separator light.
    for (const [r, c] of [[0, 0], [0, qr.size - 7], [qr.size - 7, 0]]) {
      assert.equal(m[r][c], true);
      assert.equal(m[r + 1][c + 1], false);
      assert.equal(m[r + 3][c + 3], true);
    }
    assert.equal(m[7][7], false);
    for (let i = 8; i < qr.size - 8; i += 1) {
      assert.equal(m[6][i], i % 2 === 0);
      assert.equal(m[i][6], i % 2 === 0);
    }
    assert.equal(m[qr.size - 8][8], true);
    const bits = formatBits('M', qr.mask);
    const read = [0, 1, 2, 3, 4, 5, 7, 8].map((row, i) => (m[row][8] ? 1 : 0) << i).reduce((a, b) => a | b, 0);
    assert.equal(read, bits & 0xff);
  });

  it('chooses the mask with the lowest penalty', () => {
    const best = encodeQr(ticket, 'M');
    for (let mask = 0; mask < 8; mask += 1) {
      assert.ok(penalty(best.modules) <= penalty(encodeQr(ticket, 'M', mask).modules));
    }
  });

  it('fits a ticket of about 155 characters in version 7 at level M', () => {
    assert.equal(encodeQr('A'.repeat(155), 'M').version, 7);
  });

  it('falls back to byte mode for other text', () => {
    assert.equal(dataCodewords('é', 1, 'M')[0] >> 4, 0b0100);
  });
});
