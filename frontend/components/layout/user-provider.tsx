"use client";

import * as React from "react";
import { authApi } from "@/lib/api";
import type { User } from "@/lib/api-types";

interface UserContextValue {
  user: User | null;
  setUser: (user: User) => void;
}

const UserContext = React.createContext<UserContextValue | null>(null);

export function useUser(): UserContextValue {
  const ctx = React.useContext(UserContext);
  if (!ctx) throw new Error("useUser must be used inside <UserProvider>");
  return ctx;
}

/** Loads the signed-in user once for the whole app area; a 401 ends in /login via the API client. */
export function UserProvider({ children }: { children: React.ReactNode }) {
  const [user, setUser] = React.useState<User | null>(null);
  React.useEffect(() => {
    let cancelled = false;
    authApi
      .me()
      .then((me) => !cancelled && setUser(me))
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, []);
  const value = React.useMemo(() => ({ user, setUser }), [user]);
  return <UserContext.Provider value={value}>{children}</UserContext.Provider>;
}
