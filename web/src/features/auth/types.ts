export type Role = "manager" | "cashier";

export interface MembershipView {
  store_id: string;
  role: Role;
}

export interface UserView {
  id: string;
  email: string;
  display_name: string;
  active: boolean;
  is_org_admin: boolean;
  must_change_password: boolean;
  memberships: MembershipView[];
  created_at: string;
  updated_at: string;
}

export interface Me {
  user: UserView;
  organisation: { id: string; name: string; currency: string; locale: string };
  memberships: { store_id: string; store_code: string; store_name: string; role: Role }[];
}
