/**
 * A modal dialog on the native <dialog> element: focus moves into it (to the element marked
 * `data-autofocus`, else the first focusable one) and stays there, Escape closes it, and focus returns to where it was when it closes (the caller may move it
 * elsewhere afterwards, e.g. the till's scan field).
 */
import { type ReactNode, useEffect, useId, useRef } from "react";

export function Modal({
  title,
  onClose,
  children,
  className,
  labelledBy,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  className?: string;
  labelledBy?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal?.();
    // showModal focuses the first focusable element; the dialog's own choice wins.
    d?.querySelector<HTMLElement>("[data-autofocus]")?.focus();
    return () => {
      if (d?.open) d.close();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      className={`dialog ${className ?? ""}`}
      aria-labelledby={labelledBy ?? titleId}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      {children}
    </dialog>
  );
}
