import { describe, expect, it } from "vitest";
import { urlDomain, urlPath, urlStripQuery } from "./url-parts.js";

describe("URL transforms", () => {
  it("url_domain keeps the host name only", () => {
    expect(urlDomain("https://Shop.Example.com:8443/cart?id=1")).toBe("shop.example.com");
    expect(urlDomain("http://user:pw@example.com")).toBe("example.com");
    expect(urlDomain("https://[2001:db8::1]/x")).toBe("[2001:db8::1]");
    expect(urlDomain("/cart")).toBeNull();
    expect(urlDomain("mailto:ada@example.com")).toBeNull();
    expect(urlDomain("example.com")).toBeNull();
  });

  it("url_path keeps the path only", () => {
    expect(urlPath("https://example.com")).toBe("/");
    expect(urlPath("https://example.com/a b/c?d#e")).toBe("/a%20b/c");
    expect(urlPath("/cart?id=1")).toBe("/cart");
    expect(urlPath("//evil.example/x")).toBeNull();
    expect(urlPath("not a url")).toBeNull();
  });

  it("url_strip_query keeps scheme, host, path and utm_* parameters", () => {
    expect(urlStripQuery("https://example.com/p?utm_source=a&email=x%40y.z&UTM_Medium=b&utm=c#f")).toBe(
      "https://example.com/p?utm_source=a&UTM_Medium=b",
    );
    expect(urlStripQuery("https://example.com/p?q=1")).toBe("https://example.com/p");
    expect(urlStripQuery("https://example.com/p?utm_term=a+b%20c")).toBe(
      "https://example.com/p?utm_term=a+b%20c",
    );
    expect(urlStripQuery("https://example.com/p?%ZZ=1&utm_id=2")).toBe("https://example.com/p?utm_id=2");
    expect(urlStripQuery("/landing?utm_campaign=x&id=2")).toBe("/landing?utm_campaign=x");
    expect(urlStripQuery("nope")).toBeNull();
  });
});
