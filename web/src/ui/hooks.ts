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

/** Sets the document title and moves focus to the page heading when the page opens. */
export function usePageFocus(title: string) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · ChainSync`;
    ref.current?.focus({ preventScroll: false });
  }, [title]);
  return ref;
}
