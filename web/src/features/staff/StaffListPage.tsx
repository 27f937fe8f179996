import { useState } from "react";
import { useApp } from "../../app/context";
import { Link } from "../../app/router";
import type { Page as ApiPage } from "../../platform/net/api";
import { useAsync } from "../../ui/hooks";
import { Empty, ErrorAlert, LoadError, Loading, Page } from "../../ui/ui";
import type { UserView } from "../auth/types";
import { roleLabel, useStores } from "./useStores";

export function StaffListPage() {
  const { api, access } = useApp();
  const stores = useStores();
  const [pages, setPages] = useState<UserView[][]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [moreError, setMoreError] = useState<unknown>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [filter, setFilter] = useState("");
  const first = useAsync(async () => {
    const page = await api.get<ApiPage<UserView>>("/api/users", { limit: 100 });
    setPages([page.items]);
    setCursor(page.next_cursor);
    return page;
  }, [api]);

  async function more() {
    if (!cursor) return;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const page = await api.get<ApiPage<UserView>>("/api/users", { limit: 100, cursor });
      setPages((p) => [...p, page.items]);
      setCursor(page.next_cursor);
    } catch (err) {
      setMoreError(err);
    } finally {
      setLoadingMore(false);
    }
  }

  const all = pages.flat();
  const q = filter.trim().toLowerCase();
  const users = q
    ? all.filter(
        (u) => u.display_name.toLowerCase().includes(q) || u.email.toLowerCase().includes(q),
      )
    : all;

  return (
    <Page
      title="Staff"
      lead={
        access.isAdmin
          ? "Everyone in the organisation."
          : "The cashiers of the stores you manage, and you."
      }
      actions={
        <Link to="/staff/new" className="btn btn-primary">
          {access.isAdmin ? "New staff member" : "New cashier"}
        </Link>
      }
    >
      <div className="toolbar">
        <label htmlFor="staff-filter">Filter by name or email</label>
        <input
          id="staff-filter"
          type="search"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          autoComplete="off"
        />
      </div>
      {first.status === "error" ? (
        <LoadError error={first.error} retry={first.reload} />
      ) : !first.data ? (
        <Loading label="Loading staff…" />
      ) : users.length === 0 ? (
        <Empty title={q ? "Nobody matches this filter" : "No staff yet"} />
      ) : (
        <div className="table-wrap">
          <table className="table">
            <caption className="sr-only">Staff</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Roles</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <tr key={u.id}>
                  <th scope="row">
                    <Link to={`/staff/${u.id}`}>{u.display_name}</Link>
                  </th>
                  <td>{u.email}</td>
                  <td>
                    <ul className="chips">
                      {u.is_org_admin ? <li className="chip chip-admin">Admin</li> : null}
                      {u.memberships.map((m) => (
                        <li className="chip" key={m.store_id}>
                          {roleLabel(m.role)} · {stores.byId.get(m.store_id)?.code ?? "other store"}
                        </li>
                      ))}
                      {!u.is_org_admin && u.memberships.length === 0 ? (
                        <li className="muted">No roles</li>
                      ) : null}
                    </ul>
                  </td>
                  <td>
                    {!u.active ? (
                      <span className="pill pill-off">Deactivated</span>
                    ) : u.must_change_password ? (
                      <span className="pill pill-warn">Awaiting first sign-in</span>
                    ) : (
                      <span className="pill pill-ok">Active</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ErrorAlert error={moreError ?? undefined} />
      {cursor ? (
        <button type="button" className="btn" onClick={() => void more()} disabled={loadingMore}>
          {loadingMore ? "Loading…" : "Show more"}
        </button>
      ) : null}
    </Page>
  );
}
