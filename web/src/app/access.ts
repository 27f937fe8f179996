/**
 * What the signed-in user's role lets them see, for navigation and route guards. The server
 * decides every request regardless; this only keeps people from screens that would refuse
 * them.
 */
import type { Me } from "../features/auth/types";

export interface Access {
  isAdmin: boolean;
  /** Manager in at least one store. */
  isManager: boolean;
  manageStores: boolean;
  viewStores: boolean;
  manageStaff: boolean;
  viewAudit: boolean;
  /** Sell at a till: anyone who works in a store, and admins. */
  sell: boolean;
  /** The catalog (read for managers, change for admins). */
  viewProducts: boolean;
  editProducts: boolean;
  /** Stock levels, movements, adjustments and counts of their stores. */
  viewStock: boolean;
  /** Customers and their loyalty points, export and erasure (admins and managers). */
  viewCustomers: boolean;
  /** Sales figures of their stores. */
  viewDashboard: boolean;
  /** Demand forecasts, the model registry and training of their stores (admins and managers). */
  viewForecasts: boolean;
  /** Store ids where the user is manager. */
  managedStores: string[];
}

export function accessOf(me: Me): Access {
  const isAdmin = me.user.is_org_admin;
  const managedStores = me.memberships.filter((m) => m.role === "manager").map((m) => m.store_id);
  const isManager = managedStores.length > 0;
  return {
    isAdmin,
    isManager,
    manageStores: isAdmin,
    viewStores: isAdmin || isManager,
    manageStaff: isAdmin || isManager,
    viewAudit: isAdmin,
    sell: isAdmin || me.memberships.length > 0,
    viewProducts: isAdmin || isManager,
    editProducts: isAdmin,
    viewStock: isAdmin || isManager,
    viewDashboard: isAdmin || isManager,
    viewForecasts: isAdmin || isManager,
    viewCustomers: isAdmin || isManager,
    managedStores,
  };
}

export interface NavItem {
  to: string;
  label: string;
}

export function navFor(access: Access): NavItem[] {
  const items: NavItem[] = [];
  if (access.viewDashboard) items.push({ to: "/dashboard", label: "Dashboard" });
  if (access.sell) items.push({ to: "/pos", label: "Sell" });
  if (access.viewProducts) items.push({ to: "/products", label: "Products" });
  if (access.viewStock) items.push({ to: "/stock", label: "Stock" });
  if (access.viewForecasts) items.push({ to: "/forecasts", label: "Forecasts" });
  if (access.viewCustomers) items.push({ to: "/customers", label: "Customers" });
  if (access.viewStores)
    items.push({ to: "/stores", label: access.isAdmin ? "Stores" : "My stores" });
  else items.push({ to: "/my-store", label: "My store" });
  if (access.manageStaff) items.push({ to: "/staff", label: "Staff" });
  if (access.viewAudit) items.push({ to: "/audit", label: "Audit log" });
  items.push({ to: "/account", label: "My account" });
  return items;
}

/** Where a user lands after signing in. */
export function homeFor(access: Access): string {
  if (access.isAdmin || access.isManager) return access.isAdmin ? "/stores" : "/staff";
  return access.sell ? "/pos" : "/my-store";
}

/** Whether the role may open a path (for paths the user types or bookmarks). */
export function mayOpen(access: Access, path: string): boolean {
  const first = path.split("/")[1] ?? "";
  switch (first) {
    case "stores":
      return path === "/stores/new" ? access.manageStores : access.viewStores;
    case "staff":
      return access.manageStaff;
    case "audit":
      return access.viewAudit;
    case "pos":
      return access.sell;
    case "products":
      return path === "/products/new" ? access.editProducts : access.viewProducts;
    case "stock":
      return access.viewStock;
    case "dashboard":
      return access.viewDashboard;
    case "forecasts":
      return access.viewForecasts;
    case "customers":
      return access.viewCustomers;
    case "imports":
      return access.isAdmin || access.isManager;
    default:
      return true;
  }
}
