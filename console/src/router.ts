/** Hash routes (`#/databases/metrics`), so the server only ever serves index.html and assets. */
import { useEffect, useState } from "preact/hooks";

export interface Route {
  path: string[];
  params: URLSearchParams;
}

function current(): Route {
  const hash = location.hash.replace(/^#\/?/, "");
  const [path = "", query = ""] = hash.split("?", 2);
  return {
    path: path
      .split("/")
      .filter((p) => p !== "")
      .map(decodeURIComponent),
    params: new URLSearchParams(query),
  };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const update = () => setRoute(current());
    addEventListener("hashchange", update);
    return () => removeEventListener("hashchange", update);
  }, []);
  return route;
}

export function href(path: string[], params?: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params ?? {})) if (v !== undefined && v !== "") query.set(k, v);
  const q = query.toString();
  return `#/${path.map(encodeURIComponent).join("/")}${q === "" ? "" : `?${q}`}`;
}

export function navigate(path: string[], params?: Record<string, string | undefined>): void {
  location.hash = href(path, params);
}
