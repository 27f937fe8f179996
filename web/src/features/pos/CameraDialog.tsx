/**
 * Scanning with the device camera through the browser's BarcodeDetector (Chromium on Android
 * and ChromeOS, Safari 17+ on some devices). Offered only where the API exists; the first code
 * read is handed to the checkout exactly like a wedge scan.
 */
import { useEffect, useRef, useState } from "react";
import { Modal } from "../../ui/Modal";

interface Detector {
  detect(source: HTMLVideoElement): Promise<{ rawValue: string }[]>;
}
type DetectorCtor = new (opts?: { formats?: string[] }) => Detector;

export function cameraScanSupported(): boolean {
  return (
    typeof window !== "undefined" &&
    "BarcodeDetector" in window &&
    !!navigator.mediaDevices?.getUserMedia
  );
}

export function CameraDialog({
  onCode,
  onClose,
}: {
  onCode: (code: string) => void;
  onClose: () => void;
}) {
  const video = useRef<HTMLVideoElement>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    let stream: MediaStream | null = null;
    let timer = 0;
    let done = false;
    const Ctor = (window as unknown as { BarcodeDetector: DetectorCtor }).BarcodeDetector;
    const detector = new Ctor({ formats: ["ean_13", "ean_8", "upc_a", "upc_e", "code_128"] });
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "environment" } })
      .then(async (s) => {
        stream = s;
        if (!video.current) return;
        video.current.srcObject = s;
        await video.current.play();
        const tick = async () => {
          if (done || !video.current) return;
          try {
            const found = await detector.detect(video.current);
            if (found[0]?.rawValue) {
              done = true;
              onCode(found[0].rawValue);
              return;
            }
          } catch {
            /* a frame that could not be read: try the next */
          }
          timer = window.setTimeout(tick, 150);
        };
        void tick();
      })
      .catch(() =>
        setProblem(
          "The camera could not be opened. Allow camera access for this site, or scan with the scanner.",
        ),
      );
    return () => {
      done = true;
      window.clearTimeout(timer);
      stream?.getTracks().forEach((t) => t.stop());
    };
  }, [onCode]);
  return (
    <Modal title="Scan with the camera" onClose={onClose}>
      {problem ? (
        <div className="alert alert-error" role="alert">
          {problem}
        </div>
      ) : (
        <video ref={video} className="camera" muted playsInline aria-label="Camera view" />
      )}
      <p className="hint">Hold the barcode inside the frame; the item is added when it is read.</p>
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={onClose} autoFocus data-autofocus>
          Close <kbd>Esc</kbd>
        </button>
      </div>
    </Modal>
  );
}
