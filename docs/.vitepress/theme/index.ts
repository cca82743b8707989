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
  labFigure,
  LabFormulaChecks,
  LabMatrix,
  LabMeta,
  labParam,
} from "./lab_components.ts";
import "./style.css";

const theme: Theme = {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    app.component("LabAdaptive", LabAdaptive);
    app.component("LabCases", LabCases);
    app.component("LabCharts", LabCharts);
    app.component("LabFormulaChecks", LabFormulaChecks);
    app.component("LabMatrix", LabMatrix);
    app.component("LabMeta", LabMeta);
    // Inline figures in prose: {{$fig('fault/mechanism','median')}}.
    app.config.globalProperties.$fig = labFigure;
    app.config.globalProperties.$param = labParam;
  },
};

export default theme;
