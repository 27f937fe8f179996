/**
 * The till's keyboard map, in one place: the checkout's key handler and the labels on its
 * buttons both read it, so what a button says is what the key does. Function keys are used
 * because a wedge scanner types digits and letters into the scan field; F1, F5, F11 and F12
 * are left to the browser (help, reload, full screen, developer tools). Returns are Alt+R, or
 * scanning the receipt's number.
 */
export const KEYS = {
  pay: { key: "F10", label: "F10" },
  quantity: { key: "F2", label: "F2" },
  lineDiscount: { key: "F3", label: "F3" },
  cartDiscount: { key: "F4", label: "F4" },
  park: { key: "F6", label: "F6" },
  parked: { key: "F7", label: "F7" },
  camera: { key: "F8", label: "F8" },
  clear: { key: "F9", label: "F9" },
  remove: { key: "Delete", label: "Del" },
  return: { key: "r", label: "Alt+R", alt: true },
  customer: { key: "c", label: "Alt+C", alt: true },
} as const;

export type Action = keyof typeof KEYS;

export function actionFor(e: KeyboardEvent): Action | null {
  if (e.ctrlKey || e.metaKey) return null;
  for (const [action, k] of Object.entries(KEYS)) {
    const alt = "alt" in k && k.alt;
    if (e.altKey === alt && e.key.toLowerCase() === k.key.toLowerCase()) return action as Action;
  }
  return null;
}
