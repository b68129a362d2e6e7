import { useEffect, useRef, useState } from 'react';
import { useT } from '../../../i18n';
import { Notice } from '../../../ui/Notice';

// The Shape Detection API's `BarcodeDetector` (Chrome on Android has it; many desktop browsers do not).
interface DetectedBarcode {
  rawValue: string;
}
interface BarcodeDetectorLike {
  detect(source: HTMLVideoElement): Promise<DetectedBarcode[]>;
}
interface BarcodeDetectorClass {
  new (options?: { formats: string[] }): BarcodeDetectorLike;
  getSupportedFormats?: () => Promise<string[]>;
}

function detectorClass(): BarcodeDetectorClass | null {
  if (typeof window === 'undefined') return null;
  return (window as unknown as { BarcodeDetector?: BarcodeDetectorClass }).BarcodeDetector ?? null;
}

type Support = 'checking' | 'yes' | 'no';
type CameraState = 'off' | 'starting' | 'on' | 'denied' | 'failed';

/**
 * Reads a ticket's QR code with the phone's back camera, when the browser can (`BarcodeDetector` with QR codes and a
 * camera); otherwise says so, and the code is typed or pasted below.
 */
export function QrScanner({ onCode }: { onCode: (text: string) => void }) {
  const t = useT();
  const [support, setSupport] = useState<Support>('checking');
  const [camera, setCamera] = useState<CameraState>('off');
  const video = useRef<HTMLVideoElement>(null);
  const stream = useRef<MediaStream | null>(null);
  const onCodeRef = useRef(onCode);
  onCodeRef.current = onCode;

  useEffect(() => {
    const Detector = detectorClass();
    if (!Detector || !navigator.mediaDevices?.getUserMedia) {
      setSupport('no');
      return;
    }
    if (!Detector.getSupportedFormats) {
      setSupport('yes');
      return;
    }
    Detector.getSupportedFormats()
      .then((formats) => setSupport(formats.includes('qr_code') ? 'yes' : 'no'))
      .catch(() => setSupport('no'));
  }, []);

  function stop() {
    stream.current?.getTracks().forEach((track) => track.stop());
    stream.current = null;
  }

  useEffect(() => stop, []);

  useEffect(() => {
    if (camera !== 'on') return;
    const Detector = detectorClass();
    const element = video.current;
    if (!Detector || !element) return;
    const detector = new Detector({ formats: ['qr_code'] });
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const look = async () => {
      if (cancelled) return;
      try {
        if (element.readyState >= 2) {
          const codes = await detector.detect(element);
          const found = codes.find((code) => code.rawValue);
          if (found && !cancelled) {
            stop();
            setCamera('off');
            onCodeRef.current(found.rawValue);
            return;
          }
        }
      } catch {
        // a frame that could not be read: try the next one
      }
      timer = setTimeout(() => void look(), 200);
    };
    void look();
    return () => {
      cancelled = true;
      if (timer) clearTimeout(timer);
    };
  }, [camera]);

  async function start() {
    setCamera('starting');
    try {
      const media = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: { ideal: 'environment' } },
        audio: false,
      });
      stream.current = media;
      setCamera('on');
      const element = video.current;
      if (element) {
        element.srcObject = media;
        await element.play().catch(() => undefined);
      }
    } catch (error) {
      stop();
      const name = error instanceof Error ? error.name : '';
      setCamera(name === 'NotAllowedError' || name === 'SecurityError' ? 'denied' : 'failed');
    }
  }

  if (support === 'checking') return null;
  if (support === 'no') return <Notice tone="info">{t('agent.check.scanner.unsupported')}</Notice>;

  return (
    <div className="qr-scanner">
      {camera === 'on' || camera === 'starting' ? (
        <>
          <video ref={video} className="qr-scanner__video" playsInline muted aria-label={t('agent.check.scanner.videoLabel')} />
          <p role="status">{t('agent.check.scanner.aim')}</p>
          <button
            type="button"
            className="button button--secondary"
            onClick={() => {
              stop();
              setCamera('off');
            }}
          >
            {t('agent.check.scanner.stop')}
          </button>
        </>
      ) : (
        <button type="button" className="button qr-scanner__start" onClick={() => void start()}>
          {t('agent.check.scanner.start')}
        </button>
      )}
      {camera === 'denied' ? <Notice tone="error">{t('agent.check.scanner.denied')}</Notice> : null}
      {camera === 'failed' ? <Notice tone="error">{t('agent.check.scanner.failed')}</Notice> : null}
    </div>
  );
}
