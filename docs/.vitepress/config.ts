/**
 * VitePress configuration for the Lifeline docs site. The sidebar comes from
 * `site_map.ts`; the API reference is written by `deno doc --html` into
 * `dist/api/` after VitePress builds (see `scripts/build_docs.ts`).
 *
 * @module
 */

import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitepress";
import { API_LINK, SECTIONS } from "./site_map.ts";

const docsDir = fileURLToPath(new URL("..", import.meta.url));

// Pages owned by other parts of the project may not be written yet while the
// site is being developed: leave them out of the sidebar and say so. The
// browser check (tests/docs_site_test.ts) fails while any is missing.
const missing = SECTIONS.flatMap((section) => section.items)
  .map((page) => page.link)
  .filter((link) => !existsSync(`${docsDir}${link.slice(1)}.md`));
if (missing.length > 0) {
  console.warn(`Docs pages not written yet: ${missing.join(", ")}`);
}

const sidebar = SECTIONS.map((section) => ({
  text: section.text,
  items: section.items.filter((page) => !missing.includes(page.link)),
}));
sidebar[sidebar.length - 1].items.push({
  text: "API reference",
  link: API_LINK,
  target: "_self",
} as { text: string; link: string });

export default defineConfig({
  title: "Lifeline",
  description:
    "Connection liveness for long-lived TCP: heartbeats, TCP keepalive, and what each one costs, measured.",
  lang: "en-US",
  cleanUrls: false,
  lastUpdated: false,
  head: [["link", {
    rel: "icon",
    type: "image/svg+xml",
    href: "/favicon.svg",
  }]],
  // The API reference is not a VitePress page; it is generated afterwards.
  ignoreDeadLinks: [
    /^\/api\//,
    ...missing.map((link) => new RegExp(`^\\.?${link}(\\.md|\\.html)?$`)),
  ],
  themeConfig: {
    nav: [
      { text: "Guide", link: "/why-connections-die" },
      { text: "Measured", link: "/comparison" },
      { text: "How-to", link: "/server" },
      { text: "API", link: API_LINK, target: "_self" },
    ],
    sidebar,
    outline: { level: [2, 3] },
    search: { provider: "local" },
    footer: {
      message:
        "Every measured figure on this site comes from lab/results/latest.json, written by deno task lab.",
    },
  },
});
