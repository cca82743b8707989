/**
 * The docs site's pages in reading order: the sidebar, the top navigation and
 * the browser check all read this list, so a page added here is linked and
 * tested everywhere.
 *
 * @module
 */

/** One page of the site. */
export interface SitePage {
  /** The link text. */
  text: string;
  /** The page's path from the site root, without `.md`, e.g. `/heartbeats`. */
  link: string;
}

/** A group of pages in the sidebar. */
export interface SiteSection {
  /** The group's title. */
  text: string;
  /** Its pages. */
  items: SitePage[];
}

/** Path of the API reference that `deno doc --html` writes into the site. */
export const API_LINK = "/api/index.html";

/** The sidebar, top to bottom. Every page here is a Markdown file in `docs/`. */
export const SECTIONS: SiteSection[] = [
  {
    text: "Liveness",
    items: [
      { text: "Why connections die silently", link: "/why-connections-die" },
      { text: "TCP keepalive", link: "/tcp-keepalive" },
      { text: "Application heartbeats", link: "/heartbeats" },
    ],
  },
  {
    text: "Measured",
    items: [
      { text: "Keepalive against heartbeat", link: "/comparison" },
      { text: "Other implementations", link: "/other-implementations" },
      { text: "Cost per connection", link: "/performance" },
    ],
  },
  {
    text: "How-to",
    items: [
      { text: "Run the server", link: "/server" },
      { text: "Operate the server", link: "/operations" },
      { text: "Run a cluster", link: "/cluster" },
      { text: "Run the client", link: "/client" },
      { text: "Browsers", link: "/browser" },
      { text: "Tune keepalive sysctls", link: "/sysctl" },
      { text: "Check a deployment (doctor)", link: "/doctor" },
    ],
  },
  {
    text: "Reference",
    items: [
      { text: "Wire protocol", link: "/protocol" },
      { text: "Security", link: "/security" },
    ],
  },
];

/**
 * Every page of the sidebar, in order.
 *
 * @returns The pages, flattened.
 *
 * @example List the page paths
 * ```ts
 * import { allPages } from "./site_map.ts";
 * console.log(allPages().map((page) => page.link));
 * ```
 */
export function allPages(): SitePage[] {
  return SECTIONS.flatMap((section) => section.items);
}
