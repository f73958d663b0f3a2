import { useEffect, useState } from "preact/hooks";

/**
 * Hash routes (`#/destinations/customerio-main/actions`): the admin server serves one index.html, and
 * a reload or a shared link opens the same screen. `useRoute()` re-renders on navigation.
 */
export function currentPath(): string {
  const hash = location.hash.replace(/^#/, "");
  return hash === "" ? "/" : hash;
}

export function navigate(path: string): void {
  location.hash = path;
}

export function useRoute(): string[] {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    const update = () => setPath(currentPath());
    addEventListener("hashchange", update);
    return () => removeEventListener("hashchange", update);
  }, []);
  return path
    .split("/")
    .filter((part) => part !== "")
    .map((part) => decodeURIComponent(part));
}

/** `href` for a route, with each segment encoded. */
export function href(...segments: string[]): string {
  return `#/${segments.map(encodeURIComponent).join("/")}`;
}
