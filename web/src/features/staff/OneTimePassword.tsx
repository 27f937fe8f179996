import { useEffect, useRef, useState } from "react";

/** A one-time password, shown once, with a copy button. */
export function OneTimePassword({ password, person }: { password: string; person: string }) {
  const [copied, setCopied] = useState<null | "ok" | "failed">(null);
  const box = useRef<HTMLElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);

  async function copy() {
    try {
      await navigator.clipboard.writeText(password);
      setCopied("ok");
    } catch {
      // No clipboard permission (e.g. plain http on a LAN address): select it for Ctrl+C.
      const range = document.createRange();
      if (box.current) {
        range.selectNodeContents(box.current);
        const sel = window.getSelection();
        sel?.removeAllRanges();
        sel?.addRange(range);
      }
      setCopied("failed");
    }
  }

  return (
    <section className="otp" aria-labelledby="otp-title">
      <h2 id="otp-title" ref={heading} tabIndex={-1}>
        One-time password for {person}
      </h2>
      <p>
        <strong>This password is shown only now.</strong> Give it to {person} in person. At their
        first sign-in they must choose their own.
      </p>
      <div className="otp-row">
        <code className="otp-value" ref={box} data-testid="one-time-password">
          {password}
        </code>
        <button type="button" className="btn btn-primary" onClick={() => void copy()}>
          Copy
        </button>
      </div>
      <p role="status" className="hint">
        {copied === "ok"
          ? "Copied to the clipboard."
          : copied === "failed"
            ? "The browser did not allow copying; the password is selected: press Ctrl+C."
            : ""}
      </p>
    </section>
  );
}
