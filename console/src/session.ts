/** The signed-in token: in sessionStorage only (gone with the tab), never in a URL or a log. */
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Api, Whoami } from "./api.js";
import type { Scopes } from "./scopes.js";

const KEY = "guru.console.token";

export function storedToken(): string | undefined {
  return sessionStorage.getItem(KEY) ?? undefined;
}

export function storeToken(token: string | undefined): void {
  if (token === undefined) sessionStorage.removeItem(KEY);
  else sessionStorage.setItem(KEY, token);
}

export interface Session {
  api: Api;
  whoami: Whoami;
  scopes: Scopes;
  signOut(): void;
}

export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === undefined) throw new Error("no session");
  return session;
}
