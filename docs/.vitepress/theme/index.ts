/**
 * The site's theme: VitePress's default theme plus the components that show
 * the lab's measurements.
 *
 * @module
 */

import DefaultTheme from "vitepress/theme";
import type { Theme } from "vitepress";
import {
  LabAdaptive,
  LabCases,
  LabCharts,
  LabFigure,
  LabFormulaChecks,
  LabMatrix,
  LabMeta,
  LabParam,
} from "./lab_components.ts";
import "./style.css";

const theme: Theme = {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    app.component("LabAdaptive", LabAdaptive);
    app.component("LabCases", LabCases);
    app.component("LabCharts", LabCharts);
    app.component("LabFigure", LabFigure);
    app.component("LabFormulaChecks", LabFormulaChecks);
    app.component("LabMatrix", LabMatrix);
    app.component("LabMeta", LabMeta);
    app.component("LabParam", LabParam);
  },
};

export default theme;
