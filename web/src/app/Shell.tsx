import { type ReactNode, useState } from "react";
import { NotificationBell } from "../features/notifications/NotificationBell";
import { navFor } from "./access";
import { useApp } from "./context";
import { Link, useLocation } from "./router";

export function Shell({ children }: { children: ReactNode }) {
  const { me, access, session } = useApp();
  const { path } = useLocation();
  const [busy, setBusy] = useState(false);
  const items = navFor(access);
  const roleLabel = access.isAdmin ? "Admin" : access.isManager ? "Manager" : "Cashier";

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand" aria-label="ChainSync, start page">
          <span className="brand-mark" aria-hidden="true" /> ChainSync
        </Link>
        <span className="org-name">{me.organisation.name}</span>
        <div className="topbar-user">
          <NotificationBell />
          <span className="user-name">
            {me.user.display_name} <span className="badge">{roleLabel}</span>
          </span>
          <button
            type="button"
            className="btn btn-quiet"
            disabled={busy}
            onClick={() => {
              setBusy(true);
              void session.logout(false);
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <nav className="sidenav" aria-label="Main">
        <ul>
          {items.map((item) => {
            const current = path === item.to || path.startsWith(item.to + "/");
            return (
              <li key={item.to}>
                <Link to={item.to} aria-current={current ? "page" : undefined}>
                  {item.label}
                </Link>
              </li>
            );
          })}
        </ul>
      </nav>
      <main id="main" className="content">
        {children}
      </main>
    </div>
  );
}
