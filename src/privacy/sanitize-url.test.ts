import { describe, expect, it } from "vitest";
import { sanitizeUrl } from "./sanitize-url.js";

describe("sanitizeUrl", () => {
  it.each<[string, string | null]>([
    ["https://clinic.example/book", "https://clinic.example/book"],
    ["https://clinic.example", "https://clinic.example/"],
    ["http://clinic.example:8080/a/b", "http://clinic.example:8080/a/b"],
    ["https://Clinic.EXAMPLE/Path", "https://clinic.example/Path"],
    ["https://u:p@clinic.example/a", "https://clinic.example/a"],
    ["https://clinic.example/a#section-2", "https://clinic.example/a"],
    ["https://clinic.example/a?email=ada%40example.com", "https://clinic.example/a"],
    [
      "https://clinic.example/a?utm_source=news&name=ada&utm_campaign=spring&UTM_Medium=email",
      "https://clinic.example/a?utm_source=news&utm_campaign=spring&UTM_Medium=email",
    ],
    ["https://clinic.example/a?utm_source=news#x", "https://clinic.example/a?utm_source=news"],
    ["https://clinic.example/a?gclid=abc&fbclid=def", "https://clinic.example/a"],
    ["https://clinic.example/a?utm=1&utmsource=2", "https://clinic.example/a"],
    ["https://clinic.example/a?utm%5Fsource=x", "https://clinic.example/a?utm%5Fsource=x"],
    ["https://clinic.example/a?&&utm_term=x&", "https://clinic.example/a?utm_term=x"],
    ["https://clinic.example/a?", "https://clinic.example/a"],
    ["https://clinic.example/a b", "https://clinic.example/a%20b"],
    ["  https://clinic.example/a  ", "https://clinic.example/a"],
    ["HTTPS://clinic.example/a", "https://clinic.example/a"],
    ["https://[2001:db8::1]/a?x=1", "https://[2001:db8::1]/a"],
    ["ftp://clinic.example/a", null],
    ["mailto:ada@example.com", null],
    ["javascript:alert(1)", null],
    ["data:text/html,hi", null],
    ["/relative/path?utm_source=x", null],
    ["clinic.example/a", null],
    ["", null],
    ["https://", null],
    ["not a url", null],
  ])("%j → %j", (input, expected) => {
    expect(sanitizeUrl(input)).toBe(expected);
  });

  it("keeps the whole query when asked, but never credentials or the fragment", () => {
    expect(sanitizeUrl("https://u:p@clinic.example/a?q=1&utm_source=x#f", { keepQuery: true })).toBe(
      "https://clinic.example/a?q=1&utm_source=x",
    );
    expect(sanitizeUrl("https://clinic.example/a", { keepQuery: true })).toBe("https://clinic.example/a");
  });
});
