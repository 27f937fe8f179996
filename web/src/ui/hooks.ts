import { useCallback, useEffect, useRef, useState } from "react";

export type Async<T> =
  | { status: "loading"; data: T | null; error: null }
  | { status: "ready"; data: T; error: null }
  | { status: "error"; data: T | null; error: unknown };

/** Loads `load()` when `deps` change; `reload()` loads again. Late answers to old loads are dropped. */
export function useAsync<T>(load: () => Promise<T>, deps: readonly unknown[]) {
  const [state, setState] = useState<Async<T>>({ status: "loading", data: null, error: null });
  const seq = useRef(0);
  const run = useCallback(load, deps);
  const reload = useCallback(() => {
    const mine = ++seq.current;
    setState((s) => ({ status: "loading", data: s.data, error: null }));
    run().then(
      (data) => mine === seq.current && setState({ status: "ready", data, error: null }),
      (error: unknown) =>
        mine === seq.current && setState((s) => ({ status: "error", data: s.data, error })),
    );
  }, [run]);
  useEffect(() => {
    reload();
  }, [reload]);
  return {
    ...state,
    reload,
    setData: (data: T) => setState({ status: "ready", data, error: null }),
  };
}

/**
 * Sets the document title and, unless `focusHeading` is false (a screen whose first field
 * should take the first keystroke), moves focus to the page heading when the page opens, so
 * screen readers announce the new page and Tab starts from the top of it.
 */
export function usePageFocus(title: string, focusHeading = true) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · ChainSync`;
    if (focusHeading) ref.current?.focus({ preventScroll: false });
  }, [title, focusHeading]);
  return ref;
}
