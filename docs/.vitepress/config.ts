/**
 * VitePress configuration for the Lifeline docs site. The sidebar comes from
 * `site_map.ts`; the API reference is written by `deno doc --html` into
 * `dist/api/` after VitePress builds (see `scripts/build_docs.ts`).
 *
 * @module
 */

import { type DefaultTheme, defineConfig } from "vitepress";
import { API_LINK, SECTIONS } from "./site_map.ts";

// The API reference is plain HTML from deno doc, not a VitePress page, so its
// links open with target="_self" (a full page load, not the SPA router).
const apiItem: DefaultTheme.SidebarItem = {
  text: "API reference",
  link: API_LINK,
  target: "_self",
};
const sidebar: DefaultTheme.SidebarItem[] = SECTIONS.map((section, i) => ({
  text: section.text,
  items: i === SECTIONS.length - 1
    ? [...section.items, apiItem]
    : [...section.items],
}));

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
  ignoreDeadLinks: [/^\/api\//],
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
