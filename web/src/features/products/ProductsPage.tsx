/** `/products`: search the catalog (words of the name or brand, SKU, barcode), by category. */
import { type FormEvent, useState } from "react";
import { useApp } from "../../app/context";
import { Link } from "../../app/router";
import { formatMoney } from "../../platform/money";
import type { Page as ApiPage } from "../../platform/net/api";
import { useAsync } from "../../ui/hooks";
import { Empty, ErrorAlert, LoadError, Loading, Page, SelectField } from "../../ui/ui";
import type { Product } from "../pos/types";
import { useCatalogLists } from "./useCatalogLists";

export function ProductsPage() {
  const { api, access, me } = useApp();
  const [typed, setTyped] = useState("");
  const [query, setQuery] = useState({ q: "", category: "" });
  const lists = useCatalogLists();
  const [more, setMore] = useState<{ items: Product[]; cursor: string | null; error: unknown }>({
    items: [],
    cursor: null,
    error: null,
  });
  const page = useAsync(async () => {
    const p = await api.get<ApiPage<Product>>("/api/products", {
      q: query.q,
      category_id: query.category,
      limit: 50,
    });
    setMore({ items: [], cursor: p.next_cursor, error: null });
    return p;
  }, [api, query]);
  const items = [...(page.data?.items ?? []), ...more.items];
  const money = (v: number) => formatMoney(v, me.organisation.currency, me.organisation.locale);

  const search = (e: FormEvent) => {
    e.preventDefault();
    setQuery((q) => ({ ...q, q: typed.trim() }));
  };

  const loadMore = async () => {
    try {
      const p = await api.get<ApiPage<Product>>("/api/products", {
        q: query.q,
        category_id: query.category,
        limit: 50,
        cursor: more.cursor,
      });
      setMore((m) => ({ items: [...m.items, ...p.items], cursor: p.next_cursor, error: null }));
    } catch (error) {
      setMore((m) => ({ ...m, error }));
    }
  };

  return (
    <Page
      title="Products"
      lead="The organisation's catalog. Prices are the catalog prices; stores may override them."
      actions={
        access.editProducts ? (
          <>
            <Link to="/imports?kind=products" className="btn">
              Import CSV
            </Link>
            <Link to="/products/new" className="btn btn-primary">
              New product
            </Link>
          </>
        ) : null
      }
    >
      <form className="filters" role="search" onSubmit={search}>
        <div className="field">
          <label htmlFor="product-q">Search</label>
          <input
            id="product-q"
            type="search"
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            placeholder="Name, brand, SKU or barcode"
          />
        </div>
        <SelectField
          label="Category"
          name="category"
          value={query.category}
          onChange={(e) => setQuery((q) => ({ ...q, category: e.target.value }))}
        >
          <option value="">All categories</option>
          {lists.data?.categories.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </SelectField>
        <div className="filter-actions">
          <button type="submit" className="btn btn-primary">
            Search
          </button>
          {query.q || query.category ? (
            <button
              type="button"
              className="btn"
              onClick={() => {
                setTyped("");
                setQuery({ q: "", category: "" });
              }}
            >
              Clear
            </button>
          ) : null}
        </div>
      </form>
      {page.status === "error" ? (
        <LoadError error={page.error} retry={page.reload} />
      ) : !page.data || page.status === "loading" ? (
        <Loading label="Loading products…" />
      ) : items.length === 0 ? (
        <Empty title={query.q || query.category ? "No product matches" : "No products yet"}>
          {query.q ? <p>Try fewer words, or the beginning of a word.</p> : null}
        </Empty>
      ) : (
        <>
          <div className="table-wrap">
            <table className="table">
              <caption className="sr-only">Products</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">SKU</th>
                  <th scope="col" className="hide-narrow">
                    Barcode
                  </th>
                  <th scope="col" className="hide-narrow">
                    Category
                  </th>
                  <th scope="col" className="num">
                    Price
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((p) => (
                  <tr key={p.id}>
                    <td>
                      <Link to={`/products/${p.id}`}>{p.name}</Link>
                      {p.unit === "weighed" ? <span className="muted"> · per kg</span> : null}
                    </td>
                    <td className="code">{p.sku}</td>
                    <td className="code hide-narrow">{p.barcodes[0] ?? "–"}</td>
                    <td className="hide-narrow">
                      {(p.category_id && lists.data?.categoryName.get(p.category_id)) || "–"}
                    </td>
                    <td className="num">{money(p.price_minor)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <ErrorAlert error={more.error} />
          {more.cursor ? (
            <div className="pager">
              <button type="button" className="btn" onClick={() => void loadMore()}>
                Show more
              </button>
            </div>
          ) : null}
        </>
      )}
    </Page>
  );
}
