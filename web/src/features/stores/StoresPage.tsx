import { useState } from "react";
import { useApp } from "../../app/context";
import { Link } from "../../app/router";
import type { Page as ApiPage } from "../../platform/net/api";
import { useAsync } from "../../ui/hooks";
import { Empty, LoadError, Loading, Page } from "../../ui/ui";
import type { Store } from "./types";

export function StoresPage() {
  const { api, access } = useApp();
  const [showInactive, setShowInactive] = useState(false);
  const stores = useAsync(
    () =>
      api.get<ApiPage<Store>>("/api/stores", {
        limit: 200,
        include_inactive: access.isAdmin && showInactive ? true : undefined,
      }),
    [api, showInactive, access.isAdmin],
  );
  const items = stores.data?.items ?? [];

  return (
    <Page
      title={access.isAdmin ? "Stores" : "My stores"}
      lead={
        access.isAdmin ? "Every store of the organisation." : "The stores you manage or work in."
      }
      actions={
        access.manageStores ? (
          <Link to="/stores/new" className="btn btn-primary">
            New store
          </Link>
        ) : null
      }
    >
      {access.isAdmin ? (
        <label className="checkbox">
          <input
            type="checkbox"
            checked={showInactive}
            onChange={(e) => setShowInactive(e.target.checked)}
          />
          Show deactivated stores
        </label>
      ) : null}
      {stores.status === "error" ? (
        <LoadError error={stores.error} retry={stores.reload} />
      ) : stores.status === "loading" && !stores.data ? (
        <Loading label="Loading stores…" />
      ) : items.length === 0 ? (
        <Empty title="No stores yet">
          {access.manageStores ? <p>Create the first store to start adding staff to it.</p> : null}
        </Empty>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <caption className="sr-only">Stores</caption>
            <thead>
              <tr>
                <th scope="col">Code</th>
                <th scope="col">Name</th>
                <th scope="col">City</th>
                <th scope="col">Country</th>
                <th scope="col">Currency</th>
                <th scope="col" className="hide-narrow">
                  Time zone
                </th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {items.map((s) => (
                <tr key={s.id}>
                  <td>
                    <span className="code">{s.code}</span>
                  </td>
                  <th scope="row">
                    <Link to={`/stores/${s.id}`}>{s.name}</Link>
                  </th>
                  <td>{s.city ?? "—"}</td>
                  <td>{s.country}</td>
                  <td>{s.currency}</td>
                  <td className="hide-narrow">{s.timezone}</td>
                  <td>
                    {s.active ? (
                      <span className="pill pill-ok">Active</span>
                    ) : (
                      <span className="pill pill-off">Deactivated</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Page>
  );
}
