/**
 * Vue components that show the lab's measurements on the docs pages. They
 * read the build-time view from the data loader, so every figure comes from
 * `lab/results/latest.json`. Written as render functions (no `.vue` files) so
 * that `deno check` type-checks them with the rest of the project.
 *
 * Use them in Markdown: `<LabMatrix />`, `<LabCases />`, `<LabCharts />`,
 * `<LabMeta />`, `<LabFormulaChecks />`, `<LabAdaptive />`, each on a line of
 * its own; inline figures come from `labFigure()` and `labParam()`.
 *
 * @module
 */

import { defineComponent, h, type VNode } from "vue";
import { data } from "../lab.data.ts";
import type { CaseRow, LabView, MatrixCell } from "../lab_view.ts";

const view: LabView = data;

function matchMark(match: boolean | null): string {
  if (match === null) return "";
  return match ? " ✓" : " ✗";
}

function matchTitle(match: boolean | null): string {
  if (match === null) return "no prediction to check";
  return match
    ? "every run fell inside the predicted range"
    : "a run fell outside the predicted range";
}

/** Where and how the figures were measured, in one paragraph. */
export const LabMeta = defineComponent({
  name: "LabMeta",
  setup() {
    const m = view.meta;
    return (): VNode =>
      h("p", { class: "lab-meta" }, [
        "Measured on Linux ",
        h("code", m.kernel),
        ` with Deno ${m.deno} on ${m.date}: a ${m.mode} run, ${m.repetitions} repetition${
          m.repetitions === 1 ? "" : "s"
        } per case, each waiting at most ${m.cap}, by `,
        h("code", m.command),
        ` (${m.duration} in all).`,
      ]);
  },
});

function cell(c: MatrixCell | null): VNode {
  if (c === null) {
    return h("td", { class: "lab-cell lab-none" }, "not measured");
  }
  return h("td", {
    class: `lab-cell lab-${c.outcome}`,
    title: `At production scale: ${c.production}`,
  }, [
    c.text,
    h("span", {
      class: "lab-match",
      title: matchTitle(c.matchesPrediction),
    }, matchMark(c.matchesPrediction)),
  ]);
}

/** The fault × mechanism matrix: median / max detection time per cell. */
export const LabMatrix = defineComponent({
  name: "LabMatrix",
  setup() {
    return (): VNode =>
      h("div", { class: "lab-results lab-matrix" }, [
        h("table", [
          h("thead", [
            h("tr", [
              h("th", "mechanism \\ fault"),
              ...view.faults.map((f) =>
                h("th", { title: f.description }, f.label)
              ),
            ]),
          ]),
          h(
            "tbody",
            view.matrix.map((row) =>
              h("tr", { "data-mechanism": row.id }, [
                h("th", { title: row.description }, row.label),
                ...row.cells.map(cell),
              ])
            ),
          ),
        ]),
      ]);
  },
});

function caseRow(row: CaseRow, index: number, rows: CaseRow[]): VNode {
  // The fault spans its group of rows (the rows come grouped by fault).
  const first = index === 0 || rows[index - 1].fault !== row.fault;
  let span = 1;
  while (first && rows[index + span]?.fault === row.fault) span++;
  const faultCell = first
    ? [
      h("td", { rowspan: span, class: "lab-fault" }, [
        row.fault,
        h("br"),
        h("small", `${row.observer} notices`),
      ]),
    ]
    : [];
  return h("tr", { "data-case": row.id, class: `lab-${row.outcome}` }, [
    ...faultCell,
    h("td", row.mechanism),
    h("td", row.runs),
    h("td", { class: "lab-cell" }, row.medianMax),
    h("td", { title: row.formula }, row.predicted),
    h("td", row.production),
    h("td", { title: matchTitle(row.matchesPrediction) }, [
      row.matchesPrediction === null
        ? "—"
        : row.matchesPrediction
        ? "yes"
        : "no",
    ]),
  ]);
}

/** Every measured case with its prediction and its production-scale formula. */
export const LabCases = defineComponent({
  name: "LabCases",
  setup() {
    return (): VNode =>
      h("div", { class: "lab-results lab-cases" }, [
        h("table", [
          h("thead", [
            h(
              "tr",
              [
                "fault",
                "mechanism",
                "runs",
                "median / max",
                "predicted (lab)",
                "at production scale",
                "as predicted",
              ].map((title) => h("th", title)),
            ),
          ]),
          h("tbody", view.cases.map(caseRow)),
        ]),
      ]);
  },
});

/** Measured points set against the formulas that predict them. */
export const LabFormulaChecks = defineComponent({
  name: "LabFormulaChecks",
  setup() {
    return (): VNode =>
      h("div", { class: "lab-results lab-formulas" }, [
        h("table", [
          h("thead", [
            h(
              "tr",
              ["case", "formula", "predicted", "measured (median / max)", "ok"]
                .map((title) => h("th", title)),
            ),
          ]),
          h(
            "tbody",
            view.formulaChecks.map((f) =>
              h("tr", { class: f.ok ? "lab-detected" : "lab-mixed" }, [
                h("td", f.label),
                h("td", h("code", f.formula)),
                h("td", f.predicted),
                h("td", f.measured),
                h("td", f.ok ? "yes" : "no"),
              ])
            ),
          ),
        ]),
      ]);
  },
});

/** The charts the lab drew, each with its caption. */
export const LabCharts = defineComponent({
  name: "LabCharts",
  setup() {
    return (): VNode =>
      h(
        "div",
        { class: "lab-charts" },
        view.charts.length === 0
          ? [h("p", "The lab has not drawn any chart yet.")]
          : view.charts.map((c) =>
            h("figure", { class: "lab-chart" }, [
              h("img", { src: c.src, alt: c.title }),
              h("figcaption", c.title),
            ])
          ),
      );
  },
});

/** The adaptive heartbeat run: where the interval settled against the NAT. */
export const LabAdaptive = defineComponent({
  name: "LabAdaptive",
  setup() {
    const a = view.adaptive;
    return (): VNode => {
      if (!a.ran) {
        return h(
          "p",
          { class: "lab-meta" },
          `The adaptive heartbeat experiment did not run in this lab run${
            a.note ? `: ${a.note}` : "."
          }`,
        );
      }
      return h("div", { class: "lab-results lab-adaptive" }, [
        h("p", [
          `Behind a NAT that forgets idle mappings after ${a.natTimeout}, the client (`,
          h("code", a.options || "default options"),
          `) settled at a ${a.settledInterval} interval after ${a.settledAt}, then ran ${a.observedAfterSettle} with ${a.dropsAfterSettle} drop${
            a.dropsAfterSettle === 1 ? "" : "s"
          }: `,
          h("strong", a.ok ? "held" : "did not hold"),
          ".",
          a.note ? ` ${a.note}` : "",
        ]),
        h("table", [
          h("thead", [
            h("tr", ["time", "interval", "event"].map((t) => h("th", t))),
          ]),
          h(
            "tbody",
            a.samples.map((s) =>
              h("tr", [h("td", s.t), h("td", s.interval), h("td", s.event)])
            ),
          ),
        ]),
      ]);
    };
  },
});

/**
 * One measured figure quoted in prose, e.g. a case's median. Pages call it
 * as `{{$fig('client_vanishes/heartbeat','median')}}` (no spaces, so that
 * reflowing the Markdown never breaks the expression; a component tag at
 * the start of a line would make Markdown treat the line as raw HTML).
 *
 * @param id The case, `fault/mechanism`.
 * @param field Which figure.
 * @returns The figure, or a note that the case was not measured.
 */
export function labFigure(
  id: string,
  field: "median" | "max" | "production" | "text" = "text",
): string {
  const figure = view.figures[id];
  return figure === undefined ? "(not measured in this run)" : figure[field];
}

/**
 * One lab parameter quoted in prose, e.g. the tuned keepalive values:
 * `{{$param('keepaliveTuned')}}`.
 *
 * @param name The parameter.
 * @returns Its text.
 */
export function labParam(name: keyof LabView["meta"]): string {
  return String(view.meta[name]);
}
