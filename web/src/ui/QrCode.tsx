import { useMemo } from 'react';
import { encodeQr, qrPath, type EccLevel } from './qr';

interface Props {
  /** What the code says (the ticket's base45 text is encoded in alphanumeric mode). */
  text: string;
  /** Its name for screen readers ("Code QR du billet de …"). */
  label: string;
  level?: EccLevel;
  className?: string;
}

/** A QR code as an SVG: dark on white, a quiet zone of 4 modules, crisp at any size (it fills its box). */
export function QrCode({ text, label, level = 'M', className }: Props) {
  const matrix = useMemo(() => encodeQr(text, level), [text, level]);
  const side = matrix.size + 8;
  return (
    <svg
      className={className ? `qr-code ${className}` : 'qr-code'}
      role="img"
      aria-label={label}
      viewBox={`0 0 ${side} ${side}`}
      shapeRendering="crispEdges"
      data-qr-version={matrix.version}
      data-qr-level={matrix.level}
    >
      <rect width={side} height={side} fill="#ffffff" />
      <path d={qrPath(matrix)} fill="#000000" />
    </svg>
  );
}
