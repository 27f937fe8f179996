/**
 * Finds a product by name, brand, SKU or barcode (the catalog search the Products screen uses,
 * `GET /api/products?q=`) and picks one: an ARIA combobox (arrow keys move through the
 * results, Enter picks, Escape closes), as the till's search does.
 */
import { useEffect, useId, useRef, useState } from "react";
import { useApp } from "../../app/context";
import type { Page } from "../../platform/net/api";
import { describeError } from "../../platform/net/errors";
import type { Product } from "../pos/types";

export function ProductPicker({
  label,
  selected,
  onPick,
  clearLabel,
  hint,
}: {
  label: string;
  /** The product picked (null: none). */
  selected: Pick<Product, "id" | "name" | "sku"> | null;
  onPick: (p: Product | null) => void;
  /** Shows a button that removes the choice (a filter's "all products"). */
  clearLabel?: string;
  hint?: string;
}) {
  const { api } = useApp();
  const id = useId();
  const listId = `${id}-list`;
  const hintId = `${id}-hint`;
  const [text, setText] = useState(selected?.name ?? "");
  const [typing, setTyping] = useState(false);
  const [results, setResults] = useState<Product[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [active, setActive] = useState(0);
  const seq = useRef(0);

  // Shows the picked product's name when the choice changes from outside (the address).
  useEffect(() => {
    if (!typing) setText(selected?.name ?? "");
  }, [selected, typing]);

  useEffect(() => {
    const q = text.trim();
    if (!typing || !q) {
      setResults(null);
      return;
    }
    const mine = ++seq.current;
    const timer = setTimeout(() => {
      api.get<Page<Product>>("/api/products", { q, limit: 10 }).then(
        (p) => {
          if (mine !== seq.current) return;
          setResults(p.items);
          setError(null);
          setActive(0);
        },
        (e: unknown) => {
          if (mine !== seq.current) return;
          setResults(null);
          setError(describeError(e));
        },
      );
    }, 250);
    return () => clearTimeout(timer);
  }, [api, text, typing]);

  const open = typing && results !== null && results.length > 0;
  const none = typing && results !== null && results.length === 0;
  const pick = (p: Product) => {
    seq.current++;
    setTyping(false);
    setResults(null);
    setText(p.name);
    onPick(p);
  };
  const close = () => {
    seq.current++;
    setTyping(false);
    setResults(null);
    setText(selected?.name ?? "");
  };

  return (
    <div className="field product-picker">
      <label htmlFor={id}>{label}</label>
      <div className="picker-wrap">
        <input
          id={id}
          type="search"
          value={text}
          autoComplete="off"
          spellCheck={false}
          role="combobox"
          aria-expanded={open}
          aria-controls={open ? listId : undefined}
          aria-autocomplete="list"
          aria-activedescendant={open ? `${listId}-${active}` : undefined}
          aria-describedby={hint || error ? hintId : undefined}
          placeholder="Name, brand, SKU or barcode"
          onChange={(e) => {
            setText(e.target.value);
            setTyping(true);
          }}
          onBlur={() => {
            // A click on a result lands first (onMouseDown prevents the blur from closing it).
            if (typing) close();
          }}
          onKeyDown={(e) => {
            if (e.key === "Escape" && typing) {
              e.preventDefault();
              close();
            } else if (e.key === "ArrowDown" && open) {
              e.preventDefault();
              setActive((a) => Math.min(results.length - 1, a + 1));
            } else if (e.key === "ArrowUp" && open) {
              e.preventDefault();
              setActive((a) => Math.max(0, a - 1));
            } else if (e.key === "Enter") {
              e.preventDefault();
              const hit = open ? results[active] : undefined;
              if (hit) pick(hit);
            }
          }}
        />
        {open ? (
          <ul id={listId} role="listbox" className="picker-results" aria-label="Products found">
            {results.map((p, i) => (
              <li
                key={p.id}
                id={`${listId}-${i}`}
                role="option"
                aria-selected={i === active}
                onMouseDown={(e) => {
                  e.preventDefault();
                  pick(p);
                }}
              >
                <span>{p.name}</span> <span className="muted code">{p.sku}</span>
              </li>
            ))}
          </ul>
        ) : null}
        {clearLabel && selected ? (
          <button
            type="button"
            className="btn btn-quiet"
            onClick={() => {
              close();
              setText("");
              onPick(null);
            }}
          >
            {clearLabel}
          </button>
        ) : null}
      </div>
      {none ? (
        <p className="hint" role="status">
          No product matches “{text.trim()}”.
        </p>
      ) : null}
      {hint || error ? (
        <p
          className={error ? "field-error" : "hint"}
          id={hintId}
          role={error ? "alert" : undefined}
        >
          {error ?? hint}
        </p>
      ) : null}
    </div>
  );
}
